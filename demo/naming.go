package demo

import (
	"strings"
	"time"

	"github.com/credo-registry/credo"
)

// form is the legal shape a subject's name announces.
type form uint8

const (
	formLLC           form = iota // …有限公司, …有限责任公司
	formJointStock                // …股份有限公司
	formGroup                     // …集团有限公司
	formPartnership               // …合伙企业（有限合伙）
	formListed                    // a real listed company
	formShop                      // 个体工商户
	formCooperative               // 农民专业合作社
	formInstitution               // 事业单位
	formNonEnterprise             // 民办非企业单位
	formLawFirm                   // 律师事务所
)

// naming is a subject's name and what its name implies.
type naming struct {
	name        string
	form        form
	industry    string  // GB/T 4754-2017 class
	capital     float64 // median registered capital for such a firm
	formerNames []credo.FormerName
	shortName   string
	englishName string
}

const huaweiName = "华为技术有限公司"

// naming names subject c: a pure function of the seed and c's index.
func (g *generator) naming(c *core) naming {
	r := newRNG(g.seed, streamName, c.index)
	reg := &regions().regions[c.region]
	switch {
	case c.index == 0:
		return naming{name: huaweiName, form: formLLC, industry: "C3921", capital: 4e10}
	case c.index < g.realNamed:
		lc := listedCompanies()[c.index-1]
		n := naming{name: lc.name, form: formListed, industry: lc.industry, capital: 8e8,
			shortName: lc.shortName, englishName: lc.englishName}
		n.formerNames = g.formerNameDates(&r, c, lc.formerNames)
		if lc.formerShort != "" && lc.formerShort != lc.shortName {
			n.formerNames = append(n.formerNames, credo.FormerName{Name: lc.formerShort, Kind: credo.FormerShortName})
		}
		return n
	}
	switch c.class {
	case classIndividual:
		t := pick(&r, shopTrades)
		var b strings.Builder
		switch u := r.float(); {
		case u < 0.5:
			b.WriteString(reg.countyFull)
		case u < 0.7:
			b.WriteString(reg.cityFull)
			if reg.cityFull != reg.countyFull {
				b.WriteString(reg.countyFull)
			}
		}
		if r.chance(0.3) {
			b.WriteString(surnames[weighted(&r, surnameCum)])
			b.WriteString("记")
		} else {
			b.WriteString(tradeName(&r))
		}
		b.WriteString(t.word)
		b.WriteString(pick(&r, t.suffixes))
		return naming{name: b.String(), form: formShop, industry: t.code, capital: 3e4}
	case classCooperative:
		t := pick(&r, cooperativeTrades)
		return naming{name: reg.countyFull + tradeName(&r) + t.word + "专业合作社", form: formCooperative, industry: t.code, capital: 5e5}
	case classInstitution:
		t := pick(&r, institutionNames)
		place := reg.cityFull
		if r.chance(0.8) && reg.cityFull != reg.countyFull {
			place += reg.countyFull
		}
		word := t.word
		if word == "人民医院" && r.chance(0.6) {
			word = pick(&r, chineseOrdinals) + word
		}
		return naming{name: place + word, form: formInstitution, industry: t.code, capital: 1e6}
	case classNonEnterprise:
		t := pick(&r, nonEnterpriseNames)
		place := reg.cityFull
		if u := r.float(); u < 0.3 && reg.cityFull != reg.countyFull {
			place += reg.countyFull
		} else if u < 0.5 {
			place = reg.countyFull
		}
		return naming{name: place + tradeName(&r) + t.word, form: formNonEnterprise, industry: t.code, capital: 1e5}
	case classLawFirm:
		place := reg.provinceShort
		switch u := r.float(); {
		case reg.cityFull == reg.provinceName || u < 0.3:
			place = reg.cityFull
		case u < 0.45:
			place = reg.provinceName
		}
		return naming{name: place + tradeName(&r) + "律师事务所", form: formLawFirm, industry: "L7231", capital: 3e5}
	}

	ind := enterpriseIndustries[weighted(&r, enterpriseIndustryCum)]
	n := naming{form: formLLC, industry: pick(&r, ind.codes), capital: ind.capital}
	prefix, bracket := enterprisePrefix(&r, reg)
	trade := tradeName(&r)
	var suffix string
	switch u := r.float(); {
	case u < 0.72:
		suffix = "有限公司"
	case u < 0.86:
		suffix = "有限责任公司"
	case u < 0.95:
		suffix, n.form, n.capital = "股份有限公司", formJointStock, n.capital*5
	case u < 0.98:
		suffix, n.form, n.capital = "集团有限公司", formGroup, n.capital*20
	default:
		n.form, n.industry, n.capital = formPartnership, "L7212", 1e7
		n.name = reg.cityFull + trade + pick(&r, partnershipWords) + "合伙企业（有限合伙）"
		return n
	}
	word := ind.word
	if n.form == formGroup && r.chance(0.5) {
		word = ""
	}
	n.name = prefix + trade + bracket + word + suffix

	// Some firms changed their line of business, and their name with it.
	if r.chance(0.06) && g.nowDay-c.established > 3*daysPerYear {
		old := enterpriseIndustries[weighted(&r, enterpriseIndustryCum)]
		if old.word != ind.word {
			until := r.between64(c.established+daysPerYear, g.nowDay-30)
			n.formerNames = []credo.FormerName{{
				Name:  prefix + trade + bracket + old.word + suffix,
				From:  credo.Date{Time: dayTime(c.established)},
				Until: credo.Date{Time: dayTime(until)},
			}}
		}
	}
	return n
}

