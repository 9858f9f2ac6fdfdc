package api

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/dueprocess"
	"github.com/credo-registry/credo/ledger"
)

// LogEntry is a leaf of the ledger as GET /v1/log/entries/{index} shows
// it: the leaf hash always, and, to a viewer who may see the change, the
// change's canonical form and the salt that opens the commitment (none
// once erased).
type LogEntry struct {
	Index    int64           `json:"index"`
	LeafHash []byte          `json:"leaf_hash"`
	Salt     []byte          `json:"salt,omitempty"`
	Entry    json.RawMessage `json:"entry,omitempty"`
	Erased   bool            `json:"erased,omitempty"`
}

// LogProof is an inclusion or consistency proof: the hashes from the
// tree, in the order RFC 6962 verification reads them.
type LogProof struct {
	Index  *int64   `json:"index,omitempty"`
	Size   int64    `json:"size,omitempty"`
	From   *int64   `json:"from,omitempty"`
	To     int64    `json:"to,omitempty"`
	Hashes [][]byte `json:"hashes"`
}

func (s *Server) ledger() (*ledger.Log, error) {
	if s.Ledger == nil {
		return nil, credo.Errorf(credo.EUNAVAILABLE, "this server keeps no ledger")
	}
	return s.Ledger, nil
}

// getCheckpoint answers GET /v1/log/checkpoint: the latest signed
// checkpoint, a C2SP checkpoint note, as text.
func (s *Server) getCheckpoint(w http.ResponseWriter, r *http.Request) error {
	l, err := s.ledger()
	if err != nil {
		return err
	}
	cp, err := l.Checkpoint(r.Context())
	if err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(cp)))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	w.Write(cp)
	return nil
}

// queryCount reads a required whole number 0 or more from the query.
func queryCount(r *http.Request, name string) (int64, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return 0, credo.FieldError(name, "required", "is required")
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0, &credo.Error{Code: credo.EMALFORMED, Field: name, Reason: "format", Message: "must be a whole number, 0 or more"}
	}
	return n, nil
}

// getInclusion answers GET /v1/log/inclusion?index=N&size=S.
func (s *Server) getInclusion(w http.ResponseWriter, r *http.Request) error {
	l, err := s.ledger()
	if err != nil {
		return err
	}
	index, err := queryCount(r, "index")
	if err != nil {
		return err
	}
	size, err := queryCount(r, "size")
	if err != nil {
		return err
	}
	p, err := l.InclusionProof(r.Context(), uint64(index), uint64(size))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, LogProof{Index: &index, Size: size, Hashes: p})
	return nil
}

// getConsistency answers GET /v1/log/consistency?from=M&to=N.
func (s *Server) getConsistency(w http.ResponseWriter, r *http.Request) error {
	l, err := s.ledger()
	if err != nil {
		return err
	}
	from, err := queryCount(r, "from")
	if err != nil {
		return err
	}
	to, err := queryCount(r, "to")
	if err != nil {
		return err
	}
	p, err := l.ConsistencyProof(r.Context(), uint64(from), uint64(to))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, LogProof{From: &from, To: to, Hashes: p})
	return nil
}

// getLogEntry answers GET /v1/log/entries/{index}.
func (s *Server) getLogEntry(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.ledger(); err != nil {
		return err
	}
	index, err := strconv.ParseInt(r.PathValue("index"), 10, 64)
	if err != nil || index < 0 {
		return &credo.Error{Code: credo.EMALFORMED, Field: "index", Reason: "format", Message: "must be a leaf index (a whole number, 0 or more)"}
	}
	v, err := s.viewer(r)
	if err != nil {
		return err
	}
	leaf, err := s.Store.LedgerLeaf(r.Context(), index)
	if err != nil {
		return err
	}
	out := LogEntry{Index: index, LeafHash: leaf.Hash, Erased: leaf.Salt == nil}
	if leaf.Salt != nil {
		c, err := s.change(r.Context(), leaf.Position)
		if err != nil {
			return err
		}
		ok := v.Role == credo.RoleAdmin
		if !ok && s.Events != nil {
			if ok, err = s.Events.Visible(r.Context(), v, c); err != nil {
				return err
			}
		}
		if ok {
			canon, err := ledger.Canonical(c)
			if err != nil {
				return err
			}
			out.Salt, out.Entry = leaf.Salt, canon
		}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// change reads the change at position.
func (s *Server) change(ctx context.Context, position int64) (*credo.Change, error) {
	cs, err := s.Store.Changes(ctx, credo.ChangeQuery{After: position - 1, Upto: position, Limit: 1})
	if err != nil {
		return nil, err
	}
	if len(cs) == 0 || cs[0].Position != position {
		return nil, credo.ErrNotFound("change", position)
	}
	return cs[0], nil
}

// logIndex returns the leaf index of the change of type typ about id, or
// nil when there is no ledger or it is not integrated yet.
func (s *Server) logIndex(ctx context.Context, typ string, id int64) *int64 {
	if s.Ledger == nil {
		return nil
	}
	i, err := s.Store.LedgerIndex(ctx, typ, strconv.FormatInt(id, 10))
	if err != nil {
		return nil
	}
	return &i
}

// entryView adds the entry's log_index to its view.
func (s *Server) entryView(r *http.Request, v dueprocess.EntryView) dueprocess.EntryView {
	v.LogIndex = s.logIndex(r.Context(), credo.ChangeListEntryNotified, v.ID)
	return v
}
