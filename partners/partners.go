package partners

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/dueprocess"
	"github.com/credo-registry/credo/store/paging"
	"github.com/credo-registry/credo/visibility"
)

// Store is what the service reads and writes.
type Store interface {
	AdjacencyReader
	Relationships(ctx context.Context, q credo.RelationshipQuery) ([]*credo.Relationship, error)
	AppendRelationships(ctx context.Context, rels []*credo.Relationship) ([]credo.Outcome, error)
	PersonRoles(ctx context.Context, personKey string) ([]credo.PersonRole, error)
	Subject(ctx context.Context, code string) (*credo.Subject, error)
	CurrentAssessment(ctx context.Context, code string) (*credo.Assessment, error)
}

// Service answers partners, networks and roles, and takes submissions.
type Service struct {
	Store Store
	// Process shows grades and list entries as each viewer may see them
	// (nil: no grades or entries are shown).
	Process *dueprocess.Service
	// Cache answers walks from memory, kept current by the change log
	// (nil: every walk reads the store).
	Cache *AdjacencyCache
	Now   func() time.Time // the registry clock; time.Now when nil
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC().Truncate(time.Microsecond)
	}
	return time.Now().UTC().Truncate(time.Microsecond)
}

// Partner is an organization reached, as shown: its path from the start,
// its grades and its active adverse list entries as the viewer may see
// them.
type Partner struct {
	Code     string `json:"code"`
	Name     string `json:"name,omitempty"`
	Distance int    `json:"distance"`
	Path     []Hop  `json:"path"`
	// Grade is the comprehensive grade, Grades the domain grades, each
	// when the viewer may see it.
	Grade   string            `json:"grade,omitempty"`
	Grades  map[string]string `json:"grades"`
	Adverse []Entry           `json:"adverse"`
}

// Entry is an active entry of an adverse list.
type Entry struct {
	ID             int64      `json:"id"`
	List           string     `json:"list"`
	ListTitle      string     `json:"list_title,omitempty"`
	DecisionNumber string     `json:"decision_number"`
	EffectiveAt    credo.Time `json:"effective_at"`
	Until          credo.Time `json:"until,omitzero"`
}

// PartnersPage is one page of what Partners reached, nearest first (then
// by code); Next is "" on the last page. Total counts every organization
// reached.
type PartnersPage struct {
	Subject  string     `json:"subject"`
	AsOf     credo.Time `json:"as_of"`
	Depth    int        `json:"depth"`
	Total    int        `json:"total"`
	Partners []Partner  `json:"partners"`
	Next     string     `json:"next,omitempty"`
}

// Partners answers the organizations reachable from q.Code within
// q.Depth, one page (cursor, limit as every listing) at a time. q.AsOf
// zero is now.
func (s *Service) Partners(ctx context.Context, v credo.Viewer, q Query, cursor string, limit int) (*PartnersPage, error) {
	n, err := paging.Size(limit)
	if err != nil {
		return nil, err
	}
	after := -1
	if cursor != "" {
		pos, err := paging.Position('p', cursor)
		if err != nil {
			return nil, err
		}
		if after, err = strconv.Atoi(pos); err != nil || after < 0 {
			return nil, paging.BadCursor()
		}
	}
	g, asOf, err := s.walk(ctx, v, &q)
	if err != nil {
		return nil, err
	}
	page := &PartnersPage{Subject: q.Code, AsOf: credo.NewTime(asOf), Depth: q.Depth, Total: len(g.Reached), Partners: []Partner{}}
	from := after + 1
	to := min(from+n, len(g.Reached))
	for i := from; i < to; i++ {
		rc := g.Reached[i]
		p := Partner{Code: rc.Code, Distance: rc.Distance, Path: g.Path(rc.Code)}
		if err := s.state(ctx, v, &p, q.AsOf, asOf); err != nil {
			return nil, err
		}
		page.Partners = append(page.Partners, p)
	}
	if to < len(g.Reached) {
		page.Next = paging.Cursor('p', strconv.Itoa(to-1))
	}
	return page, nil
}

