package uscc_test

import (
	"testing"

	"github.com/credo-registry/credo/uscc"
)

func TestIsResidentID(t *testing.T) {
	tests := []struct {
		name  string
		input string
		want  bool
	}{
		{"published sample", "11010519491231002X", true},
		{"lower-case x", "11010519491231002x", true},
		{"digit check", "310115198001010016", true},
		{"leap day", "440305200002291232", true},
		{"spaced", "110105 19491231 002X", true},
		{"full width", "１１０１０５１９４９１２３１００２Ｘ", true},
		{"bad check digit", "110105194912310021", false},
		{"February 30", "110105194902300020", false},
		{"not a leap year", "440305190002291236", false},
		{"future birth", "110105209901010020", false},
		{"before 1900", "110105189912310023", false},
		{"too short", "11010519491231002", false},
		{"letter inside", "1101051949123100AX", false},
		{"old 15-digit number", "110105491231002", false},
		{"empty", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := uscc.IsResidentID(tt.input); got != tt.want {
				t.Errorf("IsResidentID(%q) = %v, want %v", tt.input, got, tt.want)
			}
		})
	}
}

func TestIsResidentIDNeverUSCC(t *testing.T) {
	for _, code := range mustSample(t) {
		if uscc.IsResidentID(code) {
			t.Errorf("IsResidentID(%q) = true for a valid USCC", code)
		}
	}
}
