package assess

import (
	"errors"
	"reflect"
	"sync"
	"sync/atomic"
	"time"

	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/common/types/traits"
	"cel.dev/cel-go/interpreter"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/rulebook"
)

// CEL sees records, the organization and dimensions as maps of their
// fields. The types below are those maps over Go values: a field is
// converted to CEL when an expression first reads it and kept for the rest
// of the assessment, so nothing is converted that no rule reads, and
// nothing twice. Expressions resolve fields through FindStringKey, which
// the interpreter calls before any other map access.

// Record fields, in the documented order.
const (
	fID = iota
	fCategory
	fKind
	fAuthority
	fExternalID
	fDecisionNumber
	fLegalBasis
	fDescription
	fSeverity
	fPenaltyTypes
	fAmount
	fTaxDue
	fOccurredAt
	fValidUntil
	nRecordFields
)

var recordFieldNames = [nRecordFields]string{"id", "category", "kind", "authority", "external_id",
	"decision_number", "legal_basis", "description", "severity", "penalty_types", "amount", "tax_due",
	"occurred_at", "valid_until"}

func recordField(name string) int {
	switch name {
	case "id":
		return fID
	case "category":
		return fCategory
	case "kind":
		return fKind
	case "authority":
		return fAuthority
	case "external_id":
		return fExternalID
	case "decision_number":
		return fDecisionNumber
	case "legal_basis":
		return fLegalBasis
	case "description":
		return fDescription
	case "severity":
		return fSeverity
	case "penalty_types":
		return fPenaltyTypes
	case "amount":
		return fAmount
	case "tax_due":
		return fTaxDue
	case "occurred_at":
		return fOccurredAt
	case "valid_until":
		return fValidUntil
	}
	return -1
}

// recordVal is a record as CEL sees it.
type recordVal struct {
	r     *credo.Record
	dirty bool // some vals are set
	vals  [nRecordFields]ref.Val
}

func (v *recordVal) reset(r *credo.Record) {
	v.r = r
	if v.dirty {
		v.vals = [nRecordFields]ref.Val{}
		v.dirty = false
	}
}

// has reports whether field f is present: strings are absent when empty,
// amounts and valid_until when not given.
func (v *recordVal) has(f int) bool {
	r := v.r
	switch f {
	case fCategory:
		return r.Category != ""
	case fKind:
		return r.Kind != ""
	case fAuthority:
		return r.Authority != ""
	case fExternalID:
		return r.ExternalID != ""
	case fDecisionNumber:
		return r.DecisionNumber != ""
	case fLegalBasis:
		return r.LegalBasis != ""
	case fDescription:
		return r.Description != ""
	case fSeverity:
		return r.Severity != ""
	case fAmount:
		return r.Amount != nil
	case fTaxDue:
		return r.TaxDue != nil
	case fValidUntil:
		return !r.ValidUntil.IsZero()
	}
	return f >= 0 && f < nRecordFields
}

func (v *recordVal) field(f int) (ref.Val, bool) {
	if f < 0 || !v.has(f) {
		return nil, false
	}
	if x := v.vals[f]; x != nil {
		return x, true
	}
	r := v.r
	var x ref.Val
	switch f {
	case fID:
		x = types.Int(r.ID)
	case fCategory:
		x = internString(r.Category)
	case fKind:
		x = internString(r.Kind)
	case fAuthority:
		x = types.String(r.Authority)
	case fExternalID:
		x = types.String(r.ExternalID)
	case fDecisionNumber:
		x = types.String(r.DecisionNumber)
	case fLegalBasis:
		x = types.String(r.LegalBasis)
	case fDescription:
		x = types.String(r.Description)
	case fSeverity:
		x = internString(r.Severity)
	case fPenaltyTypes:
		x = types.NewStringList(types.DefaultTypeAdapter, r.PenaltyTypes)
	case fAmount:
		x = types.Double(*r.Amount)
	case fTaxDue:
		x = types.Double(*r.TaxDue)
	case fOccurredAt:
		x = timestamp(r.OccurredAt.Time)
	case fValidUntil:
		x = timestamp(r.ValidUntil.Time)
	}
	v.vals[f] = x
	v.dirty = true
	return x, true
}

