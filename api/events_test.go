package api_test

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/api"
	"github.com/credo-registry/credo/events"
)

// cloudEvent is an event as a client reads it.
type cloudEvent struct {
	SpecVersion     string         `json:"specversion"`
	ID              string         `json:"id"`
	Source          string         `json:"source"`
	Type            string         `json:"type"`
	Subject         string         `json:"subject"`
	Time            time.Time      `json:"time"`
	DataContentType string         `json:"datacontenttype"`
	Data            map[string]any `json:"data"`
}

type eventPage struct {
	Events []cloudEvent `json:"events"`
	Next   *int64       `json:"next"`
}

// eventsEnv is an env with grading, administrators and the event feed.
func eventsEnv(t *testing.T, opts ...envOption) *env {
	t.Helper()
	return newEnv(t, nil, append([]envOption{withGrading(t), func(s *api.Server) { s.AdminToken = adminToken }}, opts...)...)
}

func (e *env) events(token, query string) eventPage {
	e.t.Helper()
	var p eventPage
	e.do("GET", "/v1/events"+query, token, "", nil).wantStatus(http.StatusOK).decode(&p)
	if p.Next == nil || p.Events == nil {
		e.t.Fatalf("page without events or next: %+v", p)
	}
	return p
}

// kinds summarizes events as "type subject".
func kinds(es []cloudEvent) []string {
	out := make([]string, len(es))
	for i, ev := range es {
		out[i] = strings.TrimPrefix(ev.Type, "credo.") + " " + ev.Subject
	}
	return out
}

