package rulebook

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/ast"
	"cel.dev/cel-go/common/cost"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/common/types/traits"
	"cel.dev/cel-go/interpreter"
	"go.yaml.in/yaml/v3"

	"github.com/credo-registry/credo"
)

// Cost limits. An expression is refused at load when the checker's
// estimate of its worst case, for an organization with up to MaxRecords
// records in a dimension and texts up to 4000 characters, exceeds
// EstimatedCostLimit: that admits work linear in the records (about 100
// operations a record) and refuses a comprehension nested in another over
// the records. Evaluation of an expression that iterates is stopped at
// RuntimeCostLimit, so that no organization, however many records it has,
// can hold up a regrade.
const (
	MaxRecords         = 10_000
	EstimatedCostLimit = 1_000_000
	RuntimeCostLimit   = 10_000_000
	maxTextLen         = 4000
	maxDims            = 100
	maxExprLen         = 20_000
)

// Fields that expressions may select, as documented for the environment.
var (
	recordFields = []string{"id", "category", "kind", "authority", "external_id", "decision_number",
		"legal_basis", "description", "severity", "penalty_types", "amount", "tax_due", "occurred_at", "valid_until"}
	orgFields = []string{"code", "name", "division", "entity_type", "status", "industry", "established", "registered"}
	dimFields = []string{"score", "grade"}
)

// scope says which variables an expression sees.
type scope int

const (
	recordScope        scope = iota // rules and direct: record, records, org, as_of
	dimensionScope                  // applies, start, caps, special: records, org, as_of
	comprehensiveScope              // comprehensive score and caps: dims, org, as_of
)

// want is the output type an expression must have.
type want int

const (
	wantBool want = iota
	wantNumber
)

var (
	mapType    = cel.MapType(cel.StringType, cel.DynType)
	envOnce    sync.Once
	envs       [3]*cel.Env
	envErr     error
	folder     *cel.StaticOptimizer
	durationFn = map[string]time.Duration{"years": Year, "months": Month, "days": Day}
)

func environments() ([3]*cel.Env, error) {
	envOnce.Do(func() {
		common := []cel.EnvOption{
			cel.Variable("org", mapType),
			cel.Variable("as_of", cel.TimestampType),
			cel.ParserExpressionSizeLimit(maxExprLen),
			cel.CrossTypeNumericComparisons(true),
			cel.DefaultUTCTimeZone(true),
		}
		for name, unit := range durationFn {
			common = append(common, cel.Function(name,
				cel.Overload(name+"_int", []*cel.Type{cel.IntType}, cel.DurationType,
					cel.UnaryBinding(func(v ref.Val) ref.Val { return scaleDuration(float64(v.(types.Int)), unit) })),
				cel.Overload(name+"_double", []*cel.Type{cel.DoubleType}, cel.DurationType,
					cel.UnaryBinding(func(v ref.Val) ref.Val { return scaleDuration(float64(v.(types.Double)), unit) })),
			))
		}
		common = append(common, cel.Function("sum",
			cel.MemberOverload("list_sum_double", []*cel.Type{cel.ListType(cel.DynType)}, cel.DoubleType,
				cel.UnaryBinding(sumList))))
		scopes := [3][]cel.EnvOption{
			{cel.Variable("record", mapType), cel.Variable("records", cel.ListType(mapType))},
			{cel.Variable("records", cel.ListType(mapType))},
			{cel.Variable("dims", cel.MapType(cel.StringType, mapType))},
		}
		for i, opts := range scopes {
			envs[i], envErr = cel.NewEnv(append(append([]cel.EnvOption{}, common...), opts...)...)
			if envErr != nil {
				return
			}
		}
		fold, err := cel.NewConstantFoldingOptimizer()
		if err != nil {
			envErr = err
			return
		}
		folder, envErr = cel.NewStaticOptimizer(fold)
	})
	return envs, envErr
}

func scaleDuration(n float64, unit time.Duration) ref.Val {
	d := n * float64(unit)
	if math.IsNaN(d) || d >= math.MaxInt64 || d <= math.MinInt64 {
		return types.NewErr("duration out of range")
	}
	return types.Duration{Duration: time.Duration(d)}
}

// sumList adds up a list of numbers as a double.
func sumList(v ref.Val) ref.Val {
	l, ok := v.(traits.Lister)
	if !ok {
		return types.NoSuchOverloadErr()
	}
	var sum float64
	it := l.Iterator()
	for it.HasNext() == types.True {
		switch n := it.Next().(type) {
		case types.Double:
			sum += float64(n)
		case types.Int:
			sum += float64(n)
		case types.Uint:
			sum += float64(n)
		default:
			return types.NewErr("sum: %v is not a number", n)
		}
	}
	return types.Double(sum)
}

