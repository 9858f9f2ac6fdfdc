package api_test

import (
	"bytes"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/api"
)

func TestPostRecordCreatedThenExistsThenConflict(t *testing.T) {
	e := newEnv(t, nil)
	in := goodRecord(codeHuaibei, "HB-2026-001")

	res := e.postJSON("/v1/records", tokenHuaibei, in).wantStatus(http.StatusCreated)
	var created credo.Record
	res.decode(&created)
	if created.ID == 0 || created.RecordedAt.IsZero() {
		t.Fatalf("created record without id or recorded_at: %s", res.body)
	}
	if created.Authority != "huaibei-amr" || created.Subject != codeHuaibei || created.Currency != "CNY" {
		t.Errorf("created record %+v", created)
	}
	if loc := res.header.Get("Location"); loc != "/v1/records/"+strconv.FormatInt(created.ID, 10) {
		t.Errorf("Location %q", loc)
	}

	// The answer is made from what ingest stored, without reading it back:
	// it is what a read answers (the same content again reads it).
	createdBody := res.body
	// The same content again: 200 and the original, nothing new stored.
	res = e.postJSON("/v1/records", tokenHuaibei, in).wantStatus(http.StatusOK)
	if !bytes.Equal(res.body, createdBody) {
		t.Errorf("created answered\n%s\nread back as\n%s", createdBody, res.body)
	}
	var again credo.Record
	res.decode(&again)
	if again.ID != created.ID || !again.RecordedAt.Equal(created.RecordedAt.Time) {
		t.Errorf("resubmission answered %+v, want the original %+v", again, created)
	}

	// Different content under the same external id: conflict.
	p := e.postJSON("/v1/records", tokenHuaibei, with(in, "amount", 6000.0)).problem(http.StatusConflict, credo.ECONFLICT)
	if !strings.Contains(p.Detail, "HB-2026-001") {
		t.Errorf("conflict detail %q does not name the external id", p.Detail)
	}

	var stats credo.Stats
	e.get("/v1/stats").wantStatus(http.StatusOK).decode(&stats)
	if stats.Records != 1 {
		t.Errorf("stats records %d, want 1", stats.Records)
	}

	var got credo.Record
	e.do("GET", "/v1/records/"+strconv.FormatInt(created.ID, 10), tokenHuaibei, "", nil).wantStatus(http.StatusOK).decode(&got)
	if got.ExternalID != "HB-2026-001" || got.Amount == nil || *got.Amount != 5000 {
		t.Errorf("GET record %+v", got)
	}
}

