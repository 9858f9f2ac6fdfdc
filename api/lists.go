package api

import (
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/division"
	"github.com/credo-registry/credo/dueprocess"
	"github.com/credo-registry/credo/lists"
	"github.com/credo-registry/credo/store/paging"
)

// process returns the due-process service, or EUNAVAILABLE.
func (s *Server) process() (*dueprocess.Service, error) {
	if s.Process == nil {
		return nil, credo.Errorf(credo.EUNAVAILABLE, "lists, measures, objections and repairs are not available on this server")
	}
	return s.Process, nil
}

// due returns the due-process service and who is asking. With a
// signInMessage, the public is refused with it (EUNAUTHORIZED).
func (s *Server) due(r *http.Request, signInMessage string) (*dueprocess.Service, credo.Viewer, error) {
	p, err := s.process()
	if err != nil {
		return nil, credo.Viewer{}, err
	}
	v, err := s.viewer(r)
	if err != nil {
		return nil, v, err
	}
	if signInMessage != "" && v.Role == credo.RolePublic {
		return nil, v, credo.Errorf(credo.EUNAUTHORIZED, "%s", signInMessage)
	}
	return p, v, nil
}

// dueSubject is due, then the organization's code the path names.
func (s *Server) dueSubject(r *http.Request, signInMessage string) (*dueprocess.Service, credo.Viewer, string, error) {
	p, v, err := s.due(r, signInMessage)
	if err != nil {
		return nil, v, "", err
	}
	code, err := pathCode(r)
	if err != nil {
		return nil, v, "", err
	}
	return p, v, code, nil
}

// readBody reads a JSON object body of at most max bytes into v, strictly.
func readBody(w http.ResponseWriter, r *http.Request, max int64, v any) error {
	if _, err := mediaType(r, mediaJSON); err != nil {
		return err
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, max))
	if err != nil {
		return credo.Errorf(credo.ETOOLARGE, "the body is larger than %d bytes", max)
	}
	return credo.Decode(body, v)
}

// asOf reads ?as_of=, now when absent.
func (s *Server) asOf(r *http.Request) (time.Time, error) {
	t, err := asOfQuery(r)
	if err != nil || !t.IsZero() {
		return t, err
	}
	return s.now(), nil
}

func pathID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, credo.FieldError("id", "format", "must be an id (a positive whole number)")
	}
	return id, nil
}

// postListEntry answers POST /v1/list-entries: an authority's listing
// decision. 201 and the entry (notified; in effect after the list's
// notice period); 200 and the stored entry when the same decision was
// recorded before.
func (s *Server) postListEntry(w http.ResponseWriter, r *http.Request) error {
	p, v, err := s.due(r, "this request needs an authority's token: Authorization: Bearer <token>")
	if err != nil {
		return err
	}
	var req dueprocess.ListRequest
	if err := readBody(w, r, MaxObject, &req); err != nil {
		return err
	}
	e, created, err := p.List(r.Context(), v, req)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
		w.Header().Set("Location", "/v1/list-entries/"+strconv.FormatInt(e.ID, 10))
	}
	open, err := p.OpenObjections(r.Context(), e.Subject)
	if err != nil {
		return err
	}
	writeJSON(w, status, s.entryView(r, p.View(e, s.now(), open)))
	return nil
}

// getListEntry answers GET /v1/list-entries/{id}[?as_of=].
func (s *Server) getListEntry(w http.ResponseWriter, r *http.Request) error {
	p, v, err := s.due(r, "")
	if err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	asOf, err := s.asOf(r)
	if err != nil {
		return err
	}
	e, err := p.Store.ListEntry(r.Context(), id)
	if err != nil {
		return err
	}
	if !p.Policy.Entry(v, e, asOf, s.now()) {
		return credo.ErrNotFound("list entry", id)
	}
	open, err := p.OpenObjections(r.Context(), e.Subject)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.entryView(r, p.View(e, asOf, open)))
	return nil
}

// postListEntryEnd answers POST /v1/list-entries/{id}/end: revocation by
// the listing authority or an administrator.
func (s *Server) postListEntryEnd(w http.ResponseWriter, r *http.Request) error {
	p, v, err := s.due(r, "this request needs a token of the listing authority or an administrator")
	if err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var req dueprocess.EndRequest
	if err := readBody(w, r, MaxObject, &req); err != nil {
		return err
	}
	e, err := p.End(r.Context(), v, id, req)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.entryView(r, p.View(e, s.now(), nil)))
	return nil
}

// SubjectLists answers GET /v1/subjects/{code}/lists.
type SubjectLists struct {
	Subject string                 `json:"subject"`
	AsOf    credo.Time             `json:"as_of"`
	Entries []dueprocess.EntryView `json:"entries"`
}

// getSubjectLists answers GET /v1/subjects/{code}/lists[?as_of=]: the
// organization's entries as they stood at as_of (as the registry knew them
// then; for a future time, as they will stand if nothing else happens).
// The public sees active entries of public lists; the organization, the
// authorities over it and administrators see every entry.
func (s *Server) getSubjectLists(w http.ResponseWriter, r *http.Request) error {
	p, v, code, err := s.dueSubject(r, "")
	if err != nil {
		return err
	}
	asOf, err := s.asOf(r)
	if err != nil {
		return err
	}
	entries, err := p.SubjectLists(r.Context(), v, code, asOf)
	if err != nil {
		return err
	}
	for i := range entries {
		entries[i] = s.entryView(r, entries[i])
	}
	writeJSON(w, http.StatusOK, SubjectLists{Subject: code, AsOf: credo.NewTime(asOf), Entries: entries})
	return nil
}

