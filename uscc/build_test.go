package uscc_test

import (
	"testing"

	"github.com/credo-registry/credo/uscc"
)

func TestCheckChar(t *testing.T) {
	tests := []struct {
		name    string
		first17 string
		want    byte
	}{
		{"DOMAIN example", "91350100M000100Y4", '3'},
		{"letter check", "91110000600037341", 'L'},
		{"check value 0", "92340603MA2UK1TD0", '0'},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := uscc.CheckChar(tt.first17)
			if err != nil || got != tt.want {
				t.Errorf("CheckChar(%q) = %q, %v; want %q", tt.first17, got, err, tt.want)
			}
		})
	}
	for _, bad := range []string{"", "91350100M000100Y", "91350100M000100Y43", "91350100m000100Y4", "91350100MO00100Y4"} {
		if c, err := uscc.CheckChar(bad); err == nil {
			t.Errorf("CheckChar(%q) = %q, want error", bad, c)
		}
	}
}

func TestOrgCheckChar(t *testing.T) {
	tests := []struct {
		name  string
		body8 string
		want  byte
	}{
		{"DOMAIN example", "60003734", '1'},
		{"letters", "M000100Y", '4'},
		{"remainder 0 is written 0", "MA2UK1TD", '0'},
		{"remainder 1 is written X", "67592034", 'X'},
		{"all 26 letters allowed", "ABCDEFGZ", '2'},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := uscc.OrgCheckChar(tt.body8)
			if err != nil || got != tt.want {
				t.Errorf("OrgCheckChar(%q) = %q, %v; want %q", tt.body8, got, err, tt.want)
			}
		})
	}
	for _, bad := range []string{"", "6000373", "600037341", "6000373a", "6000373-"} {
		if c, err := uscc.OrgCheckChar(bad); err == nil {
			t.Errorf("OrgCheckChar(%q) = %q, want error", bad, c)
		}
	}
}

func TestBuild(t *testing.T) {
	tests := []struct {
		name               string
		authority, typ     byte
		division, orgBody8 string
		want               string
	}{
		{"DOMAIN example", '9', '1', "350100", "M000100Y", "91350100M000100Y43"},
		{"letter check", '9', '1', "110000", "60003734", "91110000600037341L"},
		{"public institution", '1', '2', "120000", "40135908", "121200004013590816"},
		{"agriculture", 'N', '2', "440305", "12345678", ""},
		{"military", 'A', '1', "110000", "ABCDEFGH", ""},
		{"other", 'Y', '1', "990000", "00000000", ""},
		{"market regulation other", '9', '9', "310115", "MA1FL000", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := uscc.Build(tt.authority, tt.typ, tt.division, tt.orgBody8)
			if err != nil {
				t.Fatalf("Build: %v", err)
			}
			if tt.want != "" && got != tt.want {
				t.Errorf("Build = %q, want %q", got, tt.want)
			}
			if _, failure := uscc.Check(got); failure != "" {
				t.Errorf("Build = %q, Check fails: %s", got, failure)
			}
		})
	}
}

func TestBuildSampleRoundTrip(t *testing.T) {
	for _, code := range mustSample(t) {
		got, err := uscc.Build(code[0], code[1], code[2:8], code[8:16])
		if err != nil || got != code {
			t.Errorf("Build(parts of %q) = %q, %v", code, got, err)
		}
	}
}

func TestBuildRejects(t *testing.T) {
	tests := []struct {
		name               string
		authority, typ     byte
		division, orgBody8 string
	}{
		{"unknown authority", 'B', '1', "350100", "M000100Y"},
		{"unknown entity type", '9', '4', "350100", "M000100Y"},
		{"lower-case authority", 'n', '1', "350100", "M000100Y"},
		{"short division", '9', '1', "3501", "M000100Y"},
		{"letter in division", '9', '1', "35010A", "M000100Y"},
		{"short body", '9', '1', "350100", "M000100"},
		{"body letter outside alphabet", '9', '1', "350100", "M000100Z"},
		{"lower-case body", '9', '1', "350100", "m000100Y"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, err := uscc.Build(tt.authority, tt.typ, tt.division, tt.orgBody8); err == nil {
				t.Errorf("Build = %q, want error", got)
			}
		})
	}
}
