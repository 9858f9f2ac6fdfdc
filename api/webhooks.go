package api

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/webhooks"
)

// WebhookRequest is the body of POST /v1/webhooks.
type WebhookRequest struct {
	// Watchlist is the id of one of the caller's watchlists: its events
	// are delivered to URL.
	Watchlist int64  `json:"watchlist"`
	URL       string `json:"url"`
}

// WebhookSecret answers POST /v1/webhooks and POST
// /v1/webhooks/{id}/secret: the endpoint and its signing secret, shown
// this once.
type WebhookSecret struct {
	*credo.Webhook
	Secret string `json:"secret"`
	// PreviousValidUntil is, after a rotation, until when the secret it
	// replaced still signs.
	PreviousValidUntil credo.Time `json:"previous_valid_until,omitzero"`
}

// WebhookList answers GET /v1/webhooks: the caller's endpoints, by id.
type WebhookList struct {
	Webhooks []*credo.Webhook `json:"webhooks"`
}

// DeadLetters answers GET /v1/webhooks/{id}/dead-letters: a page of the
// deliveries given up on, by id; Next is the after of the next page (0 on
// the last).
type DeadLetters struct {
	Webhook     int64                    `json:"webhook"`
	DeadLetters []*credo.WebhookDelivery `json:"dead_letters"`
	Next        int64                    `json:"next,omitzero"`
}

// Replay answers POST /v1/webhooks/{id}/replay.
type Replay struct {
	Webhook *credo.Webhook `json:"webhook"`
	// Replayed is how many dead letters were queued again.
	Replayed int `json:"replayed"`
}

// ownWebhook returns the caller's endpoint named by the path; another
// account's, or a deleted one, is not found.
func (s *Server) ownWebhook(r *http.Request) (*credo.Webhook, error) {
	return ownByPath(s, r, s.Store.Webhook, credo.ErrWebhookNotFound)
}

func (s *Server) getWebhooks(w http.ResponseWriter, r *http.Request) error {
	a, err := s.watcher(r)
	if err != nil {
		return err
	}
	hs, err := s.Store.Webhooks(r.Context(), a.ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, WebhookList{Webhooks: hs})
	return nil
}

// postWebhook makes an endpoint of one of the caller's watchlists: its URL
// is checked (http or https, an address deliveries may reach) and its
// secret made and shown this once.
func (s *Server) postWebhook(w http.ResponseWriter, r *http.Request) error {
	a, err := s.watcher(r)
	if err != nil {
		return err
	}
	var req WebhookRequest
	if err := readBody(w, r, MaxObject, &req); err != nil {
		return err
	}
	if req.Watchlist <= 0 {
		return credo.FieldError("watchlist", "required", "watchlist is the id of one of your watchlists")
	}
	req.URL = strings.TrimSpace(req.URL)
	if req.URL == "" {
		return credo.FieldError("url", "required", "url is where the events are POSTed")
	}
	if len(req.URL) > 2000 {
		return credo.FieldError("url", "length", "a webhook URL has at most 2000 characters")
	}
	wl, err := keptBy(r.Context(), a, req.Watchlist, s.Store.Watchlist, watchlistNotFound)
	if credo.ErrorCodeOf(err) == credo.ENOTFOUND {
		return credo.FieldError("watchlist", "not_found", "you have no watchlist %d", req.Watchlist)
	}
	if err != nil {
		return err
	}
	if err := s.WebhookNetwork.CheckURL(r.Context(), req.URL); err != nil {
		return err
	}
	h := &credo.Webhook{Owner: a.ID, Watchlist: wl.ID, URL: req.URL, CreatedAt: credo.NewTime(s.now()), Secret: webhooks.NewSecret()}
	if err := s.Store.CreateWebhook(r.Context(), h); err != nil {
		return err
	}
	w.Header().Set("Location", "/v1/webhooks/"+strconv.FormatInt(h.ID, 10))
	writeJSON(w, http.StatusCreated, WebhookSecret{Webhook: h, Secret: h.Secret})
	return nil
}

func (s *Server) getWebhook(w http.ResponseWriter, r *http.Request) error {
	h, err := s.ownWebhook(r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, h)
	return nil
}

func (s *Server) deleteWebhook(w http.ResponseWriter, r *http.Request) error {
	h, err := s.ownWebhook(r)
	if err != nil {
		return err
	}
	if err := s.Store.DeleteWebhook(r.Context(), h.ID, s.now()); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// postWebhookSecret rotates the endpoint's secret: the new one is shown
// this once, and the old one keeps signing beside it for 24 hours. A
// second rotation within them is refused: it would end a secret the
// receiver was promised for a day.
func (s *Server) postWebhookSecret(w http.ResponseWriter, r *http.Request) error {
	h, err := s.ownWebhook(r)
	if err != nil {
		return err
	}
	now := s.now()
	if h.Previous != "" && now.Before(h.PreviousUntil.Time) {
		return &credo.Error{Code: credo.ECONFLICT, Field: "secret", Reason: "rotating",
			Message: "the secret was rotated already; the previous one signs until " + h.PreviousUntil.Format(time.RFC3339) +
				", and the new one was shown once, when it was made: rotate again after that"}
	}
	fresh := webhooks.NewSecret()
	until := now.Add(webhooks.RotationGrace)
	if err := s.Store.RotateWebhookSecret(r.Context(), h.ID, fresh, until); err != nil {
		return err
	}
	if h, err = s.Store.Webhook(r.Context(), h.ID); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, WebhookSecret{Webhook: h, Secret: fresh, PreviousValidUntil: credo.NewTime(until)})
	return nil
}

// getWebhookDeadLetters lists the endpoint's dead letters, by id, a page
// at a time (after, limit).
func (s *Server) getWebhookDeadLetters(w http.ResponseWriter, r *http.Request) error {
	h, err := s.ownWebhook(r)
	if err != nil {
		return err
	}
	limit, err := queryLimit(r)
	if err != nil {
		return err
	}
	if limit == 0 {
		limit = credo.DefaultPageSize
	}
	var after int64
	if v := r.URL.Query().Get("after"); v != "" {
		if after, err = strconv.ParseInt(v, 10, 64); err != nil || after < 0 {
			return credo.FieldError("after", "format", "must be a dead letter's id (a whole number, 0 or more)")
		}
	}
	ds, err := s.Store.WebhookDeadLetters(r.Context(), h.ID, after, limit)
	if err != nil {
		return err
	}
	page := DeadLetters{Webhook: h.ID, DeadLetters: ds}
	if len(ds) == limit {
		page.Next = ds[len(ds)-1].ID
	}
	writeJSON(w, http.StatusOK, page)
	return nil
}

// postWebhookReplay queues the endpoint's dead letters again, first in
// their organizations' order, and resumes a paused endpoint. A replayed
// delivery that fails again is a dead letter again at once.
func (s *Server) postWebhookReplay(w http.ResponseWriter, r *http.Request) error {
	h, err := s.ownWebhook(r)
	if err != nil {
		return err
	}
	n, err := s.Store.ReplayWebhook(r.Context(), h.ID, s.now())
	if err != nil {
		return err
	}
	if h, err = s.Store.Webhook(r.Context(), h.ID); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, Replay{Webhook: h, Replayed: n})
	return nil
}
