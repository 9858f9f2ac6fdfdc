package api

import (
	"context"
	"net/http"
	"strconv"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/dueprocess"
	"github.com/credo-registry/credo/ledger"
)

// LogEntry is a leaf of the ledger as GET /v1/log/entries/{index} shows
// it (ledger.Entry: what `credo verify` reads).
type LogEntry = ledger.Entry

// LogProof is an inclusion or consistency proof (ledger.Proof).
type LogProof = ledger.Proof

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
		ok, err := s.opens(r.Context(), v)(c)
		if err != nil {
			return err
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

// opens returns whether v may see a change's content in the ledger: as in
// the events feed (administrators see every change).
func (s *Server) opens(ctx context.Context, v credo.Viewer) func(*credo.Change) (bool, error) {
	return func(c *credo.Change) (bool, error) {
		if v.Role == credo.RoleAdmin {
			return true, nil
		}
		if s.Events == nil {
			return false, nil
		}
		return s.Events.Visible(ctx, v, c)
	}
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