func TestPostRecordInvalid(t *testing.T) {
	e := newEnv(t, nil)
	good := goodRecord(codeHuaibei, "HB-1")
	tests := []struct {
		name          string
		body          any
		status        int
		code          credo.ErrorCode
		field, reason string
		detail        string // a substring of the detail, when set
	}{
		{"malformed JSON", `{"subject": "` + codeHuaibei + `",`, 400, credo.EMALFORMED, "", "syntax", ""},
		{"empty body", ``, 400, credo.EMALFORMED, "", "syntax", ""},
		{"trailing data", encode(t, good) + ` {}`, 400, credo.EMALFORMED, "", "syntax", ""},
		{"array, not object", `[]`, 422, credo.EINVALID, "", "type", ""},
		{"wrong type amount", with(good, "amount", "5000"), 422, credo.EINVALID, "amount", "type", ""},
		{"wrong type kind", with(good, "kind", 7), 422, credo.EINVALID, "kind", "type", ""},
		{"wrong type penalty_types", with(good, "penalty_types", "fine"), 422, credo.EINVALID, "penalty_types", "type", ""},
		{"unknown field", with(good, "colour", "red"), 422, credo.EINVALID, "colour", "unknown_field", ""},
		{"bad date", with(good, "occurred_at", "2 March 2026"), 422, credo.EINVALID, "occurred_at", "format", ""},
		{"missing subject", with(good, "subject", nil), 422, credo.EINVALID, "subject", "required", ""},
		{"missing category", with(good, "category", nil), 422, credo.EINVALID, "category", "required", ""},
		{"missing kind", with(good, "kind", nil), 422, credo.EINVALID, "kind", "required", ""},
		{"missing external_id", with(good, "external_id", nil), 422, credo.EINVALID, "external_id", "required", ""},
		{"missing occurred_at", with(good, "occurred_at", nil), 422, credo.EINVALID, "occurred_at", "required", ""},
		{"missing decision_number of a penalty", with(good, "decision_number", nil), 422, credo.EINVALID, "decision_number", "required", ""},
		{"unknown category", with(good, "category", "gossip"), 422, credo.EINVALID, "category", "enum", ""},
		{"code length", with(good, "subject", badLength), 422, credo.EINVALID, "subject", "length", ""},
		{"code charset", with(good, "subject", badCharset), 422, credo.EINVALID, "subject", "charset", ""},
		{"code structure", with(good, "subject", badStructure), 422, credo.EINVALID, "subject", "structure", ""},
		{"code checksum", with(good, "subject", badChecksum), 422, credo.EINVALID, "subject", "checksum", ""},
		{"code org_checksum", with(good, "subject", badOrgChecksum), 422, credo.EINVALID, "subject", "org_checksum", ""},
		{"resident identity number", with(good, "subject", residentID), 422, credo.EINVALID, "subject", "person", "organizations only"},
		{"future decision", with(good, "occurred_at", "2026-07-02"), 422, credo.EINVALID, "occurred_at", "future", ""},
		{"implausibly old decision", with(good, "occurred_at", "1979-12-31"), 422, credo.EINVALID, "occurred_at", "too_old", ""},
		{"negative amount", with(good, "amount", -1.0), 422, credo.EINVALID, "amount", "negative", ""},
		{"absurd amount", with(good, "amount", 1e13), 422, credo.EINVALID, "amount", "absurd", ""},
		{"negative tax_due", with(good, "tax_due", -0.01), 422, credo.EINVALID, "tax_due", "negative", ""},
		{"id is the registry's", with(good, "id", 5), 422, credo.EINVALID, "id", "read_only", ""},
		{"recorded_at is the registry's", with(good, "recorded_at", "2026-01-01"), 422, credo.EINVALID, "recorded_at", "read_only", ""},
		{"another authority", with(good, "authority", "shanghai-tax"), 403, credo.EFORBIDDEN, "authority", "authority", "shanghai-tax"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := e.postJSON("/v1/records", tokenHuaibei, tt.body).problem(tt.status, tt.code)
			wantField(t, p, tt.field, tt.reason)
			if !strings.Contains(p.Detail, tt.detail) {
				t.Errorf("detail %q does not contain %q", p.Detail, tt.detail)
			}
		})
	}
	var stats credo.Stats
	e.get("/v1/stats").decode(&stats)
	if stats.Records != 0 {
		t.Errorf("refused records were stored: %+v", stats)
	}
}

func TestPostRecordAuth(t *testing.T) {
	e := newEnv(t, nil)
	good := goodRecord(codeHuaibei, "HB-1")

	t.Run("no token", func(t *testing.T) {
		res := e.do("POST", "/v1/records", "", "application/json", encode(t, good))
		res.problem(http.StatusUnauthorized, credo.EUNAUTHORIZED)
		if h := res.header.Get("WWW-Authenticate"); !strings.HasPrefix(h, "Bearer") {
			t.Errorf("WWW-Authenticate %q", h)
		}
	})
	t.Run("unknown token", func(t *testing.T) {
		res := e.postJSON("/v1/records", "credo_not_a_token", good)
		res.problem(http.StatusUnauthorized, credo.EUNAUTHORIZED)
		if h := res.header.Get("WWW-Authenticate"); !strings.Contains(h, `error="invalid_token"`) {
			t.Errorf("WWW-Authenticate %q", h)
		}
	})
	t.Run("not bearer", func(t *testing.T) {
		res := e.do("POST", "/v1/records", "", "application/json", encode(t, good), "Authorization", "Basic dXNlcjpwYXNz")
		res.problem(http.StatusUnauthorized, credo.EUNAUTHORIZED)
	})
	t.Run("foreign division", func(t *testing.T) {
		p := e.postJSON("/v1/records", tokenHuaibei, with(good, "subject", codeShanghai)).problem(http.StatusForbidden, credo.EFORBIDDEN)
		wantField(t, p, "subject", "division")
		if !strings.Contains(p.Detail, "division 310112") {
			t.Errorf("detail %q does not name the division", p.Detail)
		}
	})
	t.Run("foreign category", func(t *testing.T) {
		p := e.postJSON("/v1/records", tokenShanghai, with(good, "subject", codeShanghai)).problem(http.StatusForbidden, credo.EFORBIDDEN)
		wantField(t, p, "category", "category")
		if !strings.Contains(p.Detail, "category market") {
			t.Errorf("detail %q does not name the category", p.Detail)
		}
	})
	t.Run("auth before content type", func(t *testing.T) {
		e.do("POST", "/v1/records", "", "text/plain", "hello").problem(http.StatusUnauthorized, credo.EUNAUTHORIZED)
	})
}

