package sqlite

import (
	"context"
	"fmt"

	"github.com/credo-registry/credo"
)

// GradingInputs implements credo.GradingStore. In process, four reads per
// code cost no round trips; each is the method of its name.
func (db *DB) GradingInputs(ctx context.Context, codes []string) ([]*credo.Inputs, error) {
	if len(codes) > credo.MaxGradingInputs {
		return nil, fmt.Errorf("sqlite: %d codes for grading inputs, more than %d", len(codes), credo.MaxGradingInputs)
	}
	out := make([]*credo.Inputs, len(codes))
	for i, code := range codes {
		in := &credo.Inputs{Code: code, Versions: []*credo.Subject{}}
		var err error
		if vs, err := db.SubjectVersions(ctx, code); err == nil {
			in.Versions = vs
		} else if credo.ErrorCodeOf(err) != credo.ENOTFOUND {
			return nil, err
		}
		if in.Records, err = db.AllRecords(ctx, code); err != nil {
			return nil, err
		}
		if in.Entries, err = db.SubjectListEntries(ctx, code); err != nil {
			return nil, err
		}
		if in.Current, err = db.CurrentAssessment(ctx, code); err != nil {
			if credo.ErrorCodeOf(err) != credo.ENOTFOUND {
				return nil, err
			}
			in.Current = nil
		}
		out[i] = in
	}
	return out, nil
}
