package api

import (
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/go-json-experiment/json"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/events"
	"github.com/credo-registry/credo/partners"
)

// Digest answers GET /v1/watchlists/{id}/digest: what changed about the
// watchlist's organizations in the period before now, as the caller may
// see it.
type Digest struct {
	Watchlist int64      `json:"watchlist"`
	Period    string     `json:"period"`
	From      credo.Time `json:"from"`
	To        credo.Time `json:"to"`
	// Counts are the events of the watchlist's types, by type.
	Counts map[string]int `json:"counts"`
	// GradeFell lists the organizations whose comprehensive grade fell
	// (its score went down), in the order it happened.
	GradeFell []GradeFall `json:"grade_fell"`
	// NewListings are the list entries notified in the period.
	NewListings []NewListing `json:"new_listings"`
}

// GradeFall is one fall of an organization's comprehensive grade.
type GradeFall struct {
	Subject       string     `json:"subject"`
	PreviousGrade string     `json:"previous_grade"`
	Grade         string     `json:"grade"`
	At            credo.Time `json:"at"`
}

// NewListing is one list entry notified.
type NewListing struct {
	Subject        string     `json:"subject"`
	List           string     `json:"list"`
	Entry          int64      `json:"entry"`
	DecisionNumber string     `json:"decision_number"`
	At             credo.Time `json:"at"`
}

// The periods of a digest.
var digestPeriods = map[string]time.Duration{"day": 24 * time.Hour, "week": 7 * 24 * time.Hour}

func (s *Server) getWatchlistDigest(w http.ResponseWriter, r *http.Request) error {
	wl, err := s.ownWatchlist(r)
	if err != nil {
		return err
	}
	period := r.URL.Query().Get("period")
	span, found := digestPeriods[period]
	if !found {
		return credo.FieldError("period", "enum", "period is day or week")
	}
	feed, err := s.eventFeed()
	if err != nil {
		return err
	}
	v, err := s.viewer(r)
	if err != nil {
		return err
	}
	members, err := s.Store.WatchlistMembers(r.Context(), wl.ID)
	if err != nil {
		return err
	}
	to := s.now()
	from := to.Add(-span)
	// With partner_depth, the organizations within that depth of a member
	// too: those within it at the start or the end of the period are read,
	// and each of their events counts when, as of the event and as the
	// caller may see the relationships, a member was within the depth.
	watched := members
	var partnerOf func(e *events.Event) (bool, error)
	if wl.PartnerDepth > 0 {
		isMember := make(map[string]bool, len(members))
		for _, m := range members {
			isMember[m] = true
		}
		near := map[string]bool{}
		for _, m := range members {
			for _, at := range []time.Time{from, to} {
				g, err := partners.Walk(r.Context(), s.Store, v, partners.Query{Code: m, Depth: wl.PartnerDepth, AsOf: at})
				if err != nil {
					return err
				}
				for _, x := range g.Reached {
					if !isMember[x.Code] {
						near[x.Code] = true
					}
				}
			}
		}
		watched = append(slices.Clone(members), slices.Sorted(maps.Keys(near))...)
		memo := map[string]bool{}
		partnerOf = func(e *events.Event) (bool, error) {
			if isMember[e.Subject] {
				return true, nil
			}
			key := e.Subject + "@" + e.Time.UTC().Format(time.RFC3339Nano)
			if ok, done := memo[key]; done {
				return ok, nil
			}
			g, err := partners.Walk(r.Context(), s.Store, v, partners.Query{Code: e.Subject, Depth: wl.PartnerDepth, AsOf: e.Time.Time})
			if err != nil {
				return false, err
			}
			ok := slices.ContainsFunc(g.Reached, func(x partners.Reached) bool { return isMember[x.Code] })
			memo[key] = ok
			return ok, nil
		}
	}
	d := Digest{Watchlist: wl.ID, Period: period, From: credo.NewTime(from), To: credo.NewTime(to),
		Counts: map[string]int{}, GradeFell: []GradeFall{}, NewListings: []NewListing{}}
	// The log is read in chunks of members the feed takes at once; events
	// by time alone may carry a time before their position's neighbours,
	// so the whole log is read and the period judged by each event's time.
	for chunk := range slices.Chunk(watched, events.MaxSubjects) {
		q := events.Query{Types: wl.Types, Subjects: chunk, Limit: credo.MaxPageSize}
		for {
			page, err := feed.Read(r.Context(), v, q)
			if err != nil {
				return err
			}
			for _, e := range page.Events {
				if e.Time.Before(from) || e.Time.After(to) {
					continue
				}
				if partnerOf != nil {
					ok, err := partnerOf(e)
					if err != nil {
						return err
					}
					if !ok {
						continue
					}
				}
				d.Counts[e.Type]++
				switch e.Type {
				case "credo." + credo.ChangeGradeChanged:
					var g credo.GradeChangedChange
					if json.Unmarshal(e.Data, &g) == nil && g.Dimension == credo.ComprehensiveDimension &&
						g.PreviousGrade != "" && g.Score < g.PreviousScore {
						d.GradeFell = append(d.GradeFell, GradeFall{Subject: e.Subject, PreviousGrade: g.PreviousGrade, Grade: g.Grade, At: e.Time})
					}
				case "credo." + credo.ChangeListEntryNotified:
					var l credo.ListEntryChange
					if json.Unmarshal(e.Data, &l) == nil {
						d.NewListings = append(d.NewListings, NewListing{Subject: e.Subject, List: l.List, Entry: l.Entry,
							DecisionNumber: l.DecisionNumber, At: e.Time})
					}
				}
			}
			if !page.More {
				break
			}
			q.After = page.Next
		}
	}
	if acceptsText(r) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusOK)
		fmt.Fprint(w, d.Text(wl.Name))
		return nil
	}
	writeJSON(w, http.StatusOK, d)
	return nil
}

