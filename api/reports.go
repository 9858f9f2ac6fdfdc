package api

import (
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/report"
)

// IssuedReportView is the body of GET /v1/reports/{number}: the issued
// report's record, with its status, and the page where anyone verifies it.
type IssuedReportView struct {
	*credo.IssuedReport
	Verify string `json:"verify"`
}

// issuer issues reports from this server's store and due process.
func (s *Server) issuer() (*report.Issuer, error) {
	p, err := s.process()
	if err != nil {
		return nil, err
	}
	if s.Grading == nil || p.Grading == nil {
		return nil, credo.Errorf(credo.EUNAVAILABLE, "the report needs grading, which this server does not run")
	}
	return &report.Issuer{Store: s.Store, Process: p, Now: s.now, Number: s.ReportNumber}, nil
}

// publicURL is the scheme and host printed in reports: PublicURL, or the
// request's own.
func (s *Server) publicURL(r *http.Request) string {
	if s.PublicURL != "" {
		return strings.TrimSuffix(s.PublicURL, "/")
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// getSubjectReportPDF answers GET /v1/subjects/{code}/report.pdf[?as_of=]:
// a credit report issued to the caller, as the caller may see the
// organization, stored (number, SHA-256 of these bytes) before it is sent.
func (s *Server) getSubjectReportPDF(w http.ResponseWriter, r *http.Request) error {
	is, err := s.issuer()
	if err != nil {
		return err
	}
	code, err := pathCode(r)
	if err != nil {
		return err
	}
	v, err := s.viewer(r)
	if err != nil {
		return err
	}
	asOf, err := asOfQuery(r)
	if err != nil {
		return err
	}
	base := s.publicURL(r)
	pdf, rec, err := is.Issue(r.Context(), v, code, asOf, credo.ReportPDF,
		func(n string) string { return report.VerifyURL(base, n) }, func(rep *report.Report) ([]byte, error) {
			rep.RecordsURL = base + "/v1/subjects/" + code + "/records"
			return report.PDF(rep)
		})
	if err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "application/pdf")
	h.Set("Content-Disposition", `inline; filename="`+report.Filename(rec)+`"`)
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	w.Write(pdf)
	return nil
}

// pathNumber is the {number} of the path, checked.
func pathNumber(r *http.Request) (string, error) {
	return credo.CheckReportNumber(r.PathValue("number"))
}

// getIssuedReport answers GET /v1/reports/{number}: whether the report is
// valid, superseded by a newer one (for the same organization and viewer
// class) or withdrawn, with the SHA-256 of its bytes. Anyone may ask:
// what it says was issued to its holder; this says only what identifies
// it.
func (s *Server) getIssuedReport(w http.ResponseWriter, r *http.Request) error {
	n, err := pathNumber(r)
	if err != nil {
		return err
	}
	rep, err := s.Store.IssuedReport(r.Context(), n)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, IssuedReportView{IssuedReport: rep, Verify: report.VerifyURL(s.publicURL(r), n)})
	return nil
}

// WithdrawalRequest is the body of POST /v1/reports/{number}/withdrawal.
type WithdrawalRequest struct {
	Reason string `json:"reason"`
}

// postReportWithdrawal answers POST /v1/reports/{number}/withdrawal: an
// administrator withdraws an issued report, with a reason anyone verifying
// it then reads. Once only: a second withdrawal is a conflict.
func (s *Server) postReportWithdrawal(w http.ResponseWriter, r *http.Request) error {
	v, err := s.viewer(r)
	if err != nil {
		return err
	}
	n, err := pathNumber(r)
	if err != nil {
		return err
	}
	var req WithdrawalRequest
	if err := readBody(w, r, MaxObject, &req); err != nil {
		return err
	}
	req.Reason = strings.TrimSpace(req.Reason)
	switch {
	case req.Reason == "":
		return credo.FieldError("reason", "required", "a withdrawal needs a reason, which anyone verifying the report reads")
	case utf8.RuneCountInString(req.Reason) > credo.MaxWithdrawalReason:
		return credo.FieldError("reason", "length", "a reason has at most %d characters", credo.MaxWithdrawalReason)
	}
	rep, err := s.Store.WithdrawReport(r.Context(), n, credo.ReportWithdrawal{
		At: credo.NewTime(s.now().UTC().Truncate(time.Microsecond)), By: v.Actor(), Reason: req.Reason})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, IssuedReportView{IssuedReport: rep, Verify: report.VerifyURL(s.publicURL(r), n)})
	return nil
}
