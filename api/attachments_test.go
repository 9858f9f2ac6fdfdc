package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/credo-registry/credo"
)

// Finding (issue 9, Low): attachment media types were taken on trust.
func TestAttachmentMediaTypes(t *testing.T) {
	e := newProcessEnv(t)
	org := e.account("huaibei-org", codeHuaibei)
	id := idOf(e.record(tokenHuaibei, with(goodRecord(codeHuaibei, "HB-1"), "occurred_at", "2026-06-01")))
	att := func(name, mediaType, data string) []map[string]any {
		return []map[string]any{{"name": name, "media_type": mediaType, "data": []byte(data)}}
	}
	for _, c := range []struct {
		name        string
		attachments []map[string]any
		field       string
	}{
		{"a web page", att("a.html", "text/html", "<html><script>alert(1)</script>"), "attachments[0].media_type"},
		{"a script called a PDF", att("a.pdf", "application/pdf", "<script>alert(1)</script>"), "attachments[0].data"},
		{"a PNG called a PDF", att("a.pdf", "application/pdf", "\x89PNG\r\n\x1a\n...."), "attachments[0].data"},
		{"an SVG image", att("a.svg", "image/svg+xml", "<svg onload=alert(1)>"), "attachments[0].media_type"},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := e.postJSON("/v1/objections", org, with(caseBody("objections", "record", id), "attachments", c.attachments)).
				problem(http.StatusUnprocessableEntity, credo.EINVALID)
			wantField(t, p, c.field, "media_type")
		})
	}
	t.Run("too many", func(t *testing.T) {
		var many []map[string]any
		for range 11 {
			many = append(many, att("a.pdf", "application/pdf", "%PDF-1.7")[0])
		}
		p := e.postJSON("/v1/objections", org, with(caseBody("objections", "record", id), "attachments", many)).
			problem(http.StatusUnprocessableEntity, credo.EINVALID)
		wantField(t, p, "attachments", "too_many")
	})
	t.Run("too large", func(t *testing.T) {
		big := att("a.pdf", "application/pdf", "%PDF-1.7 "+strings.Repeat("x", 2<<20))
		p := e.postJSON("/v1/objections", org, with(caseBody("objections", "record", id), "attachments", big)).
			problem(http.StatusRequestEntityTooLarge, credo.ETOOLARGE)
		if p.Field != "attachments[0].data" {
			t.Errorf("field %q", p.Field)
		}
	})
	for _, c := range []struct{ name, mediaType, data string }{
		{"PDF", "application/pdf", "%PDF-1.7 decision"},
		{"PNG scan", "image/png", "\x89PNG\r\n\x1a\nscan"},
		{"JPEG photo, upper case type", "IMAGE/JPEG", "\xff\xd8\xff\xe0photo"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var cv caseView
			e.postJSON("/v1/objections", org, with(caseBody("objections", "record", id), "attachments", att("x", c.mediaType, c.data))).
				wantStatus(http.StatusCreated).decode(&cv)
			res := e.do("GET", fmt.Sprintf("/v1/objections/%d/attachments/0", cv.ID), org, "", nil).wantStatus(http.StatusOK)
			if ct := res.header.Get("Content-Type"); ct != strings.ToLower(c.mediaType) || string(res.body) != c.data {
				t.Errorf("served as %q: %q", ct, res.body)
			}
			// One open objection per target: decide it before the next.
			e.decide("objections", tokenHuaibei, cv.ID, map[string]any{"outcome": "upheld", "reasons": "维持"})
		})
	}
}
