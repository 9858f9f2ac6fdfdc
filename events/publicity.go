package events

import (
	"context"
	"strconv"
	"time"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/rulebook"
)

// Records leaving their publicity window (record.withdrawn, expired).
//
// When a record's publicity ends depends on the rulebooks, which the
// store does not read, so the pass keeps the store's index of it
// (credo.PublicityIndex) up to date from the change log: each pass
// indexes the records accepted since the position the index covers, and
// then reads from the index only the ends that fell in its window. It
// never reads every record but to build the index (a store that never had
// one: migrated, copied) or to rebuild it when a rulebook version is
// published (which may move every window). An end is checked again when
// it falls due, under the rulebooks then in force: a window that grew is
// indexed anew, one that moved earlier is logged at its new end.

// publicity logs the records whose publicity ended in [from, to), after
// bringing the index up to the log's head.
func (d *due) publicity(ctx context.Context, set *rulebook.Set, from, to time.Time, head int64) error {
	if err := d.index(ctx, set, from, head); err != nil {
		return err
	}
	var after credo.PublicityEnd
	for {
		page, err := d.store.PublicityEnding(ctx, from, to, after, credo.MaxPageSize)
		if err != nil {
			return err
		}
		var moved []credo.PublicityEnd
		err = d.eachRecord(ctx, page, func(r *credo.Record, byID map[int64]*credo.Record) {
			until := expiry(set, r, byID, d.now)
			switch {
			case until.IsZero() || until.After(d.now):
				// The rulebooks in force now give it a later end, or none.
				moved = append(moved, credo.PublicityEnd{Record: r.ID, Subject: r.Subject, Until: credo.NewTime(until)})
			default:
				d.add(credo.RecordExpiredChange(r, until))
			}
		})
		if err != nil {
			return err
		}
		if len(moved) > 0 {
			if err := d.store.IndexPublicity(ctx, moved, -1); err != nil {
				return err
			}
		}
		if len(page) < credo.MaxPageSize {
			return nil
		}
		after = page[len(page)-1]
	}
}

// loadWait is how long the index waits for a published rulebook version
// to be loaded (serve reloads them once a minute) before it goes on
// without it.
const loadWait = 10 * time.Minute

// index brings the publicity index up to head: the records accepted since
// the position it covers are indexed (and those whose publicity had ended
// before from, recorded late, logged at their end); a store without an
// index, or a rulebook version published since that the rulebooks in
// force hold, has it built from every record. A rulebook version that is
// published but not yet loaded stops the index before it, for up to
// loadWait, so that a pass that has loaded it rebuilds.
func (d *due) index(ctx context.Context, set *rulebook.Set, from time.Time, head int64) error {
	pos, built, err := d.store.PublicityIndexed(ctx)
	if err != nil {
		return err
	}
	if !built {
		return d.rebuild(ctx, set, head, false)
	}
	loaded := map[string]bool{}
	for _, rb := range set.Rulebooks() {
		loaded[rb.ID+"@"+rb.Version] = true
	}
	for pos < head {
		page, err := d.store.Changes(ctx, credo.ChangeQuery{After: pos, Upto: head,
			Types: []string{credo.ChangeRecordAccepted, credo.ChangeRulebookPublished}, Limit: credo.MaxPageSize})
		if err != nil {
			return err
		}
		upto, waiting := head, false
		if len(page) == credo.MaxPageSize {
			upto = page[len(page)-1].Position
		}
		var accepted []credo.PublicityEnd
		for _, c := range page {
			if c.Type == credo.ChangeRulebookPublished {
				if loaded[c.Ref] {
					return d.rebuild(ctx, set, head, true)
				}
				if d.now.Sub(c.At.Time) < loadWait {
					upto, waiting = c.Position-1, true
					break
				}
				continue // a version that does not load: grading goes on without it too
			}
			id, _ := strconv.ParseInt(c.Ref, 10, 64)
			accepted = append(accepted, credo.PublicityEnd{Record: id, Subject: c.Subject})
		}
		var ends []credo.PublicityEnd
		err = d.eachRecord(ctx, accepted, func(r *credo.Record, byID map[int64]*credo.Record) {
			until := expiry(set, r, byID, d.now)
			if until.IsZero() {
				return
			}
			ends = append(ends, credo.PublicityEnd{Record: r.ID, Subject: r.Subject, Until: credo.NewTime(until)})
			if until.Before(from) {
				d.add(credo.RecordExpiredChange(r, until))
			}
		})
		if err != nil {
			return err
		}
		// The position moves once what the pass found is in the log
		// (LogDue), so that a crash between loses none of it.
		if err := d.store.IndexPublicity(ctx, ends, -1); err != nil {
			return err
		}
		d.indexed = upto
		if waiting {
			return nil
		}
		pos = upto
	}
	return nil
}

