package ingest

import (
	"context"
	"time"

	"github.com/credo-registry/credo"
)

// Subjects validates, authorizes (category registration, and the code's
// division) and stores registration data, each line a new version of its
// organization's data. Identity numbers are replaced by person keys before
// anything is stored. Semantics otherwise as Records.
func (in *Ingester) Subjects(ctx context.Context, as *credo.Authority, lines []Line) ([]Result, error) {
	now := in.now()
	results := make([]Result, len(lines))
	subs := make([]*credo.Subject, len(lines))
	parallel(len(lines), func(i int) {
		results[i].Line = lines[i].Number
		s, err := in.decodeSubject(ctx, as, lines[i], now)
		if err != nil {
			results[i].Status, results[i].Error = credo.Refused, err
			return
		}
		subs[i] = s
	})
	var batch []*credo.Subject
	var index []int
	for i, s := range subs {
		if s != nil {
			batch = append(batch, s)
			index = append(index, i)
		}
	}
	if len(batch) == 0 {
		return results, nil
	}
	outcomes, err := in.Store.PutSubjects(ctx, batch)
	if err != nil {
		return nil, err
	}
	for j, o := range outcomes {
		r := &results[index[j]]
		r.Status, r.Version = o.Status, int(o.ID)
		if o.Err != nil {
			r.Status, r.Version, r.Error = credo.Refused, 0, refusal(o.Err)
		}
	}
	return results, nil
}

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
	auth, aerr := in.authority(ctx, as, s.Authority)
	if aerr != nil {
		return nil, aerr
	}
	s.Normalize()
	if err := s.Validate(now); err != nil {
		return nil, refusal(err)
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
	s.RecordedAt = credo.NewTime(now)
	return s, nil
}
