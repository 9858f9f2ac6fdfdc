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
