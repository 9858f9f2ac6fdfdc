package api

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/events"
	"github.com/credo-registry/credo/uscc"
)

// WatchlistRequest is the body of POST /v1/watchlists.
type WatchlistRequest struct {
	Name string `json:"name"`
	// Types are event types (GET /v1/events' types); none: every type.
	Types []string `json:"types,omitempty"`
	// PartnerDepth, 0 to 2: partners of watched organizations to that
	// depth (as of each event, over the relationships the owner may see).
	PartnerDepth int `json:"partner_depth,omitempty"`
}

// MembersRequest is the JSON body of POST and DELETE
// /v1/watchlists/{id}/members.
type MembersRequest struct {
	Codes []string `json:"codes"`
}

// MembersReport answers a member upload: how many codes were valid (and
// kept), the watchlist's size after it, and each invalid row.
type MembersReport struct {
	Valid   int          `json:"valid"`
	Members int          `json:"members"`
	Invalid []InvalidRow `json:"invalid"`
}

// InvalidRow is one code of an upload that was not kept: its row (1-based:
// the element of codes, or the CSV line), the code as sent, and why
// (uscc.Check's word: length, charset, structure, checksum, org_checksum).
type InvalidRow struct {
	Row    int    `json:"row"`
	Code   string `json:"code"`
	Reason string `json:"reason"`
}

// WatchlistList answers GET /v1/watchlists: the caller's watchlists, by id.
type WatchlistList struct {
	Watchlists []*credo.Watchlist `json:"watchlists"`
}

// WatchlistMembers answers GET /v1/watchlists/{id}/members: the codes, sorted.
type WatchlistMembers struct {
	Watchlist int64    `json:"watchlist"`
	Codes     []string `json:"codes"`
}

// MaxMembersBody bounds a member upload: 100,001 codes of 18 characters
// and their quoting fit.
const MaxMembersBody = 4 << 20

// watcher returns the account that keeps watchlists (routes admit only
// clients and organizations).
func (s *Server) watcher(r *http.Request) (*credo.Account, error) {
	v, err := s.viewer(r)
	if err != nil {
		return nil, err
	}
	if v.Account == nil || v.Role != credo.RoleClient && v.Role != credo.RoleOrganization {
		return nil, wrongRole("watchlists are kept by client and organization accounts")
	}
	return v.Account, nil
}

// kept is what a watcher keeps: a watchlist or a webhook endpoint.
type kept interface{ KeptBy(account string) bool }

// keptBy returns what get reads by id when account a keeps it: another
// account's, or a deleted one, is notFound(id).
func keptBy[T kept](ctx context.Context, a *credo.Account, id int64, get func(context.Context, int64) (T, error), notFound func(int64) error) (T, error) {
	t, err := get(ctx, id)
	if err == nil && !t.KeptBy(a.ID) {
		err = notFound(id)
	}
	if err != nil {
		return *new(T), err
	}
	return t, nil
}

// ownByPath is the prologue of the routes of one of the caller's
// watchlists or endpoints: the caller keeps watchlists, and keeps the one
// of the path's id.
func ownByPath[T kept](s *Server, r *http.Request, get func(context.Context, int64) (T, error), notFound func(int64) error) (T, error) {
	a, err := s.watcher(r)
	if err != nil {
		return *new(T), err
	}
	id, err := pathID(r)
	if err != nil {
		return *new(T), err
	}
	return keptBy(r.Context(), a, id, get, notFound)
}

func watchlistNotFound(id int64) error { return credo.ErrNotFound("watchlist", id) }

// ownWatchlist returns the caller's watchlist named by the path; another
// account's, or a deleted one, is not found.
func (s *Server) ownWatchlist(r *http.Request) (*credo.Watchlist, error) {
	return ownByPath(s, r, s.Store.Watchlist, watchlistNotFound)
}

func (s *Server) getWatchlists(w http.ResponseWriter, r *http.Request) error {
	a, err := s.watcher(r)
	if err != nil {
		return err
	}
	ws, err := s.Store.Watchlists(r.Context(), a.ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, WatchlistList{Watchlists: ws})
	return nil
}

func (s *Server) postWatchlist(w http.ResponseWriter, r *http.Request) error {
	a, err := s.watcher(r)
	if err != nil {
		return err
	}
	var req WatchlistRequest
	if err := readBody(w, r, MaxObject, &req); err != nil {
		return err
	}
	types := req.Types
	if types == nil {
		types = []string{}
	}
	for i, t := range types {
		if _, found := slices.BinarySearch(events.Types, t); !found {
			return credo.FieldError("types["+strconv.Itoa(i)+"]", "enum", "%q is no event type; the types are %s", t, strings.Join(events.Types, ", "))
		}
	}
	wl := &credo.Watchlist{Owner: a.ID, Name: strings.TrimSpace(req.Name), Types: types, PartnerDepth: req.PartnerDepth,
		CreatedAt: credo.NewTime(s.now())}
	if err := wl.Validate(); err != nil {
		return err
	}
	if err := s.Store.CreateWatchlist(r.Context(), wl); err != nil {
		return err
	}
	w.Header().Set("Location", "/v1/watchlists/"+strconv.FormatInt(wl.ID, 10))
	writeJSON(w, http.StatusCreated, wl)
	return nil
}

