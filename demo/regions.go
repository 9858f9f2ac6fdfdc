package demo

import (
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/credo-registry/credo/division"
)

// provinceWeight is roughly each province's share of China's registered
// enterprises, in tenths of a percent: the demo registry is as crowded in
// Guangdong and as sparse in Tibet as the real one.
var provinceWeight = map[string]float64{
	"11": 45, "12": 15, "13": 45, "14": 18, "15": 12, "21": 22, "22": 10, "23": 10,
	"31": 40, "32": 95, "33": 80, "34": 45, "35": 40, "36": 25, "37": 80,
	"41": 50, "42": 40, "43": 35, "44": 130, "45": 22, "46": 12,
	"50": 22, "51": 45, "52": 18, "53": 20, "54": 2,
	"61": 25, "62": 8, "63": 3, "64": 4, "65": 10,
}

// provinceAbbr is the one-character abbreviation used in document numbers.
var provinceAbbr = map[string]string{
	"11": "京", "12": "津", "13": "冀", "14": "晋", "15": "蒙", "21": "辽", "22": "吉", "23": "黑",
	"31": "沪", "32": "苏", "33": "浙", "34": "皖", "35": "闽", "36": "赣", "37": "鲁",
	"41": "豫", "42": "鄂", "43": "湘", "44": "粤", "45": "桂", "46": "琼",
	"50": "渝", "51": "川", "52": "黔", "53": "滇", "54": "藏",
	"61": "陕", "62": "甘", "63": "青", "64": "宁", "65": "新",
}

// region is a county-level division with the name forms company names and
// document numbers are made of.
type region struct {
	code          string // 6 digits
	fullName      string // 广东省深圳市龙岗区
	province      string // 2 digits
	provinceName  string // 广东省
	provinceShort string // 广东
	cityFull      string // 深圳市 (上海市 for a municipality's district)
	cityShort     string // 深圳
	countyFull    string // 龙岗区
	countyShort   string // 龙岗, or "" when the short form would not read naturally
	countyTown    bool   // a county or county-level city (its name leads local firms' names)
	docPrefix     string // 深龙: city and county initials leading local document numbers
	idRegion      string // the code as it can appear in an identity number
}

type regionTable struct {
	regions []region
	cum     []float64 // cumulative weights over regions
	byCode  map[string]int
	// byCity and byProvince map a prefecture or province name, full or
	// short, to its regions' indices, to place listed companies where their
	// names say.
	byCity     map[string][]int
	byProvince map[string][]int
}

var regions = sync.OnceValue(loadRegions)

func loadRegions() *regionTable {
	t := &regionTable{byCode: map[string]int{}, byCity: map[string][]int{}, byProvince: map[string][]int{}}
	provNames := map[string]string{}
	for _, p := range division.Provinces() {
		provNames[p.Code] = p.Name
	}
	var weights []float64
	for _, c := range division.Counties() {
		pw, ok := provinceWeight[c.Province]
		if !ok {
			continue
		}
		w := countyWeight(c)
		if w == 0 {
			continue
		}
		r := region{
			code:         c.Code,
			fullName:     c.FullName,
			province:     c.Province,
			provinceName: provNames[c.Province],
			countyFull:   c.Name,
		}
		r.provinceShort = shortProvince(r.provinceName)
		city, _ := division.Lookup(c.Code[:4])
		switch {
		case city.Name == "市辖区" || city.Name == "县":
			r.cityFull = r.provinceName // a municipality
		case strings.HasSuffix(city.Name, "直辖县级行政区划") || city.Name == "" || city.Name == c.Name:
			r.cityFull = c.Name // a county-level city under the province, or 东莞市
		default:
			r.cityFull = city.Name
		}
		r.cityShort = shortPlace(r.cityFull)
		r.countyShort, r.countyTown = shortCounty(c.Name)
		if r.cityFull == c.Name {
			r.countyTown = false
		}
		// A municipality's district, or a county-level city with no city
		// above it, is prefixed by the province instead.
		r.docPrefix = firstRune(r.cityShort) + firstRune(orDefault(r.countyShort, r.countyFull))
		if r.cityFull == r.provinceName || r.cityFull == r.countyFull {
			r.docPrefix = provinceAbbr[c.Province] + firstRune(orDefault(r.countyShort, r.countyFull))
		}
		r.idRegion = c.Code
		if c.Code[4] >= '7' { // development zones issue no identity numbers
			r.idRegion = c.Code[:4] + "01"
		}
		i := len(t.regions)
		t.regions = append(t.regions, r)
		t.byCode[r.code] = i
		weights = append(weights, pw*w)
	}
	// Spread each province's weight over its counties.
	provTotal := map[string]float64{}
	for i, r := range t.regions {
		provTotal[r.province] += weights[i]
	}
	for i, r := range t.regions {
		weights[i] = weights[i] / provTotal[r.province] * provinceWeight[r.province]
	}
	t.cum = cumulative(weights)
	for i, r := range t.regions {
		addPlace(t.byProvince, r.provinceName, i)
		if r.provinceShort != r.provinceName {
			addPlace(t.byProvince, r.provinceShort, i)
		}
		if r.cityFull != r.provinceName {
			addPlace(t.byCity, r.cityFull, i)
			if r.cityShort != r.cityFull {
				addPlace(t.byCity, r.cityShort, i)
			}
		}
	}
	return t
}

