package rulebook

import (
	"math"
	"strings"
	"time"
	"unicode/utf8"

	"cel.dev/cel-go/common/ast"
	"cel.dev/cel-go/common/operators"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"

	"github.com/credo-registry/credo"
)

// The native evaluator.
//
// cel-go interprets a checked expression at some tens of nanoseconds a
// node. Most rulebook expressions are small predicates over a record's
// fields, the organization and as_of, which Go evaluates in nanoseconds.
// So each expression is also compiled, when every node of it is in the
// subset below, to typed Go closures that read the credo values directly
// (Input). cel-go stays the reference: it parses, type-checks and
// estimates every expression, evaluates those outside the subset, and
// evaluates an expression again whenever a closure meets anything but a
// plain value (a missing field, an overflow, NaN), so that errors and
// their messages are cel-go's own. On values the closures follow cel-go's
// semantics (heterogeneous numeric comparison, NaN, the timestamp range);
// TestNativeAgrees in package assess checks that they agree on generated
// records.
//
// The subset, where every node's type is known when compiling (record and
// org fields have fixed types): literals (bool, int, double, string);
// as_of, record, org, records and the variables of exists() and all();
// fields of records and of org, and has() of them; ! && || and ?: with
// branches of one type; == != < <= > >= between values of one type or int
// and double; + - * / % on ints and on doubles, + on strings, timestamp ±
// duration, timestamp - timestamp, duration ± duration; -x; x in [list of
// literals] and x in penalty_types; size(); startsWith, endsWith,
// contains; timestamp(t); duration("..."); years, months, days; and
// exists() and all() over records and over penalty_types.

// Input is what expressions read, as Go values, for the native evaluator.
type Input struct {
	Record   *credo.Record   // the record judged (rules and direct grades)
	Records  []*credo.Record // the dimension's records in force
	Code     string          // the organization's code
	Division string          // its division, as assessed
	Org      *credo.Subject  // its registration; nil when unregistered
	AsOf     time.Time
	// Previous is an annual dimension's evaluation of the year before
	// (`previous`; nil: none); Score the dimension's score, for caps and
	// specials (`score`; ScoreOK false before it is known).
	Previous *Previous
	Score    float64
	ScoreOK  bool

	// Comprehension variables, by slot: the index of the item, and the
	// record whose penalty types are iterated (nil: the records). Only
	// the index changes from item to item, and it holds no pointer, so
	// iterating costs no write barrier.
	slotIdx []int
	slotSrc []*credo.Record
	asOf    int64 // AsOf in Unix nanoseconds
	asOfOK  bool
	ready   bool
	valid   bool // set by Reset
}

// Previous is the evaluation of the year before, as expressions see it.
type Previous struct {
	Year   int64
	Score  float64
	Grade  string
	Direct bool
}

// Inputter is implemented by activations that also give the Input of the
// native evaluator.
type Inputter interface {
	Input() *Input
}

// Reset prepares in for an organization, keeping its scratch space.
func (in *Input) Reset(code, division string, org *credo.Subject, asOf time.Time) {
	*in = Input{Code: code, Division: division, Org: org, AsOf: asOf, slotIdx: in.slotIdx, slotSrc: in.slotSrc, valid: true}
}

func (in *Input) prepare(slots int) {
	if len(in.slotIdx) < slots {
		in.slotIdx = make([]int, slots)
		in.slotSrc = make([]*credo.Record, slots)
	}
	if !in.ready {
		in.asOf, in.asOfOK = nanos(in.AsOf)
		in.ready = true
	}
}

type nkind uint8

const (
	kNone nkind = iota
	kBool
	kInt
	kDouble
	kString
	kTime // Unix nanoseconds (years 1678 to 2261; others are left to cel-go)
	kDur  // nanoseconds
	kRec
	kOrg
	kPrev // the previous evaluation (fields only)
	kRecList
	kStrList // a record's penalty types
)

// node is a compiled expression: its type, and the function of that type
// (each returns ok false when the value is not a plain one).
type node struct {
	k nkind
	b func(*Input) (bool, bool)
	i func(*Input) (int64, bool) // kInt, kTime, kDur
	f func(*Input) (float64, bool)
	s func(*Input) (string, bool)
	r func(*Input) (*credo.Record, bool) // kRec; kStrList: the record
}

