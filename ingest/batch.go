package ingest

import (
	"context"

	"github.com/credo-registry/credo"
)

// Batch is a set of lines decoded, validated and authorized, ready to be
// stored by Commit. Preparing the next batch while the previous one is
// being written keeps both cores busy during an import.
type Batch struct {
	results  []Result
	index    []int // results index of each item to store
	records  []*credo.Record
	subjects []*credo.Subject
}

// Records validates, authorizes and stores a batch of record lines in one
// durable write. as is the authority of the caller's token, or nil for an
// operator import where each line names its authority. Lines that fail
// change nothing; the others are stored together. The error return is for
// a failure of the store itself, in which case nothing was stored.
func (in *Ingester) Records(ctx context.Context, as *credo.Authority, lines []Line) ([]Result, error) {
	return in.Commit(ctx, in.PrepareRecords(ctx, as, lines))
}

// Subjects validates, authorizes (category registration, and the code's
// division) and stores registration data, each line a new version of its
// organization's data. Identity numbers are replaced by person keys before
// anything is stored. Semantics otherwise as Records.
func (in *Ingester) Subjects(ctx context.Context, as *credo.Authority, lines []Line) ([]Result, error) {
	return in.Commit(ctx, in.PrepareSubjects(ctx, as, lines))
}

// PrepareRecords decodes, validates and authorizes record lines.
func (in *Ingester) PrepareRecords(ctx context.Context, as *credo.Authority, lines []Line) *Batch {
	now := in.now()
	b := &Batch{results: make([]Result, len(lines))}
	recs := make([]*credo.Record, len(lines))
	parallel(len(lines), func(i int) {
		b.results[i].Line = lines[i].Number
		rec, err := in.decodeRecord(ctx, as, lines[i], now)
		if err != nil {
			b.results[i].Status, b.results[i].Error = credo.Refused, err
			return
		}
		recs[i] = rec
	})
	for i, r := range recs {
		if r != nil {
			b.records = append(b.records, r)
			b.index = append(b.index, i)
		}
	}
	return b
}

// PrepareSubjects decodes, validates, authorizes and pseudonymizes
// registration lines.
func (in *Ingester) PrepareSubjects(ctx context.Context, as *credo.Authority, lines []Line) *Batch {
	now := in.now()
	b := &Batch{results: make([]Result, len(lines))}
	subs := make([]*credo.Subject, len(lines))
	parallel(len(lines), func(i int) {
		b.results[i].Line = lines[i].Number
		s, err := in.decodeSubject(ctx, as, lines[i], now)
		if err != nil {
			b.results[i].Status, b.results[i].Error = credo.Refused, err
			return
		}
		subs[i] = s
	})
	for i, s := range subs {
		if s != nil {
			b.subjects = append(b.subjects, s)
			b.index = append(b.index, i)
		}
	}
	return b
}

// Commit stores a prepared batch in one durable write, regrades the
// organizations whose records it stored (its Stages: pipeline.Regrade),
// and returns every line's outcome. An error means nothing was stored;
// once the write is stored its outcome is returned even if its notices or
// regrading fail, which are then kept to be completed later (Pending).
func (in *Ingester) Commit(ctx context.Context, b *Batch) ([]Result, error) {
	results, err := in.CommitWith(ctx, b, func(recs []*credo.Record) ([]credo.Outcome, error) {
		return in.Store.AppendRecords(ctx, recs)
	})
	if err != nil {
		return nil, err
	}
	in.fail("records.stored")
	// The write is stored: it is answered as committed whatever follows.
	// Notices and grades that fail now are completed later (Pending; and
	// by dueprocess.Follow from the change log, even after a crash).
	in.afterCommit(ctx, b.Created(), b.Touched())
	return results, nil
}

// Touched returns, for each organization a committed batch stored a new
// record or registration version of, the cause of its regrading: the
// newest such record, or the registration.
func (b *Batch) Touched() map[string]credo.Cause {
	return b.causes(func(status string) bool { return status == credo.Created })
}

// Stored is Touched with the organizations of lines found stored already
// ("exists") too: an import run again after an interruption regrades
// what the interrupted run stored but had not regraded yet.
func (b *Batch) Stored() map[string]credo.Cause {
	return b.causes(func(status string) bool { return status == credo.Created || status == credo.Exists })
}

// causes returns the cause of regrading each organization with a line
// whose outcome counts.
func (b *Batch) causes(counts func(status string) bool) map[string]credo.Cause {
	touched := map[string]credo.Cause{}
	for j, sub := range b.subjects {
		if counts(b.results[b.index[j]].Status) {
			touched[sub.Code] = credo.Cause{Kind: credo.CauseRegistration}
		}
	}
	for j, r := range b.records {
		res := b.results[b.index[j]]
		if counts(res.Status) {
			if c, ok := touched[r.Subject]; !ok || res.ID > c.Record {
				touched[r.Subject] = credo.Cause{Kind: credo.CauseRecord, Record: res.ID}
			}
		}
	}
	return touched
}

// Created returns the records a committed batch created, with their ids.
func (b *Batch) Created() []*credo.Record {
	var out []*credo.Record
	for j, r := range b.records {
		if res := b.results[b.index[j]]; res.Status == credo.Created {
			c := *r
			c.ID = res.ID
			out = append(out, &c)
		}
	}
	return out
}

// CommitWith is Commit without regrading, storing records through
// appendRecords (a bulk loader's append, say) instead of the store.
func (in *Ingester) CommitWith(ctx context.Context, b *Batch, appendRecords func([]*credo.Record) ([]credo.Outcome, error)) ([]Result, error) {
	var outcomes []credo.Outcome
	var err error
	switch {
	case len(b.records) > 0:
		outcomes, err = appendRecords(b.records)
	case len(b.subjects) > 0:
		outcomes, err = in.Store.PutSubjects(ctx, b.subjects)
	default:
		return b.results, nil
	}
	if err != nil {
		return nil, err
	}
	var registered []*credo.Subject
	for j, o := range outcomes {
		r := &b.results[b.index[j]]
		r.Status = o.Status
		if b.subjects != nil {
			r.Version = int(o.ID)
			if o.Status == credo.Created && o.Err == nil {
				s := *b.subjects[j]
				s.Version = int(o.ID)
				registered = append(registered, &s)
			}
		} else {
			r.ID = o.ID
			// A correction naming what it supersedes by external id is
			// resolved by the store: the caller reads that one back.
			if o.Status == credo.Created && o.Err == nil && b.records[j].SupersedesExternalID == "" {
				rec := *b.records[j]
				rec.ID = o.ID
				r.Record = &rec
			}
		}
		if o.Err != nil {
			r.Status, r.ID, r.Version, r.Error, r.Record = credo.Refused, 0, 0, refusal(o.Err), nil
		}
	}
	if in.Registered != nil && len(registered) > 0 {
		in.Registered(registered...)
	}
	return b.results, nil
}
