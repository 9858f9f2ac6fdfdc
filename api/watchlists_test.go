package api_test

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/api"
)

// clientAccount makes a client account and returns its token.
func (e *env) clientAccount() string {
	e.t.Helper()
	var na struct {
		Account credo.Account `json:"account"`
		Token   string        `json:"token"`
	}
	e.postJSON("/v1/admin/accounts", adminToken, map[string]any{"role": "client"}).wantStatus(http.StatusCreated).decode(&na)
	return na.Token
}

func (e *env) watchlist(token string, body map[string]any) credo.Watchlist {
	e.t.Helper()
	var wl credo.Watchlist
	e.postJSON("/v1/watchlists", token, body).wantStatus(http.StatusCreated).decode(&wl)
	return wl
}

func TestWatchlists(t *testing.T) {
	e := newProcessEnv(t)
	client := e.clientAccount()
	org := e.account("huaibei-org", codeHuaibei)

	wl := e.watchlist(client, map[string]any{"name": "供应商", "types": []string{"credo.grade.changed", "credo.list_entry.active"}, "partner_depth": 2})
	if wl.ID == 0 || wl.Name != "供应商" || wl.PartnerDepth != 2 || !slices.Equal(wl.Types, []string{"credo.grade.changed", "credo.list_entry.active"}) {
		t.Fatalf("created %+v", wl)
	}
	path := "/v1/watchlists/" + strconv.FormatInt(wl.ID, 10)

	// JSON: the valid codes are kept, each invalid one reported by row.
	var rep api.MembersReport
	e.postJSON(path+"/members", client, map[string]any{"codes": []string{codeHuaibei, badChecksum, " 91310112087994932f ", codeHuawei, badLength}}).
		wantStatus(http.StatusOK).decode(&rep)
	if rep.Valid != 3 || rep.Members != 3 || len(rep.Invalid) != 2 ||
		rep.Invalid[0] != (api.InvalidRow{Row: 2, Code: badChecksum, Reason: "checksum"}) ||
		rep.Invalid[1] != (api.InvalidRow{Row: 5, Code: badLength, Reason: "length"}) {
		t.Fatalf("JSON upload: %+v", rep)
	}
	// CSV, with a header row: rows are the file's lines.
	csv := "code,name\n" + codeHuaibei2 + ",淮北\n" + badCharset + ",x\n" + codePublicIns + "\n"
	e.do("POST", path+"/members", client, "text/csv", csv).wantStatus(http.StatusOK).decode(&rep)
	if rep.Valid != 2 || rep.Members != 5 || len(rep.Invalid) != 1 || rep.Invalid[0] != (api.InvalidRow{Row: 3, Code: badCharset, Reason: "charset"}) {
		t.Fatalf("CSV upload: %+v", rep)
	}
	// Removal.
	e.do("DELETE", path+"/members", client, "application/json", `{"codes":["`+codeHuawei+`"]}`).wantStatus(http.StatusOK).decode(&rep)
	if rep.Members != 4 {
		t.Fatalf("after removal: %+v", rep)
	}
	var m api.WatchlistMembers
	e.do("GET", path+"/members", client, "", nil).wantStatus(http.StatusOK).decode(&m)
	want := []string{codeHuaibei, codeHuaibei2, codeShanghai, codePublicIns}
	slices.Sort(want)
	if m.Watchlist != wl.ID || !slices.Equal(m.Codes, want) {
		t.Fatalf("members %+v, want %v", m, want)
	}
	var got credo.Watchlist
	e.do("GET", path, client, "", nil).wantStatus(http.StatusOK).decode(&got)
	if got.Members != 4 {
		t.Fatalf("GET %s: %+v", path, got)
	}

	// Another account sees none of it; the organization keeps its own.
	e.do("GET", path, org, "", nil).problem(http.StatusNotFound, credo.ENOTFOUND)
	e.do("GET", path+"/members", org, "", nil).problem(http.StatusNotFound, credo.ENOTFOUND)
	own := e.watchlist(org, map[string]any{"name": "客户"})
	var list api.WatchlistList
	e.do("GET", "/v1/watchlists", org, "", nil).wantStatus(http.StatusOK).decode(&list)
	if len(list.Watchlists) != 1 || list.Watchlists[0].ID != own.ID {
		t.Fatalf("the organization's watchlists: %+v", list)
	}
	e.do("GET", "/v1/watchlists", client, "", nil).wantStatus(http.StatusOK).decode(&list)
	if len(list.Watchlists) != 1 || list.Watchlists[0].ID != wl.ID {
		t.Fatalf("the client's watchlists: %+v", list)
	}

	// Deletion: gone from the list and from reads; a second is not found.
	e.do("DELETE", path, client, "", nil).wantStatus(http.StatusNoContent)
	e.do("GET", path, client, "", nil).problem(http.StatusNotFound, credo.ENOTFOUND)
	e.do("DELETE", path, client, "", nil).problem(http.StatusNotFound, credo.ENOTFOUND)
	e.do("GET", "/v1/watchlists", client, "", nil).wantStatus(http.StatusOK).decode(&list)
	if len(list.Watchlists) != 0 {
		t.Fatalf("after deletion: %+v", list)
	}
}