// FindStringKey is the interpreter's fast path for field selection.
func (v *recordVal) FindStringKey(key string) (any, bool) { return v.field(recordField(key)) }

func (v *recordVal) Find(key ref.Val) (ref.Val, bool) {
	s, ok := key.(types.String)
	if !ok {
		return nil, false
	}
	return v.field(recordField(string(s)))
}

func (v *recordVal) Get(key ref.Val) ref.Val { return getOrMissing(v, key) }

func (v *recordVal) Contains(key ref.Val) ref.Val {
	_, ok := v.Find(key)
	return types.Bool(ok)
}

func (v *recordVal) keys() []string {
	keys := make([]string, 0, nRecordFields)
	for f := range nRecordFields {
		if v.has(f) {
			keys = append(keys, recordFieldNames[f])
		}
	}
	return keys
}

func (v *recordVal) Size() ref.Val                             { return types.Int(len(v.keys())) }
func (v *recordVal) Iterator() traits.Iterator                 { return newKeyIterator(v.keys()) }
func (v *recordVal) Type() ref.Type                            { return types.MapType }
func (v *recordVal) Value() any                                { return v.r }
func (v *recordVal) Equal(other ref.Val) ref.Val               { return mapsEqual(v, other) }
func (v *recordVal) ConvertToType(t ref.Type) ref.Val          { return convertMap(v, t) }
func (v *recordVal) ConvertToNative(reflect.Type) (any, error) { return nil, errNative }

// Organization fields.
const (
	oCode = iota
	oName
	oDivision
	oEntityType
	oStatus
	oIndustry
	oEstablished
	oRegistered
	nOrgFields
)

var orgFieldNames = [nOrgFields]string{"code", "name", "division", "entity_type", "status", "industry", "established", "registered"}

// orgVal is the organization as CEL sees it. Its strings are always
// present (empty when unknown); established is absent when unknown.
type orgVal struct {
	sub            *credo.Subject // the registration version in force; nil: unregistered
	code, division string
	vals           [nOrgFields]ref.Val
}

func orgField(name string) int {
	for i, n := range orgFieldNames {
		if n == name {
			return i
		}
	}
	return -1
}

func (v *orgVal) reset(s *credo.Subject, code, division string) {
	v.vals = [nOrgFields]ref.Val{}
	v.sub, v.code, v.division = s, code, division
}

func (v *orgVal) established() time.Time {
	if v.sub == nil {
		return time.Time{}
	}
	return v.sub.Established.Time
}

func (v *orgVal) field(f int) (ref.Val, bool) {
	if f < 0 || f == oEstablished && v.established().IsZero() {
		return nil, false
	}
	if x := v.vals[f]; x != nil {
		return x, true
	}
	var s credo.Subject
	if v.sub != nil {
		s = *v.sub
	}
	var x ref.Val
	switch f {
	case oCode:
		x = types.String(v.code)
	case oName:
		x = types.String(s.Name)
	case oDivision:
		x = types.String(v.division)
	case oEntityType:
		x = types.String(s.EntityType)
	case oStatus:
		x = types.String(string(s.Status))
	case oIndustry:
		x = types.String(s.Industry)
	case oEstablished:
		x = timestamp(s.Established.Time)
	case oRegistered:
		x = types.Bool(v.sub != nil)
	}
	v.vals[f] = x
	return x, true
}

func (v *orgVal) FindStringKey(key string) (any, bool) { return v.field(orgField(key)) }

func (v *orgVal) Find(key ref.Val) (ref.Val, bool) {
	s, ok := key.(types.String)
	if !ok {
		return nil, false
	}
	return v.field(orgField(string(s)))
}

func (v *orgVal) Get(key ref.Val) ref.Val { return getOrMissing(v, key) }

func (v *orgVal) Contains(key ref.Val) ref.Val {
	_, ok := v.Find(key)
	return types.Bool(ok)
}

func (v *orgVal) keys() []string {
	keys := make([]string, 0, nOrgFields)
	for f, n := range orgFieldNames {
		if f != oEstablished || !v.established().IsZero() {
			keys = append(keys, n)
		}
	}
	return keys
}

