package credo

import (
	"context"
	"slices"
	"strconv"
	"time"
)

// Watchlist is a set of organizations an account monitors: the events
// about them of Types (event types, "credo." and a change type; none:
// all) are delivered to the account's webhooks. A watchlist and its
// members are append-only: deleting one stores DeletedAt, removing a
// member stores a removal after its addition.
type Watchlist struct {
	ID int64 `json:"id"`
	// Owner is the id of the account that keeps it (an organization's or a
	// client account).
	Owner string   `json:"owner"`
	Name  string   `json:"name"`
	Types []string `json:"types"`
	// PartnerDepth, 0 to 2, also watches the partners of watched
	// organizations to that depth: the organizations within that many
	// relationships of a member as of each event, over the relationships
	// the owner may see (webhooks.Worker, the digest).
	PartnerDepth int  `json:"partner_depth"`
	CreatedAt    Time `json:"created_at"`
	DeletedAt    Time `json:"deleted_at,omitzero"`
	// Members is how many organizations it watches (read only).
	Members int `json:"members"`
}

// MaxWatchlistMembers bounds the organizations one watchlist watches.
const MaxWatchlistMembers = 100_000

// MaxPartnerDepth bounds Watchlist.PartnerDepth.
const MaxPartnerDepth = 2

// KeptBy reports whether account keeps w: it is the owner's, and not
// deleted.
func (w *Watchlist) KeptBy(account string) bool {
	return w.Owner == account && w.DeletedAt.IsZero()
}

// Validate checks w's own fields (not Types' names, which the events
// package knows): an owner, a name of at most 200 characters, a partner
// depth of 0 to MaxPartnerDepth, no type twice.
func (w *Watchlist) Validate() error {
	switch {
	case w.Owner == "":
		return FieldError("owner", "required", "a watchlist needs an owner")
	case w.Name == "":
		return FieldError("name", "required", "a watchlist needs a name")
	case len([]rune(w.Name)) > 200:
		return FieldError("name", "length", "a watchlist's name has at most 200 characters")
	case w.PartnerDepth < 0 || w.PartnerDepth > MaxPartnerDepth:
		return FieldError("partner_depth", "range", "partner_depth is 0, 1 or 2, not %d", w.PartnerDepth)
	}
	for i, t := range w.Types {
		if slices.Contains(w.Types[:i], t) {
			return FieldError("types["+strconv.Itoa(i)+"]", "duplicate", "type %q is named twice", t)
		}
	}
	return nil
}

// WatchlistStore holds watchlists and their members, append-only.
type WatchlistStore interface {
	// CreateWatchlist stores w (validated, CreatedAt set) durably and sets
	// its ID (an ID set already, a copy's, is kept: later ones draw above
	// it); Members is ignored (a new watchlist has none).
	CreateWatchlist(ctx context.Context, w *Watchlist) error
	// Watchlist returns the watchlist with id, deleted or not, with its
	// member count, or ENOTFOUND.
	Watchlist(ctx context.Context, id int64) (*Watchlist, error)
	// Watchlists returns owner's watchlists that are not deleted, by id.
	// None gives an empty slice.
	Watchlists(ctx context.Context, owner string) ([]*Watchlist, error)
	// DeleteWatchlist marks the watchlist deleted at at. An unknown or
	// deleted watchlist is ENOTFOUND.
	DeleteWatchlist(ctx context.Context, id int64, at time.Time) error
	// ChangeWatchlistMembers adds the codes of add and then removes those
	// of remove (normalized codes, checked by the caller), atomically, at
	// at. Adding a member or removing a non-member changes nothing. When
	// the watchlist would then hold more than MaxWatchlistMembers it is
	// EINVALID (field "members", reason "limit") and nothing is stored; an
	// unknown or deleted watchlist is ENOTFOUND.
	ChangeWatchlistMembers(ctx context.Context, id int64, add, remove []string, at time.Time) error
	// WatchlistMembers returns the codes the watchlist holds, sorted, or
	// ENOTFOUND for an unknown watchlist.
	WatchlistMembers(ctx context.Context, id int64) ([]string, error)
	// WatchlistMemberChanges returns up to limit entries of the
	// membership history of every watchlist (deleted or not) with an id
	// above after, in id order. Ids follow commits: once an entry is
	// read, none with a lower id is committed later, so a reader that
	// remembers the last id it read misses nothing (the webhooks worker's
	// index of watched organizations).
	WatchlistMemberChanges(ctx context.Context, after int64, limit int) ([]WatchlistMemberChange, error)
}

// WatchlistMemberChange is one entry of the membership history: Code
// added to (or removed from) Watchlist.
type WatchlistMemberChange struct {
	ID        int64
	Watchlist int64
	Code      string
	Added     bool
}

// TooManyMembers is the error of a watchlist that would hold more than
// MaxWatchlistMembers organizations.
func TooManyMembers(n int) error {
	return FieldError("members", "limit", "a watchlist holds at most %d organizations; this would make %d", MaxWatchlistMembers, n)
}