func TestEventsFeed(t *testing.T) {
	e := eventsEnv(t)
	e.postJSON("/v1/subjects", tokenHuaibei, goodSubject(codeHuaibei, "淮北市相山区百货有限公司")).wantStatus(http.StatusCreated)
	e.postJSON("/v1/records", tokenHuaibei, goodRecord(codeHuaibei, "ev-1")).wantStatus(http.StatusCreated)
	e.postJSON("/v1/records", tokenShanghai, with(goodRecord(codeShanghai, "ev-tax"), "category", "tax", "kind", "arrears",
		"penalty_types", nil, "tax_due", 80000.0, "decision_number", nil, "legal_basis", nil, "severity", nil)).wantStatus(http.StatusCreated)
	entry := e.list(tokenHuaibei, listing(codeHuaibei, "淮市监列〔2026〕3号"))
	orgToken := e.account("org-huaibei", codeHuaibei)

	all := e.events(adminToken, "?limit=1000")
	for _, want := range []string{
		"registration.changed " + codeHuaibei, "record.accepted " + codeHuaibei, "grade.changed " + codeHuaibei,
		"record.accepted " + codeShanghai, "grade.changed " + codeShanghai, "list_entry.notified " + codeHuaibei,
	} {
		if !slices.Contains(kinds(all.Events), want) {
			t.Errorf("administrators' events %v lack %s", kinds(all.Events), want)
		}
	}
	// The account's creation is logged but is no event: next is the head.
	last := all.Events[len(all.Events)-1]
	if *all.Next <= mustAtoi(t, last.ID) {
		t.Errorf("next %d, last id %s", *all.Next, last.ID)
	}
	for i, ev := range all.Events {
		if ev.SpecVersion != "1.0" || ev.Source != "credo" || ev.DataContentType != "application/json" || ev.Time.IsZero() || ev.Data == nil {
			t.Errorf("event %+v is no complete CloudEvent", ev)
		}
		if i > 0 && mustAtoi(t, ev.ID) <= mustAtoi(t, all.Events[i-1].ID) {
			t.Errorf("ids out of order: %s after %s", ev.ID, all.Events[i-1].ID)
		}
	}

	t.Run("Public", func(t *testing.T) {
		pub := e.events("", "?limit=1000")
		got := kinds(pub.Events)
		if !slices.Contains(got, "record.accepted "+codeHuaibei) || !slices.Contains(got, "registration.changed "+codeHuaibei) {
			t.Errorf("the public misses published changes: %v", got)
		}
		for _, ev := range pub.Events {
			switch {
			case ev.Type == "credo.list_entry.notified":
				t.Errorf("the public sees a notified entry: %+v", ev)
			case ev.Type == "credo.grade.changed" && ev.Data["public"] != true:
				t.Errorf("the public sees a grade that is not public: %+v", ev)
			case ev.Type == "credo.grade.changed" && ev.Data["dimension"] == "tax":
				t.Errorf("the public sees a tax grade: %+v", ev)
			}
		}
		if *pub.Next != *all.Next {
			t.Errorf("public next %d, want the head %d", *pub.Next, *all.Next)
		}
	})

	t.Run("Organization", func(t *testing.T) {
		own := e.events(orgToken, "?limit=1000")
		if !slices.Contains(kinds(own.Events), "list_entry.notified "+codeHuaibei) {
			t.Errorf("the organization does not see its own entry: %v", kinds(own.Events))
		}
		for _, ev := range own.Events {
			if ev.Subject != codeHuaibei && (ev.Type == "credo.list_entry.notified" || ev.Data["public"] == false) {
				t.Errorf("the organization sees another's private event: %+v", ev)
			}
		}
	})

	t.Run("Authority", func(t *testing.T) {
		got := kinds(e.events(tokenHuaibei, "?limit=1000").Events)
		if !slices.Contains(got, "list_entry.notified "+codeHuaibei) {
			t.Errorf("the authority does not see its jurisdiction's entry: %v", got)
		}
		if slices.Contains(got, "list_entry.notified "+codeShanghai) {
			t.Errorf("huaibei's authority sees Shanghai's notified entry: %v", got)
		}
		sh := kinds(e.events(tokenShanghai, "?limit=1000").Events)
		if !slices.Contains(sh, "record.accepted "+codeShanghai) || slices.Contains(sh, "list_entry.notified "+codeHuaibei) {
			t.Errorf("Shanghai's tax authority sees %v", sh)
		}
	})

	t.Run("Filters", func(t *testing.T) {
		recs := e.events(adminToken, "?types=credo.record.accepted,credo.list_entry.notified&limit=1000")
		var wantSame []string
		for _, ev := range all.Events {
			if ev.Type == "credo.record.accepted" || ev.Type == "credo.list_entry.notified" {
				wantSame = append(wantSame, strings.TrimPrefix(ev.Type, "credo.")+" "+ev.Subject)
			}
		}
		if len(wantSame) < 4 || !slices.Equal(kinds(recs.Events), wantSame) {
			t.Errorf("types filter: %v, want %v", kinds(recs.Events), wantSame)
		}
		sh := e.events(adminToken, "?subjects="+strings.ToLower(codeShanghai)+"&limit=1000")
		for _, ev := range sh.Events {
			if ev.Subject != codeShanghai {
				t.Errorf("subjects filter let %+v through", ev)
			}
		}
		if len(sh.Events) == 0 {
			t.Error("subjects filter kept nothing")
		}
		// Pages of one, each after the last.
		var paged []cloudEvent
		after := int64(0)
		for range 100 {
			p := e.events(adminToken, fmt.Sprintf("?after=%d&limit=1", after))
			paged = append(paged, p.Events...)
			if *p.Next == after {
				break
			}
			after = *p.Next
		}
		if !slices.Equal(kinds(paged), kinds(all.Events)) {
			t.Errorf("paged %v, want %v", kinds(paged), kinds(all.Events))
		}
		beyond := e.events(adminToken, fmt.Sprintf("?after=%d", *all.Next+1000))
		if len(beyond.Events) != 0 || *beyond.Next != *all.Next {
			t.Errorf("after beyond the head: %+v, want none and next %d", beyond, *all.Next)
		}
	})

	t.Run("BadInput", func(t *testing.T) {
		many := make([]string, events.MaxSubjects+1)
		for i := range many {
			many[i] = codeHuaibei
		}
		// Ten thousand codes are read as a set.
		if p := e.events(adminToken, "?limit=1000&subjects="+strings.Join(many[1:], ",")); len(p.Events) == 0 || p.Events[0].Subject != codeHuaibei {
			t.Errorf("10,000 codes: %v", kinds(p.Events))
		}
		for _, c := range []struct{ name, query, field string }{
			{"after not a number", "?after=ten", "after"},
			{"negative after", "?after=-1", "after"},
			{"unknown type", "?types=credo.record.accepted,credo.record.deleted", "types"},
			{"type without prefix", "?types=record.accepted", "types"},
			{"invalid code", "?subjects=" + badChecksum, "subjects"},
			{"too many codes", "?subjects=" + strings.Join(many, ","), "subjects"},
			{"zero limit", "?limit=0", "limit"},
		} {
			t.Run(c.name, func(t *testing.T) {
				p := e.do("GET", "/v1/events"+c.query, adminToken, "", nil).problem(http.StatusUnprocessableEntity, credo.EINVALID)
				if p.Field != c.field {
					t.Errorf("field %q, want %q (%s)", p.Field, c.field, p.Detail)
				}
				p = e.do("GET", "/v1/events/stream"+c.query, adminToken, "", nil).problem(http.StatusUnprocessableEntity, credo.EINVALID)
				if p.Field != c.field {
					t.Errorf("stream: field %q, want %q", p.Field, c.field)
				}
			})
		}
		p := e.do("GET", "/v1/events/stream", adminToken, "", nil, "Last-Event-ID", "x").problem(http.StatusUnprocessableEntity, credo.EINVALID)
		wantField(t, p, "Last-Event-ID", "format")
		e.do("GET", "/v1/events", "credo_no_such_token", "", nil).problem(http.StatusUnauthorized, credo.EUNAUTHORIZED)
	})

	t.Run("TakingEffect", func(t *testing.T) {
		// The first pass marks where later ones start; the entry takes
		// effect after its notice period, by time alone.
		if _, err := events.LogDue(context.Background(), e.store, e.server.Grading, e.clock.Now()); err != nil {
			t.Fatal(err)
		}
		e.setNow(entry.EffectiveAt.Add(time.Hour))
		for range 2 { // a second pass (another node) appends nothing more
			if _, err := events.LogDue(context.Background(), e.store, e.server.Grading, e.clock.Now()); err != nil {
				t.Fatal(err)
			}
		}
		pub := e.events("", fmt.Sprintf("?after=%d&types=credo.list_entry.active,credo.list_entry.notified&subjects=%s", *all.Next, codeHuaibei))
		if got := kinds(pub.Events); !slices.Equal(got, []string{"list_entry.active " + codeHuaibei}) {
			t.Fatalf("the public sees %v after the entry took effect", got)
		}
		if at := pub.Events[0].Time; !at.Equal(entry.EffectiveAt) {
			t.Errorf("active at %v, want its effective time %v", at, entry.EffectiveAt)
		}
	})
}

