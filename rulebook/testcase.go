package rulebook

import (
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/credo-registry/credo"
)

// TestCase is one case of a rulebook's tests.yaml: an organization, its
// records, a time, and what the assessment must say.
type TestCase struct {
	Name string
	// Code is the organization's code; Versions its registration versions
	// (nil when it is unregistered: `org: {code: ..., registered: false}`).
	Code     string
	Versions []*credo.Subject
	AsOf     time.Time
	Records  []*credo.Record
	// Partners are the organization's partners as of the time (`partners:`
	// in the case: each counted, and those one relationship away also as
	// direct partners).
	Partners *credo.Partners
	Expect   Expect
	File     string
	Line     int
}

// Expect is what a test case checks; nil fields are not checked.
type Expect struct {
	Grade      *string // comprehensive
	Score      *float64
	NextChange *time.Time
	Dimensions []ExpectDimension // in file order
}

// ExpectDimension is what one dimension must be. Graded false expects the
// dimension not to be graded (`tax: null` or `tax: {graded: false}`).
type ExpectDimension struct {
	ID     string
	Graded bool
	Start  *float64
	Score  *float64
	Grade  *string
	// Contributions, when CheckContributions, must be exactly these, in
	// any order.
	Contributions      []ExpectContribution
	CheckContributions bool
	// Year is the evaluation year of an annual dimension's grade in force;
	// Provisional what its running figure for the current year must be.
	Year        *int
	Provisional *ExpectDimension
	Line        int
}

// ExpectContribution is one expected contribution: rule and record (0 for
// caps and specials), and when given, points and grade.
type ExpectContribution struct {
	Rule    string
	Record  int64
	Partner string
	Points  *float64
	Grade   *string
	Line    int
}

// ParseTests reads a tests file (`tests:` followed by a list of cases).
// Errors are *Error, or several joined.
func ParseTests(filename string, src []byte) ([]TestCase, error) {
	d := newDecoder(filename, src)
	cases := d.tests()
	if err := d.errs.err(); err != nil {
		return nil, err
	}
	return cases, nil
}

func (d *decoder) tests() []TestCase {
	root := d.Root()
	if root == nil {
		return nil
	}
	f := d.fields(root, "", "tests file", "tests")
	if f == nil || !d.required(f, "tests", root, "", "tests file") || !d.kind(f["tests"].Val, yaml.SequenceNode, "", "tests") {
		return nil
	}
	var out []TestCase
	names := map[string]int{}
	for _, n := range f["tests"].Val.Content {
		tc, ok := d.testCase(n)
		if !ok {
			continue
		}
		if line, dup := names[tc.Name]; dup {
			d.errorf(n, "", "test %q is also on line %d", tc.Name, line)
			continue
		}
		names[tc.Name] = tc.Line
		out = append(out, tc)
	}
	return out
}

func (d *decoder) testCase(n *yaml.Node) (TestCase, bool) {
	tc := TestCase{File: d.Name, Line: n.Line}
	f := d.fields(n, "", "test", "name", "org", "versions", "as_of", "records", "partners", "expect")
	if f == nil {
		return tc, false
	}
	before := len(d.errs)
	if d.required(f, "name", n, "", "test") {
		tc.Name = d.str(f["name"].Val, "", "name")
	}
	if d.required(f, "as_of", n, "", "test") {
		tc.AsOf = d.instant(f["as_of"].Val, "", "as_of")
	}
	org, hasOrg := f["org"]
	versions, hasVersions := f["versions"]
	switch {
	case hasOrg && hasVersions:
		d.errorf(versions.Key, "", "give org or versions, not both")
	case hasOrg:
		if s, registered := d.subject(org.Val); s != nil {
			tc.Code = s.Code
			if registered {
				tc.Versions = []*credo.Subject{s}
			}
		}
	case hasVersions:
		if d.kind(versions.Val, yaml.SequenceNode, "", "versions") {
			for i, vn := range versions.Val.Content {
				if s, _ := d.subject(vn); s != nil {
					s.Version = i + 1
					tc.Code = s.Code
					tc.Versions = append(tc.Versions, s)
				}
			}
		}
	default:
		d.errorf(n, "", "test: org is required")
	}
	if rs, ok := f["records"]; ok && !isNull(rs.Val) && d.kind(rs.Val, yaml.SequenceNode, "", "records") {
		for i, rn := range rs.Val.Content {
			if r := d.record(rn, tc.Code); r != nil {
				if r.ID == 0 {
					r.ID = int64(i + 1)
				}
				tc.Records = append(tc.Records, r)
			}
		}
	}
	if ps, ok := f["partners"]; ok && !isNull(ps.Val) && d.kind(ps.Val, yaml.SequenceNode, "", "partners") {
		tc.Partners = &credo.Partners{}
		for _, pn := range ps.Val.Content {
			if p := d.partner(pn); p != nil {
				tc.Partners.Counted = append(tc.Partners.Counted, *p)
				if len(p.Path) == 1 {
					tc.Partners.Direct = append(tc.Partners.Direct, *p)
				}
			}
		}
	}
	if d.required(f, "expect", n, "", "test") {
		tc.Expect = d.expect(f["expect"].Val)
	}
	return tc, len(d.errs) == before
}