func TestWatchlistBadInput(t *testing.T) {
	e := newProcessEnv(t)
	client := e.clientAccount()
	wl := e.watchlist(client, map[string]any{"name": "x"})
	members := "/v1/watchlists/" + strconv.FormatInt(wl.ID, 10) + "/members"

	for _, c := range []struct {
		name          string
		body          map[string]any
		field, reason string
	}{
		{"no name", map[string]any{"types": []string{}}, "name", "required"},
		{"unknown type", map[string]any{"name": "x", "types": []string{"credo.grade.changed", "grade.changed"}}, "types[1]", "enum"},
		{"type twice", map[string]any{"name": "x", "types": []string{"credo.grade.changed", "credo.grade.changed"}}, "types[1]", "duplicate"},
		{"depth 3", map[string]any{"name": "x", "partner_depth": 3}, "partner_depth", "range"},
		{"depth -1", map[string]any{"name": "x", "partner_depth": -1}, "partner_depth", "range"},
	} {
		t.Run(c.name, func(t *testing.T) {
			wantField(t, e.postJSON("/v1/watchlists", client, c.body).problem(http.StatusUnprocessableEntity, credo.EINVALID), c.field, c.reason)
		})
	}
	// The owner is the caller, never the body's.
	wantField(t, e.postJSON("/v1/watchlists", client, map[string]any{"name": "x", "owner": "someone"}).
		problem(http.StatusUnprocessableEntity, credo.EINVALID), "owner", "unknown_field")

	// A watchlist of invalid codes only: refused, nothing stored.
	p := e.postJSON(members, client, map[string]any{"codes": []string{badChecksum, badStructure}}).problem(http.StatusUnprocessableEntity, credo.EINVALID)
	wantField(t, p, "codes", "invalid")
	if !strings.Contains(p.Detail, "row 1") {
		t.Errorf("detail %q names no row", p.Detail)
	}
	e.do("POST", members, client, "text/plain", codeHuaibei).problem(http.StatusUnsupportedMediaType, "unsupported_media_type")
	e.do("POST", members, client, "text/csv", "\"unterminated\n").problem(http.StatusUnprocessableEntity, credo.EINVALID)
	e.do("POST", "/v1/watchlists/x/members", client, "application/json", `{"codes":[]}`).problem(http.StatusUnprocessableEntity, credo.EINVALID)

	// 100,001 members: refused naming the limit; nothing stored.
	codes := make([]string, credo.MaxWatchlistMembers+1)
	for i := range codes {
		codes[i] = codeHuaibei
	}
	p = e.postJSON(members, client, map[string]any{"codes": codes}).problem(http.StatusUnprocessableEntity, credo.EINVALID)
	wantField(t, p, "members", "limit")
	if !strings.Contains(p.Detail, fmt.Sprint(credo.MaxWatchlistMembers)) {
		t.Errorf("detail %q names no limit", p.Detail)
	}
	var got credo.Watchlist
	e.do("GET", "/v1/watchlists/"+strconv.FormatInt(wl.ID, 10), client, "", nil).wantStatus(http.StatusOK).decode(&got)
	if got.Members != 0 {
		t.Errorf("after refused uploads: %d members", got.Members)
	}
}

