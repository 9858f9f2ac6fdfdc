package web

import (
	"net/http"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/rulebook"
)

// rulebooksPage lists the rulebooks in force and published.
type rulebooksPage struct {
	Rulebooks []*rulebook.Rulebook
}

// rulebooks answers /{lang}/rulebooks/: every rulebook version loaded.
func (s *Server) rulebooks(r *http.Request, l *lang) (string, any, error) {
	return "rulebooks", &rulebooksPage{Rulebooks: s.grading.Set().Rulebooks()}, nil
}

// rulebookPage is one rulebook, explained from itself: its dimensions,
// their rules, points and legal bases.
type rulebookPage struct {
	Rulebook *rulebook.Rulebook
}

func (p *rulebookPage) PageTitle(l *lang) string { return p.Rulebook.Title }

// rulebook answers /{lang}/rulebooks/{id}: the newest version of the
// rulebook with that id.
func (s *Server) rulebook(r *http.Request, l *lang) (string, any, error) {
	var found *rulebook.Rulebook
	for _, rb := range s.grading.Set().Rulebooks() {
		if rb.ID == r.PathValue("id") && (found == nil || rb.EffectiveFrom.After(found.EffectiveFrom)) {
			found = rb
		}
	}
	if found == nil {
		return "", nil, credo.ErrNotFound("rulebook", r.PathValue("id"))
	}
	return "rulebook", &rulebookPage{Rulebook: found}, nil
}