func addPlace(m map[string][]int, name string, i int) {
	if utf8.RuneCountInString(name) < 2 {
		return
	}
	m[name] = append(m[name], i)
}

// countyWeight says how much business a county draws within its province:
// urban districts most, county-level cities and counties less, development
// zones and administrative oddities (the South China Sea islands) little or
// nothing.
func countyWeight(c division.Division) float64 {
	n := c.Name
	switch {
	case strings.Contains(n, "群岛") || strings.Contains(n, "岛礁"):
		return 0
	case strings.Contains(n, "管委会") || strings.Contains(n, "委员会") || strings.Contains(n, "管理区"):
		return 0.2
	case c.Code[4] >= '7' || strings.Contains(n, "开发区") || strings.Contains(n, "园区") || strings.Contains(n, "示范区"):
		return 0.5
	case strings.HasSuffix(n, "新区"):
		return 5
	case strings.HasSuffix(n, "区"):
		return 3
	case strings.HasSuffix(n, "市"):
		return 2
	}
	return 1
}

func shortProvince(name string) string {
	for _, s := range []string{"壮族自治区", "回族自治区", "维吾尔自治区", "自治区", "省", "市"} {
		if strings.HasSuffix(name, s) {
			return strings.TrimSuffix(name, s)
		}
	}
	return name
}

// shortPlace drops a prefecture's administrative suffix: 深圳市 → 深圳,
// 延边朝鲜族自治州 → 延边, 大兴安岭地区 → 大兴安岭, 兴安盟 → 兴安.
func shortPlace(name string) string {
	switch {
	case strings.HasSuffix(name, "自治州"):
		return firstRunes(name, 2)
	case strings.HasSuffix(name, "地区"):
		return strings.TrimSuffix(name, "地区")
	case strings.HasSuffix(name, "盟") && utf8.RuneCountInString(name) > 2:
		return strings.TrimSuffix(name, "盟")
	case strings.HasSuffix(name, "市") && utf8.RuneCountInString(name) > 2:
		return strings.TrimSuffix(name, "市")
	case strings.HasSuffix(name, "省"):
		return strings.TrimSuffix(name, "省")
	}
	return name
}

// shortCounty returns the county's name without 区, 县 or 市 when at least
// two characters remain and the result reads as a place (龙岗, 昆山, 平江),
// and whether the county is a county or county-level city rather than an
// urban district.
func shortCounty(name string) (string, bool) {
	switch {
	case strings.Contains(name, "开发区") || strings.Contains(name, "园区") || strings.Contains(name, "示范区") ||
		strings.Contains(name, "自治") || strings.Contains(name, "委员会") || strings.Contains(name, "管理区"):
		return "", false
	case strings.HasSuffix(name, "新区"):
		s := strings.TrimSuffix(name, "新区")
		return s, false
	case strings.HasSuffix(name, "区"):
		s := strings.TrimSuffix(name, "区")
		if utf8.RuneCountInString(s) < 2 {
			return "", false
		}
		return s, false
	case strings.HasSuffix(name, "县"), strings.HasSuffix(name, "市"):
		s := name[:len(name)-len("县")]
		if utf8.RuneCountInString(s) < 2 {
			return "", true
		}
		return s, true
	}
	return "", false
}

func firstRune(s string) string {
	_, n := utf8.DecodeRuneInString(s)
	return s[:n]
}

func firstRunes(s string, k int) string {
	i := 0
	for n := 0; n < k && i < len(s); n++ {
		_, w := utf8.DecodeRuneInString(s[i:])
		i += w
	}
	return s[:i]
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// pickRegion draws a county by the weights.
func (t *regionTable) pick(r *rng) int { return weighted(r, t.cum) }

// pickIn draws one of the given counties, weighted like pick.
func (t *regionTable) pickIn(r *rng, idx []int) int {
	if len(idx) == 1 {
		return idx[0]
	}
	// Rejection against the largest weight keeps the draw proportional
	// without building a cumulative table per place.
	maxW := 0.0
	for _, i := range idx {
		maxW = max(maxW, t.weight(i))
	}
	for range 64 {
		i := idx[r.intn(len(idx))]
		if r.float()*maxW < t.weight(i) {
			return i
		}
	}
	return idx[r.intn(len(idx))]
}

func (t *regionTable) weight(i int) float64 {
	if i == 0 {
		return t.cum[0]
	}
	return t.cum[i] - t.cum[i-1]
}

// placeOf returns the counties of the province or prefecture a company name
// begins with (深圳市…, 上海…, 云南…), or nil.
func (t *regionTable) placeOf(name string) []int {
	var best []int
	bestLen := 0
	for n := 2; n <= 8; n++ {
		p := firstRunes(name, n)
		if utf8.RuneCountInString(p) < n {
			break
		}
		if idx, ok := t.byCity[p]; ok {
			best, bestLen = idx, len(p)
		} else if idx, ok := t.byProvince[p]; ok && len(p) > bestLen {
			best, bestLen = idx, len(p)
		}
	}
	return best
}
