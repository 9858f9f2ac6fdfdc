package api_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	jsonv2 "github.com/go-json-experiment/json"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/api"
	"github.com/credo-registry/credo/ledger"
)

func TestLogRoutes(t *testing.T) {
	f := newAuthzFixture(t) // integrated: a record, a tax record, an entry, a case
	e := f.e
	_, vkey, _ := ledger.Signer("credo.test", make([]byte, 32))

	r := f.do("public", "GET", "/v1/log/checkpoint", nil).wantStatus(http.StatusOK)
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Fatalf("checkpoint Content-Type %q", ct)
	}
	cp, err := ledger.OpenCheckpoint(r.body, vkey)
	if err != nil || cp.Origin != "credo.test" || cp.Size < 5 {
		t.Fatalf("checkpoint %q: %+v, %v", r.body, cp, err)
	}

	// The tax record carries its log_index; its owner sees the entry and
	// can check it against the checkpoint, the public its leaf hash only.
	var rec api.RecordView
	f.do("own-org", "GET", fmt.Sprintf("/v1/records/%d", f.taxRec), nil).wantStatus(http.StatusOK).decode(&rec)
	if rec.LogIndex == nil {
		t.Fatal("a record read from the API has no log_index")
	}
	idx := *rec.LogIndex
	var own, public api.LogEntry
	f.do("own-org", "GET", fmt.Sprintf("/v1/log/entries/%d", idx), nil).wantStatus(http.StatusOK).decode(&own)
	f.do("public", "GET", fmt.Sprintf("/v1/log/entries/%d", idx), nil).wantStatus(http.StatusOK).decode(&public)
	if own.Salt == nil || !strings.Contains(string(own.Entry), `"AUTHZ-TAX-1"`) {
		t.Fatalf("the organization's own entry: %+v", own)
	}
	if public.Salt != nil || public.Entry != nil || string(public.LeafHash) != string(own.LeafHash) {
		t.Fatalf("the public sees %+v of a record it may not see; want the leaf hash only", public)
	}
	var c credo.Change
	if err := jsonv2.Unmarshal(own.Entry, &c); err != nil {
		t.Fatal(err)
	}
	canon, _ := ledger.Canonical(&c)
	var p api.LogProof
	f.do("public", "GET", fmt.Sprintf("/v1/log/inclusion?index=%d&size=%d", idx, cp.Size), nil).wantStatus(http.StatusOK).decode(&p)
	if err := ledger.VerifyInclusion(cp, uint64(idx), ledger.LeafHash(own.Salt, canon), p.Hashes); err != nil {
		t.Fatalf("the record's entry does not verify: %v", err)
	}
	var cons api.LogProof
	f.do("public", "GET", fmt.Sprintf("/v1/log/consistency?from=2&to=%d", cp.Size), nil).wantStatus(http.StatusOK).decode(&cons)
	if len(cons.Hashes) == 0 {
		t.Fatal("an empty consistency proof from 2")
	}

	// The list entry and the decided case carry theirs too.
	var entry struct {
		LogIndex *int64 `json:"log_index"`
	}
	f.do("own-org", "GET", fmt.Sprintf("/v1/list-entries/%d", f.entry), nil).wantStatus(http.StatusOK).decode(&entry)
	if entry.LogIndex == nil {
		t.Fatal("a list entry read from the API has no log_index")
	}

	// A decision, once integrated.
	e.decide("objections", tokenHuaibei, f.caseID, map[string]any{"outcome": "upheld", "reasons": "事实清楚，证据确凿"})
	if _, err := e.server.Ledger.Integrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	var decided api.CaseView
	f.do("own-org", "GET", fmt.Sprintf("/v1/objections/%d", f.caseID), nil).wantStatus(http.StatusOK).decode(&decided)
	if decided.Status != "decided" || decided.LogIndex == nil || uint64(*decided.LogIndex) < cp.Size {
		t.Fatalf("a decided case: %+v; want its decision's log_index", decided)
	}

	// Bad input names its parameter.
	for _, c := range []struct {
		path   string
		status int
		field  string
	}{
		{fmt.Sprintf("/v1/log/inclusion?index=%d&size=%d", cp.Size+5, cp.Size), 422, "index"},
		{fmt.Sprintf("/v1/log/inclusion?index=0&size=%d", cp.Size+1000), 422, "size"},
		{"/v1/log/inclusion?size=1", 422, "index"},
		{"/v1/log/inclusion?index=-1&size=1", 400, "index"},
		{"/v1/log/inclusion?index=0&size=x", 400, "size"},
		{"/v1/log/consistency?from=3&to=2", 422, "from"},
		{fmt.Sprintf("/v1/log/consistency?from=1&to=%d", cp.Size+1000), 422, "to"},
		{"/v1/log/entries/x", 400, "index"},
	} {
		r := e.get(c.path)
		if r.status != c.status || !strings.Contains(string(r.body), `"field":"`+c.field+`"`) {
			t.Errorf("GET %s: %d %s; want %d naming %s", c.path, r.status, r.body, c.status, c.field)
		}
	}
	e.get(fmt.Sprintf("/v1/log/entries/%d", cp.Size+5)).wantStatus(http.StatusNotFound)
}

