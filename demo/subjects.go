package demo

import (
	"math"
	"strconv"
	"strings"

	"github.com/credo-registry/credo"
)

// Person indices: each subject has slots of its own people; two pools hold
// people who sit in many organizations, one of them in troubled ones only
// (the nominee directors of shell companies).
const personSlots = 16

func (g *generator) ownPerson(i, slot int) int { return i*personSlots + slot }

func (g *generator) serialPerson(r *rng) int {
	return g.n*personSlots + r.intn(max(1, g.n/10))
}

func (g *generator) nomineePerson(r *rng) int {
	return g.n*personSlots + max(1, g.n/10) + r.intn(max(1, g.n/100))
}

// subject generates subject i in full.
func (g *generator) subject(i int) *credo.Subject {
	c := g.core(i)
	n := g.naming(&c)
	r := newRNG(g.seed, streamDetail, i)
	reg := &regions().regions[c.region]
	s := &credo.Subject{
		Code:        c.code,
		Name:        n.name,
		ShortName:   n.shortName,
		EnglishName: n.englishName,
		FormerNames: n.formerNames,
		EntityType:  entityTypeName[c.class],
		Division:    reg.code,
		Established: credo.Date{Time: dayTime(c.established)},
		Status:      c.status,
		Industry:    n.industry,
		Authority:   authoritySpecs[jurisdictions().authorityFor(c.region, c.class, catRegistration)].ID,
	}
	if c.statusSince != 0 {
		s.StatusSince = credo.Date{Time: dayTime(c.statusSince)}
	}
	s.RegisteredCapital = &credo.Money{Amount: g.capital(&r, n), Currency: "CNY"}
	s.Address = address(&r, reg, c.class)
	g.people(&r, &c, &n, s)
	return s
}

var entityTypeName = [...]string{
	classEnterprise:    "enterprise",
	classIndividual:    "individual_business",
	classCooperative:   "farmers_cooperative",
	classInstitution:   "public_institution",
	classNonEnterprise: "private_non_enterprise",
	classLawFirm:       "law_firm",
}

func (g *generator) capital(r *rng, n naming) float64 {
	var v, step, lo float64
	switch n.form {
	case formListed:
		v, step, lo = r.logNormal(n.capital, 0.9), 1, 5e7
	case formShop:
		v, step, lo = r.logNormal(n.capital, 1), 1000, 1000
	case formNonEnterprise, formLawFirm:
		v, step, lo = r.logNormal(n.capital, 0.7), 10000, 30000
	default:
		v, step, lo = r.logNormal(n.capital, 1.2), 10000, 10000
	}
	return math.Min(roundTo(math.Max(v, lo), step), 5e10)
}

var (
	roadNames    = []string{"人民", "解放", "中山", "建设", "和平", "新华", "文化", "胜利", "东风", "朝阳", "光明", "青年", "迎宾", "长江", "黄河", "工业", "科技", "创业", "学府", "府前", "滨江", "环城", "振兴", "兴业", "金融", "高新", "富强", "民主", "团结", "友谊", "复兴", "幸福", "建国", "五一", "南京", "北京", "延安", "湖滨", "世纪", "开发"}
	roadSuffixes = []string{"路", "路", "大道", "街", "东路", "西路", "南路", "北路", "中路", "大街"}
	buildings    = []string{"大厦", "广场", "中心", "科技园", "产业园", "商务楼", "国际大厦", "创业园"}
)

// address is the division's full name, a road and a number, and for most
// firms a building, floor and room; cooperatives sit in a village.
func address(r *rng, reg *region, cl class) string {
	var b strings.Builder
	b.WriteString(reg.fullName)
	if cl == classCooperative {
		b.WriteString(tradeName(r))
		b.WriteString("镇")
		b.WriteString(tradeName(r))
		b.WriteString("村")
		b.WriteString(strconv.Itoa(r.between(1, 12)))
		b.WriteString("组")
		return b.String()
	}
	b.WriteString(pick(r, roadNames))
	b.WriteString(pick(r, roadSuffixes))
	b.WriteString(strconv.Itoa(r.between(1, 999)))
	b.WriteString("号")
	switch {
	case cl == classIndividual:
		if r.chance(0.5) {
			b.WriteString(strconv.Itoa(r.between(1, 30)))
			b.WriteString("号商铺")
		}
	case r.chance(0.6):
		b.WriteString(tradeName(r))
		b.WriteString(pick(r, buildings))
		if r.chance(0.5) {
			b.WriteString(string(rune('A' + r.intn(4))))
			b.WriteString("座")
		}
		floor := r.between(1, 32)
		b.WriteString(strconv.Itoa(floor*100 + r.between(1, 20)))
		b.WriteString("室")
	}
	return b.String()
}

