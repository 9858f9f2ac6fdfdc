package web

import (
	"net/http"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/division"
	"github.com/credo-registry/credo/lists"
	"github.com/credo-registry/credo/store/paging"
)

// listsPage is the lists page's data: the published lists.
type listsPage struct {
	Lists []*lists.Definition
}

// lists answers /{lang}/lists/: every published list and what it means.
func (s *Server) lists(r *http.Request, l *lang) (string, any, error) {
	out := &listsPage{}
	for _, d := range s.process.Catalogue.Lists {
		if d.Public {
			out.Lists = append(out.Lists, d)
		}
	}
	return "lists", out, nil
}

// listPage is one list's page: its definition and a page of its active
// entries, filtered by division.
type listPage struct {
	List     *lists.Definition
	Division string
	Entries  []entryView
	Next     string // the cursor of the next page
	Names    map[string]string
	// Authorities names the authorities of the entries.
	Authorities map[string]string
}

func (p *listPage) PageTitle(l *lang) string { return p.List.Title }

// listPageSize is the entries on one page of a list.
const listPageSize = 50

// list answers /{lang}/lists/{list}?division=&cursor=: the active entries
// the public may see, newest first.
func (s *Server) list(r *http.Request, l *lang) (string, any, error) {
	def := s.process.Catalogue.Find(r.PathValue("list"))
	if def == nil || !def.Public {
		return "", nil, credo.ErrNotFound("list", r.PathValue("list"))
	}
	q := r.URL.Query()
	out := &listPage{List: def, Division: q.Get("division"), Names: map[string]string{}, Authorities: map[string]string{}}
	if out.Division != "" && !division.ValidPrefix(out.Division) {
		return "", nil, credo.FieldError("division", "format", "must be a division code prefix of 2 to 6 digits")
	}
	now := s.now()
	lq := credo.ListQuery{List: def.ID, Division: out.Division, Status: credo.ListActive, AsOf: now, Cursor: q.Get("cursor"), Limit: listPageSize}
	for {
		page, err := s.process.Store.ListEntries(ctx(r), lq)
		if err != nil {
			return "", nil, err
		}
		for i, e := range page.Entries {
			if !s.process.Policy.Entry(public, e, now, now) {
				continue
			}
			out.Entries = append(out.Entries, s.process.View(e, now, nil))
			if len(out.Entries) == listPageSize {
				if i < len(page.Entries)-1 || page.Next != "" {
					out.Next = paging.IDCursor('l', e.ID)
				}
				return "list", s.named(r, out), nil
			}
		}
		if page.Next == "" {
			return "list", s.named(r, out), nil
		}
		lq.Cursor = page.Next
	}
}

// named fills in the names of the listed organizations.
func (s *Server) named(r *http.Request, p *listPage) *listPage {
	for _, e := range p.Entries {
		s.authorityName(r, p.Authorities, e.Authority)
		if _, ok := p.Names[e.Subject]; ok {
			continue
		}
		if sub, err := s.store.Subject(ctx(r), e.Subject); err == nil {
			p.Names[e.Subject] = sub.Name
		} else {
			p.Names[e.Subject] = ""
		}
	}
	return p
}