func (d *decoder) subject(n *yaml.Node) (*credo.Subject, bool) {
	f := d.fields(n, "", "org", "code", "name", "division", "entity_type", "established", "status", "industry",
		"registered", "recorded_at")
	if f == nil {
		return nil, false
	}
	s := &credo.Subject{}
	if d.required(f, "code", n, "", "org") {
		s.Code = d.str(f["code"].Val, "", "code")
	}
	s.Name = d.str(f["name"].Val, "", "name")
	s.Division = d.str(f["division"].Val, "", "division")
	s.EntityType = d.str(f["entity_type"].Val, "", "entity_type")
	s.Status = credo.Status(d.str(f["status"].Val, "", "status"))
	s.Industry = d.str(f["industry"].Val, "", "industry")
	if e, ok := f["established"]; ok && !isNull(e.Val) {
		s.Established = credo.NewDate(d.instant(e.Val, "", "established"))
	}
	if e, ok := f["recorded_at"]; ok && !isNull(e.Val) {
		s.RecordedAt = credo.NewTime(d.instant(e.Val, "", "recorded_at"))
	}
	registered := true
	if r, ok := f["registered"]; ok {
		registered = d.boolean(r.Val, "", "registered")
	}
	if s.Division == "" && len(s.Code) == 18 {
		s.Division = s.Code[2:8]
	}
	return s, registered
}

func (d *decoder) record(n *yaml.Node, code string) *credo.Record {
	f := d.fields(n, "", "record", "id", "subject", "authority", "category", "kind", "external_id", "decision_number",
		"legal_basis", "description", "severity", "penalty_types", "amount", "tax_due", "currency", "publish", "occurred_at",
		"valid_until", "supersedes", "supersedes_external_id", "recorded_at", "repaired_at")
	if f == nil {
		return nil
	}
	r := &credo.Record{Subject: code}
	if v, ok := f["id"]; ok {
		id, _ := d.integer(v.Val, "", "id")
		r.ID = int64(id)
	}
	if v, ok := f["subject"]; ok {
		r.Subject = d.str(v.Val, "", "subject")
	}
	r.Authority = d.str(f["authority"].Val, "", "authority")
	if d.required(f, "category", n, "", "record") {
		r.Category = d.str(f["category"].Val, "", "category")
	}
	if d.required(f, "kind", n, "", "record") {
		r.Kind = d.str(f["kind"].Val, "", "kind")
	}
	r.ExternalID = d.str(f["external_id"].Val, "", "external_id")
	r.DecisionNumber = d.str(f["decision_number"].Val, "", "decision_number")
	r.LegalBasis = d.str(f["legal_basis"].Val, "", "legal_basis")
	r.Description = d.str(f["description"].Val, "", "description")
	r.Severity = d.str(f["severity"].Val, "", "severity")
	r.PenaltyTypes = d.strs(f["penalty_types"].Val, "", "penalty_types")
	r.Currency = d.str(f["currency"].Val, "", "currency")
	if p := d.optBool(f, "publish", "", "publish"); p != nil {
		r.Publish = *p
	}
	for _, m := range []struct {
		name string
		dst  **float64
	}{{"amount", &r.Amount}, {"tax_due", &r.TaxDue}} {
		if v, ok := f[m.name]; ok && !isNull(v.Val) {
			if x, ok := d.number(v.Val, "", m.name); ok {
				*m.dst = &x
			}
		}
	}
	if d.required(f, "occurred_at", n, "", "record") {
		r.OccurredAt = credo.NewTime(d.instant(f["occurred_at"].Val, "", "occurred_at"))
	}
	if v, ok := f["valid_until"]; ok && !isNull(v.Val) {
		r.ValidUntil = credo.NewTime(d.instant(v.Val, "", "valid_until"))
	}
	if v, ok := f["recorded_at"]; ok && !isNull(v.Val) {
		r.RecordedAt = credo.NewTime(d.instant(v.Val, "", "recorded_at"))
	}
	if v, ok := f["repaired_at"]; ok && !isNull(v.Val) {
		r.RepairedAt = credo.NewTime(d.instant(v.Val, "", "repaired_at"))
	}
	if v, ok := f["supersedes"]; ok && !isNull(v.Val) {
		id, _ := d.integer(v.Val, "", "supersedes")
		r.Supersedes = int64(id)
	}
	r.SupersedesExternalID = d.str(f["supersedes_external_id"].Val, "", "supersedes_external_id")
	return r
}

