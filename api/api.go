// Package api is credo's JSON API: one file per resource, one route table
// (routes, below), errors as RFC 9457 problem+json, and the OpenAPI document
// that describes it all (openapi.json).
package api

import (
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/dueprocess"
	"github.com/credo-registry/credo/events"
	"github.com/credo-registry/credo/ingest"
	"github.com/credo-registry/credo/ledger"
	"github.com/credo-registry/credo/partners"
	"github.com/credo-registry/credo/webhooks"
)

// Server answers the JSON API from a store. Submissions go through the
// Ingester, so the API judges a line exactly as the import command does.
type Server struct {
	Store    credo.Store
	Ingester *ingest.Ingester
	Logger   *slog.Logger // slog.DiscardHandler when nil
	// Grading computes assessments (required for the assessment routes).
	Grading Grading
	// Differ answers rulebook impact questions for administrators, who
	// prove themselves with AdminToken or an administrator's account
	// (AdminToken "" leaves administrators' accounts only).
	Differ     RulebookDiffer
	AdminToken string
	// Process runs lists, measures, objections, repairs and notices
	// (required for their routes, and for what the public may see).
	Process *dueprocess.Service
	// Events is the event feed, EventTail what wakes its streams
	// (required for the event routes).
	Events    *events.Feed
	EventTail *events.Tail
	// Ledger is the tamper-evident ledger over the change log (required
	// for the log routes, and for log_index on what the API reads).
	Ledger *ledger.Log
	// StreamWriteTimeout and StreamHeartbeat bound event streams
	// (DefaultStreamWriteTimeout, DefaultStreamHeartbeat when zero).
	StreamWriteTimeout time.Duration
	StreamHeartbeat    time.Duration
	// Matcher finds organizations by name (required for GET /v1/subjects
	// with q, and for screenings).
	Matcher Matcher
	// Screening screens counterparties (required for /v1/screenings).
	Screening Screener
	// Partners answers relationships, partners and people (required for
	// their routes).
	Partners *partners.Service
	// WebhookNetwork says where webhook endpoints may be (their URLs are
	// checked when made; the delivery worker checks again).
	WebhookNetwork webhooks.Network
	// Now is the registry clock (time.Now when nil).
	Now func() time.Time

	// Timeout bounds each read request, IngestTimeout each submission
	// (DefaultTimeout, DefaultIngestTimeout when zero).
	Timeout       time.Duration
	IngestTimeout time.Duration

	// RatePerAddress and RatePerToken bound requests per second (see
	// ratelimit.go); zero leaves them unbounded (a known token's requests
	// are then not counted at all). Loopback addresses are
	// counted against RatePerAddress only with LimitLoopback. MaxStreams
	// bounds the event streams open at once (DefaultMaxStreams when zero).
	RatePerAddress float64
	RatePerToken   float64
	LimitLoopback  bool
	MaxStreams     int

	// PublicURL is the scheme and host printed in issued reports as their
	// verify address ("https://credo.example"); "" takes the request's.
	// ReportNumber makes report numbers (credo.NewReportNumber when nil).
	PublicURL    string
	ReportNumber func(issued time.Time) string

	// Portal, when set, is served beside the API at its paths, behind the
	// same middleware (request logs, limits, timeouts, recovery).
	Portal Portal

	once    sync.Once
	metrics *metrics
	limits  *rateLimits
	streams streamSlots
	writes  writeFailures // for /healthz
}

// Per-request time limits.
const (
	DefaultTimeout       = 30 * time.Second
	DefaultIngestTimeout = 5 * time.Minute
)

// New returns a Server with the default limits.
func New(store credo.Store, in *ingest.Ingester, logger *slog.Logger) *Server {
	return &Server{Store: store, Ingester: in, Logger: logger}
}

// Portal is the web pages served beside the API (package web): a
// handler and the ServeMux patterns it answers, which no API route uses.
type Portal interface {
	http.Handler
	Paths() []string
}

// Route is one method and ServeMux path pattern the API serves.
type Route struct {
	Method  string
	Pattern string // "/v1/subjects/{code}"
}

// route is a row of the route table: the route, who may call it (its
// access, checked before the handler runs), and the handler. What each
// caller then sees of the answer is package visibility's.
type route struct {
	Route
	access access
	handle handlerFunc
}

