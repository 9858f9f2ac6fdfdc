package demo

import (
	"fmt"
	"time"

	"github.com/credo-registry/credo"
)

// Relationships beside those registration data makes (shareholders,
// subsidiaries and shared officers follow from the subjects): contracts
// from a few public buyers, each a hub of many suppliers; guarantees and
// joint ventures between enterprises; and the suppliers and customers the
// first listed companies declare.
const (
	hubsPer        = 2000 // one procurement hub per this many subjects (at least one)
	hubSuppliers   = 400  // contracts per hub at most (a tenth of the subjects when fewer)
	guaranteeShare = 0.01 // enterprises guaranteed by another
	ventureShare   = 0.005
	declarers      = 20 // the first listed companies declare partners
)

// Relationships calls fn for each relationship in order, stopping at the
// first error, which it returns: authorities' (Source, Authority and
// Reference set) and declarations (Declarant set). Since lies after both
// organizations were established and before Now; RecordedAt is three days
// after Since, or Now when that is later. ID is zero. Each is new: fn may
// keep it.
func Relationships(cfg Config, fn func(*credo.Relationship) error) error {
	g, err := newGenerator(cfg)
	if err != nil {
		return err
	}
	r := newRNG(g.seed, streamRelationship, 0)
	since := func(a, b *core) credo.Date {
		lo := max(a.established, b.established, g.nowDay-3*daysPerYear, 3653) // not before 1980
		return credo.Date{Time: dayTime(r.between64(lo, max(lo, g.nowDay-4)))}
	}
	emit := func(rel *credo.Relationship) error {
		rec := rel.Since.Add(72 * time.Hour)
		if rec.After(g.nowTime) {
			rec = g.nowTime
		}
		rel.RecordedAt = credo.NewTime(rec)
		return fn(rel)
	}
	active := func(c *core) bool { return c.status == credo.StatusActive }

	// Procurement hubs: the first public institutions.
	hubs := max(1, g.n/hubsPer)
	suppliers := min(hubSuppliers, max(1, g.n/10))
	for i := 0; i < g.n && hubs > 0; i++ {
		buyer := g.core(i)
		if buyer.class != classInstitution || !active(&buyer) {
			continue
		}
		hubs--
		seen := map[int]bool{i: true}
		for k := 0; k < suppliers; k++ {
			j := r.intn(g.n)
			sup := g.core(j)
			if seen[j] || sup.class != classEnterprise || !active(&sup) {
				continue
			}
			seen[j] = true
			if err := emit(&credo.Relationship{Kind: credo.RelationshipContract, From: buyer.code, To: sup.code,
				Since: since(&buyer, &sup), Source: credo.SourceAuthority, Authority: "ccgp",
				Reference: fmt.Sprintf("CCGP-%d-%06d", i, k)}); err != nil {
				return err
			}
		}
	}
	// Guarantees and joint ventures between active enterprises.
	for i := 0; i < g.n; i++ {
		c := g.core(i)
		if c.class != classEnterprise || !active(&c) {
			continue
		}
		for _, t := range []struct {
			kind, authority, prefix string
			share                   float64
		}{{credo.RelationshipGuarantor, "nfra", "NFRA-G", guaranteeShare}, {credo.RelationshipJointVenture, "samr", "SAMR-JV", ventureShare}} {
			if !r.chance(t.share) {
				continue
			}
			j := r.intn(g.n)
			o := g.core(j)
			if j == i || o.class != classEnterprise || !active(&o) {
				continue
			}
			if err := emit(&credo.Relationship{Kind: t.kind, From: o.code, To: c.code, Since: since(&o, &c),
				Source: credo.SourceAuthority, Authority: t.authority, Reference: fmt.Sprintf("%s-%d", t.prefix, i)}); err != nil {
				return err
			}
		}
	}
	// Declarations: each of the first listed companies names a few
	// suppliers and customers.
	for i := 1; i < min(g.n, 1+declarers); i++ {
		c := g.core(i)
		named := map[int]bool{i: true}
		for k := 0; k < 3+r.intn(6); k++ {
			j := r.intn(g.n)
			o := g.core(j)
			if named[j] || !active(&o) {
				continue
			}
			named[j] = true
			rel := &credo.Relationship{Kind: credo.RelationshipSupplier, From: o.code, To: c.code, Since: since(&o, &c),
				Source: credo.SourceDeclaration, Declarant: c.code}
			if r.chance(0.4) {
				rel.Kind, rel.From, rel.To = credo.RelationshipCustomer, o.code, c.code
			}
			if err := emit(rel); err != nil {
				return err
			}
		}
	}
	return nil
}
