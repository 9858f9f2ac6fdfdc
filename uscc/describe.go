package uscc

import "github.com/credo-registry/credo/division"

// Description is what the CLI and the API answer about a code. The JSON
// field names are a public contract; every field is always present.
type Description struct {
	Input        string `json:"input"` // as given
	Code         string `json:"code"`  // Normalize(Input)
	Valid        bool   `json:"valid"`
	Error        string `json:"error"`         // a failure word (ErrLength ...), "" when valid
	Authority    string `json:"authority"`     // AuthorityName of position 1; "" on a length, charset or structure failure
	EntityType   string `json:"entity_type"`   // EntityTypeName of positions 1-2; "" on a length, charset or structure failure
	DivisionCode string `json:"division_code"` // positions 3-8; "" on a length or charset failure
	DivisionName string `json:"division_name"` // full name of the division, "" when unknown (which is not an error)
}

// Describe checks input and fills in what its code tells: for a valid code
// always the authority, entity type and division; for an invalid one as much
// as the failed check leaves known.
func Describe(input string) Description {
	code, failure := Check(input)
	d := Description{Input: input, Code: code, Valid: failure == "", Error: failure}
	if failure == ErrLength || failure == ErrCharset {
		return d
	}
	d.DivisionCode = code[2:8]
	if div, ok := division.Lookup(d.DivisionCode); ok {
		d.DivisionName = div.FullName
	}
	if failure == ErrStructure {
		return d
	}
	d.Authority = AuthorityName(code[0])
	d.EntityType = EntityTypeName(code[0], code[1])
	return d
}
