package search_test

import (
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/search"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		in, full, core string
		regions        []string
		steps          []string
	}{
		{"深圳市振业（集团）股份有限公司", "深圳市振业集团股份有限公司", "振业", []string{"4403"}, []string{"width", "punctuation", "legal_form", "region"}},
		{"振业（深圳）集团有限责任公司", "振业深圳集团有限责任公司", "振业", []string{"4403"}, []string{"width", "punctuation", "region", "legal_form"}},
		{"廣東省深圳市振業集團", "广东省深圳市振业集团", "振业", []string{"44", "4403"}, []string{"traditional", "legal_form", "region"}},
		{"宁 波 韵 升股份有限公司", "宁波韵升股份有限公司", "韵升", []string{"3302"}, []string{"punctuation", "legal_form", "region"}},
		{"江南新材料科技（昆山）有限公司", "江南新材料科技昆山有限公司", "江南新材料科技", []string{"320583"}, []string{"width", "punctuation", "region", "legal_form"}},
		{"湖南白银股份有限公司", "湖南白银股份有限公司", "白银", []string{"43"}, []string{"legal_form", "region"}},
		{"日照港", "日照港", "日照港", nil, nil},
		{"*ST沐邦", "st沐邦", "沐邦", nil, []string{"case", "punctuation", "stock_marker"}},
		{"万科Ａ", "万科a", "万科", nil, []string{"width", "case", "stock_marker"}},
		{"必贝特-U", "必贝特u", "必贝特", nil, []string{"case", "punctuation", "stock_marker"}},
		{"Ping An Bank Co., Ltd.", "pinganbankcoltd", "pinganbank", nil, []string{"case", "punctuation", "legal_form"}},
		{"an hui shun yu water", "anhuishunyuwater", "anhuishunyuwater", nil, nil},
		{"", "", "", nil, nil},
	} {
		n := search.Parse(tc.in)
		slices.Sort(n.Steps)
		slices.Sort(tc.steps)
		if n.Full != tc.full || n.Core != tc.core || !slices.Equal(n.Regions, tc.regions) || !slices.Equal(n.Steps, tc.steps) {
			t.Errorf("Parse(%q) = full %q core %q regions %v steps %v\n want full %q core %q regions %v steps %v",
				tc.in, n.Full, n.Core, n.Regions, n.Steps, tc.full, tc.core, tc.regions, tc.steps)
		}
	}
}

func TestInitials(t *testing.T) {
	if got := search.Initials("必贝特"); !slices.Equal(got, []string{"bbt"}) {
		t.Errorf("必贝特: %v", got)
	}
	if got := search.Initials("天晟新材"); !slices.Contains(got, "tsxc") || !slices.Contains(got, "tcxc") {
		t.Errorf("天晟新材 (晟: sheng, cheng): %v", got)
	}
	if got := search.Initials("A"); got != nil {
		t.Errorf("no Han characters: %v", got)
	}
}

// TestFindRanking pins the formula's order on a small registry: exact,
// then core, then a former name; regions that disagree are no core match;
// an ambiguous best is not confident.
func TestFindRanking(t *testing.T) {
	ix := search.NewIndex()
	ix.Put(loadCompanies(t)[:50]...)
	for _, tc := range []struct {
		q, first, method string
		match            bool
	}{
		{"平安银行股份有限公司", "C00000", "exact", true},
		{"平安银行有限公司", "C00000", "core", true},
		{"平安银行", "C00000", "exact", true},
		{"Ping An Bank", "C00000", "core", true},
		{"PAYH", "C00000", "initials", false},
		{"平安银", "C00000", "similar", false},
		{"平安", "C00000", "contains", false},
	} {
		got := ix.Find(search.Query{Q: tc.q, Limit: 3})
		if len(got) == 0 || got[0].Code != tc.first || got[0].Why.Method != tc.method || got[0].Match != tc.match {
			t.Errorf("%s: %+v, want %s by %s, match %v", tc.q, got, tc.first, tc.method, tc.match)
		}
	}
	// Two organizations whose names differ only by region: a query with
	// neither region finds both, confidently neither.
	two := search.NewIndex()
	two.Put(loadCompanies(t)[0], loadCompanies(t)[1])
	ix2 := search.NewIndex()
	a := *loadCompanies(t)[0]
	b := a
	a.Code, a.Name, a.ShortName, a.EnglishName = "X1", "北京示例农村商业银行股份有限公司", "", ""
	b.Code, b.Name, b.ShortName, b.EnglishName = "X2", "上海示例农村商业银行股份有限公司", "", ""
	ix2.Put(&a, &b)
	if got := ix2.Find(search.Query{Q: "示例农村商业银行", Limit: 3}); len(got) != 2 || got[0].Match || got[0].Score != got[1].Score {
		t.Errorf("ambiguous: %+v", got)
	}
	if got := ix2.Find(search.Query{Q: "上海示例农村商业银行有限公司", Limit: 3}); len(got) == 0 || got[0].Code != "X2" || !got[0].Match ||
		len(got) > 1 && got[1].Why.Method == "core" {
		t.Errorf("with its region: %+v", got)
	}
	// A new version replaces the names of the old.
	a.Name = "北京另名有限公司"
	ix2.Put(&a)
	if got := ix2.Find(search.Query{Q: "北京示例农村商业银行", Limit: 3}); len(got) > 0 && got[0].Code == "X1" && got[0].Match {
		t.Errorf("the old name still matches: %+v", got)
	}
	if got := ix2.Find(search.Query{Q: "北京另名有限公司", Limit: 3}); len(got) == 0 || got[0].Code != "X1" || !got[0].Match {
		t.Errorf("the new name: %+v", got)
	}
	if ix2.Len() != 2 || ix2.Names() != 2 {
		t.Errorf("Len %d Names %d", ix2.Len(), ix2.Names())
	}
}