// handlerFunc is a handler that leaves error responses to the caller: an
// error return is answered as a problem.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// routes is the one route table; Handler registers exactly these, the
// OpenAPI test checks the document against them, and the authorization
// matrix test calls each as every role. Every row names its access: a
// row without one does not compile, and an access of no role refuses
// everyone.
func (s *Server) routes() []route {
	return []route{
		{Route{"GET", "/v1/uscc/{code}"}, anyone, s.describeCode},

		{Route{"POST", "/v1/subjects"}, authorities, s.postSubjects},
		{Route{"GET", "/v1/subjects"}, anyone, s.searchSubjects},

		{Route{"POST", "/v1/screenings"}, anyone, s.postScreenings},
		{Route{"POST", "/v1/screenings/decisions"}, tokenHolders, s.postScreeningDecision},
		{Route{"GET", "/v1/screenings/{id}"}, tokenHolders, s.getScreening},
		{Route{"GET", "/v1/screenings/{id}/results"}, tokenHolders, s.getScreeningResults},
		{Route{"GET", "/v1/subjects/{code}"}, anyone, s.getSubject},
		{Route{"GET", "/v1/subjects/{code}/versions"}, anyone, s.getSubjectVersions},
		{Route{"GET", "/v1/subjects/{code}/report"}, anyone, s.getSubjectReport},
		{Route{"GET", "/v1/subjects/{code}/report.pdf"}, anyone, s.getSubjectReportPDF},
		{Route{"GET", "/v1/subjects/{code}/records"}, anyone, s.getSubjectRecords},
		{Route{"GET", "/v1/subjects/{code}/assessment"}, anyone, s.getAssessment},
		{Route{"GET", "/v1/subjects/{code}/assessments"}, anyone, s.getAssessments},
		{Route{"POST", "/v1/subjects/{code}/what-if"}, anyone, s.postWhatIf},
		{Route{"GET", "/v1/subjects/{code}/lists"}, anyone, s.getSubjectLists},
		{Route{"GET", "/v1/subjects/{code}/measures"}, anyone, s.getSubjectMeasures},
		{Route{"POST", "/v1/subjects/{code}/replies"}, organizations, s.postReply},
		{Route{"GET", "/v1/subjects/{code}/replies"}, anyone, s.getReplies},
		{Route{"GET", "/v1/subjects/{code}/partners"}, anyone, s.getPartners},
		{Route{"GET", "/v1/subjects/{code}/network"}, anyone, s.getNetwork},
		{Route{"POST", "/v1/relationships"}, declarers, s.postRelationship},
		{Route{"GET", "/v1/people/{person_key}/roles"}, overseers, s.getPersonRoles},
		{Route{"POST", "/v1/subjects/{code}/annual-reports"}, organizations, s.postAnnualReport},
		{Route{"GET", "/v1/subjects/{code}/annual-reports"}, anyone, s.getAnnualReports},
		{Route{"GET", "/v1/subjects/{code}/annual-reports/{year}"}, anyone, s.getAnnualReport},
		{Route{"POST", "/v1/subjects/{code}/annual-reports/{year}/false-disclosures"}, authorities, s.postFalseDisclosure},
		{Route{"GET", "/v1/annual-reports/overdue"}, overseers, s.getOverdueReports},

		{Route{"POST", "/v1/records"}, authorities, s.postRecords},
		{Route{"GET", "/v1/records/{id}"}, anyone, s.getRecord},

		{Route{"GET", "/v1/lists"}, anyone, s.getLists},
		{Route{"GET", "/v1/lists/{list}"}, anyone, s.getList},
		{Route{"POST", "/v1/list-entries"}, authorities, s.postListEntry},
		{Route{"GET", "/v1/list-entries/{id}"}, anyone, s.getListEntry},
		{Route{"POST", "/v1/list-entries/{id}/end"}, deciders, s.postListEntryEnd},

		{Route{"GET", "/v1/rulebooks/{id}"}, anyone, s.getRulebook},

		{Route{"GET", "/v1/reports/{number}"}, anyone, s.getIssuedReport},
		{Route{"POST", "/v1/reports/{number}/withdrawal"}, administrators, s.postReportWithdrawal},

		{Route{"GET", "/v1/measures"}, anyone, s.getMeasures},
		{Route{"POST", "/v1/measures/check"}, anyone, s.postMeasuresCheck},

		{Route{"POST", "/v1/objections"}, organizations, s.postCase(credo.CaseObjection)},
		{Route{"GET", "/v1/objections"}, caseReaders, s.getCases(credo.CaseObjection)},
		{Route{"GET", "/v1/objections/{id}"}, caseReaders, s.getCase(credo.CaseObjection)},
		{Route{"GET", "/v1/objections/{id}/attachments/{n}"}, caseReaders, s.getCaseAttachment(credo.CaseObjection)},
		{Route{"POST", "/v1/objections/{id}/decision"}, deciders, s.postCaseDecision(credo.CaseObjection)},
		{Route{"POST", "/v1/repairs"}, organizations, s.postCase(credo.CaseRepair)},
		{Route{"GET", "/v1/repairs"}, caseReaders, s.getCases(credo.CaseRepair)},
		{Route{"GET", "/v1/repairs/{id}"}, caseReaders, s.getCase(credo.CaseRepair)},
		{Route{"GET", "/v1/repairs/{id}/attachments/{n}"}, caseReaders, s.getCaseAttachment(credo.CaseRepair)},
		{Route{"POST", "/v1/repairs/{id}/decision"}, deciders, s.postCaseDecision(credo.CaseRepair)},

		{Route{"GET", "/v1/events"}, anyone, s.getEvents},
		{Route{"GET", "/v1/events/stream"}, anyone, s.stream(s.getEventStream)},

		{Route{"GET", "/v1/watchlists"}, watchers, s.getWatchlists},
		{Route{"POST", "/v1/watchlists"}, watchers, s.postWatchlist},
		{Route{"GET", "/v1/watchlists/{id}"}, watchers, s.getWatchlist},
		{Route{"DELETE", "/v1/watchlists/{id}"}, watchers, s.deleteWatchlist},
		{Route{"GET", "/v1/watchlists/{id}/members"}, watchers, s.getWatchlistMembers},
		{Route{"POST", "/v1/watchlists/{id}/members"}, watchers, s.postWatchlistMembers},
		{Route{"DELETE", "/v1/watchlists/{id}/members"}, watchers, s.deleteWatchlistMembers},
		{Route{"GET", "/v1/watchlists/{id}/digest"}, watchers, s.getWatchlistDigest},
		{Route{"GET", "/v1/webhooks"}, watchers, s.getWebhooks},
		{Route{"POST", "/v1/webhooks"}, watchers, s.postWebhook},
		{Route{"GET", "/v1/webhooks/{id}"}, watchers, s.getWebhook},
		{Route{"DELETE", "/v1/webhooks/{id}"}, watchers, s.deleteWebhook},
		{Route{"POST", "/v1/webhooks/{id}/secret"}, watchers, s.postWebhookSecret},
		{Route{"GET", "/v1/webhooks/{id}/dead-letters"}, watchers, s.getWebhookDeadLetters},
		{Route{"POST", "/v1/webhooks/{id}/replay"}, watchers, s.postWebhookReplay},
		{Route{"GET", "/v1/log/checkpoint"}, anyone, s.getCheckpoint},
		{Route{"GET", "/v1/log/inclusion"}, anyone, s.getInclusion},
		{Route{"GET", "/v1/log/consistency"}, anyone, s.getConsistency},
		{Route{"GET", "/v1/log/entries/{index}"}, anyone, s.getLogEntry},

		{Route{"GET", "/v1/me"}, anyone, s.getMe},
		{Route{"GET", "/v1/me/notices"}, inboxes, s.getMyNotices},
		{Route{"GET", "/v1/me/obligations"}, organizations, s.getMyObligations},

		{Route{"POST", "/v1/admin/rulebooks/diff"}, administrators, s.postRulebookDiff},
		{Route{"POST", "/v1/admin/lists/check"}, administrators, s.postListCheck},
		{Route{"POST", "/v1/admin/accounts"}, administrators, s.postAccount},
		{Route{"GET", "/v1/admin/accounts"}, administrators, s.getAccounts},
		{Route{"GET", "/v1/admin/accounts/{id}"}, administrators, s.getAccount},

		{Route{"GET", "/v1/stats"}, anyone, s.getStats},
		{Route{"GET", "/v1/authorities"}, anyone, s.getAuthorities},
		{Route{"GET", "/v1/openapi.json"}, anyone, s.getOpenAPI},

		{Route{"GET", "/healthz"}, anyone, s.getHealth},
		{Route{"GET", "/metrics"}, anyone, s.getMetrics},
	}
}