// people fills in officers and shareholders, and the legal form, which
// depends on who holds the shares.
func (g *generator) people(r *rng, c *core, n *naming, s *credo.Subject) {
	i := c.index
	// A subject's own people are born near it; pooled people are the same
	// wherever they serve.
	personAt := func(p int) person {
		if p < g.n*personSlots {
			return g.person(p, c.region)
		}
		return g.person(p, -1)
	}
	officer := func(role credo.OfficerRole, p int) {
		pp := personAt(p)
		s.Officers = append(s.Officers, credo.Officer{Role: role, Name: pp.name, IDNumber: pp.idNumber})
	}
	holder := func(p int, share int) {
		pp := personAt(p)
		s.Shareholders = append(s.Shareholders, credo.Shareholder{Type: "person", Name: pp.name, IDNumber: pp.idNumber, Share: float64(share) / 100})
	}
	orgHolder := func(k int, share int) {
		kc := g.core(k)
		kn := g.naming(&kc)
		s.Shareholders = append(s.Shareholders, credo.Shareholder{Type: "organization", Code: kc.code, Name: kn.name, Share: float64(share) / 100})
	}

	legalRep := g.ownPerson(i, 0)
	switch {
	case c.risk == riskBad && r.chance(0.4):
		legalRep = g.nomineePerson(r)
	case c.risk != riskReal && r.chance(0.1):
		legalRep = g.serialPerson(r)
	}
	officer(credo.RoleLegalRepresentative, legalRep)

	switch n.form {
	case formShop:
		s.LegalForm = "个体工商户"
		return

	case formInstitution:
		s.LegalForm = "事业单位"
		return

	case formCooperative:
		s.LegalForm = "农民专业合作社"
		members := r.between(5, 12)
		for k := 1; k <= min(members-1, r.between(2, 4)); k++ {
			officer(credo.RoleDirector, g.ownPerson(i, k))
		}
		officer(credo.RoleSupervisor, g.ownPerson(i, 13))
		shares := split(r, 10000, members)
		holder(legalRep, shares[0])
		for k := 1; k < members; k++ {
			holder(g.ownPerson(i, k), shares[k])
		}
		return

	case formLawFirm:
		if r.chance(0.1) {
			s.LegalForm = "个人律师事务所"
			holder(legalRep, 10000)
			return
		}
		s.LegalForm = "律师事务所（合伙）"
		partners := r.between(3, 8)
		shares := split(r, 10000, partners)
		holder(legalRep, shares[0])
		for k := 1; k < partners; k++ {
			holder(g.ownPerson(i, k), shares[k])
		}
		return

	case formNonEnterprise:
		s.LegalForm = "民办非企业单位"
		if k := g.orgShareholder(r, c); k >= 0 && r.chance(0.2) {
			orgHolder(k, 10000)
		} else {
			holder(legalRep, 10000)
		}
		return

	case formPartnership:
		s.LegalForm = "有限合伙企业"
		lps := r.between(2, 6)
		shares := split(r, 9900, lps)
		if k := g.orgShareholder(r, c); k >= 0 {
			orgHolder(k, 100) // the general partner
		} else {
			holder(legalRep, 100)
		}
		for k := range lps {
			holder(g.ownPerson(i, 1+k), shares[k])
		}
		return
	}

	// Companies: a board for the larger ones, an executive director for
	// the small.
	large := n.form == formJointStock || n.form == formListed || n.form == formGroup || c.index == 0
	if large {
		seen := map[int]bool{legalRep: true}
		officer(credo.RoleDirector, legalRep)
		for k := 1; k < r.between(5, 9); k++ {
			p := g.ownPerson(i, k)
			if c.risk != riskReal && r.chance(0.1) {
				p = g.serialPerson(r)
			}
			if !seen[p] {
				seen[p] = true
				officer(credo.RoleDirector, p)
			}
		}
		for k := range 3 {
			officer(credo.RoleSupervisor, g.ownPerson(i, 10+k))
		}
		officer(credo.RoleManager, g.ownPerson(i, 13))
	} else {
		if r.chance(0.7) {
			officer(credo.RoleDirector, legalRep)
		}
		if r.chance(0.5) {
			officer(credo.RoleManager, legalRep)
		} else {
			officer(credo.RoleManager, g.ownPerson(i, 13))
		}
		officer(credo.RoleSupervisor, g.ownPerson(i, 10))
	}

	switch {
	case c.index == 0:
		s.LegalForm = "有限责任公司（法人独资）"
	case n.form == formListed:
		// The top holders of a listed company: often a parent company,
		// then people; the rest is free float.
		s.LegalForm = "股份有限公司（上市）"
		top := r.between(3000, 7500)
		holders := r.between(3, 8)
		if k := g.orgShareholder(r, c); k >= 0 && r.chance(0.6) {
			parent := top * r.between(40, 70) / 100
			orgHolder(k, parent)
			top -= parent
			holders--
		}
		for k, sh := range split(r, top, holders) {
			holder(g.ownPerson(i, 1+k), sh)
		}
	case n.form == formJointStock:
		s.LegalForm = "股份有限公司（非上市、自然人投资或控股）"
		holders := r.between(2, 6)
		for k, sh := range split(r, 10000, holders) {
			p := legalRep
			if k > 0 {
				p = g.ownPerson(i, k)
			}
			holder(p, sh)
		}
	default: // limited liability companies and groups
		k := -1
		if r.chance(0.2) {
			k = g.orgShareholder(r, c)
		}
		switch {
		case k >= 0 && r.chance(0.5):
			s.LegalForm = "有限责任公司（法人独资）"
			orgHolder(k, 10000)
		case k >= 0:
			s.LegalForm = "其他有限责任公司"
			shares := split(r, 10000, r.between(2, 3))
			orgHolder(k, shares[0])
			holder(legalRep, shares[1])
			if len(shares) > 2 {
				holder(g.ownPerson(i, 14), shares[2])
			}
		default:
			holders := 1
			if r.chance(0.6) {
				holders = r.between(2, 3)
			}
			if holders == 1 {
				s.LegalForm = "有限责任公司（自然人独资）"
			} else {
				s.LegalForm = "有限责任公司（自然人投资或控股）"
			}
			for k, sh := range split(r, 10000, holders) {
				p := legalRep
				if k > 0 {
					p = g.ownPerson(i, 13+k)
				}
				holder(p, sh)
			}
		}
	}
}

