package search

import (
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/credo-registry/credo/division"
)

// regions maps the names of provinces and prefecture-level cities, full
// (广东省, 深圳市, 内蒙古自治区) and short (广东, 深圳, 内蒙古), and the full
// names of counties (昆山市, 浦东新区), to their division codes (2, 4 or 6
// digits). Counties' short names (昆山, 南山) are left out here: too many
// are also words that begin organizations' own names; in brackets, where
// nothing else stands, bracketRegion knows them too.
var regions = sync.OnceValue(func() map[string]string {
	m := map[string]string{}
	add := func(d division.Division) {
		name := d.Name
		if name == "" || strings.Contains(name, "直辖") || name == "市辖区" || name == "县" {
			return
		}
		code := d.Code
		m[name] = code
		if short := shortRegion(name); short != name && utf8.RuneCountInString(short) >= 2 {
			if _, taken := m[short]; !taken {
				m[short] = code
			}
		}
	}
	for _, p := range division.Provinces() {
		add(p)
	}
	for _, c := range division.Cities() {
		add(c)
	}
	for _, c := range division.Counties() {
		if _, taken := m[c.Name]; !taken && utf8.RuneCountInString(c.Name) >= 3 {
			m[c.Name] = c.Code
		}
	}
	return m
})

// countyShort maps counties' short names (昆山市 → 昆山) to their codes,
// for bracketed regions only.
var countyShort = sync.OnceValue(func() map[string]string {
	m := map[string]string{}
	for _, c := range division.Counties() {
		if short := shortRegion(c.Name); short != c.Name && utf8.RuneCountInString(short) >= 2 {
			if _, taken := m[short]; !taken {
				m[short] = c.Code
			}
		}
	}
	return m
})

// regionSuffixes are what a region's short name drops, longest first.
var regionSuffixes = []string{"维吾尔自治区", "壮族自治区", "回族自治区", "特别行政区", "自治区", "自治县", "新区", "地区", "省", "市", "盟", "县", "区"}

func shortRegion(name string) string {
	if i := strings.Index(name, "自治州"); i > 0 {
		r := []rune(name)
		return string(r[:2]) // 延边朝鲜族自治州 → 延边
	}
	for _, s := range regionSuffixes {
		if rest, ok := strings.CutSuffix(name, s); ok {
			return rest
		}
	}
	return name
}

// regionPrefix returns the code of the longest region name s starts with,
// and the rest of s.
func regionPrefix(s string) (code, rest string, ok bool) {
	m := regions()
	best := 0
	// Region names are 2 to 8 runes long.
	end := 0
	for n := 1; n <= 8 && end < len(s); n++ {
		_, size := utf8.DecodeRuneInString(s[end:])
		end += size
		if n < 2 {
			continue
		}
		if c, found := m[s[:end]]; found {
			code, best = c, end
		}
	}
	if best == 0 {
		return "", s, false
	}
	return code, s[best:], true
}

// bracketRegion reports whether a bracketed part of a name is a region:
// （北京）, （深圳市）, or （中国）, which names no region (code "").
func bracketRegion(s string) (code string, ok bool) {
	if s == "中国" {
		return "", true
	}
	if code, ok = regions()[s]; ok {
		return code, ok
	}
	code, ok = countyShort()[s]
	return code, ok
}

// regionsAgree reports whether two names' regions can be the same place:
// either names none, or a region of one contains or equals a region of
// the other (广东 and 深圳 agree; 北京 and 上海 do not).
func regionsAgree(a, b []string) bool {
	if len(a) == 0 || len(b) == 0 {
		return true
	}
	for _, x := range a {
		for _, y := range b {
			if strings.HasPrefix(x, y) || strings.HasPrefix(y, x) {
				return true
			}
		}
	}
	return false
}