func TestWatchlistDigest(t *testing.T) {
	e := eventsEnv(t)
	e.postJSON("/v1/subjects", tokenHuaibei, goodSubject(codeHuaibei, "淮北市相山区百货有限公司")).wantStatus(http.StatusCreated)
	e.postJSON("/v1/records", tokenHuaibei, goodRecord(codeHuaibei, "dg-1")).wantStatus(http.StatusCreated)
	e.postJSON("/v1/records", tokenHuaibei, with(goodRecord(codeHuaibei, "dg-2"), "severity", "serious")).wantStatus(http.StatusCreated)
	entry := e.list(tokenHuaibei, listing(codeHuaibei, "淮市监列〔2026〕9号"))
	client := e.clientAccount()
	org := e.account("org-huaibei", codeHuaibei)

	for _, tok := range []string{client, org} {
		wl := e.watchlist(tok, map[string]any{"name": "对手方"})
		path := "/v1/watchlists/" + strconv.FormatInt(wl.ID, 10)
		e.postJSON(path+"/members", tok, map[string]any{"codes": []string{codeHuaibei}}).wantStatus(http.StatusOK)

		var d api.Digest
		e.do("GET", path+"/digest?period=day", tok, "", nil).wantStatus(http.StatusOK).decode(&d)
		if d.Period != "day" || d.Watchlist != wl.ID || d.To.Sub(d.From.Time) != 24*time.Hour ||
			d.Counts["credo.record.accepted"] != 2 || d.Counts["credo.registration.changed"] != 1 {
			t.Errorf("digest %+v", d)
		}
		// Shanghai is not watched; the listing is the organization's to see
		// while it is only notified, not a client's.
		if len(d.GradeFell) != 1 || d.GradeFell[0].Subject != codeHuaibei || d.GradeFell[0].PreviousGrade != "A" || d.GradeFell[0].Grade != "B" {
			t.Errorf("grades that fell: %+v", d.GradeFell)
		}
		listed := len(d.NewListings) == 1 && d.NewListings[0].Entry == entry.ID && d.NewListings[0].List == "serious-dishonesty"
		if tok == org && !listed || tok == client && (len(d.NewListings) != 0 || d.Counts["credo.list_entry.notified"] != 0) {
			t.Errorf("new listings %+v, counts %v", d.NewListings, d.Counts)
		}
		text := e.do("GET", path+"/digest?period=week", tok, "", nil, "Accept", "text/plain")
		text.wantStatus(http.StatusOK)
		if ct := text.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") ||
			!strings.Contains(string(text.body), "record.accepted") || !strings.Contains(string(text.body), "对手方") {
			t.Errorf("text digest (%s): %s", ct, text.body)
		}
		wantField(t, e.do("GET", path+"/digest?period=month", tok, "", nil).problem(http.StatusUnprocessableEntity, credo.EINVALID), "period", "enum")
		wantField(t, e.do("GET", path+"/digest", tok, "", nil).problem(http.StatusUnprocessableEntity, credo.EINVALID), "period", "enum")
	}
	// A week later, nothing falls in the last day.
	e.advance(8 * 24 * time.Hour)
	wl := e.watchlist(client, map[string]any{"name": "later"})
	path := "/v1/watchlists/" + strconv.FormatInt(wl.ID, 10)
	e.postJSON(path+"/members", client, map[string]any{"codes": []string{codeHuaibei}}).wantStatus(http.StatusOK)
	var d api.Digest
	e.do("GET", path+"/digest?period=week", client, "", nil).wantStatus(http.StatusOK).decode(&d)
	if len(d.Counts) != 0 || len(d.GradeFell) != 0 {
		t.Errorf("a week later: %+v", d)
	}
}

// With partner_depth 1 the digest also counts the events of the member's
// partners (淮北 科技 is held 80% by the member), never an unrelated
// organization's (上海).
func TestWatchlistDigestPartners(t *testing.T) {
	e := eventsEnv(t)
	e.postJSON("/v1/subjects", tokenHuaibei, goodSubject(codeHuaibei, "淮北市相山区百货有限公司")).wantStatus(http.StatusCreated)
	e.postJSON("/v1/subjects", tokenHuaibei, with(goodSubject(codeHuaibei2, "淮北市某某科技有限公司"),
		"shareholders", []map[string]any{{"type": "organization", "code": codeHuaibei, "name": "淮北市相山区百货有限公司", "share": 80}})).wantStatus(http.StatusCreated)
	e.postJSON("/v1/subjects", tokenNational, with(goodSubject(codeShanghai, "上海某某实业有限公司"),
		"officers", []map[string]any{officer("legal_representative", "王五", personZ)})).wantStatus(http.StatusCreated)
	e.postJSON("/v1/records", tokenHuaibei, goodRecord(codeHuaibei2, "dp-1")).wantStatus(http.StatusCreated)
	client := e.clientAccount()
	for depth, want := range map[int][2]int{0: {1, 0}, 1: {2, 1}} {
		wl := e.watchlist(client, map[string]any{"name": "关联方", "partner_depth": depth})
		path := "/v1/watchlists/" + strconv.FormatInt(wl.ID, 10)
		e.postJSON(path+"/members", client, map[string]any{"codes": []string{codeHuaibei}}).wantStatus(http.StatusOK)
		var d api.Digest
		e.do("GET", path+"/digest?period=day", client, "", nil).wantStatus(http.StatusOK).decode(&d)
		if d.Counts["credo.registration.changed"] != want[0] || d.Counts["credo.record.accepted"] != want[1] {
			t.Errorf("depth %d: counts %v, want %d registrations and %d records", depth, d.Counts, want[0], want[1])
		}
	}
}
