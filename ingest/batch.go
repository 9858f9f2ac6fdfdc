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

// Commit stores a prepared batch in one durable write and returns every
// line's outcome.
func (in *Ingester) Commit(ctx context.Context, b *Batch) ([]Result, error) {
	var outcomes []credo.Outcome
	var err error
	switch {
	case len(b.records) > 0:
		outcomes, err = in.Store.AppendRecords(ctx, b.records)
	case len(b.subjects) > 0:
		outcomes, err = in.Store.PutSubjects(ctx, b.subjects)
	default:
		return b.results, nil
	}
	if err != nil {
		return nil, err
	}
	for j, o := range outcomes {
		r := &b.results[b.index[j]]
		r.Status = o.Status
		if b.subjects != nil {
			r.Version = int(o.ID)
		} else {
			r.ID = o.ID
		}
		if o.Err != nil {
			r.Status, r.ID, r.Version, r.Error = credo.Refused, 0, 0, refusal(o.Err)
		}
	}
	return b.results, nil
}
