package division_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/credo-registry/credo/division"
)

func TestLookup(t *testing.T) {
	tests := []struct {
		name     string
		code     string
		wantName string
		wantFull string
		wantProv string
	}{
		{"county in municipality", "310115", "浦东新区", "上海市浦东新区", "31"},
		{"county in city", "440305", "南山区", "广东省深圳市南山区", "44"},
		{"province padded", "110000", "北京市", "北京市", "11"},
		{"municipality padded", "310000", "上海市", "上海市", "31"},
		{"city padded", "440300", "深圳市", "广东省深圳市", "44"},
		{"city without counties", "441900", "东莞市", "广东省东莞市", "44"},
		{"county directly under province", "419001", "济源市", "河南省济源市", "41"},
		{"placeholder city", "3101", "市辖区", "上海市", "31"},
		{"two digits", "44", "广东省", "广东省", "44"},
		{"four digits", "4403", "深圳市", "广东省深圳市", "44"},
		{"four digits padded", "4400", "广东省", "广东省", "44"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, ok := division.Lookup(tt.code)
			if !ok {
				t.Fatalf("Lookup(%q) not found", tt.code)
			}
			if d.Name != tt.wantName || d.FullName != tt.wantFull || d.Province != tt.wantProv {
				t.Errorf("Lookup(%q) = %+v, want name %q full %q province %q", tt.code, d, tt.wantName, tt.wantFull, tt.wantProv)
			}
			if got := division.Name(tt.code); got != tt.wantName {
				t.Errorf("Name(%q) = %q, want %q", tt.code, got, tt.wantName)
			}
		})
	}
}

func TestLookupUnknown(t *testing.T) {
	for _, code := range []string{"", "1", "123", "12345", "1234567", "99", "990000", "310199", "3199", "31011a", "３１０１１５"} {
		t.Run(code, func(t *testing.T) {
			if d, ok := division.Lookup(code); ok {
				t.Errorf("Lookup(%q) = %+v, want not found", code, d)
			}
			if got := division.Name(code); got != "" {
				t.Errorf("Name(%q) = %q, want empty", code, got)
			}
		})
	}
}

func TestValidPrefix(t *testing.T) {
	tests := []struct {
		p    string
		want bool
	}{
		{"11", true}, {"1101", true}, {"110101", true}, {"990000", true},
		{"", false}, {"1", false}, {"110", false}, {"1101011", false}, {"11a1", false}, {"１１", false},
	}
	for _, tt := range tests {
		if got := division.ValidPrefix(tt.p); got != tt.want {
			t.Errorf("ValidPrefix(%q) = %v, want %v", tt.p, got, tt.want)
		}
	}
}

func TestCounties(t *testing.T) {
	cs := division.Counties()
	if len(cs) < 2900 || len(cs) > 3100 {
		t.Errorf("len(Counties()) = %d, want about 2978", len(cs))
	}
	if !slices.IsSortedFunc(cs, func(a, b division.Division) int { return strings.Compare(a.Code, b.Code) }) {
		t.Error("Counties() not sorted by code")
	}
	for _, c := range cs {
		if len(c.Code) != 6 || c.Name == "" || !strings.HasSuffix(c.FullName, c.Name) || c.Province != c.Code[:2] {
			t.Fatalf("bad county %+v", c)
		}
	}
	cs[0].Name = "changed"
	if division.Counties()[0].Name == "changed" {
		t.Error("Counties() shares its slice with the caller")
	}
}

func TestProvinces(t *testing.T) {
	ps := division.Provinces()
	if len(ps) != 31 {
		t.Errorf("len(Provinces()) = %d, want 31", len(ps))
	}
	if !slices.IsSortedFunc(ps, func(a, b division.Division) int { return strings.Compare(a.Code, b.Code) }) {
		t.Error("Provinces() not sorted by code")
	}
	for _, p := range ps {
		if len(p.Code) != 2 || p.Name == "" || p.FullName != p.Name || p.Province != p.Code {
			t.Errorf("bad province %+v", p)
		}
	}
}

func BenchmarkLookup(b *testing.B) {
	for b.Loop() {
		division.Lookup("310115")
	}
}
