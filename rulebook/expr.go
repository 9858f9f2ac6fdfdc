package rulebook

import (
	"fmt"
	"math"
	"time"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/interpreter"
)

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
	uses    uses
	offsets []time.Duration // durations written in an expression that reads as_of
	instant []time.Time     // timestamps written in the expression
}

// uses records which variables an expression reads.
type uses struct {
	records, asOf, org, previous bool
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

// UsesPrevious reports whether the expression reads previous.
func (e *Expr) UsesPrevious() bool { return e != nil && e.uses.previous }

// UsesAsOf reports whether the expression reads as_of, so that its value
// may change by time alone.
func (e *Expr) UsesAsOf() bool { return e != nil && e.uses.asOf }

// Constant returns the expression's value when it is a constant.
func (e *Expr) Constant() (ref.Val, bool) { return e.konst, e.konst != nil }

// constExpr is a number written as a YAML number rather than CEL.
func constExpr(v float64, file string, line, col int, rule string) *Expr {
	return &Expr{Source: fmt.Sprint(v), File: file, Line: line, Col: col, Rule: rule, konst: types.Double(v)}
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