func (d *decoder) expect(n *yaml.Node) Expect {
	var e Expect
	f := d.fields(n, "", "expect", "grade", "score", "next_change", "dimensions")
	if f == nil {
		return e
	}
	if v, ok := f["grade"]; ok {
		g := d.str(v.Val, "", "grade")
		e.Grade = &g
	}
	if v, ok := f["score"]; ok {
		if x, ok := d.number(v.Val, "", "score"); ok {
			e.Score = &x
		}
	}
	if v, ok := f["next_change"]; ok {
		t := d.instant(v.Val, "", "next_change")
		e.NextChange = &t
	}
	if v, ok := f["dimensions"]; ok && d.kind(v.Val, yaml.MappingNode, "", "dimensions") {
		for i := 0; i+1 < len(v.Val.Content); i += 2 {
			k, dn := v.Val.Content[i], v.Val.Content[i+1]
			ed := ExpectDimension{ID: k.Value, Graded: true, Line: k.Line}
			if isNull(dn) {
				ed.Graded = false
				e.Dimensions = append(e.Dimensions, ed)
				continue
			}
			d.expectDimension(dn, &ed, true)
			e.Dimensions = append(e.Dimensions, ed)
		}
	}
	return e
}

// expectDimension reads an expected dimension into ed; top: it may give
// provisional (an annual dimension's running figure).
func (d *decoder) expectDimension(dn *yaml.Node, ed *ExpectDimension, top bool) {
	fields := []string{"graded", "start", "score", "grade", "contributions", "year"}
	if top {
		fields = append(fields, "provisional")
	}
	df := d.fields(dn, "", "expected dimension", fields...)
	if df == nil {
		return
	}
	if y, ok := df["year"]; ok {
		n, _ := d.integer(y.Val, "", "year")
		ed.Year = &n
	}
	if p, ok := df["provisional"]; ok {
		pd := ExpectDimension{ID: ed.ID, Graded: !isNull(p.Val), Line: p.Key.Line}
		if pd.Graded {
			d.expectDimension(p.Val, &pd, false)
		}
		ed.Provisional = &pd
	}
	if g, ok := df["graded"]; ok {
		ed.Graded = d.boolean(g.Val, "", "graded")
	}
	for _, m := range []struct {
		name string
		dst  **float64
	}{{"start", &ed.Start}, {"score", &ed.Score}} {
		if v, ok := df[m.name]; ok {
			if x, ok := d.number(v.Val, "", m.name); ok {
				*m.dst = &x
			}
		}
	}
	if g, ok := df["grade"]; ok {
		s := d.str(g.Val, "", "grade")
		ed.Grade = &s
	}
	if cs, ok := df["contributions"]; ok {
		ed.CheckContributions = true
		if !isNull(cs.Val) && d.kind(cs.Val, yaml.SequenceNode, "", "contributions") {
			for _, cn := range cs.Val.Content {
				cf := d.fields(cn, "", "expected contribution", "rule", "record", "partner", "points", "grade")
				if cf == nil {
					continue
				}
				c := ExpectContribution{Line: cn.Line}
				if d.required(cf, "rule", cn, "", "expected contribution") {
					c.Rule = d.str(cf["rule"].Val, "", "rule")
				}
				if r, ok := cf["record"]; ok {
					id, _ := d.integer(r.Val, "", "record")
					c.Record = int64(id)
				}
				if p, ok := cf["partner"]; ok {
					c.Partner = d.str(p.Val, "", "partner")
				}
				if p, ok := cf["points"]; ok {
					if x, ok := d.number(p.Val, "", "points"); ok {
						c.Points = &x
					}
				}
				if g, ok := cf["grade"]; ok {
					s := d.str(g.Val, "", "grade")
					c.Grade = &s
				}
				ed.Contributions = append(ed.Contributions, c)
			}
		}
	}
}