func (v *orgVal) Size() ref.Val                             { return types.Int(len(v.keys())) }
func (v *orgVal) Iterator() traits.Iterator                 { return newKeyIterator(v.keys()) }
func (v *orgVal) Type() ref.Type                            { return types.MapType }
func (v *orgVal) Value() any                                { return v.sub }
func (v *orgVal) Equal(other ref.Val) ref.Val               { return mapsEqual(v, other) }
func (v *orgVal) ConvertToType(t ref.Type) ref.Val          { return convertMap(v, t) }
func (v *orgVal) ConvertToNative(reflect.Type) (any, error) { return nil, errNative }

// fieldsVal is a small map with string keys (dims, and each dimension's
// score and grade).
type fieldsVal struct {
	names []ref.Val // types.String
	vals  []ref.Val
}

func (v *fieldsVal) field(name string) (ref.Val, bool) {
	for i, n := range v.names {
		if string(n.(types.String)) == name {
			return v.vals[i], true
		}
	}
	return nil, false
}

func (v *fieldsVal) FindStringKey(key string) (any, bool) { return v.field(key) }

func (v *fieldsVal) Find(key ref.Val) (ref.Val, bool) {
	s, ok := key.(types.String)
	if !ok {
		return nil, false
	}
	return v.field(string(s))
}

func (v *fieldsVal) Get(key ref.Val) ref.Val { return getOrMissing(v, key) }

func (v *fieldsVal) Contains(key ref.Val) ref.Val {
	_, ok := v.Find(key)
	return types.Bool(ok)
}

func (v *fieldsVal) Size() ref.Val                             { return types.Int(len(v.names)) }
func (v *fieldsVal) Iterator() traits.Iterator                 { return &valIterator{vals: v.names} }
func (v *fieldsVal) Type() ref.Type                            { return types.MapType }
func (v *fieldsVal) Value() any                                { return v.names }
func (v *fieldsVal) Equal(other ref.Val) ref.Val               { return mapsEqual(v, other) }
func (v *fieldsVal) ConvertToType(t ref.Type) ref.Val          { return convertMap(v, t) }
func (v *fieldsVal) ConvertToNative(reflect.Type) (any, error) { return nil, errNative }

// valIterator iterates over values made beforehand.
type valIterator struct {
	vals []ref.Val
	i    int
}

func (it *valIterator) HasNext() ref.Val { return types.Bool(it.i < len(it.vals)) }

func (it *valIterator) Next() ref.Val {
	if it.i >= len(it.vals) {
		return nil
	}
	it.i++
	return it.vals[it.i-1]
}

func (it *valIterator) Type() ref.Type              { return types.IteratorType }
func (it *valIterator) Value() any                  { return it.vals }
func (it *valIterator) Equal(other ref.Val) ref.Val { return types.Bool(it == other) }
func (it *valIterator) ConvertToType(ref.Type) ref.Val {
	return types.NewErr("cannot convert an iterator")
}
func (it *valIterator) ConvertToNative(reflect.Type) (any, error) { return nil, errNative }

var errNative = errors.New("credo maps cannot be converted to Go values")

func getOrMissing(m traits.Mapper, key ref.Val) ref.Val {
	if v, ok := m.Find(key); ok {
		return v
	}
	return types.NewErr("no such key: %v", key)
}

func convertMap(m ref.Val, t ref.Type) ref.Val {
	switch t {
	case types.MapType:
		return m
	case types.TypeType:
		return types.MapType
	}
	return types.NewErr("type conversion error from map to %s", t.TypeName())
}

// mapsEqual compares a map with another by keys and values.
func mapsEqual(a traits.Mapper, other ref.Val) ref.Val {
	if a == other {
		return types.True
	}
	b, ok := other.(traits.Mapper)
	if !ok {
		return types.False
	}
	if a.Size().Equal(b.Size()) != types.True {
		return types.False
	}
	it := a.Iterator()
	for it.HasNext() == types.True {
		k := it.Next()
		bv, found := b.Find(k)
		if !found {
			return types.False
		}
		av, _ := a.Find(k)
		if av.Equal(bv) != types.True {
			return types.False
		}
	}
	return types.True
}

