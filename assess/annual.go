package assess

import (
	"time"

	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/rulebook"
)

// maxYears bounds how many evaluation years back an annual dimension's
// `previous` reaches (each year's evaluation reads the one before): a
// chain longer than this starts from no previous evaluation.
const maxYears = 12

// evaluation is one year's evaluation of an annual dimension (d nil: the
// organization was not graded that year).
type evaluation struct {
	d      *credo.Dimension
	direct bool // the grade was assigned directly
}

var previousFieldNames = []ref.Val{types.String("year"), types.String("score"), types.String("grade"), types.String("direct")}

// value is the CEL value of previous: empty when there was no evaluation.
func (e *evaluation) value() ref.Val {
	if e == nil || e.d == nil || e.d.Grade == "" {
		return &fieldsVal{}
	}
	return &fieldsVal{names: previousFieldNames, vals: []ref.Val{
		types.Int(e.d.Year), types.Double(e.d.Score), types.String(e.d.Grade), types.Bool(e.direct)}}
}

// native is the native evaluator's previous (nil: none).
func (e *evaluation) native() *rulebook.Previous {
	if e == nil || e.d == nil || e.d.Grade == "" {
		return nil
	}
	return &rulebook.Previous{Year: int64(e.d.Year), Score: e.d.Score, Grade: e.d.Grade, Direct: e.direct}
}

// annual grades the annual dimension dim as of asOf. The grade in force is
// the evaluation of the latest year published by asOf (the year before
// last until this year's publication day, then last year), computed with
// the rulebooks in force at that year's end and what the registry knows at
// asOf (a later finding about a past year adjusts it, as the tax measures'
// dynamic adjustment does). Provisional is the running figure of asOf's
// year. It returns nil when neither exists.
func (st *state) annual(set *rulebook.Set, code string, versions []*credo.Subject, records []*credo.Record,
	dim *rulebook.Dimension, asOf time.Time, next *nextChange) (*credo.Dimension, error) {
	year := asOf.UTC().Year()
	memo := map[int]evaluation{}
	var prev *evaluation
	if dim.UsesPrevious() {
		e, err := yearly(set, code, versions, records, dim.ID, year-1, asOf, memo, 0)
		if err != nil {
			return nil, err
		}
		prev = &e
	}
	prov, _, err := st.dimension(dim, asOf, next, prev)
	if err != nil {
		return nil, err
	}
	// The running figure starts again at the turn of the year; the grade in
	// force changes on the publication day.
	next.add(time.Date(year+1, 1, 1, 0, 0, 0, 0, time.UTC))
	inForceYear := year - 1
	if published := dim.Publication.In(year); asOf.Before(published) {
		inForceYear = year - 2
		next.add(published)
	} else {
		next.add(dim.Publication.In(year + 1))
	}
	e, err := yearly(set, code, versions, records, dim.ID, inForceYear, asOf, memo, 0)
	if err != nil {
		return nil, err
	}
	if prov == nil && e.d == nil {
		return nil, nil
	}
	out := &credo.Dimension{Contributions: []credo.Contribution{}, Basis: dim.Basis}
	if e.d != nil {
		c := *e.d
		out = &c
	}
	out.Title, out.Public, out.Evaluation = dim.Title, dim.Public, credo.EvaluationAnnual
	if prov != nil {
		prov.Year = year
		out.Provisional = prov
	}
	return out, nil
}

// yearly evaluates the annual dimension id for year, as of the year's last
// second, under the rulebooks then in force, from what the registry knew at
// known. memo keeps the years evaluated during one assessment.
func yearly(set *rulebook.Set, code string, versions []*credo.Subject, records []*credo.Record,
	id string, year int, known time.Time, memo map[int]evaluation, depth int) (evaluation, error) {
	if e, ok := memo[year]; ok {
		return e, nil
	}
	end := time.Date(year+1, 1, 1, 0, 0, 0, 0, time.UTC).Add(-time.Second)
	if end.After(known) {
		return evaluation{}, nil
	}
	st := states.Get().(*state)
	defer st.release()
	plan, _, _ := st.load(set, code, versions, records, end, known)
	defer st.closeFrame()
	var dim *rulebook.Dimension
	for _, d := range plan.Dimensions {
		if d.ID == id && d.Annual() {
			dim = d
		}
	}
	if dim == nil {
		memo[year] = evaluation{}
		return evaluation{}, nil
	}
	var prev *evaluation
	if dim.UsesPrevious() && depth < maxYears {
		p, err := yearly(set, code, versions, records, id, year-1, known, memo, depth+1)
		if err != nil {
			return evaluation{}, err
		}
		prev = &p
	}
	d, direct, err := st.dimension(dim, end, newNext(end), prev)
	if err != nil {
		return evaluation{}, err
	}
	if d != nil {
		d.Evaluation, d.Year, d.PublishedAt = credo.EvaluationAnnual, year, credo.NewTime(dim.Publication.In(year+1))
	}
	e := evaluation{d: d, direct: direct}
	memo[year] = e
	return e, nil
}