func mustAtoi(t *testing.T, s string) int64 {
	t.Helper()
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatalf("id %q is no position", s)
	}
	return n
}

// sseEvent is one event of a stream.
type sseEvent struct{ id, data string }

// readSSE reads events from r into a channel until it ends.
func readSSE(r *bufio.Reader) <-chan sseEvent {
	out := make(chan sseEvent, 100)
	go func() {
		defer close(out)
		var ev sseEvent
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return
			}
			line = strings.TrimRight(line, "\n")
			switch {
			case line == "":
				if ev.data != "" {
					out <- ev
				}
				ev = sseEvent{}
			case strings.HasPrefix(line, "id: "):
				ev.id = line[4:]
			case strings.HasPrefix(line, "data: "):
				ev.data = line[6:]
			}
		}
	}()
	return out
}

func openStream(t *testing.T, e *env, token, query string, headers ...string) (<-chan sseEvent, func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", e.url+"/v1/events/stream"+query, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("stream: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	return readSSE(bufio.NewReader(res.Body)), func() { cancel(); res.Body.Close() }
}

func next(t *testing.T, ch <-chan sseEvent) sseEvent {
	t.Helper()
	select {
	case ev, ok := <-ch:
		if !ok {
			t.Fatal("the stream ended")
		}
		return ev
	case <-time.After(10 * time.Second):
		t.Fatal("no event within 10s")
	}
	return sseEvent{}
}

