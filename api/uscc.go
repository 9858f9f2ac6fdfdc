package api

import (
	"net/http"

	"github.com/credo-registry/credo/uscc"
)

// describeCode answers GET /v1/uscc/{code}: what the code tells, with 200
// whether it is valid or not (the answer says which check failed).
func (s *Server) describeCode(w http.ResponseWriter, r *http.Request) error {
	writeJSON(w, http.StatusOK, uscc.Describe(r.PathValue("code")))
	return nil
}
