package ingest

import (
	"context"
	"time"

	"github.com/credo-registry/credo"
)

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
	rec.Normalize()
	if err := rec.Validate(now); err != nil {
		return nil, refusal(err)
	}
	auth, aerr := in.authority(ctx, as, rec.Authority)
	if aerr != nil {
		return nil, aerr
	}
	if err := auth.Authorize(rec.Subject, rec.Category); err != nil {
		return nil, refusal(err)
	}
	rec.Authority = auth.ID
	rec.RecordedAt = in.recordedAt(rec.OccurredAt.Time, now)
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
