package api_test

import (
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/credo-registry/credo/uscc"
)

// TestScreeningsBatchRows: the rows of a batch are screened with their
// codes read together (a worker per processor, several reads of up to
// 25 rows each), so a row's result must be its own whatever stands
// beside it: shuffled registered codes (lower case and spaced too),
// duplicates next to each other and apart, valid codes the registry does
// not hold (with and without a name), codes that fail their check,
// names, a bad action. Each row of the batch must read as the same row
// screened alone, every match must be the row's own code, and the
// grades and measures of a matched row must be what the assessment and
// measures routes answer the same caller (which compute them without the
// batch's read): for four callers, while a listing is pending and once
// it has taken effect.
func TestScreeningsBatchRows(t *testing.T) {
	e := newEnv(t, nil, withGrading(t))
	registerForSearch(t, e)
	e.do("POST", "/v1/records", tokenShanghai, "application/json",
		`{"subject":"`+codeShanghai+`","category":"tax","kind":"absconded","external_id":"SH-TAX-1",
		  "decision_number":"沪税稽〔2026〕1号","legal_basis":"《中华人民共和国税收征收管理法》","occurred_at":"2026-06-01"}`).wantStatus(http.StatusCreated)
	e.list(tokenNational, listing(codeHuawei, "全国信〔2026〕1号"))

	registered := append([]string{codeHuawei, codeHuaibei, codeHuaibei2, codeShanghai, codePublicIns}, codesSuixi...)
	var unknown []string
	for _, body := range []string{"MA2PX0A1", "MA2PX0B2", "MA2PX0C3"} {
		c, err := uscc.Build('9', '1', "340621", body)
		if err != nil {
			t.Fatal(err)
		}
		unknown = append(unknown, c)
	}
	type in struct {
		Code   string `json:"code,omitempty"`
		Name   string `json:"name,omitempty"`
		Action string `json:"action,omitempty"`
	}
	// want is what a row must come to: matched to code, or status (and
	// error field).
	type want struct {
		code, status, field string
	}
	var rows []in
	var wants []want
	add := func(r in, w want) { rows = append(rows, r); wants = append(wants, w) }
	for i, c := range registered {
		add(in{Code: c}, want{code: c})
		add(in{Code: c}, want{code: c}) // duplicates, apart once shuffled
		add(in{Code: c}, want{code: c})
		switch i % 3 {
		case 0:
			add(in{Code: strings.ToLower(c)}, want{code: c})
		case 1:
			add(in{Code: c[:6] + " " + c[6:], Name: "不相干的名字有限公司"}, want{code: c})
		default:
			add(in{Code: c, Action: "lunch"}, want{status: "error", field: "action"})
		}
	}
	for i, c := range unknown {
		add(in{Code: c}, want{status: "no_match"})
		if i == 0 {
			add(in{Code: c, Name: "华为技术股份有限公司"}, want{code: codeHuawei})
		}
	}
	for _, c := range []string{badChecksum, badOrgChecksum, badLength, badCharset, badStructure} {
		add(in{Code: c}, want{status: "error", field: "code"})
	}
	add(in{Name: "华为技术股份有限公司"}, want{code: codeHuawei})
	add(in{Name: "濉溪县商店"}, want{status: "review"})
	add(in{Name: "完全无关的名字甲乙丙"}, want{status: "no_match"})
	r := rand.New(rand.NewPCG(12, 12))
	r.Shuffle(len(rows), func(i, j int) {
		rows[i], rows[j] = rows[j], rows[i]
		wants[i], wants[j] = wants[j], wants[i]
	})
	// Two copies in a row as well.
	rows = append(rows, rows[len(rows)-1])
	wants = append(wants, wants[len(wants)-1])
	if len(rows) < 60 {
		t.Fatalf("only %d rows: too few for several reads per worker", len(rows))
	}

	screen := func(token string, rows []in) []map[string]any {
		t.Helper()
		var a struct{ Rows []map[string]any }
		e.postJSON("/v1/screenings?action=public_procurement", token, rows).wantStatus(http.StatusOK).decode(&a)
		if len(a.Rows) != len(rows) {
			t.Fatalf("%d rows screened, want %d", len(a.Rows), len(rows))
		}
		return a.Rows
	}
	object := func(v any) map[string]any {
		t.Helper()
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	check := func(when string) {
		t.Helper()
		for _, token := range []string{"", tokenNational, tokenShanghai, tokenHuaibei} {
			batch := screen(token, rows)
			alone := map[in]map[string]any{}
			flagged := 0
			for i, got := range batch {
				w := wants[i]
				match, _ := got["match"].(map[string]any)
				errField := ""
				if e, ok := got["error"].(map[string]any); ok {
					errField, _ = e["field"].(string)
				}
				switch {
				case got["line"] != float64(i+1):
					t.Errorf("%s, caller %q: row %d has line %v", when, token, i+1, got["line"])
				case w.code != "" && (match == nil || match["code"] != w.code):
					t.Errorf("%s, caller %q: row %d %+v matched %v, want %s", when, token, i+1, rows[i], match, w.code)
				case w.code == "" && (got["status"] != w.status || errField != w.field || match != nil):
					t.Errorf("%s, caller %q: row %d %+v: status %v, error field %q, match %v; want %s %q", when, token, i+1, rows[i], got["status"], errField, match, w.status, w.field)
				}
				if got["status"] == "flagged" {
					flagged++
				}
				one, ok := alone[rows[i]]
				if !ok {
					one = screen(token, []in{rows[i]})[0]
					alone[rows[i]] = one
				}
				delete(got, "line")
				delete(one, "line")
				if !reflect.DeepEqual(got, one) {
					t.Errorf("%s, caller %q: row %d %+v in the batch:\n%v\nscreened alone:\n%v", when, token, i+1, rows[i], got, one)
				}
				if match == nil || match["how"] != "code" && match["how"] != "name" {
					continue
				}
				code := match["code"].(string)
				measures := e.do("GET", "/v1/subjects/"+code+"/measures?action=public_procurement", token, "", nil).wantStatus(http.StatusOK).object()
				if !reflect.DeepEqual(got["measures"], measures) {
					t.Errorf("%s, caller %q: row %d (%s) measures\n%v\nthe measures route:\n%v", when, token, i+1, code, got["measures"], measures)
				}
				a := e.do("GET", "/v1/subjects/"+code+"/assessment", token, "", nil).wantStatus(http.StatusOK).object()
				grades := map[string]any{}
				if g, _ := a["grade"].(string); g != "" {
					grades["comprehensive"] = g
				}
				for id, d := range a["dimensions"].(map[string]any) {
					if g, _ := d.(map[string]any)["grade"].(string); g != "" {
						grades[id] = g
					}
				}
				if gotGrades, _ := got["grades"].(map[string]any); !reflect.DeepEqual(object(gotGrades), object(grades)) && len(gotGrades)+len(grades) > 0 {
					t.Errorf("%s, caller %q: row %d (%s) grades %v, the assessment route's %v", when, token, i+1, code, gotGrades, grades)
				}
			}
			if when == "listing in effect" && flagged == 0 {
				t.Errorf("%s, caller %q: no row flagged, though %s is listed", when, token, codeHuawei)
			}
		}
	}
	check("listing pending")
	e.advance(60 * 24 * time.Hour)
	check("listing in effect")
}
