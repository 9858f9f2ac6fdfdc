package api_test

import (
	"encoding/json"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/api"
	"github.com/credo-registry/credo/dueprocess"
	"github.com/credo-registry/credo/events"
	"github.com/credo-registry/credo/ingest"
	"github.com/credo-registry/credo/lists"
	"github.com/credo-registry/credo/partners"
	"github.com/credo-registry/credo/screening"
	"github.com/credo-registry/credo/search"
	"github.com/credo-registry/credo/uscc"
)

// openAPIDoc fetches the served document.
func openAPIDoc(t *testing.T, e *env) map[string]any {
	t.Helper()
	doc := e.get("/v1/openapi.json").wantStatus(http.StatusOK).object()
	if doc["openapi"] != "3.1.0" {
		t.Fatalf("openapi %v", doc["openapi"])
	}
	return doc
}

var httpMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

// TestOpenAPICoversRoutes: every route the server serves is documented,
// and every documented path and method is served.
func TestOpenAPICoversRoutes(t *testing.T) {
	e := newEnv(t, nil)
	doc := openAPIDoc(t, e)

	documented := map[string]bool{}
	for path, item := range doc["paths"].(map[string]any) {
		for method := range item.(map[string]any) {
			if slices.Contains(httpMethods, method) {
				documented[strings.ToUpper(method)+" "+path] = true
			}
		}
	}
	served := map[string]bool{}
	for _, r := range e.server.Routes() {
		served[r.Method+" "+r.Pattern] = true
	}
	for r := range served {
		if !documented[r] {
			t.Errorf("%s is served but not in openapi.json", r)
		}
	}
	for r := range documented {
		if !served[r] {
			t.Errorf("%s is in openapi.json but not served", r)
		}
	}
	if len(served) < 13 {
		t.Errorf("only %d routes served", len(served))
	}
}

// TestOpenAPIRefsResolve: every $ref points at something that exists, and
// every path parameter is declared.
func TestOpenAPIRefsResolve(t *testing.T) {
	e := newEnv(t, nil)
	doc := openAPIDoc(t, e)
	var walk func(v any, at string)
	walk = func(v any, at string) {
		switch v := v.(type) {
		case map[string]any:
			if ref, ok := v["$ref"].(string); ok {
				if resolve(doc, ref) == nil {
					t.Errorf("%s: $ref %s does not resolve", at, ref)
				}
			}
			for k, c := range v {
				walk(c, at+"/"+k)
			}
		case []any:
			for _, c := range v {
				walk(c, at+"[]")
			}
		}
	}
	walk(doc, "#")

	for path, item := range doc["paths"].(map[string]any) {
		for method, op := range item.(map[string]any) {
			declared := map[string]bool{}
			params, _ := op.(map[string]any)["parameters"].([]any)
			for _, p := range params {
				pm := p.(map[string]any)
				if ref, ok := pm["$ref"].(string); ok {
					pm = resolve(doc, ref).(map[string]any)
				}
				if pm["in"] == "path" {
					declared[pm["name"].(string)] = true
				}
			}
			for _, seg := range strings.Split(path, "/") {
				if strings.HasPrefix(seg, "{") && !declared[strings.Trim(seg, "{}")] {
					t.Errorf("%s %s: path parameter %s not declared", method, path, seg)
				}
			}
			if _, ok := op.(map[string]any)["responses"]; !ok {
				t.Errorf("%s %s: no responses", method, path)
			}
		}
	}
}

func resolve(doc map[string]any, ref string) any {
	if !strings.HasPrefix(ref, "#/") {
		return nil
	}
	var v any = doc
	for _, part := range strings.Split(ref[2:], "/") {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[part]
	}
	return v
}

