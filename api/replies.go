package api

import (
	"net/http"
	"slices"
	"time"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/dueprocess"
)

// Replies answers GET /v1/subjects/{code}/replies: every reply the
// organization published to the adverse items about it that the caller
// may see, oldest first (a later reply to the same item is the one shown;
// the earlier ones stay).
type Replies struct {
	Subject string         `json:"subject"`
	Replies []*credo.Reply `json:"replies"`
}

// ReplyRequest is the body of POST /v1/subjects/{code}/replies.
type ReplyRequest struct {
	Target credo.Target `json:"target,omitzero"`
	Text   string       `json:"text"`
}

// postReply answers POST /v1/subjects/{code}/replies: the organization,
// with its own account, publishes a reply to an adverse item about itself.
func (s *Server) postReply(w http.ResponseWriter, r *http.Request) error {
	p, v, code, err := s.dueSubject(r, "a reply is published with the organization's own token: Authorization: Bearer <token>")
	if err != nil {
		return err
	}
	var req ReplyRequest
	if err := readBody(w, r, MaxObject, &req); err != nil {
		return err
	}
	reply, err := p.Reply(r.Context(), v, code, credo.Reply{Target: req.Target, Text: req.Text})
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/v1/subjects/"+code+"/replies")
	writeJSON(w, http.StatusCreated, reply)
	return nil
}

// getReplies answers GET /v1/subjects/{code}/replies.
func (s *Server) getReplies(w http.ResponseWriter, r *http.Request) error {
	p, v, code, err := s.dueSubject(r, "")
	if err != nil {
		return err
	}
	if _, err := s.Store.Subject(r.Context(), code); err != nil {
		return err
	}
	replies, err := p.Replies(r.Context(), v, code)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, Replies{Subject: code, Replies: replies})
	return nil
}

// shownReplies are the replies a report shows: the latest published by
// asOf to each item v may see, by target (records, then list entries, by id).
func shownReplies(r *http.Request, p *dueprocess.Service, v credo.Viewer, code string, asOf time.Time) ([]*credo.Reply, error) {
	all, err := p.Replies(r.Context(), v, code)
	if err != nil {
		return nil, err
	}
	var upto []*credo.Reply
	for _, rep := range all {
		if !rep.At.After(asOf) {
			upto = append(upto, rep)
		}
	}
	out := []*credo.Reply{}
	for _, rep := range credo.CurrentReplies(upto) {
		out = append(out, rep)
	}
	slices.SortFunc(out, func(a, b *credo.Reply) int {
		if a.Target.Kind != b.Target.Kind {
			if a.Target.Kind == credo.TargetRecord {
				return -1
			}
			return 1
		}
		return int(a.Target.ID - b.Target.ID)
	})
	return out, nil
}