func TestPostRecordMediaTypeAndSize(t *testing.T) {
	e := newEnv(t, nil)
	good := encode(t, goodRecord(codeHuaibei, "HB-1"))
	for _, ct := range []string{"", "text/plain", "application/xml", "multipart/form-data; boundary=x"} {
		t.Run("Content-Type "+ct, func(t *testing.T) {
			p := e.do("POST", "/v1/records", tokenHuaibei, ct, good).problem(http.StatusUnsupportedMediaType, "unsupported_media_type")
			if !strings.Contains(p.Detail, "application/x-ndjson") {
				t.Errorf("detail %q does not say what to send", p.Detail)
			}
		})
	}
	t.Run("charset parameter", func(t *testing.T) {
		e.do("POST", "/v1/records", tokenHuaibei, "application/json; charset=utf-8", good).wantStatus(http.StatusCreated)
	})
	t.Run("object over 1 MiB", func(t *testing.T) {
		big := with(goodRecord(codeHuaibei, "HB-big"), "description", strings.Repeat("x", api.MaxObject))
		e.postJSON("/v1/records", tokenHuaibei, big).problem(http.StatusRequestEntityTooLarge, credo.ETOOLARGE)
	})
}

// ingestReport is api.IngestReport as a client reads it.
type ingestReport struct {
	Accepted, Exists, Refused int
	Results                   []struct {
		Line    int
		Status  string
		ID      int64
		Version int
		Error   *credo.Error
	}
}