// estimator gives the checker the sizes of the variables.
type estimator struct{}

func (estimator) EstimateSize(n cost.AstNode) *cost.SizeEstimate {
	p := n.Path()
	if len(p) == 0 {
		return nil
	}
	est := cost.RangedSizeEstimate(0, 1)
	if e := n.Expr(); e != nil && e.Kind() == ast.SelectKind && e.AsSelect().FieldName() == "penalty_types" {
		est.Max = uint64(len(credo.PenaltyTypes))
		return &est
	}
	switch p[0] {
	case "records":
		if len(p) == 1 {
			est.Max = MaxRecords
			break
		}
		p = p[1:] // each item is a record
		fallthrough
	case "record", "org":
		est.Max = sizeOf(p[1:], 20, maxTextLen, 40)
	case "dims":
		switch {
		case len(p) == 1:
			est.Max = maxDims
		case p[1] == "@keys":
			est.Max = 40
		default:
			est.Max = sizeOf(p[2:], 2, 40, 1)
		}
	default:
		return nil
	}
	return &est
}

// sizeOf bounds the size of a map of fields (path[0] absent), of its keys
// and values (path[0] "@keys", "@values"), and of the items of a value that
// is a list.
func sizeOf(path []string, fields, value, item uint64) uint64 {
	switch {
	case len(path) == 0:
		return fields
	case path[0] == "@keys":
		return 20
	case len(path) == 1:
		return value
	case len(path) == 2:
		return item
	}
	return 1
}

func (estimator) EstimateCallCost(function, overloadID string, target *cost.AstNode, args []cost.AstNode) *cost.CallEstimate {
	if function == "sum" && target != nil {
		sz := cost.EstimateSize(estimator{}, *target)
		return &cost.CallEstimate{CostEstimate: cost.CostEstimate{Min: sz.Min, Max: sz.Max}}
	}
	return nil
}

// Expr is one compiled CEL expression of a rulebook, with where it was
// written. It is compiled once, at load, and evaluated many times.
type Expr struct {
	Source string
	File   string
	Line   int
	Col    int
	Rule   string

	prog    cel.Program
	limited cel.Program // prog with the runtime cost limit, when it iterates
	native  *nativeExpr // the native evaluator, when the expression is in its subset
	konst   ref.Val     // the value when the expression is a constant
	want    want
	uses    uses
	offsets []time.Duration // durations written in an expression that reads as_of
	instant []time.Time     // timestamps written in the expression
}

// uses records which variables an expression reads.
type uses struct {
	records, asOf, org bool
	// dimScores: the expression may read dimensions' scores (false when
	// it provably reads only their grades and how many there are).
	dimScores bool
}

// UsesOrg reports whether the expression reads org.
func (e *Expr) UsesOrg() bool { return e != nil && e.uses.org }

// ReadsDimScores reports whether a comprehensive expression may read the
// dimensions' scores; false when it reads only their ids, grades and
// number, so that its value is a function of the grades.
func (e *Expr) ReadsDimScores() bool { return e != nil && e.uses.dimScores }

// UsesRecords reports whether the expression reads the records list.
func (e *Expr) UsesRecords() bool { return e != nil && e.uses.records }

// UsesAsOf reports whether the expression reads as_of, so that its value
// may change by time alone.
func (e *Expr) UsesAsOf() bool { return e != nil && e.uses.asOf }

// Constant returns the expression's value when it is a constant.
func (e *Expr) Constant() (ref.Val, bool) { return e.konst, e.konst != nil }

// constExpr is a number written as a YAML number rather than CEL.
func constExpr(v float64, file string, line, col int, rule string) *Expr {
	return &Expr{Source: fmt.Sprint(v), File: file, Line: line, Col: col, Rule: rule, konst: types.Double(v), want: wantNumber}
}

// RecordCounter is implemented by activations that know how many records
// an evaluation may iterate over.
type RecordCounter interface {
	RecordCount() int
}

// Framer is implemented by activations that keep an execution frame over
// themselves (interpreter.NewExecutionFrame) for the evaluations of one
// assessment, which saves setting one up for each evaluation.
type Framer interface {
	Frame() *interpreter.ExecutionFrame
}

