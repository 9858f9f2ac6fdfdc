package uscc_test

import (
	"strings"
	"testing"
	"unicode/utf8"

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

func TestResidentIDsIn(t *testing.T) {
	tests := []struct {
		name, text, masked string
	}{
		{"alone", "11010519491231002X", "[resident-id]"},
		{"in Chinese text", "法定代表人张三（身份证号11010519491231002x）拒不配合", "法定代表人张三（身份证号[resident-id]）拒不配合"},
		{"grouped", "ID 110105 19491231 002X, fined", "ID [resident-id], fined"},
		{"hyphens", "110105-19491231-002X", "[resident-id]"},
		{"full width", "证件：１１０１０５１９４９１２３１００２Ｘ。", "证件：[resident-id]。"},
		{"in a path", "/v1/records/310115198001010016", "/v1/records/[resident-id]"},
		{"two", "310115198001010016 and 440305200002291232", "[resident-id] and [resident-id]"},
		{"bad check digit", "110105194912310021", "110105194912310021"},
		{"a longer number", "3101151980010100161", "3101151980010100161"},
		{"inside a word", "A310115198001010016", "A310115198001010016"},
		{"an organization code", "统一社会信用代码914403001922038216", "统一社会信用代码914403001922038216"},
		{"amounts", "罚款 200000 元，没收 31011519800101 元", "罚款 200000 元，没收 31011519800101 元"},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := uscc.MaskResidentIDs(tt.text); got != tt.masked {
				t.Errorf("MaskResidentIDs(%q) = %q, want %q", tt.text, got, tt.masked)
			}
			if got, want := uscc.ContainsResidentID(tt.text), tt.masked != tt.text; got != want {
				t.Errorf("ContainsResidentID(%q) = %v", tt.text, got)
			}
		})
	}
}

func FuzzResidentIDsIn(f *testing.F) {
	f.Add("身份证号11010519491231002X")
	f.Add("110105 19491231 002X")
	f.Fuzz(func(t *testing.T, text string) {
		for _, r := range uscc.ResidentIDsIn(text) {
			if r[0] < 0 || r[1] > len(text) || r[0] >= r[1] || !uscc.IsResidentID(text[r[0]:r[1]]) {
				t.Fatalf("range %v of %q", r, text)
			}
		}
	})
}

// BenchmarkResidentIDsIn measures the scan every free-text field of a
// submission now gets, beside utf8.ValidString, the pass the same
// validation already made over each text (the baseline).
func BenchmarkResidentIDsIn(b *testing.B) {
	typical := "销售不合格产品，货值金额5000元，违法所得1200元，责令改正并处罚款20000元"
	long := strings.Repeat(typical, 4000/utf8.RuneCountInString(typical))
	for _, c := range []struct{ name, text string }{{"typical", typical}, {"4000 characters", long}} {
		b.Run(c.name+"/ResidentIDsIn", func(b *testing.B) {
			b.SetBytes(int64(len(c.text)))
			for b.Loop() {
				if uscc.ContainsResidentID(c.text) {
					b.Fatal("found one")
				}
			}
		})
		b.Run(c.name+"/utf8.ValidString", func(b *testing.B) {
			b.SetBytes(int64(len(c.text)))
			for b.Loop() {
				if !utf8.ValidString(c.text) {
					b.Fatal("invalid")
				}
			}
		})
	}
}
