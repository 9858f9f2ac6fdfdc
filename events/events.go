// Package events is the event feed: the changes of the change log that a
// reader cares about, as CloudEvents 1.0, each shown only to those who may
// see it; and the changes that happen by time alone (an entry taking
// effect or reaching its term, a record leaving its publicity window),
// which it appends to the log at their time, once, however many nodes run
// the pass.
package events

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/uscc"
	"github.com/credo-registry/credo/visibility"
)

// Event is one CloudEvents 1.0 event in its JSON form. ID is the change's
// position in the log; Subject the organization's code.
type Event struct {
	SpecVersion     string         `json:"specversion"`
	ID              string         `json:"id"`
	Source          string         `json:"source"`
	Type            string         `json:"type"`
	Subject         string         `json:"subject,omitempty"`
	Time            credo.Time     `json:"time"`
	DataContentType string         `json:"datacontenttype"`
	Data            jsontext.Value `json:"data"`

	position int64
}

// Position is the event's place in the log.
func (e *Event) Position() int64 { return e.position }

// Event types: "credo." and the change type. Changes of other types
// (accounts, authorities, rulebooks) are not events.
const prefix = "credo."

// Types lists every event type, sorted.
var Types = func() []string {
	var out []string
	for _, t := range []string{
		credo.ChangeRecordAccepted, credo.ChangeRecordWithdrawn, credo.ChangeGradeChanged,
		credo.ChangeListEntryNotified, credo.ChangeListEntryActive, credo.ChangeListEntryEnded,
		credo.ChangeCaseFiled, credo.ChangeCaseDecided, credo.ChangeRegistrationChanged,
		credo.ChangeAnnualReportFiled,
	} {
		out = append(out, prefix+t)
	}
	slices.Sort(out)
	return out
}()

// MaxSubjects is the most codes a query names. Ten thousand codes (190
// KB in the request line, which the server admits: api.NewHTTPServer)
// cost a reader no more than one: both stores match them as a set while
// they read the log in order.
const MaxSubjects = 10000

// Query selects events after a position.
type Query struct {
	After    int64
	Types    []string // event types; none: all
	Subjects []string // organization codes; none: all
	Limit    int      // 0: DefaultPageSize; above MaxPageSize, cut to it
}

// ParseQuery reads a query's parameters as the API takes them: after (a
// position, 0 or more), types and subjects (comma-separated), limit. Each
// error names its field.
func ParseQuery(after, types, subjects, limit string) (Query, error) {
	var q Query
	if after != "" {
		n, err := strconv.ParseInt(after, 10, 64)
		if err != nil || n < 0 {
			return q, credo.FieldError("after", "format", "must be a position (a whole number, 0 or more)")
		}
		q.After = n
	}
	if limit != "" {
		n, err := strconv.Atoi(limit)
		if err != nil || n < 1 {
			return q, credo.FieldError("limit", "format", "must be a whole number from 1 to %d", credo.MaxPageSize)
		}
		q.Limit = min(n, credo.MaxPageSize)
	}
	for t := range strings.SplitSeq(types, ",") {
		if t = strings.TrimSpace(t); t == "" {
			continue
		}
		if _, ok := slices.BinarySearch(Types, t); !ok {
			return q, credo.FieldError("types", "enum", "%q is no event type; the types are %s", t, strings.Join(Types, ", "))
		}
		q.Types = append(q.Types, t)
	}
	for c := range strings.SplitSeq(subjects, ",") {
		if c = strings.TrimSpace(c); c == "" {
			continue
		}
		if len(q.Subjects) == MaxSubjects {
			return q, credo.FieldError("subjects", "max", "at most %d codes; follow more organizations with several readers, or none and filter", MaxSubjects)
		}
		code, failure := uscc.Check(c)
		if failure != "" {
			return q, credo.FieldError("subjects", "format", "%q is not a valid Unified Social Credit Code (%s)", c, failure)
		}
		q.Subjects = append(q.Subjects, code)
	}
	return q, nil
}

// Page is a page of events and the position to ask after next.
type Page struct {
	Events []*Event `json:"events"`
	Next   int64    `json:"next"`
	// More is true when the log held more than the page when it was read.
	More bool `json:"-"`
}

// Store is what the feed reads.
type Store interface {
	credo.ChangeLog
	Record(ctx context.Context, id int64) (*credo.Record, error)
	ListEntry(ctx context.Context, id int64) (*credo.ListEntry, error)
}

// Feed reads events from the log.
type Feed struct {
	store  Store
	policy *visibility.Policy
	source string
	now    func() time.Time
}

// NewFeed returns a feed over store; policy decides what each viewer sees
// (nil: administrators and organizations see their own, the public
// nothing that needs rules to be judged). source is every event's source
// attribute.
func NewFeed(store Store, policy *visibility.Policy, source string, now func() time.Time) *Feed {
	if now == nil {
		now = time.Now
	}
	return &Feed{store: store, policy: policy, source: source, now: now}
}