var none = node{}

// nativeExpr is a compiled expression with the number of its slots.
type nativeExpr struct {
	n     node
	slots int
}

// eval evaluates and converts to a CEL value; nil when the value is not a
// plain one.
func (x *nativeExpr) eval(in *Input) ref.Val {
	switch n := x.n; n.k {
	case kBool:
		if v, ok := n.b(in); ok {
			return types.Bool(v)
		}
	case kInt:
		if v, ok := n.i(in); ok {
			return types.Int(v)
		}
	case kDouble:
		if v, ok := n.f(in); ok {
			return types.Double(v)
		}
	case kString:
		if v, ok := n.s(in); ok {
			return types.String(v)
		}
	case kTime:
		if v, ok := n.i(in); ok {
			return types.Timestamp{Time: time.Unix(0, v).UTC()}
		}
	case kDur:
		if v, ok := n.i(in); ok {
			return types.Duration{Duration: time.Duration(v)}
		}
	}
	return nil
}

// ncomp compiles one expression.
type ncomp struct {
	sc     scope
	vars   map[string]ncvar // comprehension variables in scope
	nslots int
}

type ncvar struct {
	slot int
	k    nkind // kRec or kString
}

// native compiles e, or returns nil when some node is outside the subset.
func native(e ast.Expr, sc scope) *nativeExpr {
	c := &ncomp{sc: sc, vars: map[string]ncvar{}}
	n := c.compile(e)
	switch n.k {
	case kBool, kInt, kDouble, kString, kTime, kDur:
		return &nativeExpr{n: n, slots: c.nslots}
	}
	return nil
}

func (c *ncomp) compile(e ast.Expr) node {
	switch e.Kind() {
	case ast.LiteralKind:
		return literal(e)
	case ast.IdentKind:
		return c.ident(e.AsIdent())
	case ast.SelectKind:
		return c.selectField(e.AsSelect())
	case ast.CallKind:
		return c.call(e.AsCall())
	case ast.ComprehensionKind:
		return c.comprehension(e.AsComprehension())
	}
	return none
}

func constBool(v bool) node {
	return node{k: kBool, b: func(*Input) (bool, bool) { return v, true }}
}

func constInt(k nkind, v int64) node {
	return node{k: k, i: func(*Input) (int64, bool) { return v, true }}
}

func literal(e ast.Expr) node {
	switch v := e.AsLiteral().(type) {
	case types.Bool:
		return constBool(bool(v))
	case types.Int:
		return constInt(kInt, int64(v))
	case types.Double:
		f := float64(v)
		return node{k: kDouble, f: func(*Input) (float64, bool) { return f, true }}
	case types.String:
		s := string(v)
		return node{k: kString, s: func(*Input) (string, bool) { return s, true }}
	}
	return none
}

func (c *ncomp) ident(name string) node {
	if v, ok := c.vars[name]; ok {
		slot := v.slot
		if v.k == kString {
			return node{k: kString, s: func(in *Input) (string, bool) {
				return in.slotSrc[slot].PenaltyTypes[in.slotIdx[slot]], true
			}}
		}
		return node{k: kRec, r: func(in *Input) (*credo.Record, bool) { return in.Records[in.slotIdx[slot]], true }}
	}
	switch {
	case name == "as_of":
		return node{k: kTime, i: func(in *Input) (int64, bool) { return in.asOf, in.asOfOK }}
	case name == "org":
		return node{k: kOrg}
	case name == "previous" && c.sc != comprehensiveScope:
		return node{k: kPrev}
	case name == "score" && c.sc == gradeScope:
		return node{k: kDouble, f: func(in *Input) (float64, bool) { return in.Score, in.ScoreOK }}
	case name == "records" && c.sc != comprehensiveScope:
		return node{k: kRecList}
	case name == "record" && c.sc == recordScope:
		return node{k: kRec, r: func(in *Input) (*credo.Record, bool) { return in.Record, in.Record != nil }}
	}
	return none
}

