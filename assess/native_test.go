package assess

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/rulebook"
)

// nativeCases are expressions for TestNativeAgrees beyond those of the
// rulebooks: the corners of the native evaluator's subset.
var nativeCases = []string{
	`record.occurred_at.getFullYear() == as_of.getFullYear() - 2`,
	`has(org.established) && org.established.getFullYear() > as_of.getFullYear() - 3`,
	`has(previous.grade) && previous.grade == "D" && !previous.direct`,
	`record.occurred_at.getFullYear() == as_of.getFullYear() || (has(previous.grade) && previous.grade == "D" && previous.direct)`,
	`previous.score > 40.0 || previous.year == 2024`,
	`record.amount >= 100000`,
	`record.amount * 10.0 >= record.tax_due`,
	`record.amount > 5.0 || record.kind == "a"`,
	`record.kind == "a" || record.amount > 5.0`,
	`record.kind == "a" && record.amount > 5.0`,
	`record.amount > 5.0 && record.kind == "a"`,
	`!(record.amount > 5.0) && true`,
	`has(record.amount) && record.amount / record.tax_due > 0.1`,
	`record.id * 3 % 2 == 1`,
	`record.id - 9223372036854775807 < 0`,
	`record.id + 9223372036854775807 > 0`,
	`record.id * 4611686018427387904 > 0`,
	`10 / (record.id - record.id) == 1`,
	`-record.amount < -1.0`,
	`-record.id < 0`,
	`record.amount == 100000`,
	`record.amount != 100000`,
	`record.id == 3.0`,
	`record.id < 3.5`,
	`record.amount < 9223372036854775807`,
	`record.id in [1, 2.0, 3]`,
	`record.amount in [100000, 5.0]`,
	`record.kind in ["a", "b"]`,
	`"fine" in record.penalty_types`,
	`record.penalty_types.exists(p, p.startsWith("f"))`,
	`record.penalty_types.all(p, p in ["fine", "warning"])`,
	`size(record.penalty_types) > 1`,
	`size(record.description) > 3`,
	`record.description.contains("走私")`,
	`record.description.endsWith("x")`,
	`record.description < "m"`,
	`record.description + record.kind == "abca"`,
	`has(record.valid_until) && record.valid_until > as_of`,
	`record.valid_until > as_of`,
	`timestamp(record.occurred_at) - as_of < duration("24h")`,
	`as_of - record.occurred_at > duration("8760h")`,
	`record.occurred_at + years(1) > as_of`,
	`years(1) + record.occurred_at > as_of`,
	`record.occurred_at + years(record.id) > as_of`,
	`record.occurred_at > as_of - days(record.amount)`,
	`record.occurred_at - (as_of - record.occurred_at) < as_of`,
	`duration("1h") + duration("2h") < as_of - record.occurred_at`,
	`org.established + years(3) > as_of`,
	`has(org.established) ? org.established > as_of - years(1) : false`,
	`org.registered && org.name.contains("有限")`,
	`size(org.name) > 2`,
	`org.division.startsWith("32")`,
	`org.code == "x" || org.industry == "C34"`,
	`org.status == "active"`,
	`records.exists(r, r.id != record.id && r.kind == record.kind)`,
	`records.all(r, has(r.amount))`,
	`records.all(r, r.amount > 0.0)`,
	`records.exists(r, r.amount > 1e18)`,
	`records.exists(r, r.penalty_types.exists(p, p == "fine"))`,
	`records.exists(record, record.kind == "b")`,
	`size(records) > 2`,
	`record.occurred_at == record.occurred_at`,
	`as_of >= org.established`,
	`record.kind == "a" ? true : record.amount > 1.0`,
}

// nativeNumbers are number expressions for TestNativeAgrees.
var nativeNumbers = []string{
	`record.kind == "a" ? 1.0 : 2.0`,
	`record.kind == "a" ? record.amount : 0.0`,
	`record.amount`,
	`record.amount * 0.5 + 1.0`,
	`record.id * 2`,
	`-record.amount`,
	`record.amount / 0.0`,
	`size(records) * 1`,
}

