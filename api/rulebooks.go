package api

import (
	"net/http"
	"time"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/rulebook"
)

// RulebookView is GET /v1/rulebooks/{id}: the version of a rulebook in
// force at a time, with every rule and what it rests on (its basis: law or
// credo's model), and the versions of the rulebook with their dates.
type RulebookView struct {
	ID             string     `json:"id"`
	Version        string     `json:"version"`
	Title          string     `json:"title,omitempty"`
	EffectiveFrom  credo.Time `json:"effective_from"`
	EffectiveUntil credo.Time `json:"effective_until,omitzero"`
	// Jurisdiction is nil for a national rulebook, else division prefixes.
	Jurisdiction  []string               `json:"jurisdiction"`
	Extends       string                 `json:"extends,omitempty"`
	Public        bool                   `json:"public"`
	LegalBasis    string                 `json:"legal_basis,omitempty"`
	ModelledOn    string                 `json:"modelled_on,omitempty"`
	Versions      []RulebookVersion      `json:"versions"`
	Dimensions    []RulebookDimension    `json:"dimensions"`
	Overlay       []RulebookOverlay      `json:"overlay,omitempty"`
	Publicity     []RulebookPublicity    `json:"publicity,omitempty"`
	Comprehensive *RulebookComprehensive `json:"comprehensive,omitempty"`
}

// RulebookVersion is one version of a rulebook and when it applies.
type RulebookVersion struct {
	Version        string     `json:"version"`
	EffectiveFrom  credo.Time `json:"effective_from"`
	EffectiveUntil credo.Time `json:"effective_until,omitzero"`
}

// RulebookDimension is a dimension with its rules.
type RulebookDimension struct {
	ID          string         `json:"id"`
	Title       string         `json:"title,omitempty"`
	Categories  []string       `json:"categories"`
	Grades      []string       `json:"grades"`
	Evaluation  string         `json:"evaluation"`
	Publication string         `json:"publication,omitempty"` // MM-DD, annual only
	Basis       *credo.Basis   `json:"basis,omitempty"`
	Applies     string         `json:"applies,omitempty"`
	Start       string         `json:"start"`
	Rules       []RulebookRule `json:"rules"`
	Adjustments []RulebookRule `json:"adjustments,omitempty"`
	Direct      []RulebookRule `json:"direct,omitempty"`
	Caps        []RulebookRule `json:"caps,omitempty"`
	Special     []RulebookRule `json:"special,omitempty"`
	Bands       []RulebookBand `json:"bands"`
}

// RulebookRule is any rule: a point rule (points, counts_for), an
// adjustment (points), a direct grade (grade, for), a cap (max_grade) or a
// special grade (grade); expressions are their CEL source.
type RulebookRule struct {
	ID          string       `json:"id"`
	Description string       `json:"description,omitempty"`
	Basis       *credo.Basis `json:"basis"`
	Kinds       []string     `json:"kinds,omitempty"`
	When        string       `json:"when,omitempty"`
	Points      string       `json:"points,omitempty"`
	CountsFor   string       `json:"counts_for,omitempty"`
	MaxTimes    int          `json:"max_times,omitempty"`
	Grade       string       `json:"grade,omitempty"`
	For         string       `json:"for,omitempty"`
	MaxGrade    string       `json:"max_grade,omitempty"`
	Reason      string       `json:"reason,omitempty"`
}

// RulebookBand maps scores from Min up to Grade (no min: every score below).
type RulebookBand struct {
	Grade string   `json:"grade"`
	Min   *float64 `json:"min,omitempty"`
}

// RulebookOverlay is a regional change to a dimension of the extended
// rulebook.
type RulebookOverlay struct {
	Dimension string         `json:"dimension"`
	Grades    []string       `json:"grades,omitempty"`
	Add       []RulebookRule `json:"add,omitempty"`
	Replace   []RulebookRule `json:"replace,omitempty"`
	Disable   []string       `json:"disable,omitempty"`
	Direct    []RulebookRule `json:"direct,omitempty"`
	Caps      []RulebookRule `json:"caps,omitempty"`
	Special   []RulebookRule `json:"special,omitempty"`
}