// nanos converts t to Unix nanoseconds when they fit in an int64.
func nanos(t time.Time) (int64, bool) {
	const minSec, maxSec = math.MinInt64/int64(time.Second) + 1, math.MaxInt64/int64(time.Second) - 1
	if s := t.Unix(); s < minSec || s > maxSec {
		return 0, false
	}
	return t.UnixNano(), true
}

func (c *ncomp) selectField(s ast.SelectExpr) node {
	op := c.compile(s.Operand())
	var f node
	switch op.k {
	case kRec:
		f = recordField(op.r, s.FieldName())
	case kOrg:
		f = orgField(s.FieldName())
	case kPrev:
		f = previousField(s.FieldName())
	}
	if f.k == kNone || !s.IsTestOnly() {
		return f
	}
	if op.k == kPrev {
		return node{k: kBool, b: func(in *Input) (bool, bool) { return in.Previous != nil, true }}
	}
	// has(): whether the field is present, whatever its value.
	if op.k == kOrg {
		if s.FieldName() != "established" {
			return constBool(true)
		}
		return node{k: kBool, b: func(in *Input) (bool, bool) {
			return in.Org != nil && !in.Org.Established.IsZero(), true
		}}
	}
	present := recordPresence(s.FieldName())
	rec := op.r
	return node{k: kBool, b: func(in *Input) (bool, bool) {
		r, ok := rec(in)
		if !ok {
			return false, false
		}
		return present(r), true
	}}
}

// recordPresence tells whether a record field is present: strings are
// absent when empty, amounts and valid_until when not given (as recordVal
// in package assess presents records to cel-go).
func recordPresence(name string) func(r *credo.Record) bool {
	switch name {
	case "category":
		return func(r *credo.Record) bool { return r.Category != "" }
	case "kind":
		return func(r *credo.Record) bool { return r.Kind != "" }
	case "authority":
		return func(r *credo.Record) bool { return r.Authority != "" }
	case "external_id":
		return func(r *credo.Record) bool { return r.ExternalID != "" }
	case "decision_number":
		return func(r *credo.Record) bool { return r.DecisionNumber != "" }
	case "legal_basis":
		return func(r *credo.Record) bool { return r.LegalBasis != "" }
	case "description":
		return func(r *credo.Record) bool { return r.Description != "" }
	case "severity":
		return func(r *credo.Record) bool { return r.Severity != "" }
	case "amount":
		return func(r *credo.Record) bool { return r.Amount != nil }
	case "tax_due":
		return func(r *credo.Record) bool { return r.TaxDue != nil }
	case "valid_until":
		return func(r *credo.Record) bool { return !r.ValidUntil.IsZero() }
	}
	return func(*credo.Record) bool { return true }
}

// recordField compiles a record field: strings are absent (not ok) when
// empty, amounts and valid_until when not given, as recordVal in package
// assess presents them to cel-go.
func recordField(rec func(*Input) (*credo.Record, bool), name string) node {
	str := func(get func(r *credo.Record) string) node {
		return node{k: kString, s: func(in *Input) (string, bool) {
			r, ok := rec(in)
			if !ok {
				return "", false
			}
			s := get(r)
			return s, s != ""
		}}
	}
	num := func(get func(r *credo.Record) *float64) node {
		return node{k: kDouble, f: func(in *Input) (float64, bool) {
			r, ok := rec(in)
			if !ok {
				return 0, false
			}
			if p := get(r); p != nil {
				return *p, true
			}
			return 0, false
		}}
	}
	switch name {
	case "id":
		return node{k: kInt, i: func(in *Input) (int64, bool) {
			r, ok := rec(in)
			if !ok {
				return 0, false
			}
			return r.ID, true
		}}
	case "category":
		return str(func(r *credo.Record) string { return r.Category })
	case "kind":
		return str(func(r *credo.Record) string { return r.Kind })
	case "authority":
		return str(func(r *credo.Record) string { return r.Authority })
	case "external_id":
		return str(func(r *credo.Record) string { return r.ExternalID })
	case "decision_number":
		return str(func(r *credo.Record) string { return r.DecisionNumber })
	case "legal_basis":
		return str(func(r *credo.Record) string { return r.LegalBasis })
	case "description":
		return str(func(r *credo.Record) string { return r.Description })
	case "severity":
		return str(func(r *credo.Record) string { return r.Severity })
	case "penalty_types":
		return node{k: kStrList, r: rec}
	case "amount":
		return num(func(r *credo.Record) *float64 { return r.Amount })
	case "tax_due":
		return num(func(r *credo.Record) *float64 { return r.TaxDue })
	case "occurred_at":
		return node{k: kTime, i: func(in *Input) (int64, bool) {
			r, ok := rec(in)
			if !ok {
				return 0, false
			}
			return nanos(r.OccurredAt.Time)
		}}
	case "valid_until":
		return node{k: kTime, i: func(in *Input) (int64, bool) {
			r, ok := rec(in)
			if !ok || r.ValidUntil.IsZero() {
				return 0, false
			}
			return nanos(r.ValidUntil.Time)
		}}
	}
	return none
}