func TestEventStream(t *testing.T) {
	e := eventsEnv(t)
	e.postJSON("/v1/records", tokenHuaibei, goodRecord(codeHuaibei, "st-1")).wantStatus(http.StatusCreated)
	head := *e.events(adminToken, "").Next

	ch, stop := openStream(t, e, adminToken, "?types=credo.record.accepted")
	first := next(t, ch)
	if !strings.Contains(first.data, `"type":"credo.record.accepted"`) || !strings.Contains(first.data, `"id":"`+first.id+`"`) {
		t.Errorf("first event %+v", first)
	}
	// Live: a record accepted now arrives on the open stream.
	e.postJSON("/v1/records", tokenHuaibei, goodRecord(codeHuaibei, "st-2")).wantStatus(http.StatusCreated)
	live := next(t, ch)
	if mustAtoi(t, live.id) <= head || !strings.Contains(live.data, `"external_id":"st-2"`) {
		t.Errorf("live event %+v, want st-2 after %d", live, head)
	}
	stop()

	// Resuming after the last event seen gives only what came after it.
	e.postJSON("/v1/records", tokenHuaibei, goodRecord(codeHuaibei, "st-3")).wantStatus(http.StatusCreated)
	ch, stop = openStream(t, e, adminToken, "?types=credo.record.accepted&after=0", "Last-Event-ID", live.id)
	defer stop()
	resumed := next(t, ch)
	if !strings.Contains(resumed.data, `"external_id":"st-3"`) || mustAtoi(t, resumed.id) <= mustAtoi(t, live.id) {
		t.Errorf("resumed with %+v, want st-3 after %s", resumed, live.id)
	}
}

