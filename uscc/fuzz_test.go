package uscc_test

import (
	"testing"

	"github.com/credo-registry/credo/uscc"
)

func FuzzCheck(f *testing.F) {
	for _, code := range mustSample(f) {
		f.Add(code)
	}
	for _, s := range []string{"", "91350100m000100y43", "９１３５０１００Ｍ０００１００Ｙ４３", "91-3501 00M\u3000000100Y43", "11010519491231002x", "\xff\xfe", "ß", "ǅ"} {
		f.Add(s)
	}
	// Load the division table now, so that its one-time coverage does not
	// send the fuzzer minimizing an input it cannot reproduce.
	uscc.Describe("91350100M000100Y43")
	f.Fuzz(func(t *testing.T, input string) {
		code, failure := uscc.Check(input)
		if n := uscc.Normalize(input); code != n {
			t.Fatalf("Check(%q) code %q != Normalize %q", input, code, n)
		}
		code2, failure2 := uscc.Check(code)
		if code2 != code || failure2 != failure {
			t.Fatalf("Check not idempotent: %q → %q %q → %q %q", input, code, failure, code2, failure2)
		}
		if failure == "" && !uscc.Valid(code) {
			t.Fatalf("valid %q does not re-validate", code)
		}
		if failure == "" && uscc.IsResidentID(input) {
			t.Fatalf("valid code %q reported as resident ID", code)
		}
		d := uscc.Describe(input)
		if d.Valid != (failure == "") || d.Error != failure || d.Code != code {
			t.Fatalf("Describe(%q) = %+v disagrees with Check %q %q", input, d, code, failure)
		}
	})
}
