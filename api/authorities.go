package api

import (
	"net/http"

	"github.com/credo-registry/credo"
)

// AuthorityList is the body of GET /v1/authorities. Authorities carry no
// token material: hashes live only in the store.
type AuthorityList struct {
	Authorities []*credo.Authority `json:"authorities"`
}

// getAuthorities answers GET /v1/authorities: who reports, on which
// divisions and categories.
func (s *Server) getAuthorities(w http.ResponseWriter, r *http.Request) error {
	as, err := s.Store.Authorities(r.Context())
	if err != nil {
		return err
	}
	if as == nil {
		as = []*credo.Authority{}
	}
	writeJSON(w, http.StatusOK, AuthorityList{Authorities: as})
	return nil
}