// ListsPage answers GET /v1/lists and GET /v1/lists/{list}: the list
// definitions (or the one list) and a page of entries.
type ListsPage struct {
	Lists   []*lists.Definition    `json:"lists,omitempty"`
	List    *lists.Definition      `json:"list,omitempty"`
	AsOf    credo.Time             `json:"as_of"`
	Entries []dueprocess.EntryView `json:"entries"`
	Next    string                 `json:"next,omitempty"`
}

// getLists answers GET /v1/lists: every list's definition and the
// entries of all lists, filtered like GET /v1/lists/{list}.
func (s *Server) getLists(w http.ResponseWriter, r *http.Request) error {
	return s.listEntries(w, r, "")
}

// getList answers GET /v1/lists/{list}: the list's definition and its
// entries, newest first, filtered by division (a prefix), status
// (notified, active, ended) at as_of, and the date the entry took effect
// (from inclusive, to exclusive), one page at a time.
func (s *Server) getList(w http.ResponseWriter, r *http.Request) error {
	return s.listEntries(w, r, r.PathValue("list"))
}

func (s *Server) listEntries(w http.ResponseWriter, r *http.Request, list string) error {
	p, v, err := s.due(r, "")
	if err != nil {
		return err
	}
	out := ListsPage{}
	if list == "" {
		out.Lists = p.Catalogue.Lists
	} else if out.List = p.Catalogue.Find(list); out.List == nil {
		return credo.ErrNotFound("list", list)
	} else {
		list = out.List.ID
	}
	q := r.URL.Query()
	lq := credo.ListQuery{List: list, Division: q.Get("division"), Status: q.Get("status"), Cursor: q.Get("cursor")}
	if lq.AsOf, err = s.asOf(r); err != nil {
		return err
	}
	out.AsOf = credo.NewTime(lq.AsOf)
	if lq.Division != "" && !division.ValidPrefix(lq.Division) {
		return credo.FieldError("division", "format", "must be a division code prefix of 2 to 6 digits")
	}
	// status is notified, active or ended, or how an entry ended
	// (expired, repaired, overturned, revoked, escalated): ended entries
	// that ended so.
	endedHow := ""
	switch lq.Status {
	case "", credo.ListNotified, credo.ListActive, credo.ListEnded:
	case credo.EndExpired, credo.EndRepaired, credo.EndOverturned, credo.EndRevoked, credo.EndEscalated:
		endedHow, lq.Status = lq.Status, credo.ListEnded
	default:
		return credo.FieldError("status", "enum", "must be notified, active or ended (or expired, repaired, overturned, revoked, escalated)")
	}
	// The date range bounds when entries took effect: from inclusive, to
	// exclusive.
	if lq.From, err = queryTime(r, "from"); err != nil {
		return err
	}
	if lq.To, err = queryTime(r, "to"); err != nil {
		return err
	}
	if !lq.From.IsZero() && !lq.To.IsZero() && !lq.To.After(lq.From) {
		return credo.FieldError("to", "order", "must be after from")
	}
	if lq.Limit, err = queryLimit(r); err != nil {
		return err
	}
	// Administrators may ask for entries in any status, and an authority
	// for those of a division in its jurisdiction; everyone else for
	// active entries of public lists. Which entries each then sees is the
	// policy's (an authority: those of lists its field may list on).
	// An authority of one region asking without division= is answered for
	// its region.
	if v.Role == credo.RoleAuthority && lq.Division == "" && len(v.Authority.Divisions) == 1 && v.Authority.Divisions[0] != credo.Nationwide {
		lq.Division = v.Authority.Divisions[0]
	}
	anyStatus := v.Role == credo.RoleAdmin || v.Role == credo.RoleAuthority && coversPrefix(v.Authority, lq.Division)
	if !anyStatus {
		if lq.Status != "" && lq.Status != credo.ListActive {
			return &credo.Error{Code: credo.EFORBIDDEN, Field: "status", Reason: "role",
				Message: "the public sees active entries only; authorities see every entry of a division in their jurisdiction (give division=)"}
		}
		lq.Status = credo.ListActive
		if out.List != nil && !out.List.Public {
			return &credo.Error{Code: credo.EFORBIDDEN, Field: "list", Reason: "role", Message: "the entries of " + list + " are not published"}
		}
	}
	// Pages are read until limit entries are shown or none are left; next
	// is the cursor after the last entry shown, so that it names no entry
	// the viewer may not see.
	limit, err := paging.Size(lq.Limit)
	if err != nil {
		return err
	}
	out.Entries = []dueprocess.EntryView{}
	now := s.now()
	for {
		page, err := p.Store.ListEntries(r.Context(), lq)
		if err != nil {
			return err
		}
		for i, e := range page.Entries {
			if !p.Policy.Entry(v, e, lq.AsOf, now) {
				continue
			}
			view := s.entryView(r, p.View(e, lq.AsOf, nil))
			if endedHow != "" && view.State.Reason != endedHow || lq.Status != "" && view.State.Status != lq.Status {
				continue
			}
			out.Entries = append(out.Entries, view)
			if len(out.Entries) == limit {
				if i < len(page.Entries)-1 || page.Next != "" {
					out.Next = paging.IDCursor('l', e.ID)
				}
				writeJSON(w, http.StatusOK, out)
				return nil
			}
		}
		if page.Next == "" {
			break
		}
		lq.Cursor = page.Next
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// coversPrefix reports whether every division under prefix ("" for the
// whole country) is in a's jurisdiction.
func coversPrefix(a *credo.Authority, prefix string) bool {
	for _, d := range a.Divisions {
		if d == credo.Nationwide || prefix != "" && strings.HasPrefix(prefix, d) {
			return true
		}
	}
	return false
}
