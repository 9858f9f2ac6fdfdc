package search_test

import (
	"context"
	"testing"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/search"
)

// logSource is a change log of registrations and the latest version of
// each organization.
type logSource struct {
	changes []*credo.Change
	latest  map[string]*credo.Subject
	reads   int
}

func (l *logSource) Changes(_ context.Context, q credo.ChangeQuery) ([]*credo.Change, error) {
	var out []*credo.Change
	for _, c := range l.changes {
		if c.Position > q.After && len(out) < q.Limit {
			out = append(out, c)
		}
	}
	return out, nil
}

func (l *logSource) Subject(_ context.Context, code string) (*credo.Subject, error) {
	l.reads++
	return l.latest[code], nil
}

func (l *logSource) register(s *credo.Subject) {
	l.changes = append(l.changes, &credo.Change{Position: int64(len(l.changes) + 1), Type: credo.ChangeRegistrationChanged, Subject: s.Code})
	l.latest[s.Code] = s
}

// TestCatchUp: registrations another node made are indexed from the log,
// a rename replaces the names, and a version indexed already is left as
// it is (an older one never goes back over a newer one).
func TestCatchUp(t *testing.T) {
	ctx := context.Background()
	const code = "914403001922038216"
	ix := search.NewIndex()
	src := &logSource{latest: map[string]*credo.Subject{}}
	src.register(&credo.Subject{Code: code, Version: 1, Name: "华为技术有限公司"})
	at, err := ix.CatchUp(ctx, src, 0)
	if err != nil || at != 1 {
		t.Fatalf("caught up to %d, %v", at, err)
	}
	if m := ix.Find(search.Query{Q: "华为技术", Limit: 1}); len(m) != 1 || m[0].Code != code || !m[0].Match {
		t.Fatalf("after the log: %+v", m)
	}
	src.register(&credo.Subject{Code: code, Version: 2, Name: "深圳某某通信科技有限公司"})
	if at, err = ix.CatchUp(ctx, src, at); err != nil || at != 2 {
		t.Fatalf("caught up to %d, %v", at, err)
	}
	if m := ix.Find(search.Query{Q: "深圳某某通信科技", Limit: 1}); len(m) != 1 || m[0].Code != code {
		t.Fatalf("renamed: %+v", m)
	}
	if m := ix.Find(search.Query{Q: "华为技术有限公司", Limit: 1}); len(m) != 0 && m[0].Match {
		t.Errorf("the old name still matches: %+v", m)
	}
	ix.Put(&credo.Subject{Code: code, Version: 1, Name: "华为技术有限公司"})
	if m := ix.Find(search.Query{Q: "深圳某某通信科技", Limit: 1}); len(m) != 1 || m[0].Code != code || !m[0].Match {
		t.Errorf("an older version went back over the newer: %+v", m)
	}
	if again, err := ix.CatchUp(ctx, src, at); err != nil || again != at {
		t.Errorf("nothing new: %d, %v", again, err)
	}
}
