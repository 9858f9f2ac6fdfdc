package demo

import (
	"slices"
	"strings"
	"sync"

	"github.com/credo-registry/credo"
)

// The record categories, by their names in credo.Categories.
const (
	catRegistration   = "registration"
	catMarket         = "market"
	catTax            = "tax"
	catEnvironment    = "environment"
	catCustoms        = "customs"
	catQuality        = "quality"
	catSafety         = "safety"
	catCourt          = "court"
	catProcurement    = "procurement"
	catHonour         = "honour"
	catLabour         = "labour"
	catHealth         = "health"
	catFire           = "fire"
	catTransport      = "transport"
	catFinance        = "finance"
	catSocialSecurity = "social_security"
	catAgriculture    = "agriculture"
	catHousing        = "housing"
	catCulture        = "culture"
	catStatistics     = "statistics"
)

// authoritySpec is an authority of the demo registry and what its records
// look like: the prefix of its external ids.
type authoritySpec struct {
	credo.Authority
	extPrefix string // SAMR in SAMR-2024-0000123
	// registers names the entity classes whose registration this
	// authority keeps; nil for the market regulators, which register
	// every market entity in their divisions.
	registers []class
}

func auth(id, name string, divisions []string, extPrefix string, categories ...string) authoritySpec {
	return authoritySpec{
		Authority: credo.Authority{ID: id, Name: name, Divisions: divisions, Categories: categories},
		extPrefix: extPrefix,
	}
}

var nationwide = []string{credo.Nationwide}

// authoritySpecs lists the national authorities first, then the provincial
// and municipal ones that take over their field in their own divisions.
var authoritySpecs = func() []authoritySpec {
	specs := []authoritySpec{
		auth("samr", "国家市场监督管理总局", nationwide, "SAMR", catMarket, catQuality, catRegistration),
		auth("sat", "国家税务总局", nationwide, "SAT", catTax),
		auth("customs", "中华人民共和国海关总署", nationwide, "GACC", catCustoms),
		auth("mee", "中华人民共和国生态环境部", nationwide, "MEE", catEnvironment),
		auth("spc", "最高人民法院", nationwide, "SPC", catCourt),
		auth("mem", "中华人民共和国应急管理部", nationwide, "MEM", catSafety, catFire),
		auth("ccgp", "中华人民共和国财政部（中国政府采购网）", nationwide, "CCGP", catProcurement),
		auth("honours", "全国评比达标表彰工作协调小组", nationwide, "HON", catHonour),
		auth("mohrss", "中华人民共和国人力资源和社会保障部", nationwide, "MOHRSS", catLabour, catSocialSecurity),
		auth("nhc", "国家卫生健康委员会", nationwide, "NHC", catHealth),
		auth("mot", "中华人民共和国交通运输部", nationwide, "MOT", catTransport),
		auth("nfra", "国家金融监督管理总局", nationwide, "NFRA", catFinance),
		auth("moa", "中华人民共和国农业农村部", nationwide, "MARA", catAgriculture),
		auth("mohurd", "中华人民共和国住房和城乡建设部", nationwide, "MOHURD", catHousing),
		auth("mct", "中华人民共和国文化和旅游部", nationwide, "MCT", catCulture),
		auth("nbs", "国家统计局", nationwide, "NBS", catStatistics),
		auth("mca", "中华人民共和国民政部", nationwide, "MCA", catRegistration),
		auth("moj", "中华人民共和国司法部", nationwide, "MOJ", catRegistration),
		auth("scopsr", "中央机构编制委员会办公室", nationwide, "SCOPSR", catRegistration),
		auth("sh-amr", "上海市市场监督管理局", []string{"31"}, "SHAMR", catMarket, catRegistration, catQuality),
		auth("js-tax", "国家税务总局江苏省税务局", []string{"32"}, "JSTAX", catTax),
		auth("gd-eco", "广东省生态环境厅", []string{"44"}, "GDEE", catEnvironment),
		auth("sz-amr", "苏州市市场监督管理局", []string{"3205"}, "SZAMR", catMarket, catRegistration, catQuality),
	}
	for i := range specs {
		switch specs[i].ID {
		case "mca":
			specs[i].registers = []class{classNonEnterprise}
		case "moj":
			specs[i].registers = []class{classLawFirm}
		case "scopsr":
			specs[i].registers = []class{classInstitution}
		}
	}
	return specs
}()

// Authorities returns the authorities of the demo registry: national ones
// for every category, and a few provincial and municipal ones (Shanghai,
// Jiangsu, Guangdong, Suzhou) that report in their field instead of the
// national one. They do not depend on cfg. The slice and its authorities
// are the caller's.
func Authorities(cfg Config) []*credo.Authority {
	out := make([]*credo.Authority, len(authoritySpecs))
	for i, s := range authoritySpecs {
		a := s.Authority
		a.Divisions = slices.Clone(a.Divisions)
		a.Categories = slices.Clone(a.Categories)
		out[i] = &a
	}
	return out
}

// jurisdiction answers, for each region and category, which authority
// reports: the one whose division prefix is the most specific. Registration
// of non-market entities goes to the body that registers their class.
type jurisdiction struct {
	byRegion [][]uint8 // [region][category index] -> authority index
	catIndex map[string]int
	register map[class]int // non-market classes' registering authority
}

var jurisdictions = sync.OnceValue(func() *jurisdiction {
	t := regions()
	j := &jurisdiction{catIndex: map[string]int{}, register: map[class]int{}}
	for i, c := range credo.Categories {
		j.catIndex[c] = i
	}
	for ai, a := range authoritySpecs {
		for _, c := range a.registers {
			j.register[c] = ai
		}
	}
	j.byRegion = make([][]uint8, len(t.regions))
	for ri, r := range t.regions {
		row := make([]uint8, len(credo.Categories))
		for ci, cat := range credo.Categories {
			best, bestLen := -1, -1
			for ai, a := range authoritySpecs {
				if a.registers != nil || !slices.Contains(a.Categories, cat) {
					continue
				}
				for _, p := range a.Divisions {
					l := 0
					if p != credo.Nationwide {
						if !strings.HasPrefix(r.code, p) {
							continue
						}
						l = len(p)
					}
					if l > bestLen {
						best, bestLen = ai, l
					}
				}
			}
			if best < 0 {
				best = 255 // no authority: the category is never drawn
			}
			row[ci] = uint8(best)
		}
		j.byRegion[ri] = row
	}
	return j
})

// authorityFor returns the index in authoritySpecs of the authority that
// reports records of category about an organization of class in region.
func (j *jurisdiction) authorityFor(region int, cl class, category string) int {
	if category == catRegistration {
		if a, ok := j.register[cl]; ok {
			return a
		}
	}
	return int(j.byRegion[region][j.catIndex[category]])
}
