package storetest

import (
	"cmp"
	"slices"
	"strings"
	"testing"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/search"
)

func testSearch(t *testing.T, h Harness) {
	s := h.Open(t)
	latest := putAll(t, s)
	// A renamed organization: its first name is searched no more, its
	// second is its current name and its third (not kept as a former name)
	// is gone too.
	renamed := indexOf(codes[40])
	mustPut(t, s, named(renamed, "淮北矿业控股股份有限公司"))
	v3 := named(renamed, "淮北矿业集团股份有限公司", "淮北矿业控股股份有限公司")
	mustPut(t, s, v3)
	v3.Version = 3
	latest[renamed] = v3

	search1 := func(t *testing.T, q credo.SubjectQuery) []*credo.Subject {
		t.Helper()
		return allSubjects(t, s, q)
	}

	t.Run("ChineseSubstring", func(t *testing.T) {
		got := search1(t, credo.SubjectQuery{Q: "华为"})
		if len(got) == 0 || got[0].Name != "华为技术有限公司" {
			t.Fatalf("华为 found %q, want 华为技术有限公司 first", subjectNames(got))
		}
		for _, sub := range got {
			if !strings.Contains(sub.Name, "华为") {
				t.Errorf("华为 found %s", sub.Name)
			}
		}
		if got[0].Code != codes[0] || got[0].Version != 1 {
			t.Errorf("华为 found %s version %d, want %s version 1", got[0].Code, got[0].Version, codes[0])
		}
	})

	t.Run("FormerName", func(t *testing.T) {
		i := slices.IndexFunc(companies, func(c company) bool { return len(c.former) > 0 })
		got := search1(t, credo.SubjectQuery{Q: companies[i].former[0]})
		if len(got) == 0 || got[0].Code != codes[i] {
			t.Errorf("former name %s found %q, want %s first", companies[i].former[0], subjectNames(got), companies[i].name)
		}
		got = search1(t, credo.SubjectQuery{Q: "淮北矿业控股"})
		if len(got) != 1 || got[0].Code != codes[renamed] || got[0].Version != 3 {
			t.Errorf("former name of the latest version found %q, want %s version 3", subjectNames(got), codes[renamed])
		}
	})

	t.Run("WidthAndBracketVariants", func(t *testing.T) {
		for _, q := range []string{
			"深圳市振业(集团)股份有限公司",
			"深圳市振业（集团）股份有限公司",
			"深圳市振业【集团】股份有限公司",
			"深圳市振业 集团 股份有限公司",
			"振业（集团）",
		} {
			got := search1(t, credo.SubjectQuery{Q: q})
			if len(got) == 0 || got[0].Name != "深圳市振业(集团)股份有限公司" {
				t.Errorf("%s found %q, want 深圳市振业(集团)股份有限公司 first", q, subjectNames(got))
			}
		}
	})

	t.Run("ExactCode", func(t *testing.T) {
		c := codes[57]
		typed := strings.ToLower(c[:6]) + " " + c[6:12] + "-" + c[12:]
		got := search1(t, credo.SubjectQuery{Q: typed})
		if len(got) != 1 || got[0].Code != c {
			t.Errorf("code %q found %q, want [%s]", typed, subjectCodes(got), c)
		}
	})

	t.Run("CodePrefix", func(t *testing.T) {
		var want []string
		for _, c := range codes {
			if strings.HasPrefix(c, "92340621") {
				want = append(want, c)
			}
		}
		slices.Sort(want)
		got := subjectCodes(search1(t, credo.SubjectQuery{Q: "9234 0621", Limit: 5}))
		if !slices.Equal(got, want) {
			t.Errorf("code prefix found %q, want %q", got, want)
		}
	})

	t.Run("DivisionOnly", func(t *testing.T) {
		for _, div := range []string{"340603", "3406", "62", "31", "44"} {
			var want []string
			for _, sub := range latest {
				if strings.HasPrefix(sub.Division, div) {
					want = append(want, sub.Code)
				}
			}
			slices.Sort(want)
			got := subjectCodes(search1(t, credo.SubjectQuery{Division: div, Limit: 7}))
			if !slices.Equal(got, want) {
				t.Errorf("division %s listed %q, want %q (by code)", div, got, want)
			}
		}
	})

	t.Run("DivisionAndQuery", func(t *testing.T) {
		got := search1(t, credo.SubjectQuery{Q: "股份", Division: "620105", Limit: 3})
		want := ranked(latest, "股份", "620105")
		if !slices.Equal(subjectCodes(got), want) || len(want) == 0 {
			t.Errorf("股份 in 620105 found %q, want %q", subjectCodes(got), want)
		}
		if got := search1(t, credo.SubjectQuery{Q: "华为", Division: "62"}); len(got) != 0 {
			t.Errorf("华为 in 62 found %q, want nothing (华为 is registered in %s)", subjectNames(got), latest[0].Division)
		}
	})

	t.Run("RankedAsScore", func(t *testing.T) {
		// The store's order is search.Score's, ties by code, whatever page size.
		for _, q := range []string{"华为", "中国", "股份", "集团", "深圳", "科技", "银行", "招商局", "有限公司",
			"（集团）", codes[50][:6], "9162", "淮北矿业", "控股股份"} {
			want := ranked(latest, q, "")
			for _, limit := range []int{0, 1, 7, credo.MaxPageSize} {
				got := subjectCodes(search1(t, credo.SubjectQuery{Q: q, Limit: limit}))
				if !slices.Equal(got, want) {
					t.Errorf("%s (limit %d):\n got %q\nwant %q", q, limit, got, want)
				}
			}
		}
	})

	t.Run("LatestVersionOnly", func(t *testing.T) {
		first := companies[renamed].name
		if got := search1(t, credo.SubjectQuery{Q: first}); slices.Contains(subjectCodes(got), codes[renamed]) {
			t.Errorf("the name of version 1 (%s) still finds %s", first, codes[renamed])
		}
		got := search1(t, credo.SubjectQuery{Q: "淮北矿业集团股份有限公司"})
		if len(got) == 0 || got[0].Code != codes[renamed] || got[0].Version != 3 {
			t.Errorf("the current name found %q, want %s version 3 first", subjectNames(got), codes[renamed])
		}
	})

	t.Run("PageSize", func(t *testing.T) {
		all := ranked(latest, "股份", "")
		if len(all) <= credo.DefaultPageSize {
			t.Fatalf("fixture: only %d matches of 股份", len(all))
		}
		page, err := s.SearchSubjects(ctx, credo.SubjectQuery{Q: "股份"})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Subjects) != credo.DefaultPageSize || page.Next == "" {
			t.Errorf("limit 0: %d subjects, next %q; want %d and a next page", len(page.Subjects), page.Next, credo.DefaultPageSize)
		}
		page, err = s.SearchSubjects(ctx, credo.SubjectQuery{Q: "股份", Limit: credo.MaxPageSize + 1})
		if err == nil && len(page.Subjects) > credo.MaxPageSize {
			t.Errorf("limit above the maximum gave %d subjects", len(page.Subjects))
		}
		if err != nil {
			wantError(t, "limit above the maximum", err, credo.EINVALID, "limit")
		}
		page, err = s.SearchSubjects(ctx, credo.SubjectQuery{Q: "股份", Limit: len(all)})
		if err != nil || len(page.Subjects) != len(all) || page.Next != "" {
			t.Errorf("limit = matches: %v, %d subjects, next %q; want all %d and no next", err, len(page.Subjects), page.Next, len(all))
		}
		_, err = s.SearchSubjects(ctx, credo.SubjectQuery{Q: "股份", Limit: -1})
		wantError(t, "negative limit", err, credo.EINVALID, "limit")
	})

	t.Run("NoMatch", func(t *testing.T) {
		for _, q := range []credo.SubjectQuery{{Q: "不存在的公司名称"}, {Division: "44"}, {Q: "华为", Division: "3101"}} {
			page, err := s.SearchSubjects(ctx, q)
			if err != nil || len(page.Subjects) != 0 || page.Next != "" {
				t.Errorf("%+v: %v, %d subjects, next %q; want an empty last page", q, err, len(page.Subjects), page.Next)
			}
		}
	})

	t.Run("Invalid", func(t *testing.T) {
		_, err := s.SearchSubjects(ctx, credo.SubjectQuery{})
		wantError(t, "neither q nor division", err, credo.EINVALID, "")
		_, err = s.SearchSubjects(ctx, credo.SubjectQuery{Q: "股份", Cursor: "not a cursor"})
		wantError(t, "malformed cursor", err, credo.EINVALID, "cursor")
	})

	t.Run("RelevanceOrder", func(t *testing.T) {
		s := h.Open(t)
		mustPut(t, s,
			named(0, "平安银行股份有限公司", "深圳发展银行股份有限公司"),
			named(1, "湖北平安电工科技股份公司"),
			named(2, "中国平安保险(集团)股份有限公司"),
			named(3, "深圳市物业发展股份有限公司", "深圳平安物业发展股份有限公司"),
			named(4, "平安"),
			named(5, "平安银行股份有限公司深圳分行"),
			named(6, "中国宝安集团股份有限公司"),
		)
		for _, tc := range []struct {
			q    string
			want []string
		}{
			{"平安", []string{
				codes[4], // exact name
				codes[0], // name prefix, shorter
				codes[5], // name prefix, longer
				codes[1], // substring at 2, shorter
				codes[2], // substring at 2, longer
				codes[3], // former name
			}},
			{"深圳发展银行", []string{codes[0]}},
			{codes[1], []string{codes[1]}},
			{"平安银行股份有限公司", []string{codes[0], codes[5]}},
		} {
			got := subjectCodes(allSubjects(t, s, credo.SubjectQuery{Q: tc.q}))
			if !slices.Equal(got, tc.want) {
				t.Errorf("%s: order %q, want %q", tc.q, got, tc.want)
			}
		}
	})
}

// ranked is what a search for q in division must return, by search.Score
// and then code.
func ranked(subjects []*credo.Subject, q, division string) []string {
	type hit struct {
		code  string
		score float64
	}
	var hits []hit
	for _, s := range subjects {
		if !strings.HasPrefix(s.Division, division) {
			continue
		}
		if v, ok := search.Score(q, s); ok {
			hits = append(hits, hit{s.Code, v})
		}
	}
	slices.SortFunc(hits, func(a, b hit) int {
		if c := cmp.Compare(b.score, a.score); c != 0 {
			return c
		}
		return strings.Compare(a.code, b.code)
	})
	out := make([]string, len(hits))
	for i, h := range hits {
		out[i] = h.code
	}
	return out
}
