package credo

import (
	"context"
	"strconv"
	"time"

	"github.com/go-json-experiment/json/jsontext"
)

// Webhook is an endpoint a watchlist names: the events of the watchlist
// are POSTed to URL, signed with its secret (webhooks package). A
// watchlist may name several; each belongs to one watchlist and to the
// watchlist's owner. Its secrets are never shown but once (Secret is
// not encoded).
type Webhook struct {
	ID        int64  `json:"id"`
	Owner     string `json:"owner"`
	Watchlist int64  `json:"watchlist"`
	URL       string `json:"url"`
	CreatedAt Time   `json:"created_at"`
	DeletedAt Time   `json:"deleted_at,omitzero"`
	// PausedAt is set when the endpoint has failed for 24 hours: nothing
	// is delivered to it (events still queue) until a replay resumes it.
	PausedAt Time `json:"paused_at,omitzero"`
	// FailingSince is the first failure since the last success.
	FailingSince Time `json:"failing_since,omitzero"`
	// DeadLetters is how many deliveries gave up (read only).
	DeadLetters int `json:"dead_letters"`

	// Secret signs every delivery; Previous too until PreviousUntil (a
	// rotation's grace).
	Secret        string `json:"-"`
	Previous      string `json:"-"`
	PreviousUntil Time   `json:"-"`
}

// KeptBy reports whether account keeps h: it is the owner's, and not
// deleted.
func (h *Webhook) KeptBy(account string) bool {
	return h.Owner == account && h.DeletedAt.IsZero()
}

// WebhookDelivery is one event queued for one endpoint, kept until it is
// delivered (then dropped) or given up on (a dead letter).
type WebhookDelivery struct {
	ID      int64 `json:"id"`
	Webhook int64 `json:"webhook"`
	// Position is the change's position in the log: the event's id.
	Position int64  `json:"position"`
	Subject  string `json:"subject"`
	// Event is the CloudEvents JSON delivered, as made when it was queued.
	Event         jsontext.Value `json:"event"`
	Attempts      int            `json:"attempts"`
	FirstFailedAt Time           `json:"first_failed_at,omitzero"`
	NextAt        Time           `json:"next_attempt_at,omitzero"`
	LastStatus    int            `json:"last_status,omitzero"`
	LastError     string         `json:"last_error,omitempty"`
	// DeadAt is when it became a dead letter; zero while it is queued.
	DeadAt Time `json:"dead_at,omitzero"`
	// Replayed marks a dead letter queued again: failing once more makes
	// it a dead letter again at once.
	Replayed bool `json:"replayed,omitempty"`
	// Endpoint is the endpoint as it stood when the delivery was claimed
	// (ClaimWebhookDeliveries only; its DeadLetters not counted).
	Endpoint *Webhook `json:"-"`
}

// WebhookWatchMark marks the state the delivery worker matches changes
// against, in one cheap read: the last membership change, and the count,
// highest id and sum of ids of the live watchlists and of the live
// endpoints (a creation raises a count and a sum, a deletion lowers them
// and nothing comes back to life; the sum tells a creation from a
// deletion in between, as a copy's creations keep ids below the highest),
// so that equal marks mean equal live sets.
type WebhookWatchMark struct {
	MemberChange                                int64
	LiveWatchlists, LastWatchlist, WatchlistSum int64
	LiveWebhooks, LastWebhook, WebhookSum       int64
}

// WebhookTarget is one endpoint watching one organization: what the
// delivery worker matches changes against.
type WebhookTarget struct {
	Code      string
	Watchlist int64
	Types     []string // the watchlist's event types; none: all
	Webhook   int64
	Owner     string
	// PartnerDepth is the watchlist's: it also watches the organizations
	// within that many relationships of Code.
	PartnerDepth int
}

// WebhookResult is the outcome of one attempt, as FinishWebhookDeliveries
// stores it.
type WebhookResult struct {
	Delivery  int64
	Webhook   int64
	Delivered bool
	// Released gives the claim back untried (an earlier event of the
	// same organization failed first).
	Released bool
	// On failure: the delivery's new state.
	Attempts      int
	FirstFailedAt time.Time
	NextAt        time.Time
	Status        int
	Error         string
	Dead          bool
	At            time.Time
}

