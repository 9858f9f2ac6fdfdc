package lists

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/ast"
	"cel.dev/cel-go/common/cost"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/interpreter"
	"go.yaml.in/yaml/v3"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/internal/celenv"
	"github.com/credo-registry/credo/rulebook"
)

// The CEL environment of list rules and measure conditions: rulebook's
// conventions (celenv, docs/RULEBOOKS.md), the same periods (a month is 30
// days, a year 365), and the variables records, grades, scores and lists.

// maxKeys bounds dimensions in grades and scores, ids in lists (for the
// cost estimate).
const maxKeys = 100

var (
	envOnce sync.Once
	env     *cel.Env
	envErr  error
	units   = map[string]time.Duration{"days": rulebook.Day, "months": rulebook.Month, "years": rulebook.Year}
)

func environment() (*cel.Env, error) {
	envOnce.Do(func() {
		env, envErr = cel.NewEnv(append(celenv.Options(units),
			cel.Variable("records", cel.ListType(celenv.Map)),
			cel.Variable("grades", cel.MapType(cel.StringType, cel.StringType)),
			cel.Variable("scores", cel.MapType(cel.StringType, cel.DoubleType)),
			cel.Variable("lists", cel.ListType(cel.StringType)),
		)...)
	})
	return env, envErr
}

// condition is one compiled bool expression, with where it was written.
type condition struct {
	src  string
	file string
	line int
	col  int
	prog cel.Program
}

// compile compiles the bool expression in scalar n; nil after reporting.
func (d *decoder) compile(n *yaml.Node, o owner, path string) *condition {
	src := strings.TrimSpace(d.str(n, o, path))
	if src == "" {
		if n != nil && n.Kind == yaml.ScalarNode {
			d.errorf(n, o, path, "the expression is empty")
		}
		return nil
	}
	e, err := environment()
	if err != nil {
		d.errorf(n, o, path, "CEL environment: %v", err)
		return nil
	}
	checked, iss := e.Compile(n.Value)
	if iss != nil && iss.Err() != nil {
		for _, ce := range iss.Errors() {
			line, col := n.Line, n.Column
			if ce.Location != nil && ce.Location.Line() > 0 {
				line, col = d.Position(n, ce.Location.Line(), ce.Location.Column())
			}
			d.errs.add(&Error{File: d.Name, Line: line, Col: col, What: o.what, ID: o.id, Field: path, Message: ce.Message})
		}
		return nil
	}
	if out := checked.OutputType(); out.Kind() != types.BoolKind && out.Kind() != types.DynKind {
		d.errorf(n, o, path, "must be a bool expression, but `%s` is of type %s", src, cel.FormatCELType(out))
		return nil
	}
	if !d.checkFields(n, o, path, checked.NativeRep()) {
		return nil
	}
	est, err := e.EstimateCost(checked, estimator{})
	if err != nil {
		d.errorf(n, o, path, "estimating cost: %v", err)
		return nil
	}
	if est.Max > rulebook.EstimatedCostLimit {
		d.errorf(n, o, path, "the expression would run too long: its estimated cost is over the limit of %d (for up to %d records)",
			rulebook.EstimatedCostLimit, rulebook.MaxRecords)
		return nil
	}
	prog, err := e.Program(checked, cel.EvalOptions(cel.OptOptimize), cel.CostLimit(rulebook.RuntimeCostLimit))
	if err != nil {
		d.errorf(n, o, path, "%v", err)
		return nil
	}
	return &condition{src: src, file: d.Name, line: n.Line, col: n.Column, prog: prog}
}

// checkFields refuses selections of fields that records and the
// organization do not have (a dynamic map would only fail at evaluation).
func (d *decoder) checkFields(n *yaml.Node, o owner, path string, a *ast.AST) bool {
	recordVars := map[string]bool{}
	ast.PostOrderVisit(a.Expr(), ast.NewExprVisitor(func(x ast.Expr) {
		if x.Kind() == ast.ComprehensionKind {
			c := x.AsComprehension()
			if r := c.IterRange(); r.Kind() == ast.IdentKind && r.AsIdent() == "records" {
				recordVars[c.IterVar()] = true
			}
		}
	}))
	ok := true
	info := a.SourceInfo()
	ast.PostOrderVisit(a.Expr(), ast.NewExprVisitor(func(x ast.Expr) {
		if x.Kind() != ast.SelectKind {
			return
		}
		s := x.AsSelect()
		op := s.Operand()
		if op.Kind() != ast.IdentKind {
			return
		}
		var of string
		var known []string
		switch {
		case op.AsIdent() == "org":
			of, known = "org", celenv.OrgFields
		case recordVars[op.AsIdent()]:
			of, known = "a record", celenv.RecordFields
		default:
			return
		}
		if slices.Contains(known, s.FieldName()) {
			return
		}
		line, col := n.Line, n.Column
		if loc := info.GetStartLocation(x.ID()); loc.Line() > 0 {
			line, col = d.Position(n, loc.Line(), loc.Column())
		}
		d.errs.add(&Error{File: d.Name, Line: line, Col: col, What: o.what, ID: o.id, Field: path,
			Message: fmt.Sprintf("%s has no field %q (it has %s)", of, s.FieldName(), strings.Join(known, ", "))})
		ok = false
	}))
	return ok
}

// estimator gives the cost checker the sizes of the variables: up to
// rulebook.MaxRecords records of fields as credo validates them.
type estimator struct{}