// previousField compiles a field of previous: absent (not ok, left to
// cel-go, which reports it) when there was no evaluation.
func previousField(name string) node {
	switch name {
	case "year":
		return node{k: kInt, i: func(in *Input) (int64, bool) {
			if in.Previous == nil {
				return 0, false
			}
			return in.Previous.Year, true
		}}
	case "score":
		return node{k: kDouble, f: func(in *Input) (float64, bool) {
			if in.Previous == nil {
				return 0, false
			}
			return in.Previous.Score, true
		}}
	case "grade":
		return node{k: kString, s: func(in *Input) (string, bool) {
			if in.Previous == nil {
				return "", false
			}
			return in.Previous.Grade, true
		}}
	case "direct":
		return node{k: kBool, b: func(in *Input) (bool, bool) {
			if in.Previous == nil {
				return false, false
			}
			return in.Previous.Direct, true
		}}
	}
	return none
}

// orgField compiles an organization field: strings always present
// (empty for an unregistered organization), established absent when
// unknown.
func orgField(name string) node {
	str := func(get func(s *credo.Subject) string) node {
		return node{k: kString, s: func(in *Input) (string, bool) {
			if in.Org == nil {
				return "", true
			}
			return get(in.Org), true
		}}
	}
	switch name {
	case "code":
		return node{k: kString, s: func(in *Input) (string, bool) { return in.Code, true }}
	case "division":
		return node{k: kString, s: func(in *Input) (string, bool) { return in.Division, true }}
	case "name":
		return str(func(s *credo.Subject) string { return s.Name })
	case "entity_type":
		return str(func(s *credo.Subject) string { return s.EntityType })
	case "status":
		return str(func(s *credo.Subject) string { return string(s.Status) })
	case "industry":
		return str(func(s *credo.Subject) string { return s.Industry })
	case "established":
		return node{k: kTime, i: func(in *Input) (int64, bool) {
			if in.Org == nil || in.Org.Established.IsZero() {
				return 0, false
			}
			return nanos(in.Org.Established.Time)
		}}
	case "registered":
		return node{k: kBool, b: func(in *Input) (bool, bool) { return in.Org != nil, true }}
	}
	return none
}