// keyIterator iterates over a map's keys.
type keyIterator struct {
	keys []string
	i    int
}

func newKeyIterator(keys []string) *keyIterator { return &keyIterator{keys: keys} }

func (it *keyIterator) HasNext() ref.Val { return types.Bool(it.i < len(it.keys)) }

func (it *keyIterator) Next() ref.Val {
	if it.i >= len(it.keys) {
		return nil
	}
	it.i++
	return types.String(it.keys[it.i-1])
}

func (it *keyIterator) Type() ref.Type              { return types.IteratorType }
func (it *keyIterator) Value() any                  { return it.keys }
func (it *keyIterator) Equal(other ref.Val) ref.Val { return types.Bool(it == other) }
func (it *keyIterator) ConvertToType(ref.Type) ref.Val {
	return types.NewErr("cannot convert an iterator")
}
func (it *keyIterator) ConvertToNative(reflect.Type) (any, error) { return nil, errNative }

// vars is the activation: the variables of one evaluation, for cel-go
// (as CEL values) and for the native evaluator (as Go values, in input).
type vars struct {
	record, org, asOf, dims ref.Val
	// previous and score: an annual dimension's evaluation of the year
	// before, and the dimension's score (caps and specials).
	previous, score ref.Val
	// records is made when cel-go first reads it, from recordIdx.
	records   ref.Val
	recordIdx []int
	st        *state
	asOfTime  time.Time
	// count is the number of records (or dimensions) an expression may
	// iterate over, for rulebook.Expr's choice of cost limit.
	count int
	frame *interpreter.ExecutionFrame
	input rulebook.Input
}

// reset prepares v for an assessment by st at asOf (nil: release).
func (v *vars) reset(st *state, asOf time.Time) {
	v.record, v.records, v.recordIdx, v.dims, v.asOf, v.org = nil, nil, nil, nil, nil, nil
	v.previous, v.score = nil, nil
	v.st, v.count, v.asOfTime = st, 0, asOf
	if st == nil {
		v.input.Reset("", "", nil, time.Time{})
		return
	}
	v.org = &st.org
	v.input.Reset(st.org.code, st.org.division, st.org.sub, asOf)
}

func (v *vars) RecordCount() int { return v.count }

// Frame returns the execution frame of the assessment, made when cel-go
// is first needed.
func (v *vars) Frame() *interpreter.ExecutionFrame {
	if v.frame == nil {
		v.frame, _ = interpreter.NewExecutionFrame(v)
	}
	return v.frame
}
func (v *vars) Input() *rulebook.Input { return &v.input }

func (v *vars) ResolveName(name string) (any, bool) {
	var x ref.Val
	switch name {
	case "record":
		x = v.record
	case "records":
		if v.records == nil && v.st != nil {
			v.records = v.st.recordsList(v.recordIdx) // an empty list when there are none
		}
		x = v.records
	case "org":
		x = v.org
	case "as_of":
		if v.asOf == nil {
			v.asOf = timestamp(v.asOfTime)
		}
		x = v.asOf
	case "dims":
		x = v.dims
	case "previous":
		x = v.previous
	case "score":
		x = v.score
	}
	return x, x != nil
}

func (v *vars) Parent() interpreter.Activation { return nil }

func timestamp(t time.Time) ref.Val { return types.Timestamp{Time: t.UTC()} }

// internString returns the CEL string for s, shared for the words that
// recur in every organization's records (categories, kinds, severities),
// so that reading them allocates nothing.
func internString(s string) ref.Val {
	if v, ok := interned.Load(s); ok {
		return v.(ref.Val)
	}
	v := ref.Val(types.String(s))
	if len(s) <= 40 {
		if n := internedCount.Add(1); n <= maxInterned {
			interned.Store(s, v)
		}
	}
	return v
}

var (
	interned      sync.Map
	internedCount atomic.Int64
)

// maxInterned bounds the interned words: kinds are free words chosen by
// authorities, so the table must not grow without end.
const maxInterned = 10_000
