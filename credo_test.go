package credo_test

import (
	"strings"
	"testing"
	"time"

	"github.com/credo-registry/credo"
)

var now = time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)

// Real codes (python-stdnum's test suite): Beijing 110000, Inner Mongolia 152201.
const (
	codeBeijing = "91110000600037341L"
	codeNeimeng = "91152201078377449P"
)

func validRecord() string {
	return `{"subject":"` + codeBeijing + `","category":"market","kind":"penalty",
	 "external_id":"BJ-MKT-2025-00017","decision_number":"京市监处〔2025〕17号",
	 "legal_basis":"《中华人民共和国广告法》第五十五条","description":"发布虚假广告",
	 "penalty_types":["fine"],"amount":200000,"occurred_at":"2025-03-14"}`
}

func decodeRecord(t *testing.T, body string) (*credo.Record, error) {
	t.Helper()
	r := new(credo.Record)
	if err := credo.Decode([]byte(body), r); err != nil {
		return nil, err
	}
	r.Normalize()
	return r, r.Validate(now)
}

func TestRecordValidate(t *testing.T) {
	r, err := decodeRecord(t, validRecord())
	if err != nil {
		t.Fatalf("valid record refused: %v", err)
	}
	if r.OccurredAt.Format(time.RFC3339) != "2025-03-14T00:00:00Z" || *r.Amount != 200000 || r.Currency != "CNY" {
		t.Fatalf("decoded wrongly: %+v", r)
	}
	tests := []struct {
		name, from, to string
		code           credo.ErrorCode
		field, reason  string
	}{
		{"malformed json", `"occurred_at":"2025-03-14"}`, `"occurred_at":"2025-03-14"`, credo.EMALFORMED, "", "syntax"},
		{"unknown field", `"description"`, `"private_life"`, credo.EINVALID, "private_life", "unknown_field"},
		{"wrong type", `"amount":200000`, `"amount":"lots"`, credo.EINVALID, "amount", "type"},
		{"missing category", `"category":"market",`, ``, credo.EINVALID, "category", "required"},
		{"unknown category", `"category":"market"`, `"category":"gossip"`, credo.EINVALID, "category", "enum"},
		{"bad kind", `"kind":"penalty"`, `"kind":"Penalty!"`, credo.EINVALID, "kind", "format"},
		{"missing external id", `"external_id":"BJ-MKT-2025-00017",`, ``, credo.EINVALID, "external_id", "required"},
		{"invalid code", codeBeijing, "91110000600037341X", credo.EINVALID, "subject", "checksum"},
		{"short code", codeBeijing, "9111000060003734", credo.EINVALID, "subject", "length"},
		{"resident id", codeBeijing, "11010519491231002X", credo.EINVALID, "subject", "person"},
		{"future", `"2025-03-14"`, `"2027-01-01"`, credo.EINVALID, "occurred_at", "future"},
		{"too old", `"2025-03-14"`, `"1901-01-01"`, credo.EINVALID, "occurred_at", "too_old"},
		{"bad date", `"2025-03-14"`, `"14/03/2025"`, credo.EINVALID, "occurred_at", "format"},
		{"negative amount", `"amount":200000`, `"amount":-5`, credo.EINVALID, "amount", "negative"},
		{"absurd amount", `"amount":200000`, `"amount":1e15`, credo.EINVALID, "amount", "absurd"},
		{"fine without amount", `,"amount":200000`, ``, credo.EINVALID, "amount", "required"},
		{"penalty without basis", `"legal_basis":"《中华人民共和国广告法》第五十五条",`, ``, credo.EINVALID, "legal_basis", "required"},
		{"penalty without decision", `"decision_number":"京市监处〔2025〕17号",`, ``, credo.EINVALID, "decision_number", "required"},
		{"unknown penalty type", `["fine"]`, `["flogging"]`, credo.EINVALID, "penalty_types[0]", "enum"},
		{"registry field", `"kind":"penalty"`, `"kind":"penalty","id":7`, credo.EINVALID, "", ""},
		{"retraction without target", `"kind":"penalty"`, `"kind":"retraction"`, credo.EINVALID, "supersedes", "required"},
		{"duplicate field", `"kind":"penalty"`, `"kind":"penalty","kind":"licence"`, credo.EINVALID, "kind", "duplicate_field"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := validRecord()
			if !strings.Contains(body, tt.from) {
				t.Fatalf("test bug: %q not in body", tt.from)
			}
			body = strings.Replace(body, tt.from, tt.to, 1)
			r, err := decodeRecord(t, body)
			if tt.name == "registry field" {
				// id is a known field: decoding succeeds, ingest refuses it.
				if err != nil || r.ID != 7 {
					t.Fatalf("got %v", err)
				}
				return
			}
			e := credo.AsError(err)
			if e == nil {
				t.Fatalf("accepted; want %s error on %q", tt.code, tt.field)
			}
			if e.Code != tt.code || e.Field != tt.field || (tt.reason != "" && e.Reason != tt.reason) {
				t.Fatalf("got %s %q %q (%v); want %s %q %q", e.Code, e.Field, e.Reason, e, tt.code, tt.field, tt.reason)
			}
		})
	}
}

