package uscc_test

import (
	"strings"
	"testing"
	"time"

	"golang.org/x/text/width"

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

// FuzzNormalize: Normalize is idempotent, never lengthens an ASCII input,
// and a valid code is still valid, and the same code, after Normalize and
// after being typed the ways people type codes (lower case, full width,
// spaced, hyphenated).
func FuzzNormalize(f *testing.F) {
	for _, code := range mustSample(f)[:10] {
		f.Add(code)
	}
	for _, s := range []string{"", "ａｂｃ", "9135-0100 m000100y43", "\u00ad\u2010\ufe63", "ǅǆ", "ﬀ", "İı", "\u3000"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := uscc.Normalize(s)
		if nn := uscc.Normalize(n); nn != n {
			t.Fatalf("Normalize(%q) = %q, again %q", s, n, nn)
		}
		if !uscc.Valid(s) {
			return
		}
		if !uscc.Valid(n) {
			t.Fatalf("valid %q is invalid once normalized: %q", s, n)
		}
		typed := []string{strings.ToLower(n), width.Widen.String(n), n[:6] + " " + n[6:], n[:2] + "-" + n[2:8] + "-" + n[8:], "\u3000" + n + "\n"}
		for _, v := range typed {
			if got := uscc.Normalize(v); got != n {
				t.Fatalf("%q typed as %q normalizes to %q", n, v, got)
			}
		}
	})
}

// FuzzResidentID: resident-ID detection agrees with its definition (18
// characters after Normalize, 17 digits, a check character by ISO 7064
// MOD 11-2, a birth date that exists), is unchanged by Normalize, and
// never takes a valid organization code for a person's number.
func FuzzResidentID(f *testing.F) {
	for _, s := range []string{"11010519491231002X", "11010519491231002x", "110105 19491231 002X", "１１０１０５１９４９１２３１００２Ｘ",
		"110105194912310021", "11010519490230002X", "91110000600037341L", "110105202912310020", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := uscc.IsResidentID(s)
		n := uscc.Normalize(s)
		if uscc.IsResidentID(n) != got {
			t.Fatalf("IsResidentID(%q) = %v but of its normal form %q %v", s, got, n, !got)
		}
		if got && uscc.Valid(s) {
			t.Fatalf("valid code %q taken for a resident ID", s)
		}
		if !got {
			return
		}
		if len(n) != 18 {
			t.Fatalf("%q (%q) taken for a resident ID", s, n)
		}
		sum := 0
		weights := []int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
		for i := range 17 {
			if n[i] < '0' || n[i] > '9' {
				t.Fatalf("%q taken for a resident ID with %q at %d", s, n[i], i)
			}
			sum += int(n[i]-'0') * weights[i]
		}
		if want := "10X98765432"[sum%11]; n[17] != want {
			t.Fatalf("%q taken for a resident ID; check character %q, want %q", s, n[17], want)
		}
		if _, err := time.Parse("20060102", n[6:14]); err != nil {
			t.Fatalf("%q taken for a resident ID with birth date %s", s, n[6:14])
		}
	})
}

// FuzzBuild: what Build assembles is valid and describes its parts.
func FuzzBuild(f *testing.F) {
	f.Add(byte('9'), byte('1'), "350100", "M000100Y")
	f.Add(byte('1'), byte('2'), "120000", "40135908")
	f.Add(byte('9'), byte('3'), "999999", "IOSVZ000")
	f.Fuzz(func(t *testing.T, auth, typ byte, division, body string) {
		code, err := uscc.Build(auth, typ, division, body)
		if err != nil {
			return
		}
		if _, failure := uscc.Check(code); failure != "" {
			t.Fatalf("Build(%q, %q, %q, %q) = %q, which fails %s", auth, typ, division, body, code, failure)
		}
		if code[0] != auth || code[1] != typ || code[2:8] != division || code[8:16] != body {
			t.Fatalf("Build(%q, %q, %q, %q) = %q", auth, typ, division, body, code)
		}
	})
}