// WebhookStore holds endpoints and their delivery queue. The queue is the
// delivery worker's working state, not part of the record: a delivered
// event leaves it.
type WebhookStore interface {
	// CreateWebhook stores w (CreatedAt, Secret set) and sets its ID (an
	// ID set already, a copy's, is kept: later ones draw above it). An
	// unknown or deleted watchlist is ENOTFOUND.
	CreateWebhook(ctx context.Context, w *Webhook) error
	// Webhook returns the endpoint with id (deleted or not) with its
	// secrets, or ENOTFOUND.
	Webhook(ctx context.Context, id int64) (*Webhook, error)
	// Webhooks returns owner's endpoints that are not deleted, by id.
	Webhooks(ctx context.Context, owner string) ([]*Webhook, error)
	// DeleteWebhook marks it deleted at at: nothing more is delivered. An
	// unknown or deleted endpoint is ENOTFOUND.
	DeleteWebhook(ctx context.Context, id int64, at time.Time) error
	// RotateWebhookSecret makes secret the current one and keeps the
	// current one signing until previousUntil.
	RotateWebhookSecret(ctx context.Context, id int64, secret string, previousUntil time.Time) error

	// WebhookEndpoints returns every live endpoint of a live watchlist as
	// a target without a Code, by endpoint id: with the watchlists'
	// members (WatchlistMemberChanges), what changes are matched against.
	WebhookEndpoints(ctx context.Context) ([]WebhookTarget, error)
	// WebhookWatchMark returns the mark of the watched state as it is: two
	// equal marks mean the same members, live watchlists and live
	// endpoints.
	WebhookWatchMark(ctx context.Context) (WebhookWatchMark, error)
	// WebhookCursor is the change-log position up to which changes have
	// been matched and queued.
	WebhookCursor(ctx context.Context) (int64, error)
	// EnqueueWebhookDeliveries queues ds and moves the cursor from from to
	// to, atomically, if the cursor is still at from; else it is ECONFLICT
	// and nothing is stored (another node queued those changes).
	EnqueueWebhookDeliveries(ctx context.Context, from, to int64, ds []*WebhookDelivery) error
	// ClaimWebhookDeliveries first stores done as FinishWebhookDeliveries
	// does, then leases to node, until now+lease, the first queued
	// deliveries of up to limit endpoint-and-organization pairs (each
	// pair's events in order, up to runs per pair; limit 0: none): the
	// first of a pair when it is due at now, of an endpoint neither paused
	// nor deleted, and held by no node, then those queued after it (which
	// no node may claim while it is queued), in id order. One
	// organization's events thus reach an endpoint in order, each held by
	// one node. Each comes with its Endpoint. Both happen in one
	// transaction: a worker stores what it sent and takes what is next in
	// one write.
	ClaimWebhookDeliveries(ctx context.Context, done []WebhookResult, node string, now time.Time, lease time.Duration, limit, runs int) ([]*WebhookDelivery, error)
	// FinishWebhookDeliveries stores the outcomes of attempts: a delivered
	// event leaves the queue, a failed one waits for NextAt or (Dead) is
	// a dead letter, a Released one is left as it was; the endpoint's
	// FailingSince is cleared by a success and set by a failure. Leases
	// are released.
	FinishWebhookDeliveries(ctx context.Context, results []WebhookResult) error
	// ReleaseWebhookLeases drops every lease (one node alone at start: what
	// a killed process held is due again at once).
	ReleaseWebhookLeases(ctx context.Context) error
	// PauseWebhook pauses the endpoint at at and reports whether it was
	// running (false: paused or deleted already).
	PauseWebhook(ctx context.Context, id int64, at time.Time) (bool, error)
	// WebhookDeadLetters returns up to limit of the endpoint's dead
	// letters with an id above after, by id.
	WebhookDeadLetters(ctx context.Context, id int64, after int64, limit int) ([]*WebhookDelivery, error)
	// ReplayWebhook queues the endpoint's dead letters again (due at at,
	// marked Replayed) and resumes it; it returns how many were queued.
	ReplayWebhook(ctx context.Context, id int64, at time.Time) (int, error)
}

// WebhookAudience is the notice inbox of an account that is no
// organization's (a client's): "account:" and its id.
func WebhookAudience(a *Account) string {
	if a.Role == RoleOrganization {
		return a.Subject
	}
	return "account:" + a.ID
}

// ErrWebhookNotFound is the error of an unknown webhook.
func ErrWebhookNotFound(id int64) error {
	return &Error{Code: ENOTFOUND, Field: "webhook", Reason: "not_found", Message: "webhook " + strconv.FormatInt(id, 10) + " not found"}
}

// NoticeWebhookPaused tells an endpoint's owner it was paused.
const NoticeWebhookPaused = "webhook_paused"

// WebhookOutcomes are results sorted for storing in a few statements, as
// storing them one after the other would leave them: what leaves the
// queue, what is given back, what failed, and each endpoint's
// FailingSince.
type WebhookOutcomes struct {
	Delivered, Released []int64 // deliveries
	Failed              []WebhookResult
	// Clear: endpoints whose FailingSince is cleared (a success came
	// last). Failing: endpoints failing since At, set whatever it was
	// (Reset: a success came before the failure) or only when unset.
	Clear   []int64
	Failing []WebhookFailing
}

// WebhookFailing is an endpoint failing since At.
type WebhookFailing struct {
	Webhook int64
	At      time.Time
	Reset   bool
}

// SortWebhookResults sorts results (in the order they happened) into
// outcomes.
func SortWebhookResults(results []WebhookResult) WebhookOutcomes {
	var o WebhookOutcomes
	type state struct {
		delivered bool      // a success was stored
		failing   time.Time // the first failure since the last success
	}
	states := map[int64]*state{}
	var order []int64
	for _, r := range results {
		if r.Released {
			o.Released = append(o.Released, r.Delivery)
			continue
		}
		st := states[r.Webhook]
		if st == nil {
			st = &state{}
			states[r.Webhook] = st
			order = append(order, r.Webhook)
		}
		if r.Delivered {
			o.Delivered = append(o.Delivered, r.Delivery)
			st.delivered, st.failing = true, time.Time{}
			continue
		}
		o.Failed = append(o.Failed, r)
		if st.failing.IsZero() {
			st.failing = r.At
		}
	}
	for _, id := range order {
		switch st := states[id]; {
		case st.failing.IsZero():
			o.Clear = append(o.Clear, id)
		default:
			o.Failing = append(o.Failing, WebhookFailing{Webhook: id, At: st.failing, Reset: st.delivered})
		}
	}
	return o
}
