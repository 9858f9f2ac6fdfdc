package search_test

import (
	"bufio"
	"cmp"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/search"
)

// loadNames reads testdata/names.tsv: real company names with their former
// names, each given a synthetic code so that ties can be broken.
func loadNames(t *testing.T) []*credo.Subject {
	t.Helper()
	f, err := os.Open("testdata/names.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var subjects []*credo.Subject
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, former, _ := strings.Cut(line, "\t")
		s := &credo.Subject{Code: fmt.Sprintf("C%05d", len(subjects)), Name: name}
		for _, f := range strings.Split(former, "|") {
			if f != "" {
				s.FormerNames = append(s.FormerNames, credo.FormerName{Name: f})
			}
		}
		subjects = append(subjects, s)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(subjects) < 100 {
		t.Fatalf("testdata/names.tsv: %d names, want at least 100", len(subjects))
	}
	return subjects
}

// find ranks subjects for q the way a store does: Score, then code.
func find(q string, subjects []*credo.Subject) []*credo.Subject {
	type hit struct {
		s     *credo.Subject
		score float64
	}
	var hits []hit
	for _, s := range subjects {
		if v, ok := search.Score(q, s); ok {
			hits = append(hits, hit{s, v})
		}
	}
	slices.SortFunc(hits, func(a, b hit) int {
		if c := cmp.Compare(b.score, a.score); c != 0 {
			return c
		}
		return strings.Compare(a.s.Code, b.s.Code)
	})
	out := make([]*credo.Subject, len(hits))
	for i, h := range hits {
		out[i] = h.s
	}
	return out
}

func names(subjects []*credo.Subject) []string {
	out := make([]string, len(subjects))
	for i, s := range subjects {
		out[i] = s.Name
	}
	return out
}

func TestNormalize(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"深圳市振业（集团）股份有限公司", "深圳市振业集团股份有限公司"},
		{"深圳市振业(集团)股份有限公司", "深圳市振业集团股份有限公司"},
		{"深圳市振业【集团】股份有限公司", "深圳市振业集团股份有限公司"},
		{"深圳市振业[集团]股份有限公司", "深圳市振业集团股份有限公司"},
		{" 深圳市 振业 (集团) 股份有限公司　", "深圳市振业集团股份有限公司"},
		{"万科Ａ", "万科a"},
		{"Ping An Bank Co., Ltd.", "pinganbankcoltd"},
		{"Ｓｈｅｎｚｈｅｎ　Ｚｈｅｎｙｅ（Ｇｒｏｕｐ）", "shenzhenzhenyegroup"},
		{"*ST藏格", "st藏格"},
		{"Silver&Tin", "silvertin"},
		{"", ""},
	} {
		if got := search.Normalize(tc.in); got != tc.want {
			t.Errorf("Normalize(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestNormalizeIdempotent(t *testing.T) {
	for _, s := range loadNames(t) {
		n := search.Normalize(s.Name)
		if again := search.Normalize(n); again != n {
			t.Errorf("Normalize(Normalize(%q)) = %q, want %q", s.Name, again, n)
		}
	}
}

func TestGrams(t *testing.T) {
	got := search.Grams("华为技术", "（华为）")
	want := []string{"为", "为技", "华", "华为", "技", "技术", "术"}
	if !slices.Equal(got, want) {
		t.Errorf("Grams = %q, want %q", got, want)
	}
	if got := search.Grams("AB-1"); !slices.Equal(got, []string{"1", "a", "ab", "b", "b1"}) {
		t.Errorf("Grams(AB-1) = %q", got)
	}
	if got := search.Grams("", "（）"); len(got) != 0 {
		t.Errorf("Grams of empty names = %q, want none", got)
	}
}

func TestQueryGrams(t *testing.T) {
	for _, tc := range []struct {
		q    string
		want []string
	}{
		{"华为", []string{"华为"}},
		{"华", []string{"华"}},
		{"（华）", []string{"华"}},
		{"华为技术", []string{"为技", "华为", "技术"}},
		{"哈哈哈", []string{"哈哈"}},
		{"  ", nil},
	} {
		if got := search.QueryGrams(tc.q); !slices.Equal(got, tc.want) {
			t.Errorf("QueryGrams(%q) = %q, want %q", tc.q, got, tc.want)
		}
	}
}

// Every substring of a name must be findable through the gram index: its
// query grams are a subset of the name's grams.
func TestQueryGramsSubsetOfGrams(t *testing.T) {
	for _, s := range loadNames(t) {
		grams := search.Grams(s.Name)
		runes := []rune(search.Normalize(s.Name))
		for i := range runes {
			for j := i + 1; j <= len(runes) && j <= i+6; j++ {
				q := string(runes[i:j])
				for _, g := range search.QueryGrams(q) {
					if _, found := slices.BinarySearch(grams, g); !found {
						t.Fatalf("%s: query %q gram %q not in Grams", s.Name, q, g)
					}
				}
			}
		}
	}
}

func TestLooksLikeCode(t *testing.T) {
	for _, tc := range []struct {
		q      string
		prefix string
		ok     bool
	}{
		{"91350100M000100Y43", "91350100M000100Y43", true},
		{"9135 0100-m000", "91350100M000", true},
		{"９１３５", "9135", true},
		{"91", "91", true},
		{"N1", "N1", true},
		{"Y1", "Y1", true},
		{"9", "", false},                   // too short to mean a code
		{"01", "", false},                  // 0 is no registration authority
		{"B1", "", false},                  // neither is B
		{"91350100M000100Y431", "", false}, // 19 characters
		{"91I", "", false},                 // I is not in the code alphabet
		{"华为", "", false},
		{"", "", false},
	} {
		prefix, ok := search.LooksLikeCode(tc.q)
		if prefix != tc.prefix || ok != tc.ok {
			t.Errorf("LooksLikeCode(%q) = %q, %v; want %q, %v", tc.q, prefix, ok, tc.prefix, tc.ok)
		}
	}
}

func TestFindHuawei(t *testing.T) {
	subjects := loadNames(t)
	got := find("华为", subjects)
	if len(got) == 0 || !slices.Contains(names(got), "华为技术有限公司") {
		t.Fatalf("华为 found %q, want 华为技术有限公司 among them", names(got))
	}
	for _, s := range got {
		if !strings.Contains(s.Name, "华为") {
			t.Errorf("华为 found %s", s.Name)
		}
	}
	if got := find("华为技术", subjects); len(got) != 1 || got[0].Name != "华为技术有限公司" {
		t.Errorf("华为技术 found %q, want [华为技术有限公司]", names(got))
	}
}

func TestFindVariants(t *testing.T) {
	subjects := loadNames(t)
	for _, q := range []string{
		"深圳市振业（集团）股份有限公司",
		"深圳市振业【集团】股份有限公司",
		"深圳市振业 (集团) 股份有限公司",
		"振业集团",
		"ＳＨＥＮＺＨＥＮ 振业",
	} {
		got := find(q, subjects)
		if q == "ＳＨＥＮＺＨＥＮ 振业" {
			if len(got) != 0 {
				t.Errorf("%q found %q, want nothing (no English names in testdata)", q, names(got))
			}
			continue
		}
		if len(got) == 0 || got[0].Name != "深圳市振业(集团)股份有限公司" {
			t.Errorf("%q found %q first, want 深圳市振业(集团)股份有限公司", q, names(got))
		}
	}
}

func TestFindFormerName(t *testing.T) {
	subjects := loadNames(t)
	got := find("唐山冀东水泥股份有限公司", subjects)
	if len(got) != 1 || got[0].Name != "金隅冀东水泥集团股份有限公司" {
		t.Errorf("former name found %q, want [金隅冀东水泥集团股份有限公司]", names(got))
	}
	// 冀东 is in the current name of one and a former name of the same: one hit.
	got = find("冀东", subjects)
	if len(got) != 1 {
		t.Errorf("冀东 found %q, want one subject", names(got))
	}
}

func TestFindCode(t *testing.T) {
	subjects := []*credo.Subject{
		{Code: "91152201078377449P", Name: "甲公司"},
		{Code: "91152201078382010M", Name: "乙公司"},
		{Code: "121200004013590816", Name: "丙事业单位"},
	}
	got := find("91152201078382010m", subjects)
	if len(got) != 1 || got[0].Code != "91152201078382010M" {
		t.Errorf("exact code: found %q", names(got))
	}
	got = find("9115 2201", subjects)
	if len(got) != 2 {
		t.Errorf("code prefix: found %q, want both 9115 codes", names(got))
	}
}

// TestScoreOrder pins the ranking tiers with one subject per tier.
func TestScoreOrder(t *testing.T) {
	subjects := []*credo.Subject{
		{Code: "91000000000000000A", Name: "曾用名匹配公司", FormerNames: []credo.FormerName{{Name: "老振华科技公司"}}},
		{Code: "91000000000000000B", Name: "深圳振华科技有限公司"},
		{Code: "91000000000000000C", Name: "中国振华电子集团有限公司"},
		{Code: "91000000000000000D", Name: "振华科技股份有限公司"},
		{Code: "91000000000000000E", Name: "振华科技"},
		{Code: "91000000000000000F", Name: "振华科技有限公司"},
		{Code: "91000000000000000G", Name: "无关公司"},
		{Code: "91000000000000000H", Name: "另一公司", FormerNames: []credo.FormerName{{Name: "振华科技"}}},
		{Code: "91000000000000000J", Name: "第三公司", FormerNames: []credo.FormerName{{Name: "振华科技集团"}}},
	}
	got := names(find("振华科技", subjects))
	want := []string{
		"振华科技", "振华科技有限公司", "振华科技股份有限公司", "深圳振华科技有限公司",
		"另一公司",    // former name exact
		"第三公司",    // former name prefix
		"曾用名匹配公司", // former name substring
	}
	if !slices.Equal(got, want) {
		t.Errorf("order:\n got %q\nwant %q", got, want)
	}
	for i, s := range subjects {
		a, _ := search.Score("振华科技", s)
		b, _ := search.Score("振华科技", subjects[i])
		if a != b {
			t.Errorf("Score is not deterministic for %s", s.Name)
		}
	}
}

func TestScoreCodeOutranksName(t *testing.T) {
	byCode := &credo.Subject{Code: "91152201078377449P", Name: "甲"}
	byName := &credo.Subject{Code: "121200004013590816", Name: "91152201078377449P"}
	exact, ok1 := search.Score("91152201078377449P", byCode)
	name, ok2 := search.Score("91152201078377449P", byName)
	prefix, ok3 := search.Score("9115", byCode)
	if !ok1 || !ok2 || !ok3 || !(exact > prefix && prefix > name) {
		t.Errorf("exact code %v (%v), code prefix %v (%v), exact name %v (%v)", exact, ok1, prefix, ok3, name, ok2)
	}
	if _, ok := search.Score("甲乙", byCode); ok {
		t.Error("a query matching nothing scored")
	}
	if _, ok := search.Score("（）", byCode); ok {
		t.Error("a query that normalizes to nothing scored")
	}
}
