package credo

import "strings"

// Partners are what an assessment knows about an organization's partners
// as of its time: an input of the grade, like its records (a grade is a
// function of records, partners, rulebook version and as-of). They are
// chosen by the rulebook's partners sections (package partners gathers
// them from the store; package partners/graph for the whole graph).
type Partners struct {
	// Counted are the partners whose state weighs on the organization: the
	// heaviest within the rulebook's reach, each with its heaviest path.
	Counted []Partner `json:"counted,omitempty"`
	// Direct are the organizations one relationship away of the kinds the
	// rulebook's direct partner rules read (officer links), each with
	// that relationship as its path.
	Direct []Partner `json:"direct,omitempty"`
}

// Partner is one partner of an assessed organization: the path that
// reaches it (from the assessed organization) and its own state.
type Partner struct {
	Code string `json:"code"`
	Path []Hop  `json:"path"`
	// Grades are the partner's own grades in force by dimension: without
	// what its own partners did to them (OwnGrade), and without dimensions
	// made of partners, so that risk passes one step per relationship and
	// never comes back around a cycle.
	Grades map[string]string `json:"grades,omitempty"`
	// Entries are its list entries in effect at the time.
	Entries []PartnerEntry `json:"entries,omitempty"`
}

// Hop is one relationship of a path, as recorded: From —Kind→ To.
type Hop struct {
	From  string       `json:"from"`
	Kind  string       `json:"kind"`
	To    string       `json:"to"`
	Since Date         `json:"since"`
	Roles *SharedRoles `json:"roles,omitempty"` // shared_officer: the person's roles at each end
}

// PartnerEntry is a partner's list entry in effect.
type PartnerEntry struct {
	List           string `json:"list"`
	Since          Time   `json:"since"` // when it took effect
	DecisionNumber string `json:"decision_number,omitempty"`
}

// PathString writes a path from code as `A —supplier→ B —shareholder→ C`,
// each hop in its recorded direction.
func PathString(code string, path []Hop) string {
	var b strings.Builder
	at := code
	b.WriteString(at)
	for _, h := range path {
		next := h.To
		if h.To == at {
			next = h.From
		}
		if h.From == at {
			b.WriteString(" —" + h.Kind + "→ " + next)
		} else {
			b.WriteString(" ←" + h.Kind + "— " + next)
		}
		at = next
	}
	return b.String()
}
