package uscc

import "fmt"

// alphabet lists the 31 code characters in value order: 0-9 are 0-9, A is 10
// and Y is 30.
const alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"

// values maps a byte to its value in alphabet, or -1.
var values = func() (v [256]int8) {
	for i := range v {
		v[i] = -1
	}
	for i := 0; i < len(alphabet); i++ {
		v[alphabet[i]] = int8(i)
	}
	return v
}()

// weights are 3^(i-1) mod 31 for positions 1-17.
var weights = [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}

// orgWeights weigh the 8 organization code body characters (GB 11714).
var orgWeights = [8]int{3, 7, 9, 10, 5, 8, 4, 2}

// CheckChar returns the position-18 check character for the first 17
// characters of a code, which must be upper-case characters of the code
// alphabet. It returns an error for any other input.
func CheckChar(first17 string) (byte, error) {
	if len(first17) != 17 {
		return 0, fmt.Errorf("uscc: check character needs 17 characters, got %d bytes", len(first17))
	}
	s := 0
	for i := 0; i < 17; i++ {
		v := values[first17[i]]
		if v < 0 {
			return 0, fmt.Errorf("uscc: character %q at position %d is not in the code alphabet", first17[i], i+1)
		}
		s += int(v) * weights[i]
	}
	return alphabet[(31-s%31)%31], nil
}

// OrgCheckChar returns the GB 11714 check character (position 17 of a code)
// for the 8 organization code body characters (positions 9-16): '0'-'9' or
// 'X'. The body may use digits and all 26 upper-case letters; any other
// input is an error.
func OrgCheckChar(body8 string) (byte, error) {
	if len(body8) != 8 {
		return 0, fmt.Errorf("uscc: organization check character needs 8 characters, got %d bytes", len(body8))
	}
	s := 0
	for i := 0; i < 8; i++ {
		c := body8[i]
		var v int
		switch {
		case '0' <= c && c <= '9':
			v = int(c - '0')
		case 'A' <= c && c <= 'Z':
			v = int(c-'A') + 10
		default:
			return 0, fmt.Errorf("uscc: organization code character %q at position %d is not a digit or capital letter", c, i+1)
		}
		s += v * orgWeights[i]
	}
	switch r := 11 - s%11; r {
	case 10:
		return 'X', nil
	case 11:
		return '0', nil
	default:
		return byte('0' + r), nil
	}
}
