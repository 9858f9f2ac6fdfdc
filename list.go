package credo

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"time"
)

// ListEntry is one organization's entry on a list (the red list, the
// abnormal operations list, the serious dishonesty list, a domain list).
// It is created once, at notification, and never changed: what happens to
// it later is appended as ListTransitions, and the time-driven steps
// (taking effect after the notice period, expiring at the term) follow
// from its dates, so its status at any moment is a pure function of the
// entry, its transitions and that moment (StateAt).
type ListEntry struct {
	ID          int64  `json:"id,omitempty"`
	List        string `json:"list"`
	ListVersion string `json:"list_version"`
	Subject     string `json:"subject"`
	// Division is the organization's division when it was listed (its
	// registration's, or code positions 3-8), for filtering by region.
	Division string `json:"division"`
	// Authority is the deciding authority; entries made by a list's rule
	// or by escalation name the registry ("credo").
	Authority string `json:"authority"`
	// Source is how the entry came about: SourceDecision, SourceRule or
	// SourceEscalation.
	Source         string   `json:"source"`
	LegalBasis     string   `json:"legal_basis"`
	DecisionNumber string   `json:"decision_number"`
	Reasons        []string `json:"reasons"`
	// DecidedAt is the date of the decision (or of the rule's finding).
	DecidedAt Time `json:"decided_at"`
	// NotifiedAt is when the organization was told the reasons; the entry
	// takes effect at EffectiveAt, after the list's notice period.
	NotifiedAt  Time `json:"notified_at"`
	EffectiveAt Time `json:"effective_at"`
	// RepairFrom is the earliest time removal by credit repair may be
	// applied for (the term's minimum); Until is the end of the term, when
	// the entry ends by itself (zero: the list sets no maximum, as for red
	// lists that hold while their criteria do).
	RepairFrom Time `json:"repair_from,omitzero"`
	Until      Time `json:"until,omitzero"`
	// EscalatedFrom names the entry this one was escalated from.
	EscalatedFrom int64 `json:"escalated_from,omitempty"`
	// Key makes creation idempotent: one entry per key. Decisions use
	// "decision:{authority}:{list}:{decision_number}", rules
	// "rule:{list}:{code}:{n}", escalations "escalation:{entry id}".
	Key string `json:"-"`

	// Set by the registry.
	RecordedAt  Time             `json:"recorded_at,omitzero"`
	Transitions []ListTransition `json:"-"` // stored transitions, by id
}

// List entry statuses.
const (
	ListNotified = "notified"
	ListActive   = "active"
	ListEnded    = "ended"
)

// How a list entry ends.
const (
	EndExpired    = "expired"    // its term ran out (by itself, on time)
	EndRepaired   = "repaired"   // credit repair approved
	EndOverturned = "overturned" // an objection succeeded
	EndRevoked    = "revoked"    // withdrawn by its authority or an administrator, or its rule's criteria no longer hold
	EndEscalated  = "escalated"  // moved to a more serious list
)

// How a list entry came about.
const (
	SourceDecision   = "decision"
	SourceRule       = "rule"
	SourceEscalation = "escalation"
)

// RegistryActor names the registry itself as the actor of what happens by
// rule or by time.
const RegistryActor = "credo"

// ListTransition is one stored step of an entry's life. Stored steps all
// end the entry (Status is ListEnded); At is when the end takes effect,
// which is RecordedAt, or later for an escalation (the old entry ends when
// the new one takes effect).
type ListTransition struct {
	ID     int64  `json:"id,omitempty"`
	Entry  int64  `json:"entry"`
	Status string `json:"status"`
	Reason string `json:"reason"`
	Note   string `json:"note,omitempty"`
	// Actor is who decided: "authority:{id}", "account:{id}", "admin" or
	// RegistryActor.
	Actor string `json:"actor"`
	// Case is the objection or repair whose decision this is.
	Case       int64 `json:"case,omitempty"`
	At         Time  `json:"at"`
	RecordedAt Time  `json:"recorded_at,omitzero"`
}