// nativeExprs collects the expressions with a native evaluator: of the
// bundled and testdata rulebooks, and nativeCases, by scope.
func nativeExprs(t *testing.T) (recordScope, dimScope []*rulebook.Expr) {
	var books []*rulebook.Rulebook
	files, _ := filepath.Glob("../rulebooks/*/rulebook.yaml")
	more, _ := filepath.Glob("testdata/*.yaml")
	for _, name := range append(files, more...) {
		if strings.HasSuffix(name, "tests.yaml") {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		rb, err := rulebook.Parse(name, src)
		if err != nil {
			t.Fatal(err)
		}
		books = append(books, rb)
	}
	var lines []string
	for i, c := range nativeCases {
		lines = append(lines, fmt.Sprintf("      - {id: c%d, basis: {model: test}, kinds: [a], when: %q, points: 1, counts_for: 1y}", i, c))
	}
	for i, c := range nativeNumbers {
		lines = append(lines, fmt.Sprintf("      - {id: n%d, basis: {model: test}, kinds: [a], points: %q, counts_for: 1y}", i, c))
	}
	src := "apiVersion: credo/v1\nid: cases\nversion: '1'\neffective_from: 2020-01-01\ndimensions:\n  - id: d\n    categories: [tax]\n" +
		"    grades: [A]\n    start: 1\n    bands: [{grade: A}]\n    rules:\n" + strings.Join(lines, "\n") + "\n"
	rb, err := rulebook.Parse("cases.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	books = append(books, rb)
	add := func(list *[]*rulebook.Expr, e *rulebook.Expr) {
		if e.Native() {
			*list = append(*list, e)
		}
	}
	lists := func(rules []*rulebook.Rule, direct []*rulebook.Direct, caps []*rulebook.Cap, special []*rulebook.Special) {
		for _, r := range rules {
			if r.When != nil {
				add(&recordScope, r.When)
			}
			add(&recordScope, r.Points)
		}
		for _, r := range direct {
			if r.When != nil {
				add(&recordScope, r.When)
			}
		}
		for _, r := range caps {
			add(&dimScope, r.When)
		}
		for _, r := range special {
			add(&dimScope, r.When)
		}
	}
	dims := func(d []*rulebook.Dimension) {
		for _, dim := range d {
			if dim.Applies != nil {
				add(&dimScope, dim.Applies)
			}
			add(&dimScope, dim.Start)
			lists(dim.Rules, dim.Direct, dim.Caps, dim.Special)
		}
	}
	for _, rb := range books {
		dims(rb.Dimensions)
		for _, ov := range rb.Overlays {
			lists(append(ov.Add, ov.Replace...), ov.Direct, ov.Caps, ov.Special)
		}
	}
	if len(recordScope) < len(nativeCases) {
		t.Fatalf("only %d record expressions are native", len(recordScope))
	}
	return recordScope, dimScope
}

func pick[T any](r *rand.Rand, xs ...T) T { return xs[r.IntN(len(xs))] }

func randomTime(r *rand.Rand) time.Time {
	switch r.IntN(20) {
	case 0:
		return time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)
	case 1:
		return time.Date(9000, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	return time.Date(1990+r.IntN(50), time.Month(1+r.IntN(12)), 1+r.IntN(28), r.IntN(24), 0, r.IntN(2), 0, time.UTC)
}

func randomRecord(r *rand.Rand, id int64) *credo.Record {
	num := func() *float64 {
		v := pick(r, math.NaN(), math.Inf(1), 1e19, -5, 0, 100000, 99999.99, 1000000, 2.5)
		if r.IntN(3) == 0 {
			return nil
		}
		return &v
	}
	rec := &credo.Record{
		ID:           pick(r, id, id, id, math.MaxInt64, math.MinInt64+1, 1<<62, -3),
		Category:     "tax",
		Kind:         pick(r, "a", "b", "evasion", ""),
		Description:  pick(r, "", "fail: x", "走私x", "abc", "x", "zzz"),
		Severity:     pick(r, "", "minor", "serious"),
		PenaltyTypes: pick(r, nil, []string{"fine"}, []string{"warning", "fine"}, []string{"closure"}),
		Amount:       num(),
		TaxDue:       num(),
		OccurredAt:   credo.NewTime(randomTime(r)),
	}
	if r.IntN(2) == 0 {
		rec.ValidUntil = credo.NewTime(randomTime(r))
	}
	return rec
}

// TestNativeAgrees evaluates every native expression both ways on
// generated records: where the native evaluator gives a value, it must be
// cel-go's.
func TestNativeAgrees(t *testing.T) {
	recordScope, dimScope := nativeExprs(t)
	t.Logf("%d record and %d dimension expressions", len(recordScope), len(dimScope))
	rng := rand.New(rand.NewPCG(7, 8))
	st := &state{}
	native, total := 0, 0
	for round := range 3000 {
		var records []*credo.Record
		for i := range rng.IntN(5) {
			records = append(records, randomRecord(rng, int64(i+1)))
		}
		var reg *credo.Subject
		if rng.IntN(4) > 0 {
			reg = &credo.Subject{Code: "c", Name: pick(rng, "测试有限公司", "x", ""), Industry: pick(rng, "C34", ""), Status: credo.StatusActive}
			if rng.IntN(3) > 0 {
				reg.Established = credo.NewDate(randomTime(rng))
			}
		}
		asOf := randomTime(rng)
		st.inForce = records
		st.recs = make([]recordVal, len(records))
		for i, r := range records {
			st.recs[i].reset(r)
		}
		st.org.reset(reg, "91320102MA1W6K3X2Q", pick(rng, "320102", "310112"))
		st.vars.reset(st, asOf)
		idx := make([]int, len(records))
		for i := range idx {
			idx[i] = i
		}
		v := &st.vars
		v.recordIdx, v.count = idx, len(records)
		v.input.Records = records
		// An annual dimension's previous evaluation (or none), and the score
		// caps and specials see.
		var prev *evaluation
		if rng.IntN(3) > 0 {
			prev = &evaluation{d: &credo.Dimension{Year: 2023 + rng.IntN(3), Score: float64(rng.IntN(101)),
				Grade: pick(rng, "A", "B", "D", "M")}, direct: rng.IntN(2) == 0}
		}
		v.previous, v.input.Previous = prev.value(), prev.native()
		sc := float64(rng.IntN(101))
		v.score, v.input.Score, v.input.ScoreOK = types.Double(sc), sc, true
		check := func(e *rulebook.Expr, what string) {
			total++
			v.records = nil
			got, gerr := e.Eval(v)
			want, werr := e.EvalCEL(v)
			if (gerr == nil) != (werr == nil) || gerr == nil && !sameValue(got, want) {
				t.Fatalf("round %d, %s: %s:%d: `%s`: native %v (%v), cel-go %v (%v)\nrecords %s\norg %+v as of %v",
					round, what, e.File, e.Line, e.Source, got, gerr, want, werr, assessmentJSON(records), reg, asOf)
			}
			if gerr == nil {
				native++
			}
		}
		for _, e := range dimScope {
			v.record, v.input.Record = nil, nil
			check(e, "dimension")
		}
		for i, r := range records {
			v.record, v.input.Record = &st.recs[i], r
			for _, e := range recordScope {
				check(e, fmt.Sprintf("record %d", r.ID))
			}
		}
		if st.vars.frame != nil {
			st.vars.frame.Close()
			st.vars.frame = nil
		}
	}
	t.Logf("%d evaluations, %d with a value", total, native)
}

func sameValue(a, b ref.Val) bool {
	if x, ok := a.(types.Double); ok {
		if y, ok := b.(types.Double); ok && math.IsNaN(float64(x)) && math.IsNaN(float64(y)) {
			return true
		}
	}
	return a.Type() == b.Type() && a.Equal(b) == types.True
}

func assessmentJSON(v any) string {
	var b strings.Builder
	for _, r := range v.([]*credo.Record) {
		fmt.Fprintf(&b, "%+v; ", *r)
	}
	return b.String()
}