// TestEventStreamDropsStalledClient: a client that never reads is dropped
// once a write has waited StreamWriteTimeout, instead of the server
// holding its events without bound.
func TestEventStreamDropsStalledClient(t *testing.T) {
	e := eventsEnv(t, func(s *api.Server) { s.StreamWriteTimeout = 100 * time.Millisecond })
	ctx := context.Background()
	// Enough events to fill the connection's buffers many times over.
	for b := range 20 {
		var recs []*credo.Record
		for i := range 1000 {
			recs = append(recs, &credo.Record{Subject: codeHuaibei, Authority: "huaibei-amr", Category: "market", Kind: "penalty",
				ExternalID: fmt.Sprintf("stall-%d-%d", b, i), OccurredAt: credo.NewTime(testNow.AddDate(0, -1, 0)),
				RecordedAt: credo.NewTime(testNow)})
		}
		if _, err := e.store.AppendRecords(ctx, recs); err != nil {
			t.Fatal(err)
		}
	}
	d := net.Dialer{}
	conn, err := d.Dial("tcp", strings.TrimPrefix(e.url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if tc, ok := conn.(*net.TCPConn); ok {
		tc.SetReadBuffer(4096)
	}
	fmt.Fprintf(conn, "GET /v1/events/stream HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n\r\n", adminToken)
	// Never read. The server's request log says when the stream ended.
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		for _, l := range e.logLines(`"route":"GET /v1/events/stream"`) {
			if l["status"] == float64(200) {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("the stream to a client that never reads was not dropped")
}

// TestEventsPublicityEnded: a record leaving its publicity window is
// withdrawn by time alone (credo.record.withdrawn, reason expired), at the
// window's end, once, however many passes run; not a record superseded
// before its end; and one recorded after its window had ended is
// withdrawn at that end by the next pass.
func TestEventsPublicityEnded(t *testing.T) {
	e := eventsEnv(t)
	ctx := context.Background()
	pass := func() {
		t.Helper()
		for range 2 { // a second pass (another node) appends nothing more
			if _, err := events.LogDue(ctx, e.store, e.server.Grading, e.clock.Now()); err != nil {
				t.Fatal(err)
			}
		}
	}
	pass() // the first marks where later ones start
	e.postJSON("/v1/subjects", tokenHuaibei, goodSubject(codeHuaibei, "淮北市相山区百货有限公司")).wantStatus(http.StatusCreated)
	// A general penalty of June 2026: public for a year (pub2026.general).
	kept := e.postJSON("/v1/records", tokenHuaibei, with(goodRecord(codeHuaibei, "HB-PUB-1"),
		"occurred_at", "2026-06-01T08:00:00Z", "decision_number", "淮市监罚〔2026〕41号")).wantStatus(http.StatusCreated).object()
	// Another, corrected before its year is out: the correction's
	// window counts from the same decision date.
	e.postJSON("/v1/records", tokenHuaibei, with(goodRecord(codeHuaibei, "HB-PUB-2"),
		"occurred_at", "2026-06-01T08:00:00Z", "decision_number", "淮市监罚〔2026〕42号")).wantStatus(http.StatusCreated)
	corr := e.postJSON("/v1/records", tokenHuaibei, with(goodRecord(codeHuaibei, "HB-PUB-2c"),
		"occurred_at", "2026-06-01T08:00:00Z", "decision_number", "淮市监罚〔2026〕42号", "supersedes_external_id", "HB-PUB-2")).
		wantStatus(http.StatusOK).object() // a correction answers 200
	pass()
	head := e.events(adminToken, "?types=credo.record.withdrawn&limit=1000")
	if len(head.Events) != 1 || head.Events[0].Data["reason"] != credo.WithdrawnSuperseded {
		t.Fatalf("before any window ended, withdrawn events %v %v; want the superseded one only", kinds(head.Events), head.Events)
	}
	end := time.Date(2027, 6, 1, 8, 0, 0, 0, time.UTC)
	e.setNow(end.Add(-time.Minute))
	pass()
	if p := e.events(adminToken, fmt.Sprintf("?after=%d&types=credo.record.withdrawn", *head.Next)); len(p.Events) != 0 {
		t.Fatalf("a minute before the end: %v", p.Events)
	}
	e.setNow(end.Add(time.Minute))
	pass()
	e.setNow(end.Add(48 * time.Hour))
	pass()

	for _, c := range []struct{ who, token string }{{"the public", ""}, {"administrators", adminToken}, {"the organization", e.account("org-huaibei", codeHuaibei)}} {
		p := e.events(c.token, fmt.Sprintf("?after=%d&types=credo.record.withdrawn&subjects=%s", *head.Next, codeHuaibei))
		var got []string
		for _, ev := range p.Events {
			got = append(got, fmt.Sprintf("%v %v %v", ev.Data["record"], ev.Data["reason"], ev.Time.UTC().Format(time.RFC3339)))
			if _, ok := ev.Data["by"]; ok {
				t.Errorf("%s: an expiry names no record or case that withdrew it: %v", c.who, ev.Data)
			}
		}
		// The correction ends with its year too: one event each, none for
		// the superseded record.
		want := []string{fmt.Sprintf("%v expired 2027-06-01T08:00:00Z", kept["id"]), fmt.Sprintf("%v expired 2027-06-01T08:00:00Z", corr["id"])}
		if !slices.Equal(got, want) {
			t.Errorf("%s sees %v, want %v", c.who, got, want)
		}
	}

	// Recorded late: a minor market penalty of 2023, shown for 3 months
	// (pub2023.market_minor: 3mo, 90 days), its window ended long before.
	late := e.postJSON("/v1/records", tokenHuaibei, with(goodRecord(codeHuaibei, "HB-PUB-3"), "occurred_at", "2023-06-01T08:00:00Z",
		"severity", "minor", "penalty_types", []string{"fine"}, "decision_number", "淮市监罚〔2023〕7号")).wantStatus(http.StatusCreated).object()
	last := e.events(adminToken, "?types=credo.record.accepted&limit=1000")
	e.advance(time.Hour)
	pass()
	p := e.events(adminToken, fmt.Sprintf("?after=%d&types=credo.record.withdrawn", *last.Next))
	if len(p.Events) != 1 || p.Events[0].Data["record"] != late["id"] || p.Events[0].Data["reason"] != credo.WithdrawnExpired ||
		!p.Events[0].Time.Equal(time.Date(2023, 8, 30, 8, 0, 0, 0, time.UTC)) {
		t.Errorf("a record recorded after its window: %+v", p.Events)
	}
	// Nothing more, however long later.
	e.setNow(end.AddDate(5, 0, 0))
	pass()
	if p := e.events(adminToken, fmt.Sprintf("?after=%d&types=credo.record.withdrawn", *last.Next)); len(p.Events) != 1 {
		t.Errorf("five years on, withdrawn events %v", p.Events)
	}
}