func (c *ncomp) call(call ast.CallExpr) node {
	name := call.FunctionName()
	var args []ast.Expr
	if call.IsMemberFunction() {
		args = append(args, call.Target())
	}
	args = append(args, call.Args()...)
	switch {
	case name == operators.In && len(args) == 2:
		return c.in(args[0], args[1])
	case name == "duration" && len(args) == 1 && !call.IsMemberFunction() && args[0].Kind() == ast.LiteralKind:
		s, ok := args[0].AsLiteral().(types.String)
		if !ok {
			return none
		}
		d, ok := s.ConvertToType(types.DurationType).(types.Duration)
		if !ok {
			return none
		}
		return constInt(kDur, int64(d.Duration))
	case (name == "years" || name == "months" || name == "days") && len(args) == 1:
		return c.durationOf(args[0], durationFn[name])
	}
	a := make([]node, len(args))
	for i, x := range args {
		if a[i] = c.compile(x); a[i].k == kNone {
			return none
		}
	}
	switch {
	case (name == operators.LogicalAnd || name == operators.LogicalOr) && len(a) == 2:
		return logical(name == operators.LogicalAnd, a[0], a[1])
	case name == operators.LogicalNot && len(a) == 1 && a[0].k == kBool:
		x := a[0].b
		return node{k: kBool, b: func(in *Input) (bool, bool) { v, ok := x(in); return !v, ok }}
	case name == operators.Conditional && len(a) == 3:
		return conditional(a[0], a[1], a[2])
	case (name == operators.Equals || name == operators.NotEquals) && len(a) == 2:
		return equality(a[0], a[1], name == operators.NotEquals)
	case (name == operators.Less || name == operators.LessEquals || name == operators.Greater || name == operators.GreaterEquals) && len(a) == 2:
		return ordering(name, a[0], a[1])
	case (name == operators.Add || name == operators.Subtract || name == operators.Multiply ||
		name == operators.Divide || name == operators.Modulo) && len(a) == 2:
		return arithmetic(name, a[0], a[1])
	case name == operators.Negate && len(a) == 1:
		return negate(a[0])
	case name == "size" && len(a) == 1:
		return size(a[0])
	case (name == "startsWith" || name == "endsWith" || name == "contains") && call.IsMemberFunction() &&
		len(a) == 2 && a[0].k == kString && a[1].k == kString:
		x, y := a[0].s, a[1].s
		fn := strings.Contains
		switch name {
		case "startsWith":
			fn = strings.HasPrefix
		case "endsWith":
			fn = strings.HasSuffix
		}
		return node{k: kBool, b: func(in *Input) (bool, bool) {
			s, ok1 := x(in)
			sub, ok2 := y(in)
			return fn(s, sub), ok1 && ok2
		}}
	case name == "timestamp" && !call.IsMemberFunction() && len(a) == 1 && a[0].k == kTime:
		return a[0]
	case name == "getFullYear" && call.IsMemberFunction() && len(a) == 1 && a[0].k == kTime:
		x := a[0].i // the year in UTC, as cel-go's getFullYear() without a time zone
		return node{k: kInt, i: func(in *Input) (int64, bool) {
			n, ok := x(in)
			return int64(time.Unix(0, n).UTC().Year()), ok
		}}
	}
	return none
}

func logical(and bool, l, r node) node {
	if l.k != kBool || r.k != kBool {
		return none
	}
	x, y := l.b, r.b
	// CEL: a false (&&) or true (||) operand decides even when the other is
	// an error; otherwise both must be values.
	if and {
		return node{k: kBool, b: func(in *Input) (bool, bool) {
			a, aok := x(in)
			if aok && !a {
				return false, true
			}
			b, bok := y(in)
			if bok && !b {
				return false, true
			}
			return true, aok && bok
		}}
	}
	return node{k: kBool, b: func(in *Input) (bool, bool) {
		a, aok := x(in)
		if aok && a {
			return true, true
		}
		b, bok := y(in)
		if bok && b {
			return true, true
		}
		return false, aok && bok
	}}
}

func conditional(cond, t, f node) node {
	if cond.k != kBool || t.k != f.k {
		return none
	}
	c := cond.b
	out := node{k: t.k}
	switch t.k {
	case kBool:
		x, y := t.b, f.b
		out.b = func(in *Input) (bool, bool) {
			if v, ok := c(in); !ok {
				return false, false
			} else if v {
				return x(in)
			}
			return y(in)
		}
	case kInt, kTime, kDur:
		x, y := t.i, f.i
		out.i = func(in *Input) (int64, bool) {
			if v, ok := c(in); !ok {
				return 0, false
			} else if v {
				return x(in)
			}
			return y(in)
		}
	case kDouble:
		x, y := t.f, f.f
		out.f = func(in *Input) (float64, bool) {
			if v, ok := c(in); !ok {
				return 0, false
			} else if v {
				return x(in)
			}
			return y(in)
		}
	case kString:
		x, y := t.s, f.s
		out.s = func(in *Input) (string, bool) {
			if v, ok := c(in); !ok {
				return "", false
			} else if v {
				return x(in)
			}
			return y(in)
		}
	default:
		return none
	}
	return out
}

// compareDoubleInt is cel-go's comparison of a double with an int.
func compareDoubleInt(d float64, i int64) int {
	if d < math.MinInt64 {
		return -1
	}
	if d > math.MaxInt64 {
		return 1
	}
	return cmpOrdered(d, float64(i))
}

