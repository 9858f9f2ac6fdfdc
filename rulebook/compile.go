package rulebook

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/ast"
	"cel.dev/cel-go/common/types"
	"go.yaml.in/yaml/v3"
)

// expr compiles the CEL expression in scalar n.
func (d *decoder) expr(n *yaml.Node, sc scope, w want, rule, what string) *Expr {
	src := d.str(n, rule, what)
	if src == "" {
		if n != nil && n.Kind == yaml.ScalarNode {
			d.errorf(n, rule, "%s: the expression is empty", what)
		}
		return nil
	}
	envs, err := environments()
	if err != nil {
		d.errorf(n, rule, "%s: CEL environment: %v", what, err)
		return nil
	}
	env := envs[sc]
	checked, iss := env.Compile(src)
	if iss != nil && iss.Err() != nil {
		for _, e := range iss.Errors() {
			line, col := n.Line, n.Column
			if e.Location != nil && e.Location.Line() > 0 {
				line, col = d.Position(n, e.Location.Line(), e.Location.Column())
			}
			d.errs.add(&Error{File: d.Name, Line: line, Col: col, Rule: rule, Message: what + ": " + e.Message})
		}
		return nil
	}
	out := checked.OutputType()
	switch {
	case out.Kind() == types.DynKind:
		// Checked when evaluated: fields of records and org are dynamic.
	case w == wantBool && out.Kind() != types.BoolKind:
		d.errorf(n, rule, "%s must be a bool expression, but `%s` is of type %s", what, src, cel.FormatCELType(out))
		return nil
	case w == wantNumber && out.Kind() != types.DoubleKind && out.Kind() != types.IntKind && out.Kind() != types.UintKind:
		d.errorf(n, rule, "%s must be a number (double or int) expression, but `%s` is of type %s", what, src, cel.FormatCELType(out))
		return nil
	}
	e := &Expr{Source: src, File: d.Name, Line: n.Line, Col: n.Column, Rule: rule}
	if !d.analyze(e, n, checked.NativeRep(), rule, what) {
		return nil
	}
	folded, iss := folder.Optimize(env, checked)
	if iss != nil && iss.Err() != nil {
		folded = checked
	}
	est, err := env.EstimateCost(folded, estimator{})
	if err != nil {
		d.errorf(n, rule, "%s: estimating cost: %v", what, err)
		return nil
	}
	if est.Max > EstimatedCostLimit {
		d.errorf(n, rule, "%s: the expression would run too long: its estimated cost is up to %s, over the limit of %d (for up to %d records)",
			what, costString(est.Max), EstimatedCostLimit, MaxRecords)
		return nil
	}
	if lit := folded.NativeRep().Expr(); lit.Kind() == ast.LiteralKind {
		e.konst = lit.AsLiteral()
		return e
	}
	e.native = native(checked.NativeRep().Expr(), sc)
	e.prog, err = env.Program(folded, cel.EvalOptions(cel.OptOptimize))
	if err == nil && hasComprehension(folded.NativeRep().Expr()) {
		e.limited, err = env.Program(folded, cel.EvalOptions(cel.OptOptimize), cel.CostLimit(RuntimeCostLimit))
	}
	if err != nil {
		d.errorf(n, rule, "%s: %v", what, err)
		return nil
	}
	return e
}

func costString(c uint64) string {
	if c == math.MaxUint64 {
		return "unbounded"
	}
	return fmt.Sprint(c)
}

func hasComprehension(e ast.Expr) bool {
	found := false
	ast.PostOrderVisit(e, ast.NewExprVisitor(func(e ast.Expr) {
		if e.Kind() == ast.ComprehensionKind {
			found = true
		}
	}))
	return found
}

