package ledger

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/go-json-experiment/json"

	"github.com/credo-registry/credo"
)

// What an item read from the API is checked against: the change its
// log_index names. A record, by its record.accepted change (every field
// the change carries, and through its digest every field the authority
// gave); a list entry, by its list_entry.notified change; an open
// objection, by its case.filed change; a decided case, by its
// case.decided change.

// diffs collects the fields an item and its change disagree on.
type diffs []string

func (d *diffs) str(field, got, logged string) {
	if got != logged {
		*d = append(*d, fmt.Sprintf("%s is %q, the log says %q", field, got, logged))
	}
}

func (d *diffs) time(field string, got, logged time.Time) {
	if !got.Equal(logged) {
		*d = append(*d, fmt.Sprintf("%s is %s, the log says %s", field, fmtTime(got), fmtTime(logged)))
	}
}

func (d *diffs) num(field string, got, logged int64) {
	if got != logged {
		*d = append(*d, fmt.Sprintf("%s is %d, the log says %d", field, got, logged))
	}
}

func (d diffs) err() error {
	if len(d) == 0 {
		return nil
	}
	return errors.New(strings.Join(d, "; "))
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return "none"
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// is checks that c is the change of type typ about id.
func is(c *credo.Change, typ string, id int64) error {
	if c.Type != typ || c.Ref != strconv.FormatInt(id, 10) {
		return fmt.Errorf("its leaf is %s %s, not %s %d", c.Type, c.Ref, typ, id)
	}
	return nil
}

// CheckRecord reports how r differs from what its record.accepted change
// c committed to (nil: it is what the log holds). A change made before
// records carried a digest binds the fields it names only; bound says
// whether every field the authority gave was checked.
func CheckRecord(r *credo.Record, c *credo.Change) (bound bool, err error) {
	if err := is(c, credo.ChangeRecordAccepted, r.ID); err != nil {
		return false, err
	}
	var d credo.RecordAcceptedChange
	if err := json.Unmarshal(c.Data, &d); err != nil {
		return false, fmt.Errorf("the entry's data: %v", err)
	}
	var ds diffs
	ds.str("subject", r.Subject, c.Subject)
	ds.str("authority", r.Authority, d.Authority)
	ds.str("category", r.Category, d.Category)
	ds.str("kind", r.Kind, d.Kind)
	ds.str("external_id", r.ExternalID, d.ExternalID)
	ds.time("occurred_at", r.OccurredAt.Time, d.OccurredAt.Time)
	ds.num("supersedes", r.Supersedes, d.Supersedes)
	if d.Digest != "" && len(ds) == 0 && r.Digest() != d.Digest {
		ds = append(ds, "its content (amount, decision number, legal basis, description, ...) is not what the authority gave: its digest differs from the log's")
	}
	return d.Digest != "", ds.err()
}

// CheckListEntry reports how e differs from what its list_entry.notified
// change c committed to.
func CheckListEntry(e *credo.ListEntry, c *credo.Change) error {
	if err := is(c, credo.ChangeListEntryNotified, e.ID); err != nil {
		return err
	}
	var d credo.ListEntryChange
	if err := json.Unmarshal(c.Data, &d); err != nil {
		return fmt.Errorf("the entry's data: %v", err)
	}
	var ds diffs
	ds.str("subject", e.Subject, c.Subject)
	ds.str("list", e.List, d.List)
	ds.str("authority", e.Authority, d.Authority)
	ds.str("source", e.Source, d.Source)
	ds.str("decision_number", e.DecisionNumber, d.DecisionNumber)
	ds.time("notified_at", e.NotifiedAt.Time, d.NotifiedAt.Time)
	ds.time("effective_at", e.EffectiveAt.Time, d.EffectiveAt.Time)
	ds.time("until", e.Until.Time, d.Until.Time)
	return ds.err()
}

// CheckCase reports how a case differs from what its change c (case.filed
// or case.decided, typ) committed to: its kind and target, and its
// deadline (filed) or outcome (decided).
func CheckCase(typ string, id int64, kind string, target credo.Target, decideBy time.Time, outcome string, c *credo.Change) error {
	if err := is(c, typ, id); err != nil {
		return err
	}
	var d credo.CaseChange
	if err := json.Unmarshal(c.Data, &d); err != nil {
		return fmt.Errorf("the entry's data: %v", err)
	}
	var ds diffs
	if kind != "" {
		ds.str("kind", kind, d.Kind)
	}
	ds.str("target", fmt.Sprintf("%s %d", target.Kind, target.ID), fmt.Sprintf("%s %d", d.Target.Kind, d.Target.ID))
	if typ == credo.ChangeCaseFiled {
		ds.time("decide_by", decideBy, d.DecideBy.Time)
	} else {
		ds.str("outcome", outcome, d.Outcome)
	}
	return ds.err()
}