// TestOpenAPISchemasMatchTypes: each schema names exactly the JSON fields
// of the Go type the API writes, so the document cannot drift from the code.
func TestOpenAPISchemasMatchTypes(t *testing.T) {
	e := newEnv(t, nil)
	schemas := openAPIDoc(t, e)["components"].(map[string]any)["schemas"].(map[string]any)
	for name, v := range map[string]any{
		"Problem":          api.Problem{},
		"Error":            credo.Error{},
		"IngestResult":     ingest.Result{},
		"IngestReport":     api.IngestReport{},
		"USCCDescription":  uscc.Description{},
		"Subject":          credo.Subject{},
		"SubjectVersion":   api.SubjectVersion{},
		"RegistrationFlag": credo.RegistrationFlag{},
		"FormerName":       credo.FormerName{},
		"Money":            credo.Money{},
		"Officer":          credo.Officer{},
		"Shareholder":      credo.Shareholder{},
		"Record":           credo.Record{},
		"RecordPage":       credo.RecordPage{},
		"SubjectPage":      credo.SubjectPage{},
		"SubjectResult":    api.SubjectResult{},
		"SubjectResults":   api.SubjectResults{},
		"MatchWhy":         search.Why{},

		"Screening":                api.Screening{},
		"ScreeningJob":             api.ScreeningJob{},
		"ScreeningResults":         api.ScreeningResults{},
		"ScreeningDecisionRequest": api.ScreeningDecisionRequest{},
		"ScreeningDecision":        credo.ScreeningDecision{},
		"ScreeningRow":             screening.Row{},
		"ScreeningInput":           screening.Input{},
		"ScreeningMatch":           screening.Matched{},
		"ScreeningCandidate":       screening.Candidate{},
		"Report":                   api.Report{},
		"GradeChange":              api.GradeChange{},
		"ObjectionView":            api.ObjectionView{},
		"SubjectVersions":          api.SubjectVersions{},
		"Stats":                    credo.Stats{},
		"Authority":                credo.Authority{},
		"AuthorityList":            api.AuthorityList{},
		"Health":                   api.Health{},

		"Assessment":           credo.Assessment{},
		"Dimension":            credo.Dimension{},
		"Contribution":         credo.Contribution{},
		"RulebookRef":          credo.RulebookRef{},
		"Cause":                credo.Cause{},
		"AssessmentChange":     credo.AssessmentChange{},
		"AssessmentPage":       credo.AssessmentPage{},
		"WhatIfRequest":        api.WhatIfRequest{},
		"WhatIfAnswer":         api.WhatIfAnswer{},
		"AssessmentDifference": api.AssessmentDifference{},
		"DiffRequest":          api.DiffRequest{},
		"Publicity":            api.Publicity{},
		"RecordView":           api.RecordView{},
		"RecordViewPage":       api.RecordViewPage{},

		"ListEntry":         credo.ListEntry{},
		"ListTransition":    credo.ListTransition{},
		"ListState":         credo.ListState{},
		"EntryView":         dueprocess.EntryView{},
		"ListRequest":       dueprocess.ListRequest{},
		"EndRequest":        dueprocess.EndRequest{},
		"ListDefinition":    lists.Definition{},
		"Escalation":        lists.Escalation{},
		"ListRule":          lists.Rule{},
		"SubjectLists":      api.SubjectLists{},
		"ListsPage":         api.ListsPage{},
		"Measure":           lists.Measure{},
		"Trigger":           lists.Trigger{},
		"MeasuresCatalogue": api.MeasuresCatalogue{},
		"MeasureReason":     lists.Reason{},
		"Verdict":           lists.Verdict{},
		"MeasuresCheck":     api.MeasuresCheck{},
		"MeasuresResults":   api.MeasuresResults{},
		"Target":            credo.Target{},
		"Attachment":        credo.Attachment{},
		"CaseDecision":      credo.CaseDecision{},
		"Case":              credo.Case{},
		"CaseView":          api.CaseView{},
		"CasePage":          api.CasePage{},
		"CaseRequest":       dueprocess.CaseRequest{},
		"DecisionRequest":   dueprocess.DecisionRequest{},
		"Notice":            credo.Notice{},
		"Refs":              credo.Refs{},
		"NoticePage":        credo.NoticePage{},
		"Account":           credo.Account{},
		"AccountRequest":    api.AccountRequest{},
		"NewAccount":        api.NewAccount{},
		"Me":                api.Me{},
		"Watchlist":         credo.Watchlist{},
		"WatchlistRequest":  api.WatchlistRequest{},
		"WatchlistList":     api.WatchlistList{},
		"WatchlistMembers":  api.WatchlistMembers{},
		"MembersRequest":    api.MembersRequest{},
		"MembersReport":     api.MembersReport{},
		"InvalidRow":        api.InvalidRow{},
		"Digest":            api.Digest{},
		"GradeFall":         api.GradeFall{},
		"NewListing":        api.NewListing{},
		"Event":             events.Event{},
		"EventPage":         events.Page{},
		"LogProof":          api.LogProof{},
		"Webhook":           credo.Webhook{},
		"WebhookRequest":    api.WebhookRequest{},
		"WebhookSecret":     api.WebhookSecret{},
		"WebhookList":       api.WebhookList{},
		"WebhookDelivery":   credo.WebhookDelivery{},
		"DeadLetters":       api.DeadLetters{},
		"Replay":            api.Replay{},
		"LogEntry":          api.LogEntry{},
		"IssuedReport":      api.IssuedReportView{},
		"ReportWithdrawal":  credo.ReportWithdrawal{},
		"WithdrawalRequest": api.WithdrawalRequest{},

		"AnnualReport":           credo.AnnualReport{},
		"ReportContact":          credo.ReportContact{},
		"ReportWebsite":          credo.ReportWebsite{},
		"ReportInvestment":       credo.ReportInvestment{},
		"ReportShareholder":      credo.ReportShareholder{},
		"AnnualReports":          api.AnnualReports{},
		"AnnualReportHistory":    api.AnnualReportHistory{},
		"FalseDisclosureRequest": dueprocess.FalseDisclosureRequest{},
		"Unfiled":                dueprocess.Unfiled{},
		"OverduePage":            dueprocess.OverduePage{},
		"Obligation":             dueprocess.Obligation{},
		"Obligations":            api.Obligations{},
		"Basis":                  credo.Basis{},
		"Citation":               credo.Citation{},
		"RulebookView":           api.RulebookView{},
		"RulebookVersion":        api.RulebookVersion{},
		"RulebookDimension":      api.RulebookDimension{},
		"RulebookRule":           api.RulebookRule{},
		"RulebookBand":           api.RulebookBand{},
		"RulebookOverlay":        api.RulebookOverlay{},
		"RulebookPublicity":      api.RulebookPublicity{},
		"RulebookComprehensive":  api.RulebookComprehensive{},

		"Relationship": credo.Relationship{},
		"SharedRoles":  credo.SharedRoles{},
		"Hop":          partners.Hop{},
		"PartnerEntry": partners.Entry{},
		"Partner":      partners.Partner{},
		"PartnersPage": partners.PartnersPage{},
		"NetworkNode":  partners.Node{},
		"Network":      partners.Network{},
		"PersonRole":   partners.OrganizationRole{},
		"PersonRoles":  partners.Roles{},
	} {
		s, ok := schemas[name].(map[string]any)
		if !ok {
			t.Errorf("no schema %s", name)
			continue
		}
		var props []string
		for p := range s["properties"].(map[string]any) {
			props = append(props, p)
		}
		slices.Sort(props)
		fields := jsonFields(reflect.TypeOf(v))
		if !slices.Equal(props, fields) {
			t.Errorf("schema %s has %v, type %T has %v", name, props, v, fields)
		}
		if req, ok := s["required"].([]any); ok {
			for _, r := range req {
				if !slices.Contains(fields, r.(string)) {
					t.Errorf("schema %s requires %v, which %T lacks", name, r, v)
				}
			}
		}
	}
}

// jsonFields lists the JSON member names of a struct type, sorted.
func jsonFields(t reflect.Type) []string {
	var out []string
	for f := range t.Fields() {
		tag := f.Tag.Get("json")
		if f.Anonymous && tag == "" {
			// Embedded structs' fields are promoted into the object.
			et := f.Type
			if et.Kind() == reflect.Pointer {
				et = et.Elem()
			}
			out = append(out, jsonFields(et)...)
			continue
		}
		if !f.IsExported() {
			continue
		}
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if name == "" {
			name = f.Name
		}
		out = append(out, name)
	}
	slices.Sort(out)
	return out
}

func TestOpenAPIServedAsJSON(t *testing.T) {
	e := newEnv(t, nil)
	res := e.get("/v1/openapi.json").wantStatus(http.StatusOK)
	if !json.Valid(res.body) || res.header.Get("Content-Type") != "application/json" {
		t.Errorf("served %q", res.header.Get("Content-Type"))
	}
}