func cmpOrdered[T int64 | float64 | string](a, b T) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// comparator compiles a three-way comparison of l and r: cmp < 0, = 0, >
// 0, and ok false when either is not a value or they cannot be ordered
// (NaN). eq says whether it is for == and !=, which compare booleans and
// tolerate NaN (not equal).
func comparator(l, r node, eq bool) func(*Input) (c int, ok bool) {
	switch {
	case l.k == r.k && (l.k == kInt || l.k == kTime || l.k == kDur):
		x, y := l.i, r.i
		return func(in *Input) (int, bool) {
			a, aok := x(in)
			b, bok := y(in)
			return cmpOrdered(a, b), aok && bok
		}
	case l.k == kString && r.k == kString:
		x, y := l.s, r.s
		return func(in *Input) (int, bool) {
			a, aok := x(in)
			b, bok := y(in)
			return strings.Compare(a, b), aok && bok
		}
	case l.k == kBool && r.k == kBool:
		x, y := l.b, r.b
		return func(in *Input) (int, bool) {
			a, aok := x(in)
			b, bok := y(in)
			switch {
			case a == b:
				return 0, aok && bok
			case !a:
				return -1, aok && bok
			}
			return 1, aok && bok
		}
	case l.k == kDouble && r.k == kDouble:
		x, y := l.f, r.f
		return func(in *Input) (int, bool) {
			a, aok := x(in)
			b, bok := y(in)
			if math.IsNaN(a) || math.IsNaN(b) {
				return 1, eq && aok && bok // unequal; unordered
			}
			return cmpOrdered(a, b), aok && bok
		}
	case l.k == kDouble && r.k == kInt, l.k == kInt && r.k == kDouble:
		d, i, sign := l.f, r.i, 1
		if l.k == kInt {
			d, i, sign = r.f, l.i, -1
		}
		return func(in *Input) (int, bool) {
			a, aok := d(in)
			b, bok := i(in)
			if math.IsNaN(a) {
				return 1, eq && aok && bok
			}
			return sign * compareDoubleInt(a, b), aok && bok
		}
	}
	return nil
}

func equality(l, r node, negate bool) node {
	cmp := comparator(l, r, true)
	if cmp == nil {
		return none
	}
	return node{k: kBool, b: func(in *Input) (bool, bool) {
		c, ok := cmp(in)
		return (c == 0) != negate, ok
	}}
}

func ordering(op string, l, r node) node {
	if l.k == kBool && r.k == kBool {
		return none // ordered in CEL, but not worth the code
	}
	cmp := comparator(l, r, false)
	if cmp == nil {
		return none
	}
	var fn func(in *Input) (bool, bool)
	switch op {
	case operators.Less:
		fn = func(in *Input) (bool, bool) { c, ok := cmp(in); return c < 0, ok }
	case operators.LessEquals:
		fn = func(in *Input) (bool, bool) { c, ok := cmp(in); return c <= 0, ok }
	case operators.Greater:
		fn = func(in *Input) (bool, bool) { c, ok := cmp(in); return c > 0, ok }
	default:
		fn = func(in *Input) (bool, bool) { c, ok := cmp(in); return c >= 0, ok }
	}
	return node{k: kBool, b: fn}
}

// intOp is an int operation, ok false on overflow and division by zero
// (cel-go's errors).
func intOp(op string, a, b int64) (int64, bool) {
	switch op {
	case operators.Add:
		r := a + b
		return r, (r > a) == (b > 0) || b == 0
	case operators.Subtract:
		r := a - b
		return r, (r < a) == (b > 0) || b == 0
	case operators.Multiply:
		if a == 0 || b == 0 {
			return 0, true
		}
		r := a * b
		return r, r/b == a && !(a == -1 && b == math.MinInt64) && !(b == -1 && a == math.MinInt64)
	case operators.Divide:
		if b == 0 || a == math.MinInt64 && b == -1 {
			return 0, false
		}
		return a / b, true
	case operators.Modulo:
		if b == 0 || a == math.MinInt64 && b == -1 {
			return 0, false
		}
		return a % b, true
	}
	return 0, false
}

