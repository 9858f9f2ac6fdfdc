package uscc_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/credo-registry/credo/division"
	"github.com/credo-registry/credo/uscc"
)

func TestDescribeSample(t *testing.T) {
	named := 0
	for _, code := range mustSample(t) {
		d := uscc.Describe(code)
		if !d.Valid || d.Error != "" || d.Code != code || d.Input != code {
			t.Errorf("Describe(%q) = %+v, want valid", code, d)
			continue
		}
		if d.Authority == "" || d.EntityType == "" || d.DivisionCode != code[2:8] {
			t.Errorf("Describe(%q) = %+v, want authority, entity type and division", code, d)
		}
		if div, ok := division.Lookup(d.DivisionCode); ok {
			named++
			if d.DivisionName != div.FullName {
				t.Errorf("Describe(%q).DivisionName = %q, want %q", code, d.DivisionName, div.FullName)
			}
		}
	}
	if named == 0 {
		t.Error("no sample code has a known division")
	}
}

func TestDescribe(t *testing.T) {
	tests := []struct {
		name  string
		input string
		want  uscc.Description
	}{
		{"enterprise", "91350100M000100Y43", uscc.Description{
			Code: "91350100M000100Y43", Valid: true,
			Authority: "market_regulation", EntityType: "enterprise", DivisionCode: "350100", DivisionName: "福建省福州市",
		}},
		{"individual business", "92340603MA2UK1TD00", uscc.Description{
			Code: "92340603MA2UK1TD00", Valid: true,
			Authority: "market_regulation", EntityType: "individual_business", DivisionCode: "340603", DivisionName: "安徽省淮北市相山区",
		}},
		{"public institution in a municipality", "121200004013590816", uscc.Description{
			Code: "121200004013590816", Valid: true,
			Authority: "organs", EntityType: "public_institution", DivisionCode: "120000", DivisionName: "天津市",
		}},
		{"full width", "９１１１００００６０００３７３４１Ｌ", uscc.Description{
			Code: "91110000600037341L", Valid: true,
			Authority: "market_regulation", EntityType: "enterprise", DivisionCode: "110000", DivisionName: "北京市",
		}},
		{"length", "9135", uscc.Description{Code: "9135", Error: uscc.ErrLength}},
		{"charset", "91350100MO00100Y43", uscc.Description{Code: "91350100MO00100Y43", Error: uscc.ErrCharset}},
		{"structure", "94350100M000100Y43", uscc.Description{
			Code: "94350100M000100Y43", Error: uscc.ErrStructure, DivisionCode: "350100", DivisionName: "福建省福州市",
		}},
		{"checksum", "91350100M000100Y44", uscc.Description{
			Code: "91350100M000100Y44", Error: uscc.ErrChecksum,
			Authority: "market_regulation", EntityType: "enterprise", DivisionCode: "350100", DivisionName: "福建省福州市",
		}},
		{"unknown division is no error", "", uscc.Description{}},
	}
	// The last case is built so that its division is certainly unknown.
	unknown, err := uscc.Build('5', '3', "990000", "12345678")
	if err != nil {
		t.Fatal(err)
	}
	tests[len(tests)-1].input = unknown
	tests[len(tests)-1].want = uscc.Description{
		Code: unknown, Valid: true, Authority: "civil_affairs", EntityType: "foundation", DivisionCode: "990000",
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.want.Input = tt.input
			if got := uscc.Describe(tt.input); got != tt.want {
				t.Errorf("Describe(%q) =\n%+v, want\n%+v", tt.input, got, tt.want)
			}
		})
	}
}

// TestDescriptionJSON pins the field names, which are a public contract.
func TestDescriptionJSON(t *testing.T) {
	b, err := json.Marshal(uscc.Describe("x"))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"input":"x","code":"X","valid":false,"error":"length","authority":"","entity_type":"","division_code":"","division_name":""}`
	if string(b) != want {
		t.Errorf("JSON = %s\nwant   %s", b, want)
	}
	if !strings.Contains(string(mustJSON(t, uscc.Describe("91350100M000100Y43"))), `"error":""`) {
		t.Error(`valid code's JSON lacks "error":""`)
	}
}

func mustJSON(tb testing.TB, v any) []byte {
	tb.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func TestNames(t *testing.T) {
	tests := []struct {
		auth, typ         byte
		authority, entity string
	}{
		{'1', '1', "organs", "organ"},
		{'3', '2', "justice", "notary"},
		{'5', '2', "civil_affairs", "private_non_enterprise"},
		{'9', '3', "market_regulation", "farmers_cooperative"},
		{'9', '9', "market_regulation", "other"},
		{'A', '1', "military", "military_public_institution"},
		{'N', '3', "agriculture", "township_collective"},
		{'Y', '1', "other", "other"},
		{'Y', '9', "other", ""},
		{'9', '4', "market_regulation", ""},
		{'B', '1', "", ""},
	}
	for _, tt := range tests {
		if got := uscc.AuthorityName(tt.auth); got != tt.authority {
			t.Errorf("AuthorityName(%q) = %q, want %q", tt.auth, got, tt.authority)
		}
		if got := uscc.EntityTypeName(tt.auth, tt.typ); got != tt.entity {
			t.Errorf("EntityTypeName(%q, %q) = %q, want %q", tt.auth, tt.typ, got, tt.entity)
		}
	}
}
