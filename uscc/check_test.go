package uscc_test

import (
	"testing"

	"github.com/credo-registry/credo/uscc"
)

func TestCheckSample(t *testing.T) {
	for _, code := range mustSample(t) {
		if got, failure := uscc.Check(code); got != code || failure != "" {
			t.Errorf("Check(%q) = %q, %q; want valid", code, got, failure)
		}
	}
}

func TestCheck(t *testing.T) {
	tests := []struct {
		name    string
		input   string
		code    string
		failure string
	}{
		{"valid enterprise", "91350100M000100Y43", "91350100M000100Y43", ""},
		{"valid letter check", "91110000600037341L", "91110000600037341L", ""},
		{"valid all digits", "121200004013590816", "121200004013590816", ""},
		{"valid org check 0", "92340603MA2UK1TD00", "92340603MA2UK1TD00", ""},
		{"valid org check X", "9162010567592034XQ", "9162010567592034XQ", ""},
		{"spaces", " 9135 0100 M000 100Y 43 ", "91350100M000100Y43", ""},
		{"tab, newline and ideographic space", "913501\t00M000\u3000100Y43\n", "91350100M000100Y43", ""},
		{"hyphens", "91-350100-M000100Y4-3", "91350100M000100Y43", ""},
		{"dashes", "91\u2010350100\u2013M000100Y4\u2212\uFF0D3", "91350100M000100Y43", ""},
		{"lower case", "91350100m000100y43", "91350100M000100Y43", ""},
		{"full width", "９１３５０１００Ｍ０００１００Ｙ４３", "91350100M000100Y43", ""},
		{"full width lower case and space", "９１３５０１００　ｍ０００１００ｙ４３", "91350100M000100Y43", ""},
		{"empty", "", "", uscc.ErrLength},
		{"only separators", " - ", "", uscc.ErrLength},
		{"too short", "91350100M000100Y4", "91350100M000100Y4", uscc.ErrLength},
		{"too long", "91350100M000100Y433", "91350100M000100Y433", uscc.ErrLength},
		{"old 15-digit registration number", "350100100012345", "350100100012345", uscc.ErrLength},
		{"letter O", "91350100MO00100Y43", "91350100MO00100Y43", uscc.ErrCharset},
		{"letter I", "9I350100M000100Y43", "9I350100M000100Y43", uscc.ErrCharset},
		{"letter Z", "91350100M000100Z43", "91350100M000100Z43", uscc.ErrCharset},
		{"punctuation", "91350100M000100Y4.", "91350100M000100Y4.", uscc.ErrCharset},
		{"ideograph", "91350100M000100Y4码", "91350100M000100Y4码", uscc.ErrCharset},
		{"unknown authority", "B1350100M000100Y43", "B1350100M000100Y43", uscc.ErrStructure},
		{"unknown entity type", "94350100M000100Y43", "94350100M000100Y43", uscc.ErrStructure},
		{"authority Y type 9", "Y9350100M000100Y43", "Y9350100M000100Y43", uscc.ErrStructure},
		{"position 18 wrong", "91350100M000100Y44", "91350100M000100Y44", uscc.ErrChecksum},
		{"resident id", "11010519491231002X", "11010519491231002X", uscc.ErrChecksum},
		{"position 17 wrong", "91350100M000100Y56", "91350100M000100Y56", uscc.ErrOrgChecksum},
		{"position 17 written 0 for X", "91350100M000100Y0N", "91350100M000100Y0N", uscc.ErrOrgChecksum},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, failure := uscc.Check(tt.input)
			if code != tt.code || failure != tt.failure {
				t.Errorf("Check(%q) = %q, %q; want %q, %q", tt.input, code, failure, tt.code, tt.failure)
			}
			if got := uscc.Valid(tt.input); got != (tt.failure == "") {
				t.Errorf("Valid(%q) = %v", tt.input, got)
			}
		})
	}
}

// TestSingleErrors checks the standard's promise that the check characters
// catch every single-character substitution and adjacent transposition.
func TestSingleErrors(t *testing.T) {
	for _, code := range mustSample(t) {
		for i := range len(code) {
			for _, c := range []byte(alphabet) {
				if c == code[i] {
					continue
				}
				bad := code[:i] + string(c) + code[i+1:]
				if uscc.Valid(bad) {
					t.Errorf("substitution %q → %q at %d: valid", code, bad, i+1)
				}
			}
			if i+1 < len(code) && code[i] != code[i+1] {
				bad := code[:i] + string(code[i+1]) + string(code[i]) + code[i+2:]
				if uscc.Valid(bad) {
					t.Errorf("transposition %q → %q at %d: valid", code, bad, i+1)
				}
			}
		}
	}
}

func BenchmarkCheck(b *testing.B) {
	for b.Loop() {
		uscc.Check("91350100M000100Y43")
	}
}