func (s *Server) getWatchlist(w http.ResponseWriter, r *http.Request) error {
	wl, err := s.ownWatchlist(r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, wl)
	return nil
}

func (s *Server) deleteWatchlist(w http.ResponseWriter, r *http.Request) error {
	wl, err := s.ownWatchlist(r)
	if err != nil {
		return err
	}
	if err := s.Store.DeleteWatchlist(r.Context(), wl.ID, s.now()); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) getWatchlistMembers(w http.ResponseWriter, r *http.Request) error {
	wl, err := s.ownWatchlist(r)
	if err != nil {
		return err
	}
	codes, err := s.Store.WatchlistMembers(r.Context(), wl.ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, WatchlistMembers{Watchlist: wl.ID, Codes: codes})
	return nil
}

// postWatchlistMembers adds the codes of a JSON ({"codes": [...]}) or CSV
// (text/csv: the code in the first column, an optional header row
// "code") upload; invalid codes are reported by row and the rest kept.
func (s *Server) postWatchlistMembers(w http.ResponseWriter, r *http.Request) error {
	return s.changeMembers(w, r, true)
}

// deleteWatchlistMembers removes the codes of an upload as
// postWatchlistMembers reads it.
func (s *Server) deleteWatchlistMembers(w http.ResponseWriter, r *http.Request) error {
	return s.changeMembers(w, r, false)
}

func (s *Server) changeMembers(w http.ResponseWriter, r *http.Request, add bool) error {
	wl, err := s.ownWatchlist(r)
	if err != nil {
		return err
	}
	mt, err := mediaType(r, mediaJSON, mediaCSV)
	if err != nil {
		return err
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxMembersBody))
	if err != nil {
		return credo.Errorf(credo.ETOOLARGE, "the body is larger than %d bytes", MaxMembersBody)
	}
	var sent []string
	first := 1 // the row of sent[0]
	if mt == mediaCSV {
		if sent, first, err = csvCodes(body); err != nil {
			return err
		}
	} else {
		var req MembersRequest
		if err := credo.Decode(body, &req); err != nil {
			return err
		}
		if req.Codes == nil {
			return credo.FieldError("codes", "required", "codes lists the organizations' codes")
		}
		sent = req.Codes
	}
	if len(sent) > credo.MaxWatchlistMembers {
		return credo.TooManyMembers(len(sent))
	}
	report := MembersReport{Invalid: []InvalidRow{}}
	valid := make([]string, 0, len(sent))
	for i, c := range sent {
		code, failure := uscc.Check(c)
		if failure != "" {
			report.Invalid = append(report.Invalid, InvalidRow{Row: first + i, Code: c, Reason: failure})
			continue
		}
		valid = append(valid, code)
	}
	if len(valid) == 0 {
		what := "no codes were sent"
		if len(report.Invalid) > 0 {
			what = "no code is valid: row " + strconv.Itoa(report.Invalid[0].Row) + " " + strconv.Quote(report.Invalid[0].Code) +
				" fails " + report.Invalid[0].Reason
		}
		return credo.FieldError("codes", "invalid", "%s", what)
	}
	var plus, minus []string
	if add {
		plus = valid
	} else {
		minus = valid
	}
	if err := s.Store.ChangeWatchlistMembers(r.Context(), wl.ID, plus, minus, s.now()); err != nil {
		return err
	}
	after, err := s.Store.Watchlist(r.Context(), wl.ID)
	if err != nil {
		return err
	}
	report.Valid, report.Members = len(valid), after.Members
	writeJSON(w, http.StatusOK, report)
	return nil
}

// csvCodes reads the first column of each CSV row, skipping a header row
// whose first cell is "code"; first is the row of the first code.
func csvCodes(body []byte) (codes []string, first int, err error) {
	cr := csv.NewReader(bytes.NewReader(body))
	cr.FieldsPerRecord = -1
	first = 1
	for row := 1; ; row++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return codes, first, nil
		}
		if err != nil {
			return nil, 0, credo.FieldError("body", "csv", "the CSV cannot be read at row %d: %v", row, err)
		}
		if row == 1 && strings.EqualFold(strings.TrimSpace(rec[0]), "code") {
			first = 2
			continue
		}
		codes = append(codes, rec[0])
	}
}
