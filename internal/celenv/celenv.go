// Package celenv holds what the CEL environments of rulebook expressions
// and of list rules share (docs/RULEBOOKS.md): org and as_of, records and
// the organization as maps of the same fields, the functions days, months
// and years, numbers that compare across int and double, timestamps in
// UTC, and the bound on an expression's length.
package celenv

import (
	"math"
	"time"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
)

// Fields that expressions may select on a record and on org.
var (
	RecordFields = []string{"id", "category", "kind", "authority", "external_id", "decision_number",
		"legal_basis", "description", "severity", "penalty_types", "amount", "tax_due", "occurred_at", "valid_until"}
	OrgFields = []string{"code", "name", "division", "entity_type", "status", "industry", "established", "registered"}
)

const (
	MaxExprLen = 20_000 // characters in an expression
	MaxTextLen = 4000   // characters in a record's text field, as credo validates it
)

// Map is the CEL type of a record and of org.
var Map = cel.MapType(cel.StringType, cel.DynType)

// Options are the environment options every expression has: the variables
// org and as_of, the conventions above, and a function for each of units
// ("days": 24h, ...) that takes an int or a double and gives a duration.
func Options(units map[string]time.Duration) []cel.EnvOption {
	opts := []cel.EnvOption{
		cel.Variable("org", Map),
		cel.Variable("as_of", cel.TimestampType),
		cel.ParserExpressionSizeLimit(MaxExprLen),
		cel.CrossTypeNumericComparisons(true),
		cel.DefaultUTCTimeZone(true),
	}
	for name, unit := range units {
		opts = append(opts, cel.Function(name,
			cel.Overload(name+"_int", []*cel.Type{cel.IntType}, cel.DurationType,
				cel.UnaryBinding(func(v ref.Val) ref.Val { return scale(float64(v.(types.Int)), unit) })),
			cel.Overload(name+"_double", []*cel.Type{cel.DoubleType}, cel.DurationType,
				cel.UnaryBinding(func(v ref.Val) ref.Val { return scale(float64(v.(types.Double)), unit) })),
		))
	}
	return opts
}

func scale(n float64, unit time.Duration) ref.Val {
	d := n * float64(unit)
	if math.IsNaN(d) || d >= math.MaxInt64 || d <= math.MinInt64 {
		return types.NewErr("duration out of range")
	}
	return types.Duration{Duration: time.Duration(d)}
}
