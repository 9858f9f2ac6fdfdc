package credo

import (
	"errors"
	"strings"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// Decode strictly decodes one JSON object into v: unknown fields, duplicate
// fields, wrong types and trailing data are refused with an *Error that
// names the field as a dotted path ("officers[0].role").
func Decode(data []byte, v any) error {
	err := json.Unmarshal(data, v, json.RejectUnknownMembers(true))
	if err == nil {
		return nil
	}
	return decodeError(err)
}

func decodeError(err error) error {
	var se *json.SemanticError
	if errors.As(err, &se) {
		field := pointerPath(se.JSONPointer)
		switch {
		case errors.Is(se.Err, json.ErrUnknownName):
			return &Error{Code: EINVALID, Field: field, Reason: "unknown_field", Message: "unknown field"}
		case se.Err != nil && !isTypeMismatch(se):
			return &Error{Code: EINVALID, Field: field, Reason: "format", Message: plainMessage(se.Err)}
		default:
			want := "a value of another type"
			if se.GoType != nil {
				want = jsonKindName(se.GoType.Kind().String())
			}
			return &Error{Code: EINVALID, Field: field, Reason: "type",
				Message: "wrong type: got " + kindName(se.JSONKind) + ", want " + want}
		}
	}
	var syn *jsontext.SyntacticError
	if errors.As(err, &syn) {
		e := &Error{Code: EMALFORMED, Field: pointerPath(syn.JSONPointer), Reason: "syntax", Message: "malformed JSON: " + plainMessage(syn.Err)}
		if errors.Is(syn.Err, jsontext.ErrDuplicateName) {
			e.Code, e.Reason, e.Message = EINVALID, "duplicate_field", "field given twice"
		}
		return e
	}
	return &Error{Code: EMALFORMED, Reason: "syntax", Message: "malformed JSON: " + plainMessage(err)}
}

func isTypeMismatch(se *json.SemanticError) bool {
	// A value whose JSON kind the Go type cannot take at all (a string for a
	// number, an object for a string) carries no underlying error, or one
	// that only restates the mismatch.
	if se.Err == nil {
		return true
	}
	return strings.Contains(se.Err.Error(), "cannot unmarshal")
}

func plainMessage(err error) string {
	if err == nil {
		return "invalid value"
	}
	s := err.Error()
	s = strings.TrimPrefix(s, "json: ")
	s = strings.TrimPrefix(s, "jsontext: ")
	return s
}

// pointerPath turns a JSON pointer (/officers/0/role) into officers[0].role.
func pointerPath(p jsontext.Pointer) string {
	var b strings.Builder
	for tok := range p.Tokens() {
		if tok != "" && strings.Trim(tok, "0123456789") == "" {
			b.WriteString("[" + tok + "]")
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(tok)
	}
	return b.String()
}

func kindName(k jsontext.Kind) string {
	switch k {
	case '"':
		return "string"
	case '0':
		return "number"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	case '{':
		return "object"
	case '[':
		return "array"
	}
	return "value"
}

func jsonKindName(goKind string) string {
	switch goKind {
	case "string":
		return "string"
	case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64", "float32", "float64":
		return "number"
	case "bool":
		return "boolean"
	case "slice", "array":
		return "array"
	case "struct", "map":
		return "object"
	}
	return goKind
}
