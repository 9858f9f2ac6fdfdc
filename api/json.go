package api

import (
	"bytes"
	"encoding/json"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/credo-registry/credo"
)

// writeJSON answers v as application/json with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	writeJSONAs(w, "application/json", status, v)
}

func writeJSONAs(w http.ResponseWriter, contentType string, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		// Only a bug (an unencodable type) gets here; nothing was sent yet.
		http.Error(w, `{"type":"urn:credo:error:internal","title":"Internal error","status":500,"detail":"internal error"}`, http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// Media types of submissions.
const (
	mediaJSON   = "application/json"
	mediaCSV    = "text/csv"
	mediaNDJSON = "application/x-ndjson"
)

// mediaType returns the request's media type when it is one of accepted,
// or an unsupported-media-type error naming them.
func mediaType(r *http.Request, accepted ...string) (string, error) {
	ct := r.Header.Get("Content-Type")
	mt, _, err := mime.ParseMediaType(ct)
	if err == nil {
		for _, a := range accepted {
			if mt == a {
				return mt, nil
			}
		}
	}
	if ct == "" {
		ct = "none"
	}
	return "", &credo.Error{Code: eUnsupportedMediaType, Field: "Content-Type", Reason: "media_type",
		Message: "Content-Type " + ct + " is not accepted; send " + strings.Join(accepted, " or ")}
}

// queryLimit reads the limit parameter: 0 (the store's default) when absent,
// else 1..credo.MaxPageSize.
func queryLimit(r *http.Request) (int, error) {
	v := r.URL.Query().Get("limit")
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, credo.FieldError("limit", "format", "must be a whole number from 1 to %d", credo.MaxPageSize)
	}
	if n < 1 || n > credo.MaxPageSize {
		return 0, credo.FieldError("limit", "range", "must be from 1 to %d", credo.MaxPageSize)
	}
	return n, nil
}

// queryTime reads an RFC 3339 date or time parameter; zero when absent.
func queryTime(r *http.Request, name string) (time.Time, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return time.Time{}, nil
	}
	t, err := credo.ParseTime(v)
	if err != nil {
		return time.Time{}, credo.FieldError(name, "format", "must be an RFC 3339 date (2006-01-02) or time (2006-01-02T15:04:05Z)")
	}
	return t.Time, nil
}

// asOfQuery reads ?as_of= (zero when absent), refusing a time outside
// the range the registry answers for.
func asOfQuery(r *http.Request) (time.Time, error) {
	t, err := queryTime(r, "as_of")
	if err != nil || r.URL.Query().Get("as_of") == "" {
		return t, err
	}
	return t, checkAsOf("as_of", t)
}

// checkAsOf refuses an as-of time outside [credo.EarliestDecision,
// credo.LatestAsOf): before any record the registry accepts, or so far
// ahead that it can only be a mistake (0001-01-01 is not "now").
func checkAsOf(field string, t time.Time) error {
	if t.Before(credo.EarliestDecision) || !t.Before(credo.LatestAsOf) {
		return credo.FieldError(field, "range", "must be from %s to before %s", credo.EarliestDecision.Format(time.DateOnly), credo.LatestAsOf.Format(time.DateOnly))
	}
	return nil
}
