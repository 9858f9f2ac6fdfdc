package api_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/screening"
)

// auditInputs is a supplier list of 1 + more rows: A first, then A2 again
// and again (matched, screened, and walked from once).
func auditInputs(more int) []screening.Input {
	in := []screening.Input{{Code: codeHuaibei}}
	for i := range more {
		in = append(in, screening.Input{Code: codeHuaibei2, Note: fmt.Sprint(i)})
	}
	return in
}

func inputsCSV(in []screening.Input) string {
	var b strings.Builder
	b.WriteString("code,name,note\n")
	for _, r := range in {
		fmt.Fprintf(&b, "%s,%s,%s\n", r.Code, r.Name, r.Note)
	}
	return b.String()
}

// waitJob polls job id until it is done and returns its progress. The
// deadline is generous: under -race on a loaded machine an audit screens
// some 15 rows a second.
func (e *env) waitJob(id, token string) map[string]any {
	e.t.Helper()
	deadline := time.Now().Add(5 * time.Minute)
	for {
		o := e.do("GET", "/v1/screenings/"+id, token, "", nil).wantStatus(http.StatusOK).object()
		if o["status"] == "done" {
			return o
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("job not done: %v", o)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (e *env) jobRows(id, token string) screenPartnersAnswer {
	e.t.Helper()
	var a screenPartnersAnswer
	e.do("GET", "/v1/screenings/"+id+"/results", token, "", nil).wantStatus(http.StatusOK).decode(&a)
	return a
}

// A supply-chain audit of more than 1,000 rows is a job: its results are
// the input rows, then the tiers of declared suppliers with their via;
// rows_total counts the input rows and grows by each tier found, so the
// done job has rows_done = rows_total = input rows + added rows.
func TestScreeningAuditJob(t *testing.T) {
	e, a := auditFixture(t)
	in := auditInputs(screening.MaxSyncRows + 100)
	n := len(in) // 1101
	body := inputsCSV(in)

	res := e.do("POST", "/v1/screenings?audit=supply_chain&depth=3", adminToken, "text/csv", body).wantStatus(http.StatusAccepted)
	started := res.object()
	id, _ := started["id"].(string)
	if id == "" || res.header.Get("Location") != "/v1/screenings/"+id || started["audit"] != "supply_chain" ||
		started["depth"].(float64) != 3 || started["rows_total"].(float64) != float64(n) {
		t.Fatalf("audit job: %s", res.body)
	}
	done := e.waitJob(id, adminToken)
	if done["rows_done"].(float64) != float64(n+2) || done["rows_total"].(float64) != float64(n+2) || done["audit"] != "supply_chain" {
		t.Errorf("done audit job: %v, want %d rows done and total (the input and C, D)", done, n+2)
	}
	got := e.jobRows(id, adminToken)
	if len(got.Rows) != n+2 {
		t.Fatalf("results: %d rows, want %d", len(got.Rows), n+2)
	}
	if r := got.Rows[0]; r.Line != 1 || r.Match == nil || r.Match.Code != codeHuaibei || r.Via != nil || len(r.Partners) != 0 {
		t.Errorf("line 1, A: %+v", r)
	}
	if r := got.Rows[n-1]; r.Line != n || r.Input.Code != codeHuaibei2 || r.Via != nil {
		t.Errorf("last input line: %+v", r)
	}
	cr, dr := got.Rows[n], got.Rows[n+1]
	if cr.Line != n+1 || cr.Match == nil || cr.Match.Code != codeShanghai || cr.Via == nil || cr.Via.Line != 1 ||
		cr.Via.From != codeHuaibei || cr.Via.DeclaredBy != codeHuaibei || cr.Via.Tier != 1 || len(cr.Via.Path) != 1 {
		t.Errorf("C, tier 1: %+v (via %+v)", cr, cr.Via)
	}
	if dr.Line != n+2 || dr.Input.Code != codeHuawei || dr.Status != "flagged" || dr.Via == nil || dr.Via.Tier != 2 ||
		dr.Via.DeclaredBy != codeShanghai || dr.Via.From != codeHuaibei || len(dr.Via.Path) != 2 || dr.Via.Path[1].From != codeHuawei {
		t.Errorf("D, tier 2, flagged: %+v (via %+v)", dr, dr.Via)
	}

	// As CSV, by Accept and by ?format=: a header and every row, the via
	// column saying through whom.
	for _, r := range []*response{
		e.do("GET", "/v1/screenings/"+id+"/results", adminToken, "", nil, "Accept", "text/csv"),
		e.do("GET", "/v1/screenings/"+id+"/results?format=csv", adminToken, "", nil),
	} {
		r.wantStatus(http.StatusOK)
		recs, err := csv.NewReader(strings.NewReader(string(r.body))).ReadAll()
		if err != nil || len(recs) != n+3 {
			t.Fatalf("CSV results: %d records, %v; want %d", len(recs), err, n+3)
		}
		via := recs[0][len(recs[0])-1]
		last := recs[n+2]
		wantVia := "line 1, tier 2, declared by " + codeShanghai + ": " + codeShanghai + " -supplier-> " + codeHuaibei + ", " + codeHuawei + " -supplier-> " + codeShanghai
		if via != "via" || last[0] != fmt.Sprint(n+2) || last[1] != codeHuawei || last[5] != "flagged" || last[len(last)-1] != wantVia {
			t.Errorf("CSV last row: %q", last)
		}
	}

	// An organization's own token audits its own declarations: A sees
	// that C supplies it, not C's declaration of D.
	res = e.do("POST", "/v1/screenings?audit=supply_chain&depth=3", a, "text/csv", body).wantStatus(http.StatusAccepted)
	own := res.object()["id"].(string)
	if o := e.waitJob(own, a); o["rows_total"].(float64) != float64(n+1) || o["rows_done"].(float64) != float64(n+1) {
		t.Errorf("A's audit job: %v", o)
	}
	if rows := e.jobRows(own, a).Rows; len(rows) != n+1 || rows[n].Match == nil || rows[n].Match.Code != codeShanghai {
		t.Errorf("A's audit job: %d rows", len(rows))
	}
	// Only its owner reads it.
	e.do("GET", "/v1/screenings/"+own, adminToken, "", nil).problem(http.StatusNotFound, credo.ENOTFOUND)
	e.do("GET", "/v1/screenings/"+own+"/results", "", "", nil).problem(http.StatusUnauthorized, credo.EUNAUTHORIZED)

	// Bad input on the job path: refused before a job is made.
	before, err := e.store.UnfinishedScreeningJobs(context.Background())
	if err != nil || len(before) != 0 {
		t.Fatalf("unfinished jobs: %v %v", before, err)
	}
	for _, b := range []struct {
		query, token  string
		status        int
		code          credo.ErrorCode
		field, reason string
	}{
		{"?audit=supply_chain", adminToken, 422, credo.EINVALID, "depth", "range"},
		{"?audit=supply_chain&depth=0", adminToken, 422, credo.EINVALID, "depth", "range"},
		{"?audit=supply_chain&depth=4", adminToken, 422, credo.EINVALID, "depth", "range"},
		{"?audit=supply_chain&depth=two", adminToken, 422, credo.EINVALID, "depth", "format"},
		{"?audit=suppliers&depth=1", adminToken, 422, credo.EINVALID, "audit", "enum"},
		{"?audit=SUPPLY_CHAIN&depth=1", adminToken, 422, credo.EINVALID, "audit", "enum"},
		{"?audit=supply_chain&depth=1&action=bribery", adminToken, 422, credo.EINVALID, "action", "enum"},
	} {
		p := e.do("POST", "/v1/screenings"+b.query, b.token, "text/csv", body).problem(b.status, b.code)
		wantField(t, p, b.field, b.reason)
	}
	// A job is read back by who started it: the public starts none.
	e.do("POST", "/v1/screenings?audit=supply_chain&depth=1", "", "text/csv", body).problem(http.StatusUnauthorized, credo.EUNAUTHORIZED)
	// A bad row is a row with status error; the audit goes on.
	bad := append([]screening.Input{{Code: "91340600MA2PBM9HX0"}}, in...)
	res = e.do("POST", "/v1/screenings?audit=supply_chain&depth=1", adminToken, "text/csv", inputsCSV(bad)).wantStatus(http.StatusAccepted)
	badID := res.object()["id"].(string)
	e.waitJob(badID, adminToken)
	if rows := e.jobRows(badID, adminToken).Rows; len(rows) != n+2 || rows[0].Status != "error" || rows[n+1].Match == nil || rows[n+1].Match.Code != codeShanghai {
		t.Errorf("audit with a bad code first: %d rows, first %+v", len(rows), rows[0])
	}
	if after, err := e.store.UnfinishedScreeningJobs(context.Background()); err != nil || len(after) != 0 {
		t.Errorf("unfinished jobs after refusals: %v %v", after, err)
	}
}

// TestScreeningAuditJobResumes: an audit job a previous run left
// unfinished resumes where it stopped: in its input rows (then the whole
// audit runs), or in its tiers (the rows stored are kept, the tier it
// stopped in is found again and only what it lacks is added, then the
// next tiers); either way the results are those of a job never stopped.
func TestScreeningAuditJobResumes(t *testing.T) {
	e, _ := auditFixture(t)
	ctx := context.Background()
	in := auditInputs(1499)
	n := len(in) // 1500
	// A job run to its end gives the results to compare with.
	res := e.do("POST", "/v1/screenings?audit=supply_chain&depth=3", adminToken, "text/csv", inputsCSV(in)).wantStatus(http.StatusAccepted)
	ref := res.object()["id"].(string)
	e.waitJob(ref, adminToken)
	full, err := e.store.ScreeningResults(ctx, ref, 0, 10000)
	if err != nil || len(full) != n+2 {
		t.Fatalf("reference job: %d results, %v", len(full), err)
	}
	refJob, err := e.store.ScreeningJob(ctx, ref)
	if err != nil {
		t.Fatal(err)
	}
	inputs, _ := json.Marshal(in)
	marked := func(r credo.ScreeningResult) credo.ScreeningResult {
		var m map[string]any
		if err := json.Unmarshal(r.Body, &m); err != nil {
			t.Fatal(err)
		}
		m["input"].(map[string]any)["note"] = "first run"
		b, _ := json.Marshal(m)
		return credo.ScreeningResult{Line: r.Line, Body: b}
	}
	for _, c := range []struct {
		name   string
		stored int // results the first run stored
		total  int // the total it had set
	}{
		{"in the input rows", 200, n},
		{"after the input rows", n, n},
		{"in tier 2 (tier 1 stored)", n + 1, n + 2},
	} {
		t.Run(c.name, func(t *testing.T) {
			id := "scr_audit_" + fmt.Sprint(c.stored)
			j := &credo.ScreeningJob{ID: id, Owner: refJob.Owner, Depth: 3, Audit: screening.AuditSupplyChain, Inputs: inputs,
				Total: c.total, CreatedAt: credo.NewTime(testNow)}
			if err := e.store.CreateScreeningJob(ctx, j); err != nil {
				t.Fatal(err)
			}
			first := make([]credo.ScreeningResult, c.stored)
			copy(first, full[:c.stored])
			first[c.stored-1] = marked(first[c.stored-1]) // so we see it was not redone
			if err := e.store.AddScreeningResults(ctx, id, first); err != nil {
				t.Fatal(err)
			}
			next := screening.New(e.store, e.server.Matcher, e.server.Process, e.clock.Now)
			if err := next.Resume(ctx); err != nil {
				t.Fatal(err)
			}
			next.Wait()
			o := e.do("GET", "/v1/screenings/"+id, adminToken, "", nil).wantStatus(http.StatusOK).object()
			if o["status"] != "done" || o["rows_done"].(float64) != float64(n+2) || o["rows_total"].(float64) != float64(n+2) {
				t.Fatalf("resumed audit job: %v", o)
			}
			got, err := e.store.ScreeningResults(ctx, id, 0, 10000)
			if err != nil || len(got) != n+2 {
				t.Fatalf("resumed results: %d, %v", len(got), err)
			}
			for i, r := range got {
				want := full[i]
				if i == c.stored-1 {
					want = marked(want)
				}
				if r.Line != want.Line || string(r.Body) != string(want.Body) {
					t.Fatalf("line %d: %s\nwant %s", r.Line, r.Body, want.Body)
				}
			}
		})
	}
}