// ListState is where an entry stands at one moment.
type ListState struct {
	Status string `json:"status"`
	// Reason is how an ended entry ended.
	Reason string `json:"reason,omitempty"`
	// Since is when the entry reached Status.
	Since Time `json:"since"`
}

// KnownAt reports whether the registry held e at t.
func (e *ListEntry) KnownAt(t time.Time) bool {
	return e.RecordedAt.IsZero() || !e.RecordedAt.After(t)
}

// ending returns the stored transition that ends e as known at t (known
// by then and in effect by then), or nil.
func (e *ListEntry) ending(t time.Time) *ListTransition {
	var out *ListTransition
	for i := range e.Transitions {
		tr := &e.Transitions[i]
		if tr.RecordedAt.After(t) || tr.At.After(t) {
			continue
		}
		if out == nil || tr.At.Before(out.At.Time) {
			out = tr
		}
	}
	return out
}

// StateAt returns e's status at t as the registry knew it then: ended
// when a transition known and in effect by t ended it, or when its term
// ran out by t; otherwise active from EffectiveAt, notified before. For a
// future t it is what will hold if nothing else happens. StateAt does not
// check KnownAt.
func (e *ListEntry) StateAt(t time.Time) ListState {
	end := e.ending(t)
	if !e.Until.IsZero() && !e.Until.After(t) && (end == nil || e.Until.Before(end.At.Time)) {
		return ListState{Status: ListEnded, Reason: EndExpired, Since: e.Until}
	}
	if end != nil {
		return ListState{Status: ListEnded, Reason: end.Reason, Since: end.At}
	}
	if !e.EffectiveAt.After(t) {
		return ListState{Status: ListActive, Since: e.EffectiveAt}
	}
	return ListState{Status: ListNotified, Since: e.NotifiedAt}
}

// Timeline returns every step of e's life known at t, in order: the
// notification, taking effect, and the end (stored, or the term running
// out), each with its actor, time and reason. Steps after t that follow
// by time alone are not included.
func (e *ListEntry) Timeline(t time.Time) []ListTransition {
	actor := RegistryActor
	if e.Source == SourceDecision {
		actor = "authority:" + e.Authority
	}
	steps := []ListTransition{{Entry: e.ID, Status: ListNotified, Reason: "notified of the reasons before listing",
		Actor: actor, At: e.NotifiedAt, RecordedAt: e.RecordedAt}}
	st := e.StateAt(t)
	end := e.ending(t)
	endsAt := time.Time{}
	if st.Status == ListEnded {
		endsAt = st.Since.Time
	}
	if !e.EffectiveAt.After(t) && (endsAt.IsZero() || e.EffectiveAt.Before(endsAt)) {
		steps = append(steps, ListTransition{Entry: e.ID, Status: ListActive, Reason: "the notice period ended",
			Actor: RegistryActor, At: e.EffectiveAt, RecordedAt: e.EffectiveAt})
	}
	if st.Status == ListEnded {
		if st.Reason == EndExpired {
			steps = append(steps, ListTransition{Entry: e.ID, Status: ListEnded, Reason: EndExpired,
				Note: "the term ended", Actor: RegistryActor, At: e.Until, RecordedAt: e.Until})
		} else if end != nil {
			steps = append(steps, *end)
		}
	}
	return steps
}

// ContentHash identifies what an entry's creator said, so that a repeated
// creation (same Key) can be told apart as a repeat or a clash.
func (e *ListEntry) ContentHash() string {
	h := sha256.New()
	var buf [8]byte
	str := func(s string) {
		binary.LittleEndian.PutUint64(buf[:], uint64(len(s)))
		h.Write(buf[:])
		h.Write([]byte(s))
	}
	str(e.List)
	str(e.Subject)
	str(e.Authority)
	str(e.Source)
	str(e.LegalBasis)
	str(e.DecisionNumber)
	binary.LittleEndian.PutUint64(buf[:], uint64(len(e.Reasons)))
	h.Write(buf[:])
	for _, r := range e.Reasons {
		str(r)
	}
	str(e.DecidedAt.String())
	str(e.Until.Sub(e.EffectiveAt.Time).String())
	return hex.EncodeToString(h.Sum(nil)[:16])
}
