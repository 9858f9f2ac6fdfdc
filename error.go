package credo

import (
	"errors"
	"fmt"
)

// ErrorCode classifies a domain error; each maps to one HTTP status in api.
type ErrorCode string

const (
	EINVALID      ErrorCode = "invalid"      // well-formed input that breaks a rule (422)
	EMALFORMED    ErrorCode = "malformed"    // input that cannot be parsed (400)
	ENOTFOUND     ErrorCode = "not_found"    // the named thing does not exist (404)
	ECONFLICT     ErrorCode = "conflict"     // clashes with what is stored (409)
	EFORBIDDEN    ErrorCode = "forbidden"    // authenticated but outside jurisdiction (403)
	EUNAUTHORIZED ErrorCode = "unauthorized" // no or unknown credentials (401)
	ETOOLARGE     ErrorCode = "too_large"    // request or line over a size limit (413)
	EUNAVAILABLE  ErrorCode = "unavailable"  // a dependency is down; retry later (503)
	ESTORAGE      ErrorCode = "storage_full" // the store's disk is full: the write was not stored (507)
	EINTERNAL     ErrorCode = "internal"     // a bug or an unexpected failure (500)
)

// Error is the one domain error type. Field names the offending input field
// as a JSON path ("officers[0].role") when one applies; Reason is a short
// machine word ("required", "future", "checksum", ...).
type Error struct {
	Code    ErrorCode `json:"code"`
	Field   string    `json:"field,omitempty"`
	Reason  string    `json:"reason,omitempty"`
	Message string    `json:"message"`
}

func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("%s: %s", e.Field, e.Message)
	}
	return e.Message
}

// Errorf returns an *Error with code and a formatted message.
func Errorf(code ErrorCode, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// FieldError returns an EINVALID error about one input field.
func FieldError(field, reason, format string, args ...any) *Error {
	return &Error{Code: EINVALID, Field: field, Reason: reason, Message: fmt.Sprintf(format, args...)}
}

// ErrorCodeOf returns the code of the first *Error in err's chain, EINTERNAL
// for any other non-nil error and "" for nil.
func ErrorCodeOf(err error) ErrorCode {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// AsError returns the first *Error in err's chain, or nil.
func AsError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return nil
}

// ErrStorageFull is what a store answers when a write failed because its
// disk (or its database server's) is full: nothing of the write was
// stored. cause, the driver's error, stays in the text for logs.
func ErrStorageFull(cause error) error {
	return fmt.Errorf("%w: %v", &Error{Code: ESTORAGE, Reason: "disk_full",
		Message: "the registry's disk is full: nothing of this write was stored; reads still work"}, cause)
}

// ErrNotFound is a convenience for "no such thing" lookups.
func ErrNotFound(what string, key any) *Error {
	return &Error{Code: ENOTFOUND, Reason: "not_found", Message: fmt.Sprintf("%s %v not found", what, key)}
}
