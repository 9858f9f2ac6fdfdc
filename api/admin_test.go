package api_test

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/api"
	"github.com/credo-registry/credo/grading"
)

type differ struct{ g *grading.Service }

func (d differ) DiffSources(ctx context.Context, o, n []byte, asOf time.Time, samples int) (any, error) {
	im, err := d.g.DiffSources(ctx, o, n, asOf, samples)
	if err != nil {
		return nil, err
	}
	return im, nil
}

const adminToken = "credo_test_admin"

func TestRulebookDiffAPI(t *testing.T) {
	e := newEnv(t, nil, withGrading(t), func(s *api.Server) {
		s.Differ = differ{s.Grading.(*grading.Service)}
		s.AdminToken = adminToken
	})
	// A late filing of 2025: it counts in the 2025 evaluation, the tax grade
	// in force in July 2026.
	e.do("POST", "/v1/records", tokenShanghai, "application/json",
		`{"subject":"`+codeShanghai+`","category":"tax","kind":"late_filing","external_id":"SH-TAX-2","occurred_at":"2025-06-01"}`).wantStatus(201)
	src, err := os.ReadFile("../rulebooks/national-tax/rulebook-2025.yaml")
	if err != nil {
		t.Fatal(err)
	}
	stricter := strings.Replace(string(src), "points: -5", "points: -25", 1)
	body, _ := json.Marshal(api.DiffRequest{Old: string(src), New: stricter})

	var im grading.Impact
	e.do("POST", "/v1/admin/rulebooks/diff", adminToken, "application/json", body).wantStatus(200).decode(&im)
	tax := im.Dimensions["tax"]
	if im.Organizations != 1 || im.Changed != 1 || tax == nil || tax.Counts["A"]["B"] != 1 || len(tax.Samples) != 1 {
		t.Fatalf("impact: %+v %+v", im, tax)
	}
	if im.Provinces["31"]["tax"].Counts["A"]["B"] != 1 {
		t.Fatalf("per province: %+v", im.Provinces)
	}

	// Only the administrator; broken rulebooks are named with their position.
	e.do("POST", "/v1/admin/rulebooks/diff", "", "application/json", body).problem(401, credo.EUNAUTHORIZED)
	e.do("POST", "/v1/admin/rulebooks/diff", tokenShanghai, "application/json", body).problem(403, credo.EFORBIDDEN)
	broken, _ := json.Marshal(api.DiffRequest{Old: string(src), New: strings.Replace(string(src), "points: -5", "points: 'nope +'", 1)})
	p := e.do("POST", "/v1/admin/rulebooks/diff", adminToken, "application/json", broken).problem(422, credo.EINVALID)
	if p.Field != "new" || !strings.Contains(p.Detail, "new.yaml:") {
		t.Fatalf("broken rulebook: %+v", p)
	}
	e.do("POST", "/v1/admin/rulebooks/diff", adminToken, "application/json", `{"old":"x"}`).problem(422, credo.EINVALID)
	closed := newEnv(t, nil, withGrading(t))
	// Without CREDO_ADMIN_TOKEN the token is no one's (administrators'
	// accounts may still exist); an authority's token is the wrong role.
	closed.do("POST", "/v1/admin/rulebooks/diff", adminToken, "application/json", body).problem(401, credo.EUNAUTHORIZED)
	closed.do("POST", "/v1/admin/rulebooks/diff", tokenShanghai, "application/json", body).problem(403, credo.EFORBIDDEN)
}
