package ingest

import (
	"context"
	"time"

	"github.com/credo-registry/credo"
)

func (in *Ingester) decodeSubject(ctx context.Context, as *credo.Authority, l Line, now time.Time) (*credo.Subject, *credo.Error) {
	if l.TooLong {
		return nil, tooLong(MaxLine)
	}
	s := new(credo.Subject)
	if err := credo.Decode(l.Data, s); err != nil {
		return nil, refusal(err)
	}
	if s.Version != 0 || !s.RecordedAt.IsZero() {
		return nil, credo.FieldError("version", "read_only", "version and recorded_at are assigned by the registry")
	}
	s.Normalize()
	if err := s.Validate(now); err != nil {
		return nil, refusal(err)
	}
	auth, aerr := in.authority(ctx, as, s.Authority)
	if aerr != nil {
		return nil, aerr
	}
	if err := auth.Authorize(s.Code, "registration"); err != nil {
		e := refusal(err)
		if e.Field == "subject" {
			e.Field = "code"
		}
		return nil, e
	}
	s.Pseudonymize(in.Keyer)
	s.Authority = auth.ID
	s.RecordedAt = in.recordedAt(s.Established.Time, now)
	return s, nil
}