var partnershipWords = []string{"投资管理", "股权投资", "创业投资", "企业管理咨询"}

// enterprisePrefix chooses how a firm's name places it: 深圳市…, 深圳…,
// 昆山…, 广东…, or nowhere, sometimes with the city in brackets after the
// 字号 instead (华盛（深圳）科技有限公司).
func enterprisePrefix(r *rng, reg *region) (prefix, bracket string) {
	switch u := r.float(); {
	case u < 0.40:
		return reg.cityFull, ""
	case u < 0.62:
		return reg.cityShort, ""
	case u < 0.72:
		if reg.countyTown && reg.countyShort != "" {
			return reg.countyShort, ""
		}
		return reg.cityFull, ""
	case u < 0.80:
		return reg.provinceShort, ""
	case u < 0.88:
		return "", "（" + reg.cityShort + "）"
	}
	return "", ""
}

// tradeName draws a 字号 of two (sometimes three) different characters.
func tradeName(r *rng) string {
	a := r.intn(len(tradeChars))
	b := r.intn(len(tradeChars) - 1)
	if b >= a {
		b++
	}
	s := tradeChars[a] + tradeChars[b]
	if r.chance(0.12) {
		c := r.intn(len(tradeChars))
		if c != a && c != b {
			s += tradeChars[c]
		}
	}
	return s
}

// formerNameDates dates a real company's former names: used from its
// establishment until a change between the two snapshots of the listing
// (2021 and 2026), and one after another when there are several.
func (g *generator) formerNameDates(r *rng, c *core, names []string) []credo.FormerName {
	if len(names) == 0 {
		return nil
	}
	lo := max(c.established+1, day2021June)
	hi := g.nowDay - 1
	if lo > hi {
		lo = c.established + 1
	}
	out := make([]credo.FormerName, len(names))
	from := c.established
	// The last name in the list is the oldest; each ends where the next
	// one begins.
	for k := len(names) - 1; k >= 0; k-- {
		until := r.between64(lo, hi)
		lo = until
		out[k] = credo.FormerName{Name: names[k], From: credo.Date{Time: dayTime(from)}, Until: credo.Date{Time: dayTime(until)}}
		from = until
	}
	return out
}

var day2021June = time.Date(2021, 6, 1, 0, 0, 0, 0, time.UTC).Unix() / 86400