func TestPostRecordsNDJSONMixed(t *testing.T) {
	e := newEnv(t, nil)
	e.postJSON("/v1/records", tokenHuaibei, goodRecord(codeHuaibei, "HB-0")).wantStatus(http.StatusCreated)
	lines := []any{
		goodRecord(codeHuaibei, "HB-1"), // 1 created
		"",                              // 2 blank: skipped, counted
		with(goodRecord(codeHuaibei, "HB-2"), "occurred_at", "2030-01-01"),      // 3 future
		goodRecord(codeHuaibei2, "HB-3"),                                        // 4 created
		`{"subject": `,                                                          // 5 malformed
		goodRecord(codeShanghai, "HB-4"),                                        // 6 foreign division
		with(goodRecord(codeHuaibei, "HB-5"), "subject", residentID),            // 7 a person
		with(goodRecord(codeHuaibei, "HB-0"), "description", "something else"),  // 8 conflicts with HB-0
		with(goodRecord(codeHuaibei, "HB-6"), "unknown", true),                  // 9 unknown field
		with(goodRecord(codeHuaibei, "HB-7"), "supersedes_external_id", "HB-1"), // 10 created, supersedes line 1
	}
	var rep ingestReport
	e.postNDJSON("/v1/records", tokenHuaibei, lines...).wantStatus(http.StatusOK).decode(&rep)

	type want struct {
		line          int
		status        string
		code          credo.ErrorCode
		field, reason string
	}
	wants := []want{
		{1, "created", "", "", ""},
		{3, "refused", credo.EINVALID, "occurred_at", "future"},
		{4, "created", "", "", ""},
		{5, "refused", credo.EMALFORMED, "", "syntax"},
		{6, "refused", credo.EFORBIDDEN, "subject", "division"},
		{7, "refused", credo.EINVALID, "subject", "person"},
		{8, "refused", credo.ECONFLICT, "", ""},
		{9, "refused", credo.EINVALID, "unknown", "unknown_field"},
		{10, "created", "", "", ""},
	}
	if len(rep.Results) != len(wants) {
		t.Fatalf("%d results, want %d: %+v", len(rep.Results), len(wants), rep.Results)
	}
	for i, w := range wants {
		r := rep.Results[i]
		if r.Line != w.line || r.Status != w.status {
			t.Errorf("result %d: line %d %s, want line %d %s (%+v)", i, r.Line, r.Status, w.line, w.status, r.Error)
			continue
		}
		if w.status == "created" {
			if r.ID == 0 || r.Error != nil {
				t.Errorf("line %d: created without id or with error %+v", r.Line, r.Error)
			}
			continue
		}
		if r.Error == nil || r.Error.Code != w.code || r.Error.Message == "" {
			t.Errorf("line %d: error %+v, want code %s", r.Line, r.Error, w.code)
			continue
		}
		if w.field != "" && (r.Error.Field != w.field || r.Error.Reason != w.reason) {
			t.Errorf("line %d: field %q reason %q, want %q %q", r.Line, r.Error.Field, r.Error.Reason, w.field, w.reason)
		}
	}
	if rep.Accepted != 3 || rep.Exists != 0 || rep.Refused != 6 {
		t.Errorf("counts accepted %d exists %d refused %d, want 3 0 6", rep.Accepted, rep.Exists, rep.Refused)
	}

	// Bad lines changed nothing; good ones are stored.
	var stats credo.Stats
	e.get("/v1/stats").decode(&stats)
	if stats.Records != 4 {
		t.Errorf("stats records %d, want 4", stats.Records)
	}
	var first credo.Record
	// A superseded record is no longer published: its authority still sees it.
	e.get(fmt.Sprintf("/v1/records/%d", rep.Results[0].ID)).wantStatus(http.StatusNotFound)
	e.do("GET", fmt.Sprintf("/v1/records/%d", rep.Results[0].ID), tokenHuaibei, "", nil).wantStatus(http.StatusOK).decode(&first)
	if first.SupersededBy != rep.Results[8].ID {
		t.Errorf("record of line 1 superseded_by %d, want %d (line 10)", first.SupersededBy, rep.Results[8].ID)
	}

	// The same body again: the good lines exist, nothing new.
	var again ingestReport
	e.postNDJSON("/v1/records", tokenHuaibei, lines...).wantStatus(http.StatusOK).decode(&again)
	if again.Accepted != 0 || again.Exists != 3 || again.Refused != 6 {
		t.Errorf("resubmission: accepted %d exists %d refused %d, want 0 3 6", again.Accepted, again.Exists, again.Refused)
	}
	if again.Results[0].Status != "exists" || again.Results[0].ID != rep.Results[0].ID {
		t.Errorf("resubmitted line 1: %+v", again.Results[0])
	}
}

func TestPostRecordsNDJSONLongLine(t *testing.T) {
	e := newEnv(t, nil)
	long := `{"subject":"` + strings.Repeat("9", 10<<20) + `"}`
	var rep ingestReport
	e.postNDJSON("/v1/records", tokenHuaibei,
		goodRecord(codeHuaibei, "HB-1"), long, goodRecord(codeHuaibei, "HB-2"),
	).wantStatus(http.StatusOK).decode(&rep)
	if rep.Accepted != 2 || rep.Refused != 1 || len(rep.Results) != 3 {
		t.Fatalf("report %+v", rep)
	}
	if r := rep.Results[1]; r.Line != 2 || r.Status != "refused" || r.Error == nil || r.Error.Code != credo.ETOOLARGE {
		t.Errorf("long line: %+v %+v", r, r.Error)
	}
}