// walk checks q, fills its AsOf's default and walks. The start must be
// registered.
func (s *Service) walk(ctx context.Context, v credo.Viewer, q *Query) (*Graph, time.Time, error) {
	if err := q.Check(); err != nil {
		return nil, time.Time{}, err
	}
	asOf := q.AsOf
	if asOf.IsZero() {
		asOf = s.now()
	}
	if asOf.After(credo.LatestAsOf) {
		return nil, time.Time{}, credo.FieldError("as_of", "range", "must be before %s", credo.LatestAsOf.Format(time.DateOnly))
	}
	if _, err := s.Store.Subject(ctx, q.Code); err != nil {
		return nil, time.Time{}, err
	}
	walked := *q
	walked.AsOf = asOf
	var rels AdjacencyReader = s.Store
	if s.Cache != nil {
		var err error
		if rels, err = s.Cache.Current(ctx); err != nil {
			return nil, time.Time{}, err
		}
	}
	g, err := Walk(ctx, rels, v, walked)
	return g, asOf, err
}

// state fills p's name, grades and adverse entries as v may see them at
// asOf: the stored current assessment when the question is about now
// (asked zero) and it still holds, else the assessment computed as of
// then.
func (s *Service) state(ctx context.Context, v credo.Viewer, p *Partner, asked, asOf time.Time) error {
	p.Grades, p.Adverse = map[string]string{}, []Entry{}
	if sub, err := s.Store.Subject(ctx, p.Code); err == nil {
		p.Name = sub.Name
	} else if credo.ErrorCodeOf(err) != credo.ENOTFOUND {
		return err
	}
	if s.Process == nil {
		return nil
	}
	a, err := s.assessment(ctx, v, p.Code, asked, asOf)
	if err != nil {
		return err
	}
	if a != nil {
		p.Grade = a.Grade
		for id, d := range a.Dimensions {
			if d != nil && d.Grade != "" {
				p.Grades[id] = d.Grade
			}
		}
	}
	entries, err := s.Process.SubjectLists(ctx, v, p.Code, asOf)
	if err != nil {
		return err
	}
	for _, e := range entries {
		def := s.Process.Catalogue.List(e.List)
		if e.State.Status != credo.ListActive || def == nil || !def.Adverse {
			continue
		}
		p.Adverse = append(p.Adverse, Entry{ID: e.ID, List: e.List, ListTitle: e.ListTitle,
			DecisionNumber: e.DecisionNumber, EffectiveAt: e.EffectiveAt, Until: e.Until})
	}
	slices.SortFunc(p.Adverse, func(a, b Entry) int { return compareID(a.ID, b.ID) })
	return nil
}

func (s *Service) assessment(ctx context.Context, v credo.Viewer, code string, asked, asOf time.Time) (*credo.Assessment, error) {
	if asked.IsZero() {
		a, err := s.Store.CurrentAssessment(ctx, code)
		if err == nil && a.HoldsAt(asOf) {
			// Grades only: contributions are not shown here, so no
			// record needs judging.
			return s.Process.Policy.Assessment(v, a, nil), nil
		}
		if err != nil && credo.ErrorCodeOf(err) != credo.ENOTFOUND {
			return nil, err
		}
	}
	if s.Process.Grading == nil {
		return nil, nil
	}
	return s.Process.Assessment(ctx, v, code, asOf)
}

// Node is an organization of a network: the start (distance 0) or one
// reached.
type Node struct {
	Code     string            `json:"code"`
	Name     string            `json:"name,omitempty"`
	Distance int               `json:"distance"`
	Grade    string            `json:"grade,omitempty"`
	Grades   map[string]string `json:"grades"`
	Adverse  []Entry           `json:"adverse"`
}

// Network is a walk for drawing: the nodes (the start first, then
// nearest first) and the relationships among them as v may see them.
// Truncated is set when more organizations were reached than
// MaxNetworkNodes: the nearest are kept.
type Network struct {
	Subject   string                `json:"subject"`
	AsOf      credo.Time            `json:"as_of"`
	Depth     int                   `json:"depth"`
	Nodes     []Node                `json:"nodes"`
	Edges     []*credo.Relationship `json:"edges"`
	Truncated bool                  `json:"truncated,omitempty"`
}