// TestFindBrief: a brief search finds the same organizations, in the same
// order with the same scores and reasons, without the normalizations; every
// match carries its organization's status as the latest registration
// indexed says.
func TestFindBrief(t *testing.T) {
	ix := search.NewIndex()
	companies := loadCompanies(t)
	for i, c := range companies {
		c := *c
		c.Status = []credo.Status{credo.StatusActive, credo.StatusSuspended, credo.StatusRevoked}[i%3]
		ix.Put(&c)
	}
	status := func(code string) credo.Status {
		for i, c := range companies {
			if c.Code == code {
				return []credo.Status{credo.StatusActive, credo.StatusSuspended, credo.StatusRevoked}[i%3]
			}
		}
		return ""
	}
	normalized := 0
	for _, v := range readTSV(t, "testdata/names/variants-dev.tsv")[:200] {
		full := ix.Find(search.Query{Q: v[0], Limit: 50})
		brief := ix.Find(search.Query{Q: v[0], Limit: 50, Brief: true})
		if len(full) != len(brief) {
			t.Fatalf("%s: %d matches, %d brief", v[0], len(full), len(brief))
		}
		for i := range full {
			f, b := full[i], brief[i]
			if len(f.Why.Normalizations) > 0 {
				normalized++
			}
			if b.Why.Normalizations != nil {
				t.Errorf("%s: brief match %d has normalizations %q", v[0], i, b.Why.Normalizations)
			}
			f.Why.Normalizations = nil
			if fmt.Sprint(f) != fmt.Sprint(b) {
				t.Errorf("%s: match %d is %+v, brief %+v", v[0], i, f, b)
			}
			if b.Status != status(b.Code) {
				t.Errorf("%s: %s has status %q, want %q", v[0], b.Code, b.Status, status(b.Code))
			}
		}
	}
	if normalized == 0 {
		t.Fatal("no match of the variants was normalized: the test compares nothing")
	}
	// A new registration's status replaces the old.
	c := *companies[0]
	c.Status, c.Version = credo.StatusCancelled, 2
	ix.Put(&c)
	if got := ix.Find(search.Query{Q: c.Name, Limit: 1, Brief: true}); len(got) != 1 || got[0].Code != c.Code || got[0].Status != credo.StatusCancelled {
		t.Errorf("after a new registration: %+v, want %s cancelled", got, c.Code)
	}
}

// TestFindConcurrent: searches running at once (each in its own scratch)
// give what they give one at a time; and searches run while registrations
// grow the index (and its entries past what the scratches were sized for),
// then give what they give one at a time over the grown index.
func TestFindConcurrent(t *testing.T) {
	ix := search.NewIndex()
	companies := loadCompanies(t)
	ix.Put(companies[:500]...)
	var queries []string
	for _, v := range readTSV(t, "testdata/names/variants-dev.tsv")[:100] {
		queries = append(queries, v[0])
	}
	alone := func() []string {
		out := make([]string, len(queries))
		for i, q := range queries {
			out[i] = fmt.Sprint(ix.Find(search.Query{Q: q, Limit: 20}))
		}
		return out
	}
	together := func(want []string, write func()) {
		t.Helper()
		var wg sync.WaitGroup
		errs := make(chan string, 8*len(queries))
		for w := range 8 {
			wg.Go(func() {
				for i := range queries {
					i := (i + w*13) % len(queries)
					got := fmt.Sprint(ix.Find(search.Query{Q: queries[i], Limit: 20}))
					if want != nil && got != want[i] {
						errs <- fmt.Sprintf("%s: %s, alone %s", queries[i], got, want[i])
					}
				}
			})
		}
		if write != nil {
			wg.Go(write)
		}
		wg.Wait()
		close(errs)
		for e := range errs {
			t.Error(e)
		}
	}
	together(alone(), nil)
	// Scores move while names are added (the grams' weights follow the
	// counts), so these searches are only run.
	together(nil, func() { ix.Put(companies[500:]...) })
	together(alone(), nil)
}