// orgShareholder picks another generated organization to hold shares in
// subject c, or returns -1. It is always an invented one, and one generated
// earlier where there is one; troubled firms are often held by other
// troubled firms.
func (g *generator) orgShareholder(r *rng, c *core) int {
	synthetic := g.n - g.realNamed
	if synthetic < 2 && c.index >= g.realNamed || synthetic < 1 {
		return -1
	}
	if c.risk == riskBad && r.chance(0.5) {
		bad := max(1, int(badShare*float64(g.n)))
		k := int(g.rank.apply(uint64(r.intn(bad))))
		if k != c.index && k >= g.realNamed {
			return k
		}
	}
	if c.index > g.realNamed {
		return g.realNamed + r.intn(c.index-g.realNamed)
	}
	for {
		k := g.realNamed + r.intn(synthetic)
		if k != c.index {
			return k
		}
	}
}

// split divides total (basis points) into k positive parts, the first the
// largest.
func split(r *rng, total, k int) []int {
	if k <= 1 {
		return []int{total}
	}
	w := make([]float64, k)
	sum := 0.0
	for j := range w {
		w[j] = 0.2 + r.exp()
		sum += w[j]
	}
	parts := make([]int, k)
	left := total
	for j := range parts {
		parts[j] = max(1, int(float64(total)*w[j]/sum))
		left -= parts[j]
	}
	// Give the rounding remainder to the largest part, and put it first.
	big := 0
	for j := range parts {
		if parts[j] > parts[big] {
			big = j
		}
	}
	parts[big] += left
	parts[0], parts[big] = parts[big], parts[0]
	return parts
}