// Read returns the events after q.After that v may see, and the position
// to ask after next: the head when nothing more is there (so after a
// position beyond the head, none and the head), else the last change read.
// Changes v may not see are passed over, so a page may hold fewer events
// than its limit while Next moves on.
func (f *Feed) Read(ctx context.Context, v credo.Viewer, q Query) (*Page, error) {
	head, err := f.store.Head(ctx)
	if err != nil {
		return nil, err
	}
	page := &Page{Events: []*Event{}, Next: head}
	if q.After >= head {
		return page, nil
	}
	limit := q.Limit
	if limit <= 0 {
		limit = credo.DefaultPageSize
	}
	types := make([]string, 0, len(Types))
	for _, t := range Types {
		if len(q.Types) == 0 || slices.Contains(q.Types, t) {
			types = append(types, strings.TrimPrefix(t, prefix))
		}
	}
	changes, err := f.store.Changes(ctx, credo.ChangeQuery{After: q.After, Upto: head, Types: types, Subjects: q.Subjects, Limit: limit})
	if err != nil {
		return nil, err
	}
	if len(changes) == limit && changes[len(changes)-1].Position < head {
		page.Next, page.More = changes[len(changes)-1].Position, true
	}
	now := f.now()
	records := map[int64]*credo.Record{}
	for _, c := range changes {
		ok, err := f.visible(ctx, v, c, now, records)
		if err != nil {
			return nil, err
		}
		if ok {
			page.Events = append(page.Events, f.event(c))
		}
	}
	return page, nil
}

// Event returns change c as the feed shows it (whether a viewer may see
// it is Visible's to say).
func (f *Feed) Event(c *credo.Change) *Event { return f.event(c) }

func (f *Feed) event(c *credo.Change) *Event {
	return &Event{SpecVersion: "1.0", ID: strconv.FormatInt(c.Position, 10), Source: f.source, Type: prefix + c.Type,
		Subject: c.Subject, Time: c.At, DataContentType: "application/json", Data: c.Data, position: c.Position}
}

// Visible reports whether v may see change c, as the feed judges it.
func (f *Feed) Visible(ctx context.Context, v credo.Viewer, c *credo.Change) (bool, error) {
	return f.visible(ctx, v, c, f.now(), map[int64]*credo.Record{})
}

// VisibleAmong is Visible with records already read, by id (a caller
// judging many changes reads their records at once); a record not among
// them is read, and added.
func (f *Feed) VisibleAmong(ctx context.Context, v credo.Viewer, c *credo.Change, records map[int64]*credo.Record) (bool, error) {
	return f.visible(ctx, v, c, f.now(), records)
}

// visible asks the visibility policy about the item a change is about,
// as it stood at the change: a record (accepted: while v may see it;
// withdrawn: when v saw it just before), a list entry (as known now, at
// the change's time; notified: only to those who see it whatever its
// state), a case, a grade of a dimension (through the policy's view of an
// assessment), registration data, an annual report's filing. Anything else, and anything it cannot
// judge, is hidden.
func (f *Feed) visible(ctx context.Context, v credo.Viewer, c *credo.Change, now time.Time, records map[int64]*credo.Record) (bool, error) {
	if c.Subject == "" {
		return false, nil
	}
	if visibility.Whole(v, c.Subject) {
		return true, nil
	}
	id, _ := strconv.ParseInt(c.Ref, 10, 64)
	at := c.At.Time
	switch c.Type {
	case credo.ChangeRegistrationChanged:
		return f.policy.Visible(v, &credo.Subject{Code: c.Subject}, at, now), nil
	case credo.ChangeAnnualReportFiled:
		return f.policy.Visible(v, &credo.AnnualReport{Subject: c.Subject}, at, now), nil
	case credo.ChangeGradeChanged:
		var d credo.GradeChangedChange
		if json.Unmarshal(c.Data, &d) != nil {
			return false, nil
		}
		if d.Dimension == credo.ComprehensiveDimension {
			return d.Public && f.policy.Visible(v, &credo.Assessment{Subject: c.Subject}, at, now), nil
		}
		a := &credo.Assessment{Subject: c.Subject, AsOf: c.At, Dimensions: map[string]*credo.Dimension{d.Dimension: {Public: d.Public}}}
		shown := f.policy.Assessment(v, a, nil)
		return shown != nil && shown.Dimensions[d.Dimension] != nil, nil
	case credo.ChangeListEntryNotified, credo.ChangeListEntryActive, credo.ChangeListEntryEnded:
		e, err := f.store.ListEntry(ctx, id)
		if credo.ErrorCodeOf(err) == credo.ENOTFOUND {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		switch c.Type {
		case credo.ChangeListEntryNotified:
			return f.policy.EntryFull(v, e), nil
		case credo.ChangeListEntryActive:
			return f.policy.Entry(v, e, at, now), nil
		}
		return f.policy.Entry(v, e, at.Add(-time.Microsecond), now), nil
	case credo.ChangeCaseFiled, credo.ChangeCaseDecided:
		var d credo.CaseChange
		if json.Unmarshal(c.Data, &d) != nil {
			return false, nil
		}
		return f.policy.Case(v, &credo.Case{ID: d.Case, Kind: d.Kind, Subject: c.Subject, Target: d.Target, Authority: d.Authority}), nil
	case credo.ChangeRecordAccepted, credo.ChangeRecordWithdrawn:
		r, ok := records[id]
		if !ok {
			var err error
			if r, err = f.store.Record(ctx, id); err != nil {
				if credo.ErrorCodeOf(err) == credo.ENOTFOUND {
					return false, nil
				}
				return false, err
			}
			records[id] = r
		}
		if c.Type == credo.ChangeRecordAccepted {
			return f.policy.Record(v, r, now), nil
		}
		// Its withdrawal is shown to those who saw the record just before.
		before := *r
		before.SupersededBy, before.RepairedAt = 0, credo.Time{}
		return f.policy.Record(v, &before, at.Add(-time.Microsecond)), nil
	}
	return false, nil
}
