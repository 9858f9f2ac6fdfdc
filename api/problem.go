package api

import (
	"context"
	"errors"
	"net/http"

	"github.com/credo-registry/credo"
)

// Problem is an RFC 9457 problem detail, the body of every error response
// (application/problem+json).
type Problem struct {
	Type      string `json:"type"` // urn:credo:error:<code>
	Title     string `json:"title"`
	Status    int    `json:"status"`
	Detail    string `json:"detail,omitempty"`
	Field     string `json:"field,omitempty"`  // the offending input field or parameter
	Reason    string `json:"reason,omitempty"` // a machine word: required, checksum, future, ...
	RequestID string `json:"request_id,omitempty"`
}

// Codes of errors that only HTTP has; they share the domain's error type.
const (
	eUnsupportedMediaType credo.ErrorCode = "unsupported_media_type"
	eMethodNotAllowed     credo.ErrorCode = "method_not_allowed"
	eHeadersTooLarge      credo.ErrorCode = "headers_too_large"
	eNotImplemented       credo.ErrorCode = "not_implemented"
	eRedirect             credo.ErrorCode = "redirect" // answered with the redirect's own status
)

// statusOf is the one map from error code to HTTP status.
var statusOf = map[credo.ErrorCode]int{
	credo.EINVALID:        http.StatusUnprocessableEntity,
	credo.EMALFORMED:      http.StatusBadRequest,
	credo.ENOTFOUND:       http.StatusNotFound,
	credo.ECONFLICT:       http.StatusConflict,
	credo.EFORBIDDEN:      http.StatusForbidden,
	credo.EUNAUTHORIZED:   http.StatusUnauthorized,
	credo.ETOOLARGE:       http.StatusRequestEntityTooLarge,
	credo.EUNAVAILABLE:    http.StatusServiceUnavailable,
	credo.ESTORAGE:        http.StatusInsufficientStorage,
	credo.EINTERNAL:       http.StatusInternalServerError,
	eUnsupportedMediaType: http.StatusUnsupportedMediaType,
	eMethodNotAllowed:     http.StatusMethodNotAllowed,
	eTooManyRequests:      http.StatusTooManyRequests,
	eHeadersTooLarge:      http.StatusRequestHeaderFieldsTooLarge,
	eNotImplemented:       http.StatusNotImplemented,
	eRedirect:             http.StatusTemporaryRedirect,
}

var titleOf = map[credo.ErrorCode]string{
	credo.EINVALID:        "Invalid input",
	credo.EMALFORMED:      "Malformed request",
	credo.ENOTFOUND:       "Not found",
	credo.ECONFLICT:       "Conflict",
	credo.EFORBIDDEN:      "Forbidden",
	credo.EUNAUTHORIZED:   "Unauthorized",
	credo.ETOOLARGE:       "Too large",
	credo.EUNAVAILABLE:    "Service unavailable",
	credo.ESTORAGE:        "Insufficient storage",
	credo.EINTERNAL:       "Internal error",
	eUnsupportedMediaType: "Unsupported media type",
	eMethodNotAllowed:     "Method not allowed",
	eTooManyRequests:      "Too many requests",
	eHeadersTooLarge:      "Request headers too large",
	eNotImplemented:       "Not implemented",
	eRedirect:             "Moved",
}

// clientError reduces any error to what a client may see: its *credo.Error
// when it has one of a known code, an unavailable error for a timeout, and
// an internal error otherwise. internal reports whether err must be logged
// because the client is not told what it was.
func clientError(err error) (e *credo.Error, internal bool) {
	if e := credo.AsError(err); e != nil {
		if _, ok := statusOf[e.Code]; ok && e.Code != credo.EINTERNAL {
			return e, false
		}
		return &credo.Error{Code: credo.EINTERNAL, Message: "internal error"}, true
	}
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		return credo.Errorf(credo.ETOOLARGE, "request body is larger than %d bytes", mbe.Limit), false
	case errors.Is(err, context.DeadlineExceeded):
		return credo.Errorf(credo.EUNAVAILABLE, "the request took too long; try again or send less"), true
	}
	return &credo.Error{Code: credo.EINTERNAL, Message: "internal error"}, true
}

// writeError answers err as a problem. Internal errors are logged with the
// request id and answered as "internal error"; the client never sees their
// text.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	e, internal := clientError(err)
	if internal {
		level := errorLevel(r.Context(), err)
		s.Logger.Log(r.Context(), level, "request failed", "request_id", requestID(r.Context()),
			"method", r.Method, "path", logPath(r), "error", err.Error())
	}
	if e.Code == credo.EUNAUTHORIZED {
		challenge := `Bearer realm="credo"`
		if e.Reason == invalidToken {
			challenge += `, error="invalid_token"`
		}
		w.Header().Set("WWW-Authenticate", challenge)
	}
	writeProblem(w, r, e)
}

// writeProblem writes e as application/problem+json.
func writeProblem(w http.ResponseWriter, r *http.Request, e *credo.Error) {
	status, ok := statusOf[e.Code]
	if !ok {
		status = http.StatusInternalServerError
	}
	writeProblemStatus(w, r, status, e)
}

// writeProblemStatus writes e as application/problem+json with status.
func writeProblemStatus(w http.ResponseWriter, r *http.Request, status int, e *credo.Error) {
	p := Problem{
		Type:      "urn:credo:error:" + string(e.Code),
		Title:     titleOf[e.Code],
		Status:    status,
		Detail:    e.Message,
		Field:     e.Field,
		Reason:    e.Reason,
		RequestID: requestID(r.Context()),
	}
	writeJSONAs(w, "application/problem+json", status, p)
}
