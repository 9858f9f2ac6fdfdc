package sqlite_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/internal/cputime"
	"github.com/credo-registry/credo/uscc"
)

// benchOrgs is how many organizations the scale benchmarks store:
// CREDO_BENCH_ORGS, 100,000 by default.
func benchOrgs(b *testing.B) int {
	if s := os.Getenv("CREDO_BENCH_ORGS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 10000 {
			b.Fatalf("CREDO_BENCH_ORGS=%q: want a number of at least 10000", s)
		}
		return n
	}
	return 100_000
}

// scaleSubjects are n organizations with real names (numbered, so that
// each is distinct) and codes in no order, as a national load brings them.
func scaleSubjects(b *testing.B, n int) []*credo.Subject {
	names := companyNames(b)
	w := newWorkload(1)
	out := make([]*credo.Subject, n)
	for i := range out {
		// i * a large odd constant mod 10^8 permutes the serial numbers.
		code, err := uscc.Build('9', '1', "440300", fmt.Sprintf("%08d", (uint64(i)*2654435761)%100_000_000))
		if err != nil {
			b.Fatal(err)
		}
		c := names[i%len(names)]
		s := &credo.Subject{Code: code, Name: c[0] + strconv.Itoa(i/len(names)) + "分公司", Authority: "samr-440300",
			RecordedAt: w.recorded, Status: credo.StatusActive}
		if c[1] != "" {
			s.FormerNames = []credo.FormerName{{Name: c[1]}}
		}
		s.Normalize()
		out[i] = s
	}
	return out
}

// BenchmarkPutSubjectsGrowth stores CREDO_BENCH_ORGS organizations into an
// empty store in batches of 10,000, through PutSubjects alone (put) and
// inside BulkLoadSubjects (bulk), and reports the CPU per organization of
// the first and the last batch (is the cost flat as the store grows?) and
// of the whole load, the end of a bulk load included. Run with
// -benchtime=1x.
func BenchmarkPutSubjectsGrowth(b *testing.B) {
	n := benchOrgs(b)
	subjects := scaleSubjects(b, n)
	for _, bulk := range []bool{false, true} {
		name := "put"
		if bulk {
			name = "bulk"
		}
		b.Run(name, func(b *testing.B) {
			ctx := context.Background()
			for b.Loop() {
				db := mustOpen(b, b.TempDir())
				var first, last time.Duration
				start := cputime.Self()
				load := func() error {
					for i := 0; i < n; i += 10000 {
						t := cputime.Self()
						if _, err := db.PutSubjects(ctx, subjects[i:min(i+10000, n)]); err != nil {
							return err
						}
						if i == 0 {
							first = cputime.Self() - t
						}
						last = cputime.Self() - t
					}
					return nil
				}
				var err error
				if bulk {
					err = db.BulkLoadSubjects(ctx, load)
				} else {
					err = load()
				}
				if err != nil {
					b.Fatal(err)
				}
				total := cputime.Self() - start
				b.ReportMetric(float64(first)/float64(time.Microsecond)/10000, "first-cpu-µs/org")
				b.ReportMetric(float64(last)/float64(time.Microsecond)/float64(n-(n-1)/10000*10000), "last-cpu-µs/org")
				b.ReportMetric(float64(total)/float64(time.Microsecond)/float64(n), "cpu-µs/org")
				db.Close()
			}
		})
	}
}

// BenchmarkResaveAssessments saves CREDO_BENCH_ORGS organizations' assessments (five
// dimensions with contributions, about 2 KB of JSON each) and then, each
// iteration, saves them all again in batches of 1,000 with only AsOf
// moved: what a full regrade does to an organization whose records did
// not change (the times that follow from records, a contribution's Until
// and NextChange, stay).
func BenchmarkResaveAssessments(b *testing.B) {
	orgs := benchOrgs(b)
	ctx := context.Background()
	db := mustOpen(b, b.TempDir())
	subjects := scaleSubjects(b, orgs)
	at := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	assess := func(code string, asOf time.Time) *credo.AssessmentChange {
		a := &credo.Assessment{Subject: code, AsOf: credo.NewTime(asOf), Grade: "B", Score: 81.5, Public: true,
			Reasons:    []string{"纳税信用评价为B级"},
			Rulebooks:  []credo.RulebookRef{{ID: "national", Version: "2026.2"}, {ID: "guangdong", Version: "2026.1"}},
			NextChange: credo.NewTime(at.AddDate(1, 0, 0)), Dimensions: map[string]*credo.Dimension{}}
		for i, d := range []string{"tax", "customs", "environment", "market", "social_security"} {
			dim := &credo.Dimension{Title: d, Start: 100, Score: 100 - float64(i)*4.5, Grade: "A", Public: true}
			for j := range i {
				dim.Contributions = append(dim.Contributions, credo.Contribution{Record: int64(1000*i + j), Rule: d + "-late-filing",
					Rulebook: "national", Points: -4.5, Reason: "逾期未申报纳税（第" + strconv.Itoa(j+1) + "次）",
					Until: credo.NewTime(at.AddDate(2, 0, 0))})
			}
			a.Dimensions[d] = dim
		}
		return &credo.AssessmentChange{Subject: code, At: a.AsOf, Cause: credo.Cause{Kind: credo.CauseRescore}, Assessment: a}
	}
	save := func(asOf time.Time) {
		for i := 0; i < orgs; i += 1000 {
			batch := make([]*credo.AssessmentChange, 0, 1000)
			for _, s := range subjects[i:min(i+1000, orgs)] {
				batch = append(batch, assess(s.Code, asOf))
			}
			if err := db.SaveAssessments(ctx, batch); err != nil {
				b.Fatal(err)
			}
		}
	}
	save(at)
	cpu, written := cputime.Self(), bytesWritten()
	n := 0
	for b.Loop() {
		n++
		save(at.Add(time.Duration(n) * time.Hour))
	}
	b.ReportMetric(float64(n*orgs)/b.Elapsed().Seconds(), "assessments/s")
	b.ReportMetric(float64(cputime.Self()-cpu)/float64(time.Microsecond)/float64(n*orgs), "cpu-µs/assessment")
	if written >= 0 {
		b.ReportMetric(float64(bytesWritten()-written)/float64(n*orgs), "written-B/assessment")
	}
}

// bytesWritten is what the process has passed to write system calls so
// far (wchar in /proc/self/io), or -1 where that is not known.
func bytesWritten() int64 {
	b, err := os.ReadFile("/proc/self/io")
	if err != nil {
		return -1
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "wchar: "); ok {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return -1
			}
			return n
		}
	}
	return -1
}