// TestReportEvidence: the report carries its checkpoint and, for every
// record, list entry and objection it shows, the entry and inclusion
// proof that let anyone check the item offline; an item edited after it
// left the registry no longer matches its entry. The public's report
// shows the public items only, each opened for it.
func TestReportEvidence(t *testing.T) {
	f := newAuthzFixture(t) // integrated: a record, a tax record, an entry, a case
	_, vkey, _ := ledger.Signer("credo.test", make([]byte, 32))
	r := f.do("public", "GET", "/v1/log/checkpoint", nil).wantStatus(http.StatusOK)
	cp, err := ledger.OpenCheckpoint(r.body, vkey)
	if err != nil {
		t.Fatal(err)
	}
	type report struct {
		Records []struct {
			credo.Record
			LogIndex *int64 `json:"log_index"`
		} `json:"records"`
		Lists []struct {
			credo.ListEntry
			LogIndex *int64 `json:"log_index"`
		} `json:"lists"`
		Objections []struct {
			api.ObjectionView
		} `json:"objections"`
		Ledger *ledger.Evidence `json:"ledger"`
	}
	var rep report
	f.do("own-org", "GET", "/v1/subjects/"+codeHuaibei+"/report", nil).wantStatus(http.StatusOK).decode(&rep)
	if rep.Ledger == nil || len(rep.Records) != 2 || len(rep.Lists) == 0 || len(rep.Objections) != 1 {
		t.Fatalf("report: %d records, %d lists, %d objections, ledger %v", len(rep.Records), len(rep.Lists), len(rep.Objections), rep.Ledger != nil)
	}
	opened, closed, err := rep.Ledger.Verify(cp, vkey)
	if err != nil || len(closed) != 0 || len(opened) != 3+len(rep.Lists) {
		t.Fatalf("the report's evidence: %d opened, %v closed, %v", len(opened), closed, err)
	}
	for _, x := range rep.Records {
		if x.LogIndex == nil {
			t.Fatalf("record %d has no log_index", x.ID)
		}
		if bound, err := ledger.CheckRecord(&x.Record, opened[*x.LogIndex]); err != nil || !bound {
			t.Errorf("record %d: %v (bound %v)", x.ID, err, bound)
		}
	}
	var e = rep.Lists[0]
	for _, x := range rep.Lists {
		if x.LogIndex == nil {
			t.Fatalf("list entry %d has no log_index", x.ID)
		}
		if err := ledger.CheckListEntry(&x.ListEntry, opened[*x.LogIndex]); err != nil {
			t.Errorf("list entry %d: %v", x.ID, err)
		}
		if x.ID == f.entry {
			e = x
		}
	}
	if e.ID != f.entry {
		t.Fatalf("the report lacks list entry %d", f.entry)
	}
	o := rep.Objections[0]
	if o.LogIndex == nil || o.ID != f.caseID {
		t.Fatalf("objection %d: log_index %v", o.ID, o.LogIndex)
	}
	if err := ledger.CheckCase(credo.ChangeCaseFiled, o.ID, "", o.Target, o.DecideBy.Time, "", opened[*o.LogIndex]); err != nil {
		t.Errorf("objection: %v", err)
	}
	// Edited after they left the registry: each is caught.
	e.DecisionNumber = "淮市监信〔2026〕8号"
	if err := ledger.CheckListEntry(&e.ListEntry, opened[*e.LogIndex]); err == nil || !strings.Contains(err.Error(), "decision_number") {
		t.Errorf("an edited list entry: %v", err)
	}
	o.DecideBy = credo.NewTime(o.DecideBy.AddDate(0, 1, 0))
	if err := ledger.CheckCase(credo.ChangeCaseFiled, o.ID, "", o.Target, o.DecideBy.Time, "", opened[*o.LogIndex]); err == nil || !strings.Contains(err.Error(), "decide_by") {
		t.Errorf("an edited objection: %v", err)
	}
	x := rep.Records[0]
	x.Description = "已整改"
	if _, err := ledger.CheckRecord(&x.Record, opened[*x.LogIndex]); err == nil || !strings.Contains(err.Error(), "digest") {
		t.Errorf("an edited record: %v", err)
	}
	if err := ledger.CheckListEntry(&e.ListEntry, opened[*x.LogIndex]); err == nil {
		t.Error("a record's entry passed for a list entry's")
	}
	// A leaf the report's checkpoint does not hold.
	bad := *rep.Ledger
	bad.Entries = append([]ledger.EvidenceEntry(nil), bad.Entries...)
	bad.Entries[0].Inclusion = bad.Entries[0].Inclusion[1:]
	if _, _, err := bad.Verify(cp, vkey); err == nil || !strings.Contains(err.Error(), "not in the log") {
		t.Errorf("a proof of the wrong length: %v", err)
	}

	// The public's report: public items only, each open to it.
	rep = report{}
	f.do("public", "GET", "/v1/subjects/"+codeHuaibei+"/report", nil).wantStatus(http.StatusOK).decode(&rep)
	opened, closed, err = rep.Ledger.Verify(cp, vkey)
	if err != nil || len(closed) != 0 {
		t.Fatalf("the public report's evidence: %v closed, %v", closed, err)
	}
	for _, x := range rep.Records {
		if x.Category == "tax" {
			t.Error("the public report shows the tax record")
		}
		if _, err := ledger.CheckRecord(&x.Record, opened[*x.LogIndex]); err != nil {
			t.Errorf("public record %d: %v", x.ID, err)
		}
	}
}
