package uscc

import "fmt"

// Build assembles a valid code from its parts, computing both check
// characters. authority and entityType must be a pair GB 32100 lists (see
// EntityTypeName), division six ASCII digits (not necessarily a known
// division) and orgBody8 eight characters of the code alphabet.
func Build(authority, entityType byte, division string, orgBody8 string) (string, error) {
	if EntityTypeName(authority, entityType) == "" {
		return "", fmt.Errorf("uscc: build: no entity type %q under authority %q", entityType, authority)
	}
	if len(division) != 6 {
		return "", fmt.Errorf("uscc: build: division %q is not 6 digits", division)
	}
	for i := 0; i < 6; i++ {
		if division[i] < '0' || division[i] > '9' {
			return "", fmt.Errorf("uscc: build: division %q is not 6 digits", division)
		}
	}
	if len(orgBody8) != 8 {
		return "", fmt.Errorf("uscc: build: organization code body %q is not 8 characters", orgBody8)
	}
	for i := 0; i < 8; i++ {
		if values[orgBody8[i]] < 0 {
			return "", fmt.Errorf("uscc: build: organization code body %q has %q, not in the code alphabet", orgBody8, orgBody8[i])
		}
	}
	org, err := OrgCheckChar(orgBody8)
	if err != nil {
		return "", fmt.Errorf("uscc: build: %w", err)
	}
	first17 := string([]byte{authority, entityType}) + division + orgBody8 + string(org)
	c, err := CheckChar(first17)
	if err != nil {
		return "", fmt.Errorf("uscc: build: %w", err)
	}
	return first17 + string(c), nil
}