func TestRecordContentHash(t *testing.T) {
	a, _ := decodeRecord(t, validRecord())
	b, _ := decodeRecord(t, strings.Replace(validRecord(), `"occurred_at":"2025-03-14"`, `"occurred_at":"2025-03-14T00:00:00Z"`, 1))
	if a.ContentHash() != b.ContentHash() {
		t.Fatal("the same decision written two ways hashes differently")
	}
	c, _ := decodeRecord(t, strings.Replace(validRecord(), "200000", "200001", 1))
	if a.ContentHash() == c.ContentHash() {
		t.Fatal("a different amount hashes the same")
	}
	a.ID, a.RecordedAt, a.Authority = 9, credo.NewTime(now), "x"
	if a.ContentHash() != b.ContentHash() {
		t.Fatal("registry-assigned fields changed the content hash")
	}
}

func TestSubjectValidate(t *testing.T) {
	valid := `{"code":"9111 0000 6000 3734 1l","name":"北京某某科技有限公司","established":"2016-05-20",
	 "status":"active","legal_form":"有限责任公司","industry":"I6510",
	 "registered_capital":{"amount":1000000,"currency":"CNY"},"address":"北京市朝阳区…",
	 "former_names":[{"name":"北京某某网络有限公司","from":"2016-05-20","until":"2019-01-01"}],
	 "officers":[{"role":"legal_representative","name":"张某","id_number":"11010519491231002X"}],
	 "shareholders":[{"type":"organization","code":"` + codeNeimeng + `","name":"内蒙古某公司","share":60},
	                 {"type":"person","name":"张某","id_number":"11010519491231002X","share":40}]}`
	s := new(credo.Subject)
	if err := credo.Decode([]byte(valid), s); err != nil {
		t.Fatal(err)
	}
	s.Normalize()
	if err := s.Validate(now); err != nil {
		t.Fatalf("valid subject refused: %v", err)
	}
	if s.Code != codeBeijing || s.Division != "110000" || s.EntityType == "" {
		t.Fatalf("normalize: %+v", s)
	}
	s.Pseudonymize(credo.HMACKeyer{Secret: []byte("k")})
	if s.Officers[0].IDNumber != "" || !strings.HasPrefix(s.Officers[0].PersonKey, "pk_") ||
		s.Officers[0].PersonKey != s.Shareholders[1].PersonKey {
		t.Fatalf("pseudonymize: %+v %+v", s.Officers, s.Shareholders)
	}
	if k := (credo.HMACKeyer{Secret: []byte("other")}).PersonKey("11010519491231002X"); k == s.Officers[0].PersonKey {
		t.Fatal("person key does not depend on the secret")
	}
	tests := []struct{ name, from, to, field, reason string }{
		{"no name", `"name":"北京某某科技有限公司",`, ``, "name", "required"},
		{"bad status", `"active"`, `"asleep"`, "status", "enum"},
		{"future established", `"established":"2016-05-20"`, `"established":"2030-01-01"`, "established", "future"},
		{"bad role", `"legal_representative"`, `"chairman"`, "officers[0].role", "enum"},
		{"bad id number", `"id_number":"11010519491231002X"}]`, `"id_number":"早"}]`, "officers[0].id_number", "format"},
		{"negative capital", `"amount":1000000`, `"amount":-1`, "registered_capital.amount", "negative"},
		{"shares over 100", `"share":60`, `"share":61`, "shareholders", "range"},
		{"shareholder code", codeNeimeng, "91152201078377449X", "shareholders[0].code", "checksum"},
		{"person as subject", `"code":"9111 0000 6000 3734 1l"`, `"code":"11010519491231002X"`, "code", "person"},
		{"private conduct", `"industry":"I6510"`, `"industry":"I6510","religion":"x"`, "religion", "unknown_field"},
		{"officer location", `"name":"张某","id_number"`, `"name":"张某","home_address":"x","id_number"`, "officers[0].home_address", "unknown_field"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := strings.Replace(valid, tt.from, tt.to, 1)
			if body == valid {
				t.Fatalf("test bug: %q not in body", tt.from)
			}
			s := new(credo.Subject)
			err := credo.Decode([]byte(body), s)
			if err == nil {
				s.Normalize()
				err = s.Validate(now)
			}
			e := credo.AsError(err)
			if e == nil || e.Field != tt.field || e.Reason != tt.reason {
				t.Fatalf("got %#v; want field %q reason %q", e, tt.field, tt.reason)
			}
		})
	}
}