// Routes lists what Handler serves, in route-table order.
func (s *Server) Routes() []Route {
	rs := s.routes()
	out := make([]Route, len(rs))
	for i, r := range rs {
		out[i] = r.Route
	}
	return out
}

// Handler returns the API with its middleware: request ids, structured
// request logs, metrics, per-request timeouts and panic recovery. Every
// handler of one Server shares its metrics registry.
func (s *Server) Handler() http.Handler {
	s.once.Do(func() {
		if s.Logger == nil {
			s.Logger = slog.New(slog.DiscardHandler)
		}
		s.metrics = newMetrics()
		s.limits = &rateLimits{address: newRateLimiter(s.RatePerAddress), token: newRateLimiter(s.RatePerToken), loopback: s.LimitLoopback}
		if s.limits.address != nil && s.limits.token == nil {
			s.limits.token = unlimited() // known tokens are not the address's
		}
	})
	mux := http.NewServeMux()
	var coded []codeRoute
	for _, rt := range s.routes() {
		mux.Handle(rt.Method+" "+rt.Pattern, s.adapt(rt.access, rt.handle))
		if strings.Contains(rt.Pattern, "/{code}") {
			coded = append(coded, codeRoute{rt.Route, strings.Split(rt.Pattern, "/"), s.adapt(rt.access, noCode)})
		}
	}
	if s.Portal != nil {
		for _, p := range s.Portal.Paths() {
			mux.Handle(p, s.Portal)
		}
	}
	return &middleware{s: s, mux: mux, metrics: s.metrics, coded: coded}
}

