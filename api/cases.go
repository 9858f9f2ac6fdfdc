package api

import (
	"net/http"
	"strconv"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/dueprocess"
)

// Objections and credit repair applications are cases: filed by the
// organization's own account about one of its records or list entries,
// decided once by the responsible authority (or an administrator) within
// a deadline in working days.

// CaseView is a case as shown: attachments without their bytes (GET
// .../attachments/{n} serves them), and whether it is overdue.
type CaseView struct {
	*credo.Case
	Status string `json:"status"` // open or decided
	// Overdue: undecided after decide_by, and so escalated to the
	// administrators.
	Overdue bool `json:"overdue,omitempty"`
	// LogIndex is the ledger leaf of the decision (its case.decided
	// change), once decided and integrated.
	LogIndex *int64 `json:"log_index,omitempty"`
}

// CasePage is a page of cases.
type CasePage struct {
	Cases []CaseView `json:"cases"`
	Next  string     `json:"next,omitempty"`
}

func (s *Server) caseView(r *http.Request, c *credo.Case) CaseView {
	cc := *c
	cc.Attachments = make([]credo.Attachment, len(c.Attachments))
	for i, a := range c.Attachments {
		a.Data = nil
		cc.Attachments[i] = a
	}
	if len(cc.Attachments) == 0 {
		cc.Attachments = nil
	}
	v := CaseView{Case: &cc, Status: "open", Overdue: c.Overdue(s.now())}
	if !c.Open() {
		v.Status = "decided"
		v.LogIndex = s.logIndex(r.Context(), credo.ChangeCaseDecided, c.ID)
	}
	return v
}

// caseRoutes returns the handlers of one kind of case.
func (s *Server) postCase(kind string) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		p, v, err := s.due(r, "this request needs the organization's own token: Authorization: Bearer <token>")
		if err != nil {
			return err
		}
		var req dueprocess.CaseRequest
		if err := readBody(w, r, 4*MaxObject*8, &req); err != nil {
			return err
		}
		c, err := p.File(r.Context(), v, kind, req)
		if err != nil {
			return err
		}
		w.Header().Set("Location", "/v1/"+kind+"s/"+strconv.FormatInt(c.ID, 10))
		writeJSON(w, http.StatusCreated, s.caseView(r, c))
		return nil
	}
}

// loadCase returns the case with id of kind that v may see.
func (s *Server) loadCase(r *http.Request, kind string) (*credo.Case, credo.Viewer, error) {
	p, err := s.process()
	if err != nil {
		return nil, credo.Viewer{}, err
	}
	v, err := s.viewer(r)
	if err != nil {
		return nil, v, err
	}
	id, err := pathID(r)
	if err != nil {
		return nil, v, err
	}
	c, err := p.Store.Case(r.Context(), id)
	if err != nil {
		return nil, v, err
	}
	// A case the viewer may not see is answered as one that does not
	// exist: whose it is, or that it exists, is not told.
	if c.Kind != kind || !p.Policy.Case(v, c) {
		return nil, v, credo.ErrNotFound(kind, id)
	}
	return c, v, nil
}

func (s *Server) getCase(kind string) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		c, _, err := s.loadCase(r, kind)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, s.caseView(r, c))
		return nil
	}
}

func (s *Server) getCaseAttachment(kind string) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		c, _, err := s.loadCase(r, kind)
		if err != nil {
			return err
		}
		n, err := strconv.Atoi(r.PathValue("n"))
		if err != nil || n < 0 || n >= len(c.Attachments) {
			return credo.ErrNotFound("attachment", r.PathValue("n"))
		}
		a := c.Attachments[n]
		mt := a.MediaType
		if credo.SniffAttachment(a.Data) != mt {
			// Stored before media types were checked: served as bytes only.
			mt = "application/octet-stream"
		}
		w.Header().Set("Content-Type", mt)
		w.Header().Set("Content-Disposition", "attachment")
		w.Header().Set("Content-Length", strconv.Itoa(len(a.Data)))
		w.Write(a.Data)
		return nil
	}
}

func (s *Server) postCaseDecision(kind string) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		p, v, err := s.due(r, "this request needs the deciding authority's or an administrator's token")
		if err != nil {
			return err
		}
		id, err := pathID(r)
		if err != nil {
			return err
		}
		var req dueprocess.DecisionRequest
		if err := readBody(w, r, MaxObject, &req); err != nil {
			return err
		}
		c, err := p.Decide(r.Context(), v, kind, id, req)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, s.caseView(r, c))
		return nil
	}
}

// getCases answers GET /v1/objections and GET /v1/repairs: an
// organization's own cases, an authority's cases to decide, or (for
// administrators) all; filtered by status (open, decided), overdue=true,
// subject; newest first, one page at a time.
func (s *Server) getCases(kind string) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		p, v, err := s.due(r, "")
		if err != nil {
			return err
		}
		q := r.URL.Query()
		cq := credo.CaseQuery{Kind: kind, Subject: q.Get("subject"), Cursor: q.Get("cursor")}
		// Each sees the cases the policy lets it: its own, those it
		// decides, or (administrators) all; any other role none.
		switch v.Role {
		case credo.RoleOrganization:
			cq.Subject = v.Account.Subject
		case credo.RoleAuthority:
			cq.Authority = v.Authority.ID
		case credo.RoleAdmin:
		default:
			return wrongRole("cases are shown to the organization, the deciding authority and administrators")
		}
		if cq.Subject != "" {
			code, err := normalizeCode("subject", cq.Subject)
			if err != nil {
				return err
			}
			cq.Subject = code
		}
		switch q.Get("status") {
		case "":
		case "open":
			cq.Open = true
		case "decided":
			cq.Decided = true
		default:
			return credo.FieldError("status", "enum", "must be open or decided")
		}
		switch q.Get("overdue") {
		case "", "false":
		case "true":
			cq.Open, cq.Decided, cq.DueBefore = true, false, s.now()
		default:
			return credo.FieldError("overdue", "format", "must be true or false")
		}
		if cq.Limit, err = queryLimit(r); err != nil {
			return err
		}
		page, err := p.Store.Cases(r.Context(), cq)
		if err != nil {
			return err
		}
		out := CasePage{Cases: make([]CaseView, 0, len(page.Cases)), Next: page.Next}
		for _, c := range page.Cases {
			if p.Policy.Case(v, c) {
				out.Cases = append(out.Cases, s.caseView(r, c))
			}
		}
		writeJSON(w, http.StatusOK, out)
		return nil
	}
}