func TestAuthorityAuthorize(t *testing.T) {
	a := &credo.Authority{ID: "sh-amr", Name: "上海市市场监督管理局", Divisions: []string{"31", "3205"}, Categories: []string{"market", "tax"}}
	if err := a.Validate(); err != nil {
		t.Fatal(err)
	}
	if err := a.Authorize("91310115MA1K3BTP2B", "market"); err != nil {
		t.Fatalf("own division and category refused: %v", err)
	}
	if err := a.Authorize("91320508MA1K3BTP2B", "tax"); err != nil {
		t.Fatalf("3205 prefix refused: %v", err)
	}
	e := credo.AsError(a.Authorize(codeBeijing, "market"))
	if e == nil || e.Code != credo.EFORBIDDEN || e.Reason != "division" || !strings.Contains(e.Message, "110000") {
		t.Fatalf("foreign division: %v", e)
	}
	e = credo.AsError(a.Authorize("91310115MA1K3BTP2B", "court"))
	if e == nil || e.Code != credo.EFORBIDDEN || e.Reason != "category" || !strings.Contains(e.Message, "court") {
		t.Fatalf("foreign category: %v", e)
	}
	nat := &credo.Authority{ID: "sat", Name: "国家税务总局", Divisions: []string{"*"}, Categories: []string{"tax"}}
	if err := nat.Authorize(codeNeimeng, "tax"); err != nil {
		t.Fatalf("nationwide refused: %v", err)
	}
	for _, bad := range []credo.Authority{
		{ID: "X", Name: "n", Divisions: []string{"31"}, Categories: []string{"tax"}},
		{ID: "x1", Name: "n", Divisions: []string{"3"}, Categories: []string{"tax"}},
		{ID: "x1", Name: "n", Divisions: []string{"31"}, Categories: []string{"gossip"}},
		{ID: "x1", Name: "", Divisions: []string{"31"}, Categories: []string{"tax"}},
	} {
		if bad.Validate() == nil {
			t.Errorf("accepted %+v", bad)
		}
	}
	tok, hash := credo.NewToken()
	if credo.HashToken(tok) != hash || strings.Contains(hash, tok) {
		t.Fatal("token hash")
	}
}

func TestDates(t *testing.T) {
	d, err := credo.ParseDate("2025-03-14T23:30:00+08:00")
	if err != nil || d.String() != "2025-03-14" {
		t.Fatalf("%v %v", d, err)
	}
	tm, err := credo.ParseTime("2025-03-14")
	if err != nil || tm.String() != "2025-03-14T00:00:00Z" {
		t.Fatalf("%v %v", tm, err)
	}
	for _, bad := range []string{"", "2025-13-01", "yesterday", "2025-03-14T25:00:00Z"} {
		if _, err := credo.ParseTime(bad); err == nil {
			t.Errorf("ParseTime(%q) accepted", bad)
		}
	}
}
