package events

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/go-json-experiment/json"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/visibility"
)

// DueStore is what the pass over what falls due reads and writes.
type DueStore interface {
	credo.ChangeLog
	credo.PublicityIndex
	ListEntries(ctx context.Context, q credo.ListQuery) (*credo.ListEntryPage, error)
	ListEntry(ctx context.Context, id int64) (*credo.ListEntry, error)
	EachSubject(ctx context.Context, after string, fn func(code string, records []*credo.Record) error) error
	GradingInputs(ctx context.Context, codes []string) ([]*credo.Inputs, error)
}

// Cursors of the pass: the time up to which it has looked (unix
// nanoseconds), and the log position up to which it has read new entries.
const (
	dueTimeCursor = "events.due.time"
	dueLogCursor  = "events.due.log"
)

// LogDue appends to the log the transitions that happened by time alone
// since the last pass, up to now: list entries taking effect
// (list_entry.active, at their EffectiveAt), reaching their term
// (list_entry.ended, expired, at Until), and ending later than they were
// decided (an escalated entry ends when its successor takes effect); and,
// under the rulebooks rules gives (nil: none), records leaving their
// publicity window (record.withdrawn, expired, at the window's end; see
// publicity.go). Each is keyed by its entry or record, so that passes on
// several nodes, or a pass run again after a crash, append it once. The
// first pass only marks where later ones start. It returns how many
// changes it appended.
func LogDue(ctx context.Context, store DueStore, rules visibility.Rules, now time.Time) (int, error) {
	since, err := store.Cursor(ctx, dueTimeCursor)
	if err != nil {
		return 0, err
	}
	head, err := store.Head(ctx)
	if err != nil {
		return 0, err
	}
	if since == 0 {
		if err := store.SaveCursor(ctx, dueLogCursor, head); err != nil {
			return 0, err
		}
		return 0, store.SaveCursor(ctx, dueTimeCursor, now.UnixNano())
	}
	read, err := store.Cursor(ctx, dueLogCursor)
	if err != nil {
		return 0, err
	}
	from, to := time.Unix(0, since), now.Add(time.Nanosecond)
	d := &due{store: store, now: now, seen: map[string]bool{}, indexed: -1}
	// Entries whose date fell in the window.
	if err := d.each(ctx, credo.ListQuery{From: from, To: to, AsOf: now}, d.taking); err != nil {
		return 0, err
	}
	if err := d.each(ctx, credo.ListQuery{UntilFrom: from, UntilTo: to, AsOf: now}, d.expiring); err != nil {
		return 0, err
	}
	// Entries recorded since the last pass with a date before its window.
	for after := read; after < head; {
		page, err := store.Changes(ctx, credo.ChangeQuery{After: after, Upto: head,
			Types: []string{credo.ChangeListEntryNotified}, Limit: credo.MaxPageSize})
		if err != nil {
			return 0, err
		}
		for _, c := range page {
			var data credo.ListEntryChange
			if err := json.Unmarshal(c.Data, &data); err != nil {
				return 0, fmt.Errorf("reading change %d: %w", c.Position, err)
			}
			if !data.EffectiveAt.After(now) && data.EffectiveAt.Before(from) ||
				!data.Until.IsZero() && !data.Until.After(now) && data.Until.Before(from) {
				e, err := store.ListEntry(ctx, data.Entry)
				if err != nil {
					return 0, err
				}
				if err := d.taking(ctx, e); err != nil {
					return 0, err
				}
				if err := d.expiring(ctx, e); err != nil {
					return 0, err
				}
			}
		}
		if len(page) < credo.MaxPageSize {
			break
		}
		after = page[len(page)-1].Position
	}
	// The entries' changes go first: building the publicity index (once,
	// over every record) must not hold them back.
	n, err := d.flush(ctx)
	if err != nil {
		return 0, err
	}
	if rules != nil && rules.Set() != nil {
		if err := d.publicity(ctx, rules.Set(), from, to, head); err != nil {
			return n, err
		}
		m, err := d.flush(ctx)
		if err != nil {
			return n, err
		}
		n += m
	}
	if d.indexed >= 0 {
		if err := store.IndexPublicity(ctx, nil, d.indexed); err != nil {
			return n, err
		}
	}
	if err := store.SaveCursor(ctx, dueLogCursor, head); err != nil {
		return n, err
	}
	return n, store.SaveCursor(ctx, dueTimeCursor, now.UnixNano())
}

type due struct {
	store   DueStore
	now     time.Time
	changes []*credo.Change
	seen    map[string]bool
	// indexed is the log position the publicity index covers once the
	// changes are appended (-1: it did not move).
	indexed int64
}

// flush appends the changes found so far, in time order.
func (d *due) flush(ctx context.Context) (int, error) {
	slices.SortStableFunc(d.changes, func(a, b *credo.Change) int { return a.At.Compare(b.At.Time) })
	n, err := d.store.AppendChanges(ctx, d.changes)
	d.changes = d.changes[:0]
	return n, err
}

func (d *due) add(c *credo.Change) {
	if !d.seen[c.Key] {
		d.seen[c.Key] = true
		d.changes = append(d.changes, c)
	}
}

func (d *due) each(ctx context.Context, q credo.ListQuery, fn func(context.Context, *credo.ListEntry) error) error {
	q.Limit = credo.MaxPageSize
	for {
		page, err := d.store.ListEntries(ctx, q)
		if err != nil {
			return err
		}
		for _, e := range page.Entries {
			if err := fn(ctx, e); err != nil {
				return err
			}
		}
		if page.Next == "" {
			return nil
		}
		q.Cursor = page.Next
	}
}

// endedAt is when e's stored transition ends it, zero when none does.
func endedAt(e *credo.ListEntry) time.Time {
	if len(e.Transitions) > 0 {
		return e.Transitions[0].At.Time
	}
	return time.Time{}
}

// taking logs e taking effect, unless it ended before; an escalated
// entry's successor taking effect ends it.
func (d *due) taking(ctx context.Context, e *credo.ListEntry) error {
	if e.EffectiveAt.After(d.now) {
		return nil
	}
	if end := endedAt(e); end.IsZero() || end.After(e.EffectiveAt.Time) {
		d.add(credo.ListEntryActiveChange(e))
	}
	if e.EscalatedFrom == 0 {
		return nil
	}
	old, err := d.store.ListEntry(ctx, e.EscalatedFrom)
	if err != nil {
		return err
	}
	if len(old.Transitions) > 0 {
		t := old.Transitions[0]
		if t.At.After(t.RecordedAt.Time) && !t.At.After(d.now) {
			d.add(credo.ListEntryEndedChange(old, t.At.Time, t.Reason))
		}
	}
	return nil
}

// expiring logs e reaching its term, unless a transition ended it first.
func (d *due) expiring(_ context.Context, e *credo.ListEntry) error {
	if e.Until.IsZero() || e.Until.After(d.now) {
		return nil
	}
	if end := endedAt(e); end.IsZero() || end.After(e.Until.Time) {
		d.add(credo.ListEntryEndedChange(e, e.Until.Time, credo.EndExpired))
	}
	return nil
}
