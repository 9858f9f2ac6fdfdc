package main

import (
	"context"
	"slices"
	"time"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/ingest"
)

// importAuthorities creates the authorities defined by lines. They get no
// token: an operator issues one with `credo authority token`. An authority
// already defined the same way counts as existing; differently, as refused.
func importAuthorities(ctx context.Context, store credo.Store, lines []ingest.Line) []ingest.Result {
	results := make([]ingest.Result, len(lines))
	for i, l := range lines {
		r := &results[i]
		r.Line = l.Number
		r.Status = credo.Refused
		if l.TooLong {
			r.Error = credo.Errorf(credo.ETOOLARGE, "line is too long")
			continue
		}
		var a credo.Authority
		if err := credo.Decode(l.Data, &a); err != nil {
			r.Error = credo.AsError(err)
			continue
		}
		if err := a.Validate(); err != nil {
			r.Error = credo.AsError(err)
			continue
		}
		old, err := store.Authority(ctx, a.ID)
		if err == nil {
			if old.Name == a.Name && slices.Equal(old.Divisions, a.Divisions) && slices.Equal(old.Categories, a.Categories) {
				r.Status = credo.Exists
			} else {
				r.Error = credo.Errorf(credo.ECONFLICT, "authority %s exists with another definition", a.ID)
			}
			continue
		}
		if credo.ErrorCodeOf(err) != credo.ENOTFOUND {
			r.Error = credo.Errorf(credo.EINTERNAL, "%v", err)
			continue
		}
		if a.CreatedAt.IsZero() {
			a.CreatedAt = credo.NewTime(time.Now())
		}
		_, hash := credo.NewToken() // a token nobody holds, until one is issued
		if err := store.CreateAuthority(ctx, &a, hash); err != nil {
			r.Error = credo.AsError(err)
			if r.Error == nil {
				r.Error = credo.Errorf(credo.EINTERNAL, "%v", err)
			}
			continue
		}
		r.Status = credo.Created
	}
	return results
}
