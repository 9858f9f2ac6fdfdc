package search_test

import (
	"bufio"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/search"
)

// loadCompanies reads testdata/names/companies.tsv (real listed companies'
// names, see SOURCE.md) as organizations with synthetic codes.
func loadCompanies(tb testing.TB) []*credo.Subject {
	tb.Helper()
	var out []*credo.Subject
	for i, f := range readTSV(tb, "testdata/names/companies.tsv") {
		s := &credo.Subject{Code: fmt.Sprintf("C%05d", i), Name: f[0], ShortName: f[1], EnglishName: f[2]}
		for _, former := range strings.Split(f[3], "|") {
			if former != "" {
				s.FormerNames = append(s.FormerNames, credo.FormerName{Name: former})
			}
		}
		if f[4] != "" {
			s.FormerNames = append(s.FormerNames, credo.FormerName{Name: f[4], Kind: credo.FormerShortName})
		}
		out = append(out, s)
	}
	return out
}

// readTSV returns the rows of a tab-separated file after its header, each
// with 5 fields (missing ones empty).
func readTSV(tb testing.TB, path string) [][]string {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var rows [][]string
	sc := bufio.NewScanner(f)
	sc.Scan() // header
	for sc.Scan() {
		if sc.Text() == "" {
			continue
		}
		row := strings.Split(sc.Text(), "\t")
		for len(row) < 5 {
			row = append(row, "")
		}
		rows = append(rows, row)
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	return rows
}

type kindResult struct{ rows, good, confident int }

// TestMatchQuality computes the per-kind table of docs/MATCHING.md on the
// development variants and holds the thresholds: the expected
// company first for at least 98.5% of positive rows and 90% of each kind;
// a negative row's near-miss never first; no confident match for at least
// 95% of negative_absent rows.
func TestMatchQuality(t *testing.T) {
	ix := search.NewIndex()
	companies := loadCompanies(t)
	ix.Put(companies...)
	code := map[string]string{}
	for _, s := range companies {
		code[s.Name] = s.Code
	}
	results := map[string]*kindResult{}
	var positive kindResult
	for _, v := range readTSV(t, "testdata/names/variants-dev.tsv") {
		query, expected, kind := v[0], v[1], v[2]
		r := results[kind]
		if r == nil {
			r = &kindResult{}
			results[kind] = r
		}
		r.rows++
		got := ix.Find(search.Query{Q: query, Limit: 5})
		first := ""
		if len(got) > 0 {
			first = got[0].Code
		}
		var good bool
		switch kind {
		case "negative":
			good = first != code[expected]
		case "negative_absent":
			good = len(got) == 0 || !got[0].Match
		default:
			want, ok := code[expected]
			if !ok {
				t.Fatalf("%s: expected %s is not among the companies", query, expected)
			}
			good = first == want
			positive.rows++
			if good {
				positive.good++
			}
		}
		if len(got) > 0 && got[0].Match {
			r.confident++
		}
		if good {
			r.good++
		} else if testing.Verbose() {
			t.Logf("miss %-22s %s → %v (want %s)", kind, query, got[:min(len(got), 2)], expected)
		}
	}
	kinds := make([]string, 0, len(results))
	for k := range results {
		kinds = append(kinds, k)
	}
	slices.Sort(kinds)
	var table strings.Builder
	fmt.Fprintf(&table, "| kind | rows | passed | rate | first is a confident match |\n|---|---:|---:|---:|---:|\n")
	for _, k := range kinds {
		r := results[k]
		fmt.Fprintf(&table, "| %s | %d | %d | %.1f%% | %d |\n", k, r.rows, r.good, 100*float64(r.good)/float64(r.rows), r.confident)
	}
	fmt.Fprintf(&table, "| all positive kinds | %d | %d | %.1f%% |\n", positive.rows, positive.good, 100*float64(positive.good)/float64(positive.rows))
	t.Logf("\n%s", table.String())

	for _, k := range kinds {
		r := results[k]
		rate := float64(r.good) / float64(r.rows)
		switch k {
		case "negative":
			if r.good != r.rows {
				t.Errorf("negative: the near-miss came first for %d of %d rows", r.rows-r.good, r.rows)
			}
		case "negative_absent":
			if rate < 0.95 {
				t.Errorf("negative_absent: no confident match for %.1f%%, want at least 95%%", 100*rate)
			}
		default:
			if rate < 0.90 {
				t.Errorf("%s: expected company first for %.1f%%, want at least 90%%", k, 100*rate)
			}
		}
	}
	if rate := float64(positive.good) / float64(positive.rows); rate < 0.985 {
		t.Errorf("positive rows: expected company first for %.1f%%, want at least 98.5%%", 100*rate)
	}
}