// analyze records what an expression reads and the time constants it
// holds, and refuses selections of fields that records, the organization
// and dimensions do not have.
func (d *decoder) analyze(e *Expr, n *yaml.Node, a *ast.AST, rule, what string) bool {
	root := a.Expr()
	// Comprehension variables that range over the records.
	recordVars := map[string]bool{"record": true}
	ast.PostOrderVisit(root, ast.NewExprVisitor(func(x ast.Expr) {
		if x.Kind() != ast.ComprehensionKind {
			return
		}
		c := x.AsComprehension()
		if r := c.IterRange(); r.Kind() == ast.IdentKind && r.AsIdent() == "records" {
			recordVars[c.IterVar()] = true
		}
	}))
	ok := true
	info := a.SourceInfo()
	badField := func(x ast.Expr, of, field string, known []string) {
		loc := info.GetStartLocation(x.ID())
		line, col := n.Line, n.Column
		if loc.Line() > 0 {
			// Point at the field's name, after where CEL puts the select.
			l, c := loc.Line(), loc.Column()
			lines := strings.Split(e.Source, "\n")
			if l <= len(lines) {
				text := []rune(lines[l-1])
				if c <= len(text) {
					if i := strings.Index(string(text[c:]), field); i >= 0 {
						c += utf8.RuneCountInString(string(text[c:])[:i])
					}
				}
			}
			line, col = d.Position(n, l, c)
		}
		d.errs.add(&Error{File: d.Name, Line: line, Col: col, Rule: rule,
			Message: fmt.Sprintf("%s: %s has no field %q (it has %s)", what, of, field, strings.Join(known, ", "))})
		ok = false
	}
	var offsets []time.Duration
	isDims := func(x ast.Expr) bool { return x.Kind() == ast.IdentKind && x.AsIdent() == "dims" }
	dimsUses, dimsGradeUses := 0, 0
	ast.PostOrderVisit(root, ast.NewExprVisitor(func(x ast.Expr) {
		switch x.Kind() {
		case ast.ComprehensionKind:
			if isDims(x.AsComprehension().IterRange()) {
				dimsGradeUses++
			}
		case ast.SelectKind:
			if s := x.AsSelect(); s.FieldName() == "grade" && s.Operand().Kind() == ast.CallKind &&
				s.Operand().AsCall().FunctionName() == "_[_]" && isDims(s.Operand().AsCall().Args()[0]) {
				dimsGradeUses++
			}
		case ast.CallKind:
			if c := x.AsCall(); c.FunctionName() == "size" &&
				(c.IsMemberFunction() && isDims(c.Target()) || len(c.Args()) == 1 && isDims(c.Args()[0])) {
				dimsGradeUses++
			}
			// `"id" in dims` reads which dimensions are graded only.
			if c := x.AsCall(); c.FunctionName() == "@in" && len(c.Args()) == 2 && isDims(c.Args()[1]) {
				dimsGradeUses++
			}
		}
	}))
	ast.PostOrderVisit(root, ast.NewExprVisitor(func(x ast.Expr) {
		switch x.Kind() {
		case ast.IdentKind:
			switch x.AsIdent() {
			case "dims":
				dimsUses++
			case "records":
				e.uses.records = true
			case "as_of":
				e.uses.asOf = true
			case "org":
				e.uses.org = true
			case "previous":
				e.uses.previous = true
			}
		case ast.SelectKind:
			s := x.AsSelect()
			op := s.Operand()
			switch {
			case op.Kind() == ast.IdentKind && recordVars[op.AsIdent()]:
				if !slices.Contains(recordFields, s.FieldName()) {
					badField(x, "a record", s.FieldName(), recordFields)
				}
			case op.Kind() == ast.IdentKind && op.AsIdent() == "org":
				if !slices.Contains(orgFields, s.FieldName()) {
					badField(x, "org", s.FieldName(), orgFields)
				}
			case op.Kind() == ast.IdentKind && op.AsIdent() == "previous":
				if !slices.Contains(previousFields, s.FieldName()) {
					badField(x, "previous", s.FieldName(), previousFields)
				}
			case op.Kind() == ast.CallKind && op.AsCall().FunctionName() == "_[_]" &&
				op.AsCall().Args()[0].Kind() == ast.IdentKind && op.AsCall().Args()[0].AsIdent() == "dims":
				if !slices.Contains(dimFields, s.FieldName()) {
					badField(x, "a dimension", s.FieldName(), dimFields)
				}
			}
		case ast.CallKind:
			c := x.AsCall()
			if len(c.Args()) != 1 || c.Args()[0].Kind() != ast.LiteralKind {
				return
			}
			lit := c.Args()[0].AsLiteral()
			if unit, ok := durationFn[c.FunctionName()]; ok {
				switch v := lit.(type) {
				case types.Int:
					offsets = append(offsets, time.Duration(float64(v)*float64(unit)))
				case types.Double:
					offsets = append(offsets, time.Duration(float64(v)*float64(unit)))
				}
				return
			}
			s, isStr := lit.(types.String)
			switch {
			case !isStr:
			case c.FunctionName() == "duration":
				if dur, err := time.ParseDuration(string(s)); err == nil {
					offsets = append(offsets, dur)
				}
			case c.FunctionName() == "timestamp":
				if t, err := time.Parse(time.RFC3339Nano, string(s)); err == nil {
					e.instant = append(e.instant, t)
				}
			}
		}
	}))
	e.uses.dimScores = dimsUses != dimsGradeUses
	if e.uses.asOf {
		for _, o := range offsets {
			if o < 0 {
				o = -o
			}
			e.offsets = append(e.offsets, o)
		}
	}
	return ok
}