func arithmetic(op string, l, r node) node {
	ints := func(k nkind, x, y func(*Input) (int64, bool)) node {
		return node{k: k, i: func(in *Input) (int64, bool) {
			a, aok := x(in)
			b, bok := y(in)
			v, ok := intOp(op, a, b)
			return v, aok && bok && ok
		}}
	}
	switch {
	case l.k == kInt && r.k == kInt:
		return ints(kInt, l.i, r.i)
	case l.k == kDouble && r.k == kDouble && op != operators.Modulo:
		x, y := l.f, r.f
		var fn func(a, b float64) float64
		switch op {
		case operators.Add:
			fn = func(a, b float64) float64 { return a + b }
		case operators.Subtract:
			fn = func(a, b float64) float64 { return a - b }
		case operators.Multiply:
			fn = func(a, b float64) float64 { return a * b }
		default:
			fn = func(a, b float64) float64 { return a / b }
		}
		return node{k: kDouble, f: func(in *Input) (float64, bool) {
			a, aok := x(in)
			b, bok := y(in)
			return fn(a, b), aok && bok
		}}
	case l.k == kString && r.k == kString && op == operators.Add:
		x, y := l.s, r.s
		return node{k: kString, s: func(in *Input) (string, bool) {
			a, aok := x(in)
			b, bok := y(in)
			return a + b, aok && bok
		}}
	// Nanoseconds in an int64 span the years 1678 to 2261, inside CEL's
	// timestamps (years 1 to 9999): overflow is the only failure.
	case l.k == kTime && r.k == kDur && (op == operators.Add || op == operators.Subtract):
		return ints(kTime, l.i, r.i)
	case l.k == kDur && r.k == kTime && op == operators.Add:
		return ints(kTime, l.i, r.i)
	case l.k == kTime && r.k == kTime && op == operators.Subtract:
		return ints(kDur, l.i, r.i)
	case l.k == kDur && r.k == kDur && (op == operators.Add || op == operators.Subtract):
		return ints(kDur, l.i, r.i)
	}
	return none
}

func negate(x node) node {
	switch x.k {
	case kDouble:
		f := x.f
		return node{k: kDouble, f: func(in *Input) (float64, bool) { v, ok := f(in); return -v, ok }}
	case kInt:
		i := x.i
		return node{k: kInt, i: func(in *Input) (int64, bool) { v, ok := i(in); return -v, ok && v != math.MinInt64 }}
	}
	return none
}

func size(x node) node {
	switch x.k {
	case kString:
		s := x.s
		return node{k: kInt, i: func(in *Input) (int64, bool) { v, ok := s(in); return int64(utf8.RuneCountInString(v)), ok }}
	case kStrList:
		r := x.r
		return node{k: kInt, i: func(in *Input) (int64, bool) {
			rec, ok := r(in)
			if !ok {
				return 0, false
			}
			return int64(len(rec.PenaltyTypes)), true
		}}
	case kRecList:
		return node{k: kInt, i: func(in *Input) (int64, bool) { return int64(len(in.Records)), true }}
	}
	return none
}

func (c *ncomp) durationOf(arg ast.Expr, unit time.Duration) node {
	a := c.compile(arg)
	scale := func(n float64) (int64, bool) {
		d := n * float64(unit)
		if math.IsNaN(d) || d >= math.MaxInt64 || d <= math.MinInt64 {
			return 0, false
		}
		return int64(d), true
	}
	switch a.k {
	case kInt:
		x := a.i
		if arg.Kind() == ast.LiteralKind {
			v, _ := x(nil)
			if d, ok := scale(float64(v)); ok {
				return constInt(kDur, d)
			}
		}
		return node{k: kDur, i: func(in *Input) (int64, bool) {
			v, ok := x(in)
			d, ok2 := scale(float64(v))
			return d, ok && ok2
		}}
	case kDouble:
		x := a.f
		if arg.Kind() == ast.LiteralKind {
			v, _ := x(nil)
			if d, ok := scale(v); ok {
				return constInt(kDur, d)
			}
		}
		return node{k: kDur, i: func(in *Input) (int64, bool) {
			v, ok := x(in)
			d, ok2 := scale(v)
			return d, ok && ok2
		}}
	}
	return none
}

