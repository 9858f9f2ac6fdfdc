package credo

import (
	"context"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Reply is an organization's published reply to an adverse item about
// itself (a record or a list entry): a short text shown beside the item
// wherever the item is shown. Replies are appended, never edited: a newer
// reply to the same item is the one shown, the earlier ones are kept.
type Reply struct {
	ID      int64  `json:"id,omitempty"`
	Subject string `json:"subject"`
	Target  Target `json:"target"`
	Text    string `json:"text"`
	// By is the account that published it (Viewer.Actor), shown to those
	// who see the organization whole.
	By string `json:"by,omitempty"`
	At Time   `json:"at"`
}

// MaxReplyLength is the most characters a reply's text has.
const MaxReplyLength = 1000

// Validate checks a reply as given: a target and a short text without
// control characters or a resident identity number.
func (r *Reply) Validate() error {
	switch r.Target.Kind {
	case TargetRecord, TargetListEntry:
	case "":
		return FieldError("target.kind", "required", "is required: record or list_entry")
	default:
		return FieldError("target.kind", "enum", "must be record or list_entry")
	}
	if r.Target.ID <= 0 {
		return FieldError("target.id", "required", "name the record or list entry by its id")
	}
	r.Text = strings.TrimSpace(r.Text)
	if r.Text == "" {
		return FieldError("text", "required", "is required: the reply to publish")
	}
	if !utf8.ValidString(r.Text) {
		return FieldError("text", "encoding", "must be UTF-8")
	}
	if n := utf8.RuneCountInString(r.Text); n > MaxReplyLength {
		return &Error{Code: EINVALID, Field: "text", Reason: "too_long", Message: "must be at most " + strconv.Itoa(MaxReplyLength) + " characters (it has " + strconv.Itoa(n) + ")"}
	}
	for _, c := range r.Text {
		if c < 0x20 && c != '\n' && c != '\t' && c != '\r' || c == 0x7f {
			return FieldError("text", "control", "must not hold control characters")
		}
	}
	return nil
}

// ReplyStore keeps published replies, append-only.
type ReplyStore interface {
	// AddReply stores r (its ID and At set by the caller's At, the ID by
	// the store) and appends its reply.published change in the same
	// transaction.
	AddReply(ctx context.Context, r *Reply) error
	// Replies returns every reply about the organization code, oldest
	// first (an empty list when none).
	Replies(ctx context.Context, code string) ([]*Reply, error)
	// RestoreReplies stores replies with their ids as given, atomically,
	// without appending to the change log (a copy takes the source's log
	// along); an id already stored is skipped, so a restore can be
	// resumed. Later AddReply assigns ids above every restored one.
	RestoreReplies(ctx context.Context, replies []*Reply) error
}

// CurrentReplies are the replies shown: the latest to each item, in the
// order of replies (oldest first).
func CurrentReplies(replies []*Reply) map[Target]*Reply {
	out := make(map[Target]*Reply, len(replies))
	for _, r := range replies {
		out[r.Target] = r
	}
	return out
}

// ReplyChange is the data of reply.published.
type ReplyChange struct {
	Target Target `json:"target"`
	Text   string `json:"text"`
	By     string `json:"by"`
}

// ReplyPublishedChange is the change a stored reply makes; its Ref is
// the reply's id.
func ReplyPublishedChange(r *Reply) *Change {
	return newChange(ChangeReplyPublished, r.Subject, id(r.ID), r.At.Time, "", ReplyChange{Target: r.Target, Text: r.Text, By: r.By})
}
