package api

import "net/http"

// getStats answers GET /v1/stats with the registry's counts.
func (s *Server) getStats(w http.ResponseWriter, r *http.Request) error {
	st, err := s.Store.Stats(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, st)
	return nil
}