// RulebookPublicity is a row of the publicity table.
type RulebookPublicity struct {
	ID               string       `json:"id"`
	Basis            *credo.Basis `json:"basis,omitempty"`
	From             credo.Time   `json:"from"`
	Until            credo.Time   `json:"until,omitzero"`
	Kinds            []string     `json:"kinds,omitempty"`
	PenaltyTypes     []string     `json:"penalty_types,omitempty"`
	OnlyPenaltyTypes bool         `json:"only_penalty_types,omitempty"`
	Severity         []string     `json:"severity,omitempty"`
	Categories       []string     `json:"categories,omitempty"`
	MarkedOnly       bool         `json:"marked_only,omitempty"`
	Min              string       `json:"min,omitempty"`
	Max              string       `json:"max"`
}

// RulebookComprehensive is the comprehensive section.
type RulebookComprehensive struct {
	Description string         `json:"description,omitempty"`
	Basis       *credo.Basis   `json:"basis,omitempty"`
	Grades      []string       `json:"grades"`
	Score       string         `json:"score"`
	Bands       []RulebookBand `json:"bands"`
	Caps        []RulebookRule `json:"caps,omitempty"`
}

// getRulebook answers GET /v1/rulebooks/{id}: the version in force at
// ?as_of= (now when absent). 404 for an unknown id, or when no version of
// it is in force at that time.
func (s *Server) getRulebook(w http.ResponseWriter, r *http.Request) error {
	if s.Grading == nil {
		return credo.Errorf(credo.EUNAVAILABLE, "rulebooks are not available on this server")
	}
	id := r.PathValue("id")
	asOf, err := s.asOf(r)
	if err != nil {
		return err
	}
	var versions []*rulebook.Rulebook
	for _, rb := range s.Grading.Set().Rulebooks() {
		if rb.ID == id {
			versions = append(versions, rb)
		}
	}
	if len(versions) == 0 {
		return credo.Errorf(credo.ENOTFOUND, "no rulebook %q", id)
	}
	var in *rulebook.Rulebook
	for _, rb := range versions { // by effective_from: the latest begun wins
		if !rb.EffectiveFrom.After(asOf) {
			in = rb
		}
	}
	if in == nil || !in.EffectiveUntil.IsZero() && !asOf.Before(in.EffectiveUntil) {
		return credo.Errorf(credo.ENOTFOUND, "no version of rulebook %q is in force at %s", id, asOf.UTC().Format(time.RFC3339))
	}
	v := rulebookView(in)
	for _, rb := range versions {
		v.Versions = append(v.Versions, RulebookVersion{Version: rb.Version, EffectiveFrom: credo.NewTime(rb.EffectiveFrom),
			EffectiveUntil: timeOrZero(rb.EffectiveUntil)})
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

func timeOrZero(t time.Time) credo.Time {
	if t.IsZero() {
		return credo.Time{}
	}
	return credo.NewTime(t)
}

func rulebookView(rb *rulebook.Rulebook) *RulebookView {
	v := &RulebookView{ID: rb.ID, Version: rb.Version, Title: rb.Title, EffectiveFrom: credo.NewTime(rb.EffectiveFrom),
		EffectiveUntil: timeOrZero(rb.EffectiveUntil), Jurisdiction: rb.Jurisdiction, Extends: rb.Extends,
		Public: rb.Public, LegalBasis: rb.LegalBasis, ModelledOn: rb.ModelledOn, Dimensions: []RulebookDimension{}}
	for _, d := range rb.Dimensions {
		dv := RulebookDimension{ID: d.ID, Title: d.Title, Categories: d.Categories, Grades: d.Grades,
			Evaluation: d.Evaluation, Publication: d.Publication.String(), Basis: d.Basis,
			Applies: source(d.Applies), Start: source(d.Start), Rules: pointRules(d.Rules),
			Adjustments: adjustments(d.Adjustments), Direct: directRules(d.Direct), Caps: capRules(d.Caps),
			Special: specialRules(d.Special), Bands: bands(d.Bands)}
		v.Dimensions = append(v.Dimensions, dv)
	}
	for _, ov := range rb.Overlays {
		o := RulebookOverlay{Dimension: ov.Dimension, Grades: ov.Grades, Add: pointRules(ov.Add), Replace: pointRules(ov.Replace),
			Direct: directRules(ov.Direct), Caps: capRules(ov.Caps), Special: specialRules(ov.Special)}
		for _, d := range ov.Disable {
			o.Disable = append(o.Disable, d.ID)
		}
		v.Overlay = append(v.Overlay, o)
	}
	for _, p := range rb.Publicity {
		row := RulebookPublicity{ID: p.ID, Basis: p.Basis, From: credo.NewTime(p.From), Until: timeOrZero(p.Until),
			Kinds: p.Kinds, PenaltyTypes: p.PenaltyTypes, OnlyPenaltyTypes: p.OnlyPenaltyTypes, Severity: p.Severity,
			Categories: p.Categories, MarkedOnly: p.MarkedOnly, Max: p.Max.String()}
		if p.HasMin {
			row.Min = p.Min.String()
		}
		v.Publicity = append(v.Publicity, row)
	}
	if c := rb.Comprehensive; c != nil {
		v.Comprehensive = &RulebookComprehensive{Description: c.Description, Basis: c.Basis, Grades: c.Grades,
			Score: source(c.Score), Bands: bands(c.Bands), Caps: capRules(c.Caps)}
	}
	return v
}

func source(e *rulebook.Expr) string {
	if e == nil {
		return ""
	}
	return e.Source
}

func pointRules(rs []*rulebook.Rule) []RulebookRule {
	out := []RulebookRule{}
	for _, r := range rs {
		out = append(out, RulebookRule{ID: r.ID, Description: r.Description, Basis: r.Basis, Kinds: r.Kinds,
			When: source(r.When), Points: source(r.Points), CountsFor: r.CountsFor.String(), MaxTimes: r.MaxTimes})
	}
	return out
}

func adjustments(as []*rulebook.Adjustment) []RulebookRule {
	var out []RulebookRule
	for _, a := range as {
		out = append(out, RulebookRule{ID: a.ID, Description: a.Description, Basis: a.Basis, When: source(a.When), Points: source(a.Points)})
	}
	return out
}

func directRules(ds []*rulebook.Direct) []RulebookRule {
	var out []RulebookRule
	for _, d := range ds {
		out = append(out, RulebookRule{ID: d.ID, Description: d.Description, Basis: d.Basis, Kinds: d.Kinds,
			When: source(d.When), Grade: d.Grade, For: d.For.String(), Reason: d.Reason})
	}
	return out
}

func capRules(cs []*rulebook.Cap) []RulebookRule {
	var out []RulebookRule
	for _, c := range cs {
		out = append(out, RulebookRule{ID: c.ID, Description: c.Description, Basis: c.Basis, When: source(c.When),
			MaxGrade: c.MaxGrade, Reason: c.Reason})
	}
	return out
}

func specialRules(ss []*rulebook.Special) []RulebookRule {
	var out []RulebookRule
	for _, s := range ss {
		out = append(out, RulebookRule{ID: s.ID, Description: s.Description, Basis: s.Basis, When: source(s.When),
			Grade: s.Grade, Reason: s.Reason})
	}
	return out
}

func bands(bs []rulebook.Band) []RulebookBand {
	out := make([]RulebookBand, len(bs))
	for i, b := range bs {
		out[i] = RulebookBand{Grade: b.Grade, Min: b.Min}
	}
	return out
}