// rebuild indexes every record's end under set, and then that the index
// covers the log up to head. again is set when the index was built
// before: records whose window no longer ends are removed from it.
func (d *due) rebuild(ctx context.Context, set *rulebook.Set, head int64, again bool) error {
	var ends []credo.PublicityEnd
	flush := func() error {
		if len(ends) == 0 {
			return nil
		}
		err := d.store.IndexPublicity(ctx, ends, -1)
		ends = ends[:0]
		return err
	}
	err := d.store.EachSubject(ctx, "", func(_ string, records []*credo.Record) error {
		byID := make(map[int64]*credo.Record, len(records))
		for _, r := range records {
			byID[r.ID] = r
		}
		for _, r := range records {
			until := expiry(set, r, byID, d.now)
			if !until.IsZero() || again {
				ends = append(ends, credo.PublicityEnd{Record: r.ID, Subject: r.Subject, Until: credo.NewTime(until)})
			}
		}
		if len(ends) >= credo.MaxPageSize {
			return flush()
		}
		return nil
	})
	if err != nil {
		return err
	}
	d.indexed = head
	return flush()
}

// eachRecord calls fn with each of the records ends name (by Record and
// Subject) that the store holds, and every record of its organization by
// id, reading the organizations MaxGradingInputs at a time.
func (d *due) eachRecord(ctx context.Context, ends []credo.PublicityEnd, fn func(*credo.Record, map[int64]*credo.Record)) error {
	want := map[string][]int64{}
	var codes []string
	for _, e := range ends {
		if _, ok := want[e.Subject]; !ok {
			codes = append(codes, e.Subject)
		}
		want[e.Subject] = append(want[e.Subject], e.Record)
	}
	for len(codes) > 0 {
		n := min(len(codes), credo.MaxGradingInputs)
		inputs, err := d.store.GradingInputs(ctx, codes[:n])
		if err != nil {
			return err
		}
		codes = codes[n:]
		for _, in := range inputs {
			byID := make(map[int64]*credo.Record, len(in.Records))
			for _, r := range in.Records {
				byID[r.ID] = r
			}
			for _, id := range want[in.Code] {
				if r := byID[id]; r != nil {
					fn(r, byID)
				}
			}
		}
	}
	return nil
}

// expiry is when r's publicity window ends under set as in force at now,
// zero when it does not: a retraction, a record never shown (its window
// ends where it starts), one whose window has no end, and one withdrawn
// otherwise (superseded, retracted, repaired) before its window ended.
// byID holds the records of r's organization, the one superseding it
// among them.
func expiry(set *rulebook.Set, r *credo.Record, byID map[int64]*credo.Record, now time.Time) time.Time {
	if r.Retracted() {
		return time.Time{}
	}
	w := set.Publicity(r, now)
	if w.Until.IsZero() || !w.Until.After(w.From) {
		return time.Time{}
	}
	if !r.RepairedAt.IsZero() && !r.RepairedAt.After(w.Until) {
		return time.Time{}
	}
	if r.SupersededBy != 0 {
		by := byID[r.SupersededBy]
		if by == nil || !by.RecordedAt.After(w.Until) {
			return time.Time{}
		}
	}
	return w.Until.Truncate(time.Microsecond)
}
