// Package division looks up GB/T 2260 administrative divisions of the
// People's Republic of China: provinces (2-digit codes), prefecture-level
// cities (4 digits) and counties (6 digits).
//
// The data is embedded in the binary and parsed once, on first use. It is a
// snapshot: codes that were valid when an organization registered may since
// have been merged away, so a code missing here is not by itself an error.
package division

// Division is one administrative division.
type Division struct {
	Code     string // 2 (province), 4 (city) or 6 (county) digits, as in the data
	Name     string // its own name, e.g. "浦东新区"
	FullName string // province, city and county names joined, without placeholder city names such as "市辖区", e.g. "上海市浦东新区"
	Province string // 2-digit province code
}

// Lookup returns the division with the given 2-, 4- or 6-digit code.
//
// A code padded with zeros to six (or four) digits, as division codes are
// written in identifiers, resolves to the city or province it stands for when
// no county has that code: "310000" is 上海市, "440300" is 深圳市. Lookup
// reports false for a malformed code and for one not in the data.
func Lookup(code string) (Division, bool) {
	if !ValidPrefix(code) {
		return Division{}, false
	}
	t := table()
	for {
		if d, ok := t.byCode[code]; ok {
			return d, true
		}
		if len(code) == 2 || code[len(code)-2:] != "00" {
			return Division{}, false
		}
		code = code[:len(code)-2]
	}
}

// Name returns the division's own name, or "" when Lookup does not find it.
func Name(code string) string {
	d, _ := Lookup(code)
	return d.Name
}

// ValidPrefix reports whether p is shaped like a division code: 2, 4 or 6
// ASCII digits. The code need not be known.
func ValidPrefix(p string) bool {
	switch len(p) {
	case 2, 4, 6:
	default:
		return false
	}
	for i := 0; i < len(p); i++ {
		if p[i] < '0' || p[i] > '9' {
			return false
		}
	}
	return true
}