// acceptsText reports whether the request prefers text/plain to JSON.
func acceptsText(r *http.Request) bool {
	for part := range strings.SplitSeq(r.Header.Get("Accept"), ",") {
		mt, _, _ := strings.Cut(strings.TrimSpace(part), ";")
		switch strings.TrimSpace(mt) {
		case "text/plain":
			return true
		case "application/json", "*/*":
			return false
		}
	}
	return false
}

// Text is the digest as the body of an email (credo sends none).
func (d *Digest) Text(name string) string {
	var b strings.Builder
	word := map[string]string{"day": "day", "week": "week"}[d.Period]
	fmt.Fprintf(&b, "Watchlist %q: the %s from %s to %s\n\n", name, word,
		d.From.UTC().Format("2006-01-02 15:04 MST"), d.To.UTC().Format("2006-01-02 15:04 MST"))
	if len(d.Counts) == 0 {
		b.WriteString("Nothing changed.\n")
		return b.String()
	}
	b.WriteString("What changed:\n")
	for _, t := range slices.Sorted(maps.Keys(d.Counts)) {
		fmt.Fprintf(&b, "  %-32s %d\n", strings.TrimPrefix(t, "credo."), d.Counts[t])
	}
	if len(d.GradeFell) > 0 {
		b.WriteString("\nGrades that fell:\n")
		for _, g := range d.GradeFell {
			fmt.Fprintf(&b, "  %s  %s -> %s  (%s)\n", g.Subject, g.PreviousGrade, g.Grade, g.At.UTC().Format("2006-01-02"))
		}
	}
	if len(d.NewListings) > 0 {
		b.WriteString("\nNew listings:\n")
		for _, l := range d.NewListings {
			fmt.Fprintf(&b, "  %s  %s  %s  (%s)\n", l.Subject, l.List, l.DecisionNumber, l.At.UTC().Format("2006-01-02"))
		}
	}
	return b.String()
}
