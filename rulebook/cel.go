package rulebook

import (
	"sync"
	"time"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/ast"
	"cel.dev/cel-go/common/cost"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/common/types/traits"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/internal/celenv"
)

// Cost limits. An expression is refused at load when the checker's
// estimate of its worst case, for an organization with up to MaxRecords
// records in a dimension and fields as credo validates them, exceeds
// EstimatedCostLimit: that admits work linear in the records (up to about
// 1000 units a record, where comparing two 4000-character texts costs 800)
// and refuses a comprehension over the records nested in another.
// Evaluation of an expression that iterates over more than MaxRecords
// records is stopped at RuntimeCostLimit, so that no organization, however
// many records it has, can hold up a regrade.
const (
	MaxRecords         = 10_000
	EstimatedCostLimit = 10_000_000
	RuntimeCostLimit   = 20_000_000
	maxTextLen         = celenv.MaxTextLen
	maxDims            = 100
)

// Fields that expressions may select, as documented for the environment.
var (
	recordFields = celenv.RecordFields
	orgFields    = celenv.OrgFields
	dimFields    = []string{"score", "grade"}
	// previousFields are the fields of previous (see environments).
	previousFields = []string{"year", "score", "grade", "direct"}
)

// scope says which variables an expression sees.
type scope int

const (
	recordScope        scope = iota // rules and direct: record, records, previous, org, as_of
	dimensionScope                  // applies, start: records, previous, org, as_of
	comprehensiveScope              // comprehensive score and caps: dims, org, as_of
	gradeScope                      // a dimension's caps and special: records, previous, score, org, as_of
	partnerScope                    // weighted partner rules: partner, as_of
	linkScope                       // direct partner rules: partner, link, org, as_of
	nScopes
)

// want is the output type an expression must have.
type want int

const (
	wantBool want = iota
	wantNumber
)

var (
	mapType    = celenv.Map
	envOnce    sync.Once
	envs       [nScopes]*cel.Env
	envErr     error
	folder     *cel.StaticOptimizer
	durationFn = map[string]time.Duration{"years": Year, "months": Month, "days": Day}
)

func environments() ([nScopes]*cel.Env, error) {
	envOnce.Do(func() {
		common := append(celenv.Options(durationFn), cel.Function("sum",
			cel.MemberOverload("list_sum_double", []*cel.Type{cel.ListType(cel.DynType)}, cel.DoubleType,
				cel.UnaryBinding(sumList))))
		// previous is the evaluation of the year before, in an annual
		// dimension (empty otherwise, and when there was none): year,
		// score, grade, and direct (the grade was assigned directly).
		previous := cel.Variable("previous", mapType)
		// partner is a partner's own state (code, grades, entries); link
		// the relationship to a partner one away (kind, since, roles: the
		// person's roles in the organization, partner_roles: in the partner).
		partner := cel.Variable("partner", mapType)
		scopes := [nScopes][]cel.EnvOption{
			{cel.Variable("record", mapType), cel.Variable("records", cel.ListType(mapType)), previous},
			{cel.Variable("records", cel.ListType(mapType)), previous},
			{cel.Variable("dims", cel.MapType(cel.StringType, mapType))},
			{cel.Variable("records", cel.ListType(mapType)), previous, cel.Variable("score", cel.DoubleType)},
			{partner},
			{partner, cel.Variable("link", mapType)},
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

// fieldSizes bound the fields of records and of the organization as
// credo validates them (for penalty_types, the number of types).
var fieldSizes = map[string]uint64{
	"category":        20,
	"kind":            40,
	"severity":        10,
	"authority":       64,
	"external_id":     128,
	"decision_number": 200,
	"legal_basis":     1000,
	"description":     maxTextLen,
	"penalty_types":   uint64(len(credo.PenaltyTypes)),
	"code":            18,
	"name":            200,
	"division":        6,
	"entity_type":     40,
	"status":          10,
	"industry":        20,
	"grade":           40,
}

// estimator gives the checker the sizes of the variables.
type estimator struct{}

func (estimator) EstimateSize(n cost.AstNode) *cost.SizeEstimate {
	p := n.Path()
	if len(p) == 0 {
		return nil
	}
	est := cost.RangedSizeEstimate(0, 1)
	if e := n.Expr(); e != nil && e.Kind() == ast.SelectKind {
		if max, ok := fieldSizes[e.AsSelect().FieldName()]; ok {
			est.Max = max
			return &est
		}
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
	case "previous":
		est.Max = sizeOf(p[1:], 4, 40, 1)
	case "partner", "link":
		// A partner's grades and entries, a link's roles: tens at most.
		est.Max = sizeOf(p[1:], 8, 100, 8)
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
