package screening_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/screening"
)

func TestParseCSV(t *testing.T) {
	gb, _ := simplifiedchinese.GB18030.NewEncoder().String("code,name,note\n,深圳市振业（集团）股份有限公司,甲\n")
	for _, tc := range []struct {
		name, body, encoding string
		rows                 int
	}{
		{"plain", "code,name\n914403001922038216,华为技术有限公司\n", screening.EncodingUTF8, 1},
		{"columns in another order, upper case, spaces", " Name , CODE ,note\n华为技术有限公司, 914403001922038216 ,x\n\n", screening.EncodingUTF8, 1},
		{"BOM", "\xef\xbb\xbfcode,name\n,华为\n", screening.EncodingUTF8BOM, 1},
		{"GB18030", gb, screening.EncodingGB18030, 1},
		{"quoted comma", "code,name\n,\"Ping An Bank Co., Ltd.\"\n", screening.EncodingUTF8, 1},
		{"short rows", "code,name,action\n914403001922038216\n", screening.EncodingUTF8, 1},
	} {
		p, err := screening.Parse([]byte(tc.body), screening.FormatCSV)
		if err != nil || p.Encoding != tc.encoding || len(p.Rows) != tc.rows {
			t.Errorf("%s: %+v %v", tc.name, p, err)
		}
	}
	p, _ := screening.Parse([]byte(gb), screening.FormatCSV)
	if p.Rows[0].Name != "深圳市振业（集团）股份有限公司" || p.Rows[0].Note != "甲" {
		t.Errorf("GB18030 row: %+v", p.Rows[0])
	}
	p, _ = screening.Parse([]byte(" Name , CODE ,note\n华为技术有限公司, 914403001922038216 ,x\n"), screening.FormatCSV)
	if r := p.Rows[0]; r.Code != "914403001922038216" || r.Name != "华为技术有限公司" || r.Note != "x" {
		t.Errorf("columns by name: %+v", r)
	}
}

// FuzzParse: whatever the bytes, Parse returns rows of valid UTF-8 or a
// domain error naming a field, and never panics.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"code,name\n914403001922038216,华为技术有限公司\n",
		"\xef\xbb\xbfcode,name,action,note\n,华为,public_procurement,\"a, b\"\n",
		"code,name\n\"unterminated\n",
		"name\n华为\n",
		"\xb9\xfa\xbc\xd2,\xc3\xfb\xb3\xc6\n",
		"",
		"code,name,code\n1,2,3\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		p, err := screening.Parse(body, screening.FormatCSV)
		if err != nil {
			if e := credo.AsError(err); e == nil || e.Field == "" {
				t.Fatalf("error without a field: %v", err)
			}
			return
		}
		if len(p.Rows) == 0 || len(p.Rows) > screening.MaxRows {
			t.Fatalf("%d rows accepted", len(p.Rows))
		}
		for _, r := range p.Rows {
			for _, v := range []string{r.Code, r.Name, r.Action, r.Note} {
				if !utf8.ValidString(v) || strings.ContainsRune(v, utf8.RuneError) && !utf8.Valid(body) {
					t.Fatalf("row not clean UTF-8: %+v", r)
				}
			}
		}
	})
}