// codeRoute is a route whose path names an organization's code: a request
// that would take it but for an empty code segment before another (GET
// /v1/subjects//partners, which the mux would redirect to
// /v1/subjects/partners) is refused, after the route's access, by noCode.
type codeRoute struct {
	Route
	segments []string
	refuse   http.Handler
}

// noCode refuses a request whose code segment is empty.
func noCode(http.ResponseWriter, *http.Request) error {
	return &credo.Error{Code: credo.EMALFORMED, Field: "code", Reason: "required", Message: "is required: the path names no organization's code"}
}

// takes reports whether the route would take r if its empty code segment
// named a code.
func (c *codeRoute) takes(r *http.Request) bool {
	if r.Method != c.Method && !(c.Method == http.MethodGet && r.Method == http.MethodHead) {
		return false
	}
	segs := strings.Split(r.URL.Path, "/")
	if len(segs) != len(c.segments) {
		return false
	}
	empty := false
	for i, p := range c.segments {
		switch {
		case p == "{code}":
			// Only where a segment follows: a path ending in / is not
			// redirected, and stays the mux's 404.
			empty = segs[i] == "" && i < len(segs)-1
			if !empty {
				return false
			}
		case strings.HasPrefix(p, "{"):
		case p != segs[i]:
			return false
		}
	}
	return empty
}

// adapt turns a handlerFunc into an http.Handler that first checks who
// is asking against the route's access (a token that is no one's is
// refused on every route), then answers the handler's error.
func (s *Server) adapt(a access, h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		err := s.admit(r, a)
		if err == nil {
			err = h(w, r)
			if writes(r) {
				s.writes.observe(err, time.Now())
			}
		}
		if err != nil {
			s.writeError(w, r, err)
		}
	})
}

// Connection time and size limits of NewHTTPServer.
const (
	ReadHeaderTimeout = 5 * time.Second
	// ReadTimeout bounds reading a whole request, body included. Only an
	// authenticated POST (a submission, a case with attachments) gets
	// longer: the handler's deadline, IngestTimeout, once its token is
	// known (requestInfo.trust).
	ReadTimeout  = 30 * time.Second
	WriteTimeout = DefaultTimeout + deadlineGrace
	IdleTimeout  = time.Minute
	// 256 KiB: a request line naming 10,000 organizations to follow
	// (GET /v1/events?subjects=...) fits; Go's default is 1 MiB.
	MaxHeaderBytes = 256 << 10

	deadlineGrace = 30 * time.Second
)

// NewHTTPServer returns an http.Server for h with time and size limits
// suited to the API: a slow client holds a connection for ReadTimeout at
// most (ReadHeaderTimeout for its headers), while a 64 MiB NDJSON upload
// by an authority still has IngestTimeout to arrive. Serve it on a
// listener from Listen, which bounds the number of connections.
func NewHTTPServer(addr string, h http.Handler) *http.Server {
	return &http.Server{
		Addr:              addr,
		Handler:           h,
		ReadHeaderTimeout: ReadHeaderTimeout,
		ReadTimeout:       ReadTimeout,
		WriteTimeout:      WriteTimeout,
		IdleTimeout:       IdleTimeout,
		MaxHeaderBytes:    MaxHeaderBytes,
	}
}

func (s *Server) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}