func TestPostRecordsNDJSONLimits(t *testing.T) {
	e := newEnv(t, nil)
	t.Run("10000 lines", func(t *testing.T) {
		body := strings.Repeat("{}\n", api.MaxLines)
		var rep ingestReport
		e.do("POST", "/v1/records", tokenHuaibei, "application/x-ndjson", body).wantStatus(http.StatusOK).decode(&rep)
		if rep.Refused != api.MaxLines || len(rep.Results) != api.MaxLines || rep.Results[api.MaxLines-1].Line != api.MaxLines {
			t.Errorf("refused %d, %d results", rep.Refused, len(rep.Results))
		}
	})
	t.Run("10001 lines", func(t *testing.T) {
		var b strings.Builder
		for i := range api.MaxLines + 1 {
			b.WriteString(encode(t, goodRecord(codeHuaibei, fmt.Sprintf("HB-%d", i))))
			b.WriteByte('\n')
		}
		p := e.do("POST", "/v1/records", tokenHuaibei, "application/x-ndjson", b.String()).problem(http.StatusRequestEntityTooLarge, credo.ETOOLARGE)
		if !strings.Contains(p.Detail, "10000 lines") {
			t.Errorf("detail %q", p.Detail)
		}
		var stats credo.Stats
		e.get("/v1/stats").decode(&stats)
		if stats.Records != 0 {
			t.Errorf("%d records stored from a refused body", stats.Records)
		}
	})
	t.Run("body over 64 MiB", func(t *testing.T) {
		line := strings.Repeat(" ", 1023) + "\n" // blank: skipped, but bytes all the same
		body := strings.Repeat(line, api.MaxBody/len(line)+1)
		e.do("POST", "/v1/records", tokenHuaibei, "application/x-ndjson", body).problem(http.StatusRequestEntityTooLarge, credo.ETOOLARGE)
	})
	t.Run("empty body", func(t *testing.T) {
		var rep ingestReport
		res := e.do("POST", "/v1/records", tokenHuaibei, "application/x-ndjson", "\n\n")
		res.wantStatus(http.StatusOK).decode(&rep)
		if rep.Accepted+rep.Exists+rep.Refused != 0 || !strings.Contains(string(res.body), `"results":[]`) {
			t.Errorf("empty body answered %s", res.body)
		}
	})
}

func TestGetRecord(t *testing.T) {
	e := newEnv(t, nil)
	e.get("/v1/records/1").problem(http.StatusNotFound, credo.ENOTFOUND)
	for _, id := range []string{"abc", "0", "-3", "1.5", "99999999999999999999"} {
		p := e.get("/v1/records/"+id).problem(http.StatusUnprocessableEntity, credo.EINVALID)
		wantField(t, p, "id", "format")
	}
}

