package visibility

import "github.com/credo-registry/credo"

// Relationship reports whether v may see r. Relationships from
// registration data and from authorities are public, like the
// registration data they come from; a declaration (supplier, customer)
// is seen only by the organization that declared it, the authorities
// whose jurisdiction covers it (any field) and administrators.
func Relationship(v credo.Viewer, r *credo.Relationship) bool {
	return r != nil && relationship(v, r.Source, r.Declarant)
}

// Edge is Relationship for a relationship as a walk reads it.
func Edge(v credo.Viewer, e credo.Edge) bool {
	return relationship(v, e.Source, e.Declarant)
}

func relationship(v credo.Viewer, source, declarant string) bool {
	switch source {
	case credo.SourceRegistration, credo.SourceAuthority:
		return true
	case credo.SourceDeclaration:
		if declarant == "" {
			return false
		}
		if Whole(v, declarant) {
			return true
		}
		return v.Role == credo.RoleAuthority && v.Authority != nil && v.Authority.CoversDivision(declarant)
	}
	return false
}

// PersonKeys reports whether v sees the person keys of people in
// relationships and may look a person up by key: authorities and
// administrators. Everyone else sees people by name and role only, so
// that the public cannot follow a person from organization to organization.
func PersonKeys(v credo.Viewer) bool {
	return v.Role == credo.RoleAdmin || v.Role == credo.RoleAuthority && v.Authority != nil
}

// ShownRelationship returns r as v may see it (nil when v may not): a
// copy without the person key unless PersonKeys, and without the
// declaring account unless v sees everything about the declarant.
func ShownRelationship(v credo.Viewer, r *credo.Relationship) *credo.Relationship {
	if !Relationship(v, r) {
		return nil
	}
	c := *r
	if !PersonKeys(v) {
		c.PersonKey = ""
	}
	if c.Account != "" && !Whole(v, c.Declarant) {
		c.Account = ""
	}
	return &c
}
