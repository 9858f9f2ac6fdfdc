package api_test

import (
	"net/http"
	"net/url"
	"slices"
	"testing"

	"github.com/credo-registry/credo/uscc"
)

func TestDescribeCode(t *testing.T) {
	e := newEnv(t, nil)
	tests := []struct {
		input, code string
		valid       bool
		failure     string
		entityType  string
	}{
		{codeHuawei, codeHuawei, true, "", "enterprise"},
		{"９１４４０３００１９２２０３８２１６", codeHuawei, true, "", "enterprise"}, // full width
		{"9144-0300-1922-0382-16", codeHuawei, true, "", "enterprise"},
		{codePublicIns, codePublicIns, true, "", "public_institution"},
		{badLength, badLength, false, "length", ""},
		{badCharset, badCharset, false, "charset", ""},
		{badStructure, badStructure, false, "structure", ""},
		{badChecksum, badChecksum, false, "checksum", "enterprise"},
		{badOrgChecksum, badOrgChecksum, false, "org_checksum", "enterprise"},
	}
	for _, tt := range tests {
		t.Run(tt.input, func(t *testing.T) {
			res := e.get("/v1/uscc/" + url.PathEscape(tt.input)).wantStatus(http.StatusOK)
			m := res.object()
			keys := make([]string, 0, len(m))
			for k := range m {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			want := []string{"authority", "code", "division_code", "division_name", "entity_type", "error", "input", "valid"}
			if !slices.Equal(keys, want) {
				t.Errorf("keys %v, want %v", keys, want)
			}
			var d uscc.Description
			res.decode(&d)
			if d.Input != tt.input || d.Code != tt.code || d.Valid != tt.valid || d.Error != tt.failure || d.EntityType != tt.entityType {
				t.Errorf("described %+v", d)
			}
			if tt.valid && (d.DivisionCode == "" || d.Authority == "") {
				t.Errorf("valid code without division or authority: %+v", d)
			}
		})
	}
	var d uscc.Description
	e.get("/v1/uscc/" + codeHuawei).decode(&d)
	if d.DivisionName != "广东省深圳市" {
		t.Errorf("division name %q", d.DivisionName)
	}
}