// partner reads one partner of a test case: code, path (hops from the
// organization: from, kind, to, since, roles), grades and entries.
func (d *decoder) partner(n *yaml.Node) *credo.Partner {
	f := d.fields(n, "", "partner", "code", "path", "grades", "entries")
	if f == nil {
		return nil
	}
	p := &credo.Partner{}
	if d.required(f, "code", n, "", "partner") {
		p.Code = d.str(f["code"].Val, "", "code")
	}
	if d.required(f, "path", n, "", "partner") && d.kind(f["path"].Val, yaml.SequenceNode, "", "path") {
		for _, hn := range f["path"].Val.Content {
			hf := d.fields(hn, "", "hop", "from", "kind", "to", "since", "roles")
			if hf == nil {
				continue
			}
			h := credo.Hop{}
			for _, k := range []string{"from", "kind", "to", "since"} {
				d.required(hf, k, hn, "", "hop")
			}
			h.From, h.Kind, h.To = d.str(hf["from"].Val, "", "from"), d.str(hf["kind"].Val, "", "kind"), d.str(hf["to"].Val, "", "to")
			if sn, ok := hf["since"]; ok {
				h.Since = credo.NewDate(d.instant(sn.Val, "", "since"))
			}
			if rn, ok := hf["roles"]; ok && !isNull(rn.Val) {
				rf := d.fields(rn.Val, "", "roles", "from", "to")
				if rf != nil {
					h.Roles = &credo.SharedRoles{From: d.strs(rf["from"].Val, "", "roles.from"), To: d.strs(rf["to"].Val, "", "roles.to")}
				}
			}
			p.Path = append(p.Path, h)
		}
	}
	if g, ok := f["grades"]; ok && !isNull(g.Val) && d.kind(g.Val, yaml.MappingNode, "", "grades") {
		p.Grades = map[string]string{}
		for i := 0; i+1 < len(g.Val.Content); i += 2 {
			p.Grades[g.Val.Content[i].Value] = d.str(g.Val.Content[i+1], "", "grade")
		}
	}
	if es, ok := f["entries"]; ok && !isNull(es.Val) && d.kind(es.Val, yaml.SequenceNode, "", "entries") {
		for _, en := range es.Val.Content {
			ef := d.fields(en, "", "entry", "list", "since", "decision_number")
			if ef == nil {
				continue
			}
			e := credo.PartnerEntry{}
			if d.required(ef, "list", en, "", "entry") {
				e.List = d.str(ef["list"].Val, "", "list")
			}
			if d.required(ef, "since", en, "", "entry") {
				e.Since = credo.NewTime(d.instant(ef["since"].Val, "", "since"))
			}
			if dn, ok := ef["decision_number"]; ok {
				e.DecisionNumber = d.str(dn.Val, "", "decision_number")
			}
			p.Entries = append(p.Entries, e)
		}
	}
	return p
}