// Eval evaluates the expression with vars: an interpreter.Activation
// (or a map[string]any) that may also implement Inputter (for the native
// evaluator), RecordCounter and Framer.
func (e *Expr) Eval(vars any) (ref.Val, error) {
	if e.konst != nil {
		return e.konst, nil
	}
	if in := e.input(vars); in != nil {
		if out := e.native.eval(in); out != nil {
			return out, nil
		}
	}
	return e.EvalCEL(vars)
}

// Native reports whether the expression has a native evaluator.
func (e *Expr) Native() bool { return e != nil && e.native != nil }

// input returns the native evaluator's input when it can be used.
func (e *Expr) input(vars any) *Input {
	if e.native == nil {
		return nil
	}
	if c, ok := vars.(RecordCounter); e.limited != nil && (!ok || c.RecordCount() > MaxRecords) {
		return nil // beyond the estimate: cel-go with its cost limit
	}
	ip, ok := vars.(Inputter)
	if !ok {
		return nil
	}
	in := ip.Input()
	if in == nil || !in.valid {
		return nil
	}
	in.prepare(e.native.slots)
	return in
}

// EvalCEL evaluates the expression with cel-go alone (the reference the
// native evaluator is checked against).
//
// The checker's estimate bounds the cost of an evaluation over up to
// MaxRecords records, and each text of a record is at most 4000
// characters (as records are validated), so the runtime cost limit is
// applied only when vars says there are more records, or does not say.
func (e *Expr) EvalCEL(vars any) (ref.Val, error) {
	if e.konst != nil {
		return e.konst, nil
	}
	prog, input := e.prog, vars
	if e.limited != nil {
		if c, ok := vars.(RecordCounter); !ok || c.RecordCount() > MaxRecords {
			prog = e.limited
		}
	}
	if f, ok := vars.(Framer); ok && prog == e.prog {
		// The limited program tracks its cost in its own frame.
		input = f.Frame()
	}
	out, _, err := prog.Eval(input)
	if err != nil {
		return nil, e.evalError(err)
	}
	return out, nil
}

// Bool evaluates a bool expression.
func (e *Expr) Bool(vars any) (bool, error) {
	if in := e.input(vars); in != nil && e.native.n.k == kBool {
		if v, ok := e.native.n.b(in); ok {
			return v, nil
		}
	}
	v, err := e.EvalCEL(vars)
	if err != nil {
		return false, err
	}
	b, ok := v.(types.Bool)
	if !ok {
		return false, e.evalError(fmt.Errorf("the value is %s, not a bool", v.Type().TypeName()))
	}
	return bool(b), nil
}

// Number evaluates a number expression as a double.
func (e *Expr) Number(vars any) (float64, error) {
	if in := e.input(vars); in != nil {
		switch n := e.native.n; n.k {
		case kDouble:
			if v, ok := n.f(in); ok && !math.IsNaN(v) && !math.IsInf(v, 0) {
				return v, nil
			}
		case kInt:
			if v, ok := n.i(in); ok {
				return float64(v), nil
			}
		}
	}
	v, err := e.EvalCEL(vars)
	if err != nil {
		return 0, err
	}
	switch n := v.(type) {
	case types.Double:
		if math.IsNaN(float64(n)) || math.IsInf(float64(n), 0) {
			return 0, e.evalError(fmt.Errorf("the value %v is not a finite number", float64(n)))
		}
		return float64(n), nil
	case types.Int:
		return float64(n), nil
	case types.Uint:
		return float64(n), nil
	}
	return 0, e.evalError(fmt.Errorf("the value is %s, not a number", v.Type().TypeName()))
}

func (e *Expr) evalError(err error) error {
	return &Error{File: e.File, Line: e.Line, Col: e.Col, Rule: e.Rule, Message: "evaluating " + quoteExpr(e.Source) + ": " + err.Error()}
}

func quoteExpr(s string) string {
	const max = 80
	r := []rune(s)
	if len(r) > max {
		s = string(r[:max]) + "…"
	}
	return "`" + s + "`"
}

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
				line, col = d.position(n, e.Location.Line(), e.Location.Column())
			}
			d.errs.add(&Error{File: d.file, Line: line, Col: col, Rule: rule, Message: what + ": " + e.Message})
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
	e := &Expr{Source: src, File: d.file, Line: n.Line, Col: n.Column, Rule: rule, want: w}
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
			line, col = d.position(n, l, c)
		}
		d.errs.add(&Error{File: d.file, Line: line, Col: col, Rule: rule,
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
