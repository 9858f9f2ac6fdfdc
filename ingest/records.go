package ingest

import (
	"context"
	"time"

	"github.com/credo-registry/credo"
)

// Records validates, authorizes and stores a batch of record lines in one
// durable write. as is the authority of the caller's token, or nil for an
// operator import where each line names its authority. Lines that fail
// change nothing; the others are stored together. The error return is for
// a failure of the store itself, in which case nothing was stored.
func (in *Ingester) Records(ctx context.Context, as *credo.Authority, lines []Line) ([]Result, error) {
	now := in.now()
	results := make([]Result, len(lines))
	recs := make([]*credo.Record, len(lines))
	parallel(len(lines), func(i int) {
		results[i].Line = lines[i].Number
		rec, err := in.decodeRecord(ctx, as, lines[i], now)
		if err != nil {
			results[i].Status, results[i].Error = credo.Refused, err
			return
		}
		recs[i] = rec
	})
	var batch []*credo.Record
	var index []int
	for i, r := range recs {
		if r != nil {
			batch = append(batch, r)
			index = append(index, i)
		}
	}
	if len(batch) == 0 {
		return results, nil
	}
	outcomes, err := in.Store.AppendRecords(ctx, batch)
	if err != nil {
		return nil, err
	}
	for j, o := range outcomes {
		r := &results[index[j]]
		r.Status, r.ID = o.Status, o.ID
		if o.Err != nil {
			r.Status, r.Error = credo.Refused, refusal(o.Err)
		}
	}
	return results, nil
}

func (in *Ingester) decodeRecord(ctx context.Context, as *credo.Authority, l Line, now time.Time) (*credo.Record, *credo.Error) {
	if l.TooLong {
		return nil, tooLong(MaxLine)
	}
	rec := new(credo.Record)
	if err := credo.Decode(l.Data, rec); err != nil {
		return nil, refusal(err)
	}
	if rec.ID != 0 || !rec.RecordedAt.IsZero() || rec.SupersededBy != 0 {
		return nil, credo.FieldError(registryField(rec), "read_only", "is assigned by the registry")
	}
	auth, aerr := in.authority(ctx, as, rec.Authority)
	if aerr != nil {
		return nil, aerr
	}
	rec.Normalize()
	if err := rec.Validate(now); err != nil {
		return nil, refusal(err)
	}
	if err := auth.Authorize(rec.Subject, rec.Category); err != nil {
		return nil, refusal(err)
	}
	rec.Authority = auth.ID
	rec.RecordedAt = credo.NewTime(now)
	return rec, nil
}

func registryField(r *credo.Record) string {
	switch {
	case r.ID != 0:
		return "id"
	case !r.RecordedAt.IsZero():
		return "recorded_at"
	}
	return "superseded_by"
}
