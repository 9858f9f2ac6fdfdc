package uscc

import "unicode/utf8"

// The failure words Check returns, in the order the checks run. They are a
// public contract (JSON "error" field).
const (
	ErrLength      = "length"       // not 18 characters after Normalize
	ErrCharset     = "charset"      // a character outside 0-9 and A-Y without I, O, S, V, Z
	ErrStructure   = "structure"    // positions 1-2 are no authority and entity type of GB 32100
	ErrChecksum    = "checksum"     // position 18 does not match positions 1-17
	ErrOrgChecksum = "org_checksum" // position 17 does not match positions 9-16 (GB 11714)
)

// Check normalizes s and validates the result. It returns the normalized
// code, which is always Normalize(s), and "" when the code is valid or else
// the word of the first check that fails (ErrLength ... ErrOrgChecksum).
func Check(s string) (code string, failure string) {
	code = Normalize(s)
	return code, check(code)
}

// Valid reports whether s, after Normalize, is a valid code.
func Valid(s string) bool {
	_, failure := Check(s)
	return failure == ""
}

// check validates an already normalized code.
func check(code string) string {
	if utf8.RuneCountInString(code) != 18 {
		return ErrLength
	}
	if len(code) != 18 { // 18 runes but not all ASCII
		return ErrCharset
	}
	for i := 0; i < 18; i++ {
		if values[code[i]] < 0 {
			return ErrCharset
		}
	}
	if EntityTypeName(code[0], code[1]) == "" {
		return ErrStructure
	}
	if c, _ := CheckChar(code[:17]); c != code[17] {
		return ErrChecksum
	}
	if c, _ := OrgCheckChar(code[8:16]); c != code[16] {
		return ErrOrgChecksum
	}
	return ""
}