func (estimator) EstimateSize(n cost.AstNode) *cost.SizeEstimate {
	p := n.Path()
	if len(p) == 0 {
		return nil
	}
	est := cost.RangedSizeEstimate(0, celenv.MaxTextLen)
	switch p[0] {
	case "records":
		if len(p) == 1 {
			est.Max = rulebook.MaxRecords
		} else if len(p) == 2 {
			est.Max = uint64(len(celenv.RecordFields))
		}
	case "org":
		if len(p) == 1 {
			est.Max = uint64(len(celenv.OrgFields))
		}
	case "grades", "scores", "lists":
		if len(p) == 1 {
			est.Max = maxKeys
		} else {
			est.Max = 40
		}
	default:
		return nil
	}
	return &est
}

func (estimator) EstimateCallCost(string, string, *cost.AstNode, []cost.AstNode) *cost.CallEstimate {
	return nil
}

// eval evaluates the condition over vars.
func (c *condition) eval(vars any) (bool, error) {
	out, _, err := c.prog.Eval(vars)
	if err != nil {
		return false, c.errorf("%v", err)
	}
	b, ok := out.(types.Bool)
	if !ok {
		return false, c.errorf("the value is %s, not a bool", out.Type().TypeName())
	}
	return bool(b), nil
}

func (c *condition) errorf(format string, args ...any) error {
	src := []rune(c.src)
	if len(src) > 80 {
		src = append(src[:80], '…')
	}
	return fmt.Errorf("%s:%d:%d: evaluating `%s`: %s", c.file, c.line, c.col, string(src), fmt.Sprintf(format, args...))
}

// lazyVars are f's CEL variables, each built when an expression first
// reads it: a rule that decides on grades alone (the A-taxpayer list for
// an organization not graded A) never converts the records.
type lazyVars struct {
	f    *Facts
	vals map[string]any
}

// ResolveName implements interpreter.Activation.
func (l *lazyVars) ResolveName(name string) (any, bool) {
	if v, ok := l.vals[name]; ok {
		return v, true
	}
	var v any
	switch name {
	case "records":
		records := make([]any, 0, len(l.f.Records))
		for _, r := range l.f.Records {
			if r != nil {
				records = append(records, recordMap(r))
			}
		}
		v = records
	case "org", "grades", "scores", "lists", "as_of":
		if l.vals == nil {
			l.vals = map[string]any{}
		}
		all := l.f.varsWith(false)
		for k, x := range all {
			if k != "records" {
				l.vals[k] = x
			}
		}
		return all[name], true
	default:
		return nil, false
	}
	if l.vals == nil {
		l.vals = map[string]any{}
	}
	l.vals[name] = v
	return v, true
}

// Parent implements interpreter.Activation.
func (l *lazyVars) Parent() interpreter.Activation { return nil }

// vars returns the CEL variables of f.
func (f *Facts) vars() map[string]any {
	return f.varsWith(true)
}

func (f *Facts) varsWith(withRecords bool) map[string]any {
	records := make([]any, 0, len(f.Records))
	for _, r := range f.Records {
		if r != nil && withRecords {
			records = append(records, recordMap(r))
		}
	}
	grades := map[string]string{}
	scores := map[string]float64{}
	if a := f.Assessment; a != nil {
		for id, dim := range a.Dimensions {
			if dim != nil {
				grades[id], scores[id] = dim.Grade, dim.Score
			}
		}
		if a.Grade != "" {
			grades["comprehensive"], scores["comprehensive"] = a.Grade, a.Score
		}
	}
	lists := f.Lists
	if lists == nil {
		lists = []string{}
	}
	return map[string]any{
		"org":     orgMap(f.Code, f.Org),
		"records": records,
		"grades":  grades,
		"scores":  scores,
		"lists":   lists,
		"as_of":   types.Timestamp{Time: f.AsOf.UTC()},
	}
}

// recordMap is a record as CEL sees it: strings absent when empty, amount,
// tax_due and valid_until absent when not given.
func recordMap(r *credo.Record) map[string]any {
	m := map[string]any{
		"id":            r.ID,
		"penalty_types": slices.Clip(append([]string{}, r.PenaltyTypes...)),
		"occurred_at":   types.Timestamp{Time: r.OccurredAt.UTC()},
	}
	for k, v := range map[string]string{"category": r.Category, "kind": r.Kind, "authority": r.Authority,
		"external_id": r.ExternalID, "decision_number": r.DecisionNumber, "legal_basis": r.LegalBasis,
		"description": r.Description, "severity": r.Severity} {
		if v != "" {
			m[k] = v
		}
	}
	if r.Amount != nil {
		m["amount"] = *r.Amount
	}
	if r.TaxDue != nil {
		m["tax_due"] = *r.TaxDue
	}
	if !r.ValidUntil.IsZero() {
		m["valid_until"] = types.Timestamp{Time: r.ValidUntil.UTC()}
	}
	return m
}

// orgMap is the organization as CEL sees it, as in assessments: strings
// always present (empty when unknown), established absent when unknown,
// division from the code when unregistered.
func orgMap(code string, s *credo.Subject) map[string]any {
	var sub credo.Subject
	if s != nil {
		sub = *s
		if code == "" {
			code = s.Code
		}
	}
	division := sub.Division
	if division == "" && len(code) == 18 {
		division = code[2:8]
	}
	m := map[string]any{
		"code":        code,
		"name":        sub.Name,
		"division":    division,
		"entity_type": sub.EntityType,
		"status":      string(sub.Status),
		"industry":    sub.Industry,
		"registered":  s != nil,
	}
	if !sub.Established.IsZero() {
		m["established"] = types.Timestamp{Time: sub.Established.UTC()}
	}
	return m
}