func TestSubjectRecords(t *testing.T) {
	e := newEnv(t, nil)
	// Five records of codeHuaibei, decided on the 1st to 5th of March, two
	// of them court judgments; one record of another organization.
	var lines []any
	for day := 1; day <= 5; day++ {
		r := with(goodRecord(codeHuaibei, fmt.Sprintf("N-%d", day)), "occurred_at", fmt.Sprintf("2026-03-0%dT10:00:00+08:00", day))
		if day%2 == 0 {
			r = with(r, "category", "court", "kind", "judgment_unfulfilled", "penalty_types", nil, "amount", nil,
				"decision_number", "(2026)皖06执1号", "legal_basis", nil, "severity", nil)
		}
		lines = append(lines, r)
	}
	lines = append(lines, goodRecord(codeHuaibei2, "N-other"))
	var rep ingestReport
	e.postNDJSON("/v1/records", tokenNational, lines...).wantStatus(http.StatusOK).decode(&rep)
	if rep.Accepted != 6 {
		t.Fatalf("setup: %+v", rep)
	}

	list := func(query string) (days []int, next string) {
		t.Helper()
		var page struct {
			Records []credo.Record `json:"records"`
			Next    string         `json:"next"`
		}
		// An authority over them in their fields sees every record (the
		// public's view is the policy's, tested in authz_test.go).
		e.do("GET", "/v1/subjects/"+codeHuaibei+"/records"+query, tokenNational, "", nil).wantStatus(http.StatusOK).decode(&page)
		for _, r := range page.Records {
			if r.Subject != codeHuaibei {
				t.Errorf("record of %s listed", r.Subject)
			}
			days = append(days, r.OccurredAt.Day())
		}
		return days, page.Next
	}
	eq := func(a, b []int) bool { return fmt.Sprint(a) == fmt.Sprint(b) }

	if days, next := list(""); !eq(days, []int{5, 4, 3, 2, 1}) || next != "" {
		t.Errorf("all: %v next %q", days, next)
	}
	if days, _ := list("?category=court"); !eq(days, []int{4, 2}) {
		t.Errorf("category=court: %v", days)
	}
	if days, _ := list("?kind=penalty"); !eq(days, []int{5, 3, 1}) {
		t.Errorf("kind=penalty: %v", days)
	}
	if days, _ := list("?from=2026-03-02&to=2026-03-04"); !eq(days, []int{3, 2}) {
		t.Errorf("from/to dates: %v", days)
	}
	if days, _ := list("?from=2026-03-03T02:00:00Z"); !eq(days, []int{5, 4, 3}) {
		t.Errorf("from time: %v", days)
	}
	if days, _ := list("?category=tax"); len(days) != 0 {
		t.Errorf("category=tax: %v", days)
	}

	// Pagination: every record once, newest first.
	var all []int
	query := "?limit=2"
	for pages := 0; ; pages++ {
		if pages > 5 {
			t.Fatal("pagination does not end")
		}
		days, next := list(query)
		if len(days) > 2 {
			t.Fatalf("page of %d with limit 2", len(days))
		}
		all = append(all, days...)
		if next == "" {
			break
		}
		query = "?limit=2&cursor=" + next
	}
	if !eq(all, []int{5, 4, 3, 2, 1}) {
		t.Errorf("paged: %v", all)
	}

	// An organization with no records: an empty page.
	res := e.get("/v1/subjects/" + codeHuawei + "/records").wantStatus(http.StatusOK)
	if !strings.Contains(string(res.body), `"records":[]`) {
		t.Errorf("no records answered %s", res.body)
	}

	bad := []struct{ query, field, reason string }{
		{"?from=yesterday", "from", "format"},
		{"?to=2026-13-01", "to", "format"},
		{"?from=2026-03-04&to=2026-03-02", "to", "order"},
		{"?limit=0", "limit", "range"},
		{"?limit=1001", "limit", "range"},
		{"?limit=ten", "limit", "format"},
		{"?category=gossip", "category", "enum"},
	}
	for _, b := range bad {
		p := e.get("/v1/subjects/"+codeHuaibei+"/records"+b.query).problem(http.StatusUnprocessableEntity, credo.EINVALID)
		wantField(t, p, b.field, b.reason)
	}
	p := e.get("/v1/subjects/"+badChecksum+"/records").problem(http.StatusUnprocessableEntity, credo.EINVALID)
	wantField(t, p, "code", "checksum")
}

func TestPostRecordsNDJSONRepeatsInOneBody(t *testing.T) {
	e := newEnv(t, nil)
	var rep ingestReport
	e.postNDJSON("/v1/records", tokenHuaibei,
		goodRecord(codeHuaibei, "A"), goodRecord(codeHuaibei, "A"), with(goodRecord(codeHuaibei, "A"), "amount", 7.0),
	).wantStatus(http.StatusOK).decode(&rep)
	got := []string{rep.Results[0].Status, rep.Results[1].Status, rep.Results[2].Status}
	if fmt.Sprint(got) != "[created exists refused]" || rep.Results[1].ID != rep.Results[0].ID ||
		rep.Results[2].Error == nil || rep.Results[2].Error.Code != credo.ECONFLICT {
		t.Errorf("repeats answered %+v", rep.Results)
	}
}
