package api

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/partners"
	"github.com/credo-registry/credo/visibility"
)

func (s *Server) partners() (*partners.Service, error) {
	if s.Partners == nil {
		return nil, credo.Errorf(credo.EUNAVAILABLE, "relationships are not available on this server")
	}
	return s.Partners, nil
}

// postRelationship answers POST /v1/relationships: an authority submits
// a guarantee, joint venture or contract; an organization declares a
// supplier or customer of its own. 201 with the stored version, or 200
// with the version stored already when the same was sent again.
func (s *Server) postRelationship(w http.ResponseWriter, r *http.Request) error {
	p, err := s.partners()
	if err != nil {
		return err
	}
	v, err := s.viewer(r)
	if err != nil {
		return err
	}
	var rel credo.Relationship
	if err := readBody(w, r, MaxObject, &rel); err != nil {
		return err
	}
	stored, created, err := p.Submit(r.Context(), v, &rel)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
		w.Header().Set("Location", "/v1/relationships/"+strconv.FormatInt(stored.ID, 10))
	}
	writeJSON(w, status, visibility.ShownRelationship(v, stored))
	return nil
}

// walkQuery reads a walk's parameters: depth (def when absent), kind
// (comma-separated or repeated), as_of.
func walkQuery(r *http.Request, code string, def int) (partners.Query, error) {
	q := partners.Query{Code: code, Depth: def}
	vals := r.URL.Query()
	if d := vals.Get("depth"); d != "" {
		n, err := strconv.Atoi(d)
		if err != nil {
			return q, credo.FieldError("depth", "format", "must be a whole number from 1 to %d", partners.MaxDepth)
		}
		q.Depth = n
	}
	for _, k := range vals["kind"] {
		for _, part := range strings.Split(k, ",") {
			if part = strings.TrimSpace(part); part != "" {
				q.Kinds = append(q.Kinds, part)
			}
		}
	}
	t, err := asOfQuery(r)
	if err != nil {
		return q, err
	}
	q.AsOf = t
	return q, q.Check()
}

// getPartners answers GET /v1/subjects/{code}/partners?depth=&kind=&as_of=&cursor=&limit=.
func (s *Server) getPartners(w http.ResponseWriter, r *http.Request) error {
	p, err := s.partners()
	if err != nil {
		return err
	}
	v, err := s.viewer(r)
	if err != nil {
		return err
	}
	code, err := pathCode(r)
	if err != nil {
		return err
	}
	q, err := walkQuery(r, code, 1)
	if err != nil {
		return err
	}
	limit, err := queryLimit(r)
	if err != nil {
		return err
	}
	page, err := p.Partners(r.Context(), v, q, r.URL.Query().Get("cursor"), limit)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, page)
	return nil
}

// getNetwork answers GET /v1/subjects/{code}/network?depth=&kind=&as_of=.
func (s *Server) getNetwork(w http.ResponseWriter, r *http.Request) error {
	p, err := s.partners()
	if err != nil {
		return err
	}
	v, err := s.viewer(r)
	if err != nil {
		return err
	}
	code, err := pathCode(r)
	if err != nil {
		return err
	}
	q, err := walkQuery(r, code, 2)
	if err != nil {
		return err
	}
	n, err := p.Network(r.Context(), v, q)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, n)
	return nil
}

// getPersonRoles answers GET /v1/people/{person_key}/roles.
func (s *Server) getPersonRoles(w http.ResponseWriter, r *http.Request) error {
	p, err := s.partners()
	if err != nil {
		return err
	}
	v, err := s.viewer(r)
	if err != nil {
		return err
	}
	roles, err := p.Roles(r.Context(), v, r.PathValue("person_key"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, roles)
	return nil
}