// MaxNetworkNodes bounds the nodes of a network (the start included):
// more cannot be drawn to any use.
const MaxNetworkNodes = 500

// Network answers the walk of q as nodes and edges.
func (s *Service) Network(ctx context.Context, v credo.Viewer, q Query) (*Network, error) {
	g, asOf, err := s.walk(ctx, v, &q)
	if err != nil {
		return nil, err
	}
	out := &Network{Subject: q.Code, AsOf: credo.NewTime(asOf), Depth: q.Depth, Nodes: []Node{}, Edges: []*credo.Relationship{}}
	reached := g.Reached
	if len(reached)+1 > MaxNetworkNodes {
		reached, out.Truncated = reached[:MaxNetworkNodes-1], true
	}
	in := map[string]bool{q.Code: true}
	nodes := append([]Reached{{Code: q.Code}}, reached...)
	for _, rc := range nodes {
		in[rc.Code] = true
		p := Partner{Code: rc.Code, Distance: rc.Distance}
		if err := s.state(ctx, v, &p, q.AsOf, asOf); err != nil {
			return nil, err
		}
		out.Nodes = append(out.Nodes, Node{Code: p.Code, Name: p.Name, Distance: p.Distance, Grade: p.Grade, Grades: p.Grades, Adverse: p.Adverse})
	}
	// The edges in full, read again for the nodes kept (at most
	// MaxNetworkNodes, one read).
	read := map[int64]bool{}
	for _, e := range g.Edges {
		if in[e.From] && in[e.To] {
			read[e.ID] = true
		}
	}
	codes := make([]string, 0, len(nodes))
	for _, rc := range nodes {
		codes = append(codes, rc.Code)
	}
	rels, err := s.Store.Relationships(ctx, credo.RelationshipQuery{Codes: codes, Kinds: q.Kinds, AsOf: asOf})
	if err != nil {
		return nil, err
	}
	for _, r := range rels {
		if read[r.ID] {
			out.Edges = append(out.Edges, visibility.ShownRelationship(v, r))
		}
	}
	return out, nil
}

// Roles is what a person is in every organization whose latest
// registration names it.
type Roles struct {
	PersonKey string             `json:"person_key"`
	Roles     []OrganizationRole `json:"roles"`
}

// OrganizationRole is a person's roles in one organization.
type OrganizationRole struct {
	credo.PersonRole
	Organization string `json:"organization,omitempty"` // the organization's name
}

// Roles answers the roles of the person with key, for authorities and
// administrators only (visibility.PersonKeys): no one else may look a
// person up.
func (s *Service) Roles(ctx context.Context, v credo.Viewer, key string) (*Roles, error) {
	if !visibility.PersonKeys(v) {
		return nil, &credo.Error{Code: credo.EFORBIDDEN, Field: "person_key", Reason: "people",
			Message: "people are looked up by authorities and administrators only"}
	}
	if !credo.IsPersonKey(key) {
		return nil, credo.FieldError("person_key", "format", "must be a person key issued by this registry")
	}
	roles, err := s.Store.PersonRoles(ctx, key)
	if err != nil {
		return nil, err
	}
	out := &Roles{PersonKey: key, Roles: []OrganizationRole{}}
	for _, r := range roles {
		o := OrganizationRole{PersonRole: r}
		if sub, err := s.Store.Subject(ctx, r.Code); err == nil {
			o.Organization = sub.Name
		}
		out.Roles = append(out.Roles, o)
	}
	return out, nil
}

