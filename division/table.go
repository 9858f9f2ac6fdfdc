package division

import (
	"cmp"
	"embed"
	"encoding/csv"
	"fmt"
	"slices"
	"strings"
	"sync"
)

//go:embed data/*.csv
var dataFS embed.FS

// divisions is the parsed data; it is never modified after loading.
type divisions struct {
	byCode    map[string]Division
	provinces []Division
	cities    []Division
	counties  []Division
}

// table parses the embedded data on first use. The data ships with the
// binary, so a parse failure is a build defect and panics.
var table = sync.OnceValue(func() *divisions {
	t, err := load()
	if err != nil {
		panic("division: embedded data: " + err.Error())
	}
	return t
})

func load() (*divisions, error) {
	provinces, err := readCSV("provinces.csv", 2)
	if err != nil {
		return nil, err
	}
	cities, err := readCSV("cities.csv", 3)
	if err != nil {
		return nil, err
	}
	areas, err := readCSV("areas.csv", 4)
	if err != nil {
		return nil, err
	}
	t := &divisions{byCode: make(map[string]Division, len(provinces)+len(cities)+len(areas))}
	for _, r := range provinces { // code, name
		d := Division{Code: r[0], Name: r[1], FullName: r[1], Province: r[0]}
		t.byCode[d.Code] = d
		t.provinces = append(t.provinces, d)
	}
	for _, r := range cities { // code, name, provinceCode
		d := Division{Code: r[0], Name: r[1], FullName: joinNames(t.byCode[r[2]].Name, r[1]), Province: r[2]}
		t.byCode[d.Code] = d
		t.cities = append(t.cities, d)
	}
	for _, r := range areas { // code, name, cityCode, provinceCode
		d := Division{Code: r[0], Name: r[1], FullName: joinNames(t.byCode[r[3]].Name, t.byCode[r[2]].Name, r[1]), Province: r[3]}
		t.byCode[d.Code] = d
		t.counties = append(t.counties, d)
	}
	byCode := func(a, b Division) int { return cmp.Compare(a.Code, b.Code) }
	slices.SortFunc(t.provinces, byCode)
	slices.SortFunc(t.cities, byCode)
	slices.SortFunc(t.counties, byCode)
	return t, nil
}

// readCSV returns the records of an embedded file after its header, checking
// that each has the given number of fields and a well-formed code.
func readCSV(name string, fields int) ([][]string, error) {
	f, err := dataFS.Open("data/" + name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = fields
	recs, err := r.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(recs) == 0 {
		return nil, fmt.Errorf("%s: empty", name)
	}
	recs = recs[1:]
	for _, rec := range recs {
		if !ValidPrefix(rec[0]) {
			return nil, fmt.Errorf("%s: bad code %q", name, rec[0])
		}
	}
	return recs, nil
}

// joinNames concatenates division names, leaving out the placeholders the
// standard uses for city slots that are not real cities: "市辖区" (districts
// of a municipality), "县" (its counties) and "省直辖县级行政区划" and the like
// (counties under a province directly). A city without counties (东莞市) is
// listed again as its own county, so a name equal to the previous one is left
// out too.
func joinNames(names ...string) string {
	var b strings.Builder
	prev := ""
	for _, n := range names {
		if n == prev || n == "市辖区" || n == "县" || strings.HasSuffix(n, "直辖县级行政区划") {
			continue
		}
		b.WriteString(n)
		prev = n
	}
	return b.String()
}