// in compiles x in [literals] and x in penalty_types.
func (c *ncomp) in(xe, le ast.Expr) node {
	x := c.compile(xe)
	if le.Kind() == ast.ListKind {
		l := le.AsList()
		if len(l.OptionalIndices()) > 0 {
			return none
		}
		elems := make([]node, 0, len(l.Elements()))
		for _, e := range l.Elements() {
			if e.Kind() != ast.LiteralKind {
				return none
			}
			elems = append(elems, literal(e))
		}
		if x.k == kString {
			// The common case: a string among strings.
			var strs []string
			for _, e := range elems {
				if e.k != kString {
					return none
				}
				s, _ := e.s(nil)
				strs = append(strs, s)
			}
			get := x.s
			return node{k: kBool, b: func(in *Input) (bool, bool) {
				v, ok := get(in)
				for _, s := range strs {
					if s == v {
						return true, ok
					}
				}
				return false, ok
			}}
		}
		var eqs []func(*Input) (bool, bool)
		for _, e := range elems {
			eq := equality(x, e, false)
			if eq.k != kBool {
				return none
			}
			eqs = append(eqs, eq.b)
		}
		return node{k: kBool, b: func(in *Input) (bool, bool) {
			for _, eq := range eqs {
				if v, ok := eq(in); !ok {
					return false, false
				} else if v {
					return true, true
				}
			}
			return false, true
		}}
	}
	list := c.compile(le)
	if x.k != kString || list.k != kStrList {
		return none
	}
	get, rec := x.s, list.r
	return node{k: kBool, b: func(in *Input) (bool, bool) {
		v, ok := get(in)
		r, rok := rec(in)
		if !ok || !rok {
			return false, false
		}
		for _, s := range r.PenaltyTypes {
			if s == v {
				return true, true
			}
		}
		return false, true
	}}
}

// comprehension compiles exists() and all() as the parser expands them.
func (c *ncomp) comprehension(x ast.ComprehensionExpr) node {
	if x.HasIterVar2() {
		return none
	}
	accu := x.AccuVar()
	init := x.AccuInit()
	if init.Kind() != ast.LiteralKind {
		return none
	}
	b, ok := init.AsLiteral().(types.Bool)
	if !ok {
		return none
	}
	exists := !bool(b) // exists starts false and ors; all starts true and ands
	step, result := x.LoopStep(), x.Result()
	want := operators.LogicalAnd
	if exists {
		want = operators.LogicalOr
	}
	if result.Kind() != ast.IdentKind || result.AsIdent() != accu || step.Kind() != ast.CallKind {
		return none
	}
	sc := step.AsCall()
	if sc.FunctionName() != want || len(sc.Args()) != 2 || sc.Args()[0].Kind() != ast.IdentKind || sc.Args()[0].AsIdent() != accu {
		return none
	}
	rng := c.compile(x.IterRange())
	var item nkind
	switch rng.k {
	case kRecList:
		item = kRec
	case kStrList:
		item = kString
	default:
		return none
	}
	slot := c.nslots
	c.nslots++
	prev, shadowed := c.vars[x.IterVar()]
	c.vars[x.IterVar()] = ncvar{slot: slot, k: item}
	pred := c.compile(sc.Args()[1])
	if shadowed {
		c.vars[x.IterVar()] = prev
	} else {
		delete(c.vars, x.IterVar())
	}
	if pred.k != kBool {
		return none
	}
	p, list := pred.b, rng.r
	// CEL's loop: a true (exists) or false (all) decides, even after an
	// error; an error otherwise makes the result an error.
	return node{k: kBool, b: func(in *Input) (bool, bool) {
		n := len(in.Records)
		in.slotSrc[slot] = nil
		if item == kString {
			r, ok := list(in)
			if !ok {
				return false, false
			}
			in.slotSrc[slot], n = r, len(r.PenaltyTypes)
		}
		ok := true
		for i := range n {
			in.slotIdx[slot] = i
			v, vok := p(in)
			if !vok {
				ok = false
			} else if v == exists {
				return exists, true
			}
		}
		return !exists, ok
	}}
}