// Submit stores a relationship an authority submits (guarantor,
// joint_venture, contract: within its jurisdiction, as a record would
// be) or an organization declares about itself with its own account
// (supplier, customer). It returns the version as stored and whether it
// was created (false: the same was stored already). Every refusal names
// the field and stores nothing.
func (s *Service) Submit(ctx context.Context, v credo.Viewer, r *credo.Relationship) (*credo.Relationship, bool, error) {
	r.Normalize()
	now := s.now()
	r.ID, r.SupersededBy = 0, 0
	r.Source, r.Authority, r.Declarant, r.Account = "", "", "", ""
	if err := r.Validate(now); err != nil {
		return nil, false, err
	}
	src := credo.RelationshipSource(r.Kind)
	switch {
	case v.Role == credo.RoleAuthority && v.Authority != nil:
		if src != credo.SourceAuthority {
			return nil, false, wrongSubmitter(r.Kind, src)
		}
		if err := authorize(v.Authority, r); err != nil {
			return nil, false, err
		}
		r.Authority = v.Authority.ID
	case v.Role == credo.RoleOrganization && v.Account != nil && v.Account.Subject != "":
		if src != credo.SourceDeclaration {
			return nil, false, wrongSubmitter(r.Kind, src)
		}
		own := v.Account.Subject
		if r.From != own && r.To != own {
			return nil, false, &credo.Error{Code: credo.EFORBIDDEN, Field: "from", Reason: "not_declarant",
				Message: fmt.Sprintf("an organization declares its own suppliers and customers: from or to must be %s, the organization of this token", own)}
		}
		r.Declarant, r.Account = own, v.Account.ID
	default:
		return nil, false, &credo.Error{Code: credo.EFORBIDDEN, Reason: "role",
			Message: "relationships are submitted by authorities and declared by organizations with their own token"}
	}
	r.Source = src
	for _, end := range []struct{ field, code string }{{"from", r.From}, {"to", r.To}} {
		if _, err := s.Store.Subject(ctx, end.code); credo.ErrorCodeOf(err) == credo.ENOTFOUND {
			return nil, false, credo.FieldError(end.field, "unknown", "%s is not a registered organization", end.code)
		} else if err != nil {
			return nil, false, err
		}
	}
	r.RecordedAt = credo.NewTime(now)
	out, err := s.Store.AppendRelationships(ctx, []*credo.Relationship{r})
	if err != nil {
		return nil, false, err
	}
	switch o := out[0]; o.Status {
	case credo.Created:
		r.ID = o.ID
		return r, true, nil
	case credo.Exists:
		stored := *r
		stored.ID = o.ID
		return &stored, false, nil
	default:
		return nil, false, o.Err
	}
}

func wrongSubmitter(kind, src string) error {
	var msg string
	switch src {
	case credo.SourceRegistration:
		msg = kind + " relationships are derived from registration data: submit the registration instead"
	case credo.SourceDeclaration:
		msg = kind + " relationships are declared by the organization itself, with its own token"
	default:
		msg = kind + " relationships are submitted by an authority"
	}
	return &credo.Error{Code: credo.EFORBIDDEN, Field: "kind", Reason: "source", Message: msg}
}

// Categories: the field of competence under which an authority submits a
// relationship of each kind, as a record of that category.
var Categories = map[string]string{
	credo.RelationshipContract:     "procurement",
	credo.RelationshipGuarantor:    "finance",
	credo.RelationshipJointVenture: "market",
}

// authorize applies the jurisdiction rule of records to r: the authority
// may submit the kind's category, and its divisions cover one end of it.
func authorize(a *credo.Authority, r *credo.Relationship) error {
	cat := Categories[r.Kind]
	if !slices.Contains(a.Categories, cat) {
		return &credo.Error{Code: credo.EFORBIDDEN, Field: "kind", Reason: "category",
			Message: fmt.Sprintf("a %s relationship is submitted under category %s, which authority %s may not submit (its categories: %s)",
				r.Kind, cat, a.ID, strings.Join(a.Categories, ", "))}
	}
	if !a.CoversDivision(r.From) && !a.CoversDivision(r.To) {
		return &credo.Error{Code: credo.EFORBIDDEN, Field: "from", Reason: "division",
			Message: fmt.Sprintf("neither %s nor %s is within the jurisdiction of authority %s (its divisions: %s)",
				r.From, r.To, a.ID, strings.Join(a.Divisions, ", "))}
	}
	return nil
}
