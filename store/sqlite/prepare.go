package sqlite

import (
	"encoding/hex"
	"runtime"
	"sync/atomic"

	"github.com/credo-registry/credo"
)

// pending is one record of a batch with what the writer needs of it,
// computed off the writer's goroutine: hash, encoded body, and the INSERT
// arguments already boxed as database/sql wants them (boxing allocates, and
// the writer is the one goroutine that cannot be spread over cores).
type pending struct {
	rec  *credo.Record
	key  extKey
	hash []byte
	args [nRecordColumns]any // recordColumns; id is set when it is assigned
	err  error               // refused before storage
}

// chunkSize is how many records are prepared, decided and inserted as one
// step. While the writer inserts one chunk, other cores prepare the next.
const chunkSize = 1000

// prepared is a batch being prepared chunk by chunk in the background.
type prepared struct {
	batch []pending
	ready []chan struct{} // closed when the chunk's records are prepared
}

// prepare starts preparing records on the cores the writer leaves free and
// returns at once; chunk k may be read after <-ready[k].
func prepare(records []*credo.Record) *prepared {
	n := (len(records) + chunkSize - 1) / chunkSize
	p := &prepared{batch: make([]pending, len(records)), ready: make([]chan struct{}, n)}
	for k := range p.ready {
		p.ready[k] = make(chan struct{})
	}
	if n == 1 {
		p.chunk(records, 0)
		return p
	}
	var next atomic.Int64
	workers := min(n, max(1, runtime.GOMAXPROCS(0)-1))
	for range workers {
		go func() {
			for k := int(next.Add(1) - 1); k < n; k = int(next.Add(1) - 1) {
				p.chunk(records, k)
			}
		}()
	}
	return p
}

// chunk prepares chunk k into one buffer, to spare the allocator.
func (p *prepared) chunk(records []*credo.Record, k int) {
	defer close(p.ready[k])
	lo, hi := k*chunkSize, min((k+1)*chunkSize, len(records))
	buf := make([]byte, 0, 320*(hi-lo))
	hashes := make([]byte, 32*(hi-lo))
	for i := lo; i < hi; i++ {
		r, q := records[i], &p.batch[i]
		q.rec = r
		if r == nil {
			q.err = credo.FieldError("", "required", "record is missing")
			continue
		}
		if r.Authority == "" || r.ExternalID == "" || r.Subject == "" {
			q.err = credo.FieldError("authority", "required", "authority, subject and external_id are required")
			continue
		}
		q.key = extKey{r.Authority, r.ExternalID}
		q.hash = hashes[32*(i-lo) : 32*(i-lo+1) : 32*(i-lo+1)]
		if _, err := hex.Decode(q.hash, []byte(r.Digest())); err != nil {
			panic("sqlite: a record's digest is not hex: " + err.Error())
		}
		n := len(buf)
		var err error
		if buf, err = encodeRecordBody(buf, r); err != nil {
			q.err = credo.Errorf(credo.EINVALID, "record cannot be stored: %v", err)
			buf = buf[:n]
			continue
		}
		q.args = [nRecordColumns]any{nil, r.Subject, r.Authority, r.ExternalID, r.Category, r.Kind,
			unixNano(r.OccurredAt), unixNano(r.RecordedAt), nullable(r.Supersedes), q.hash, buf[n:len(buf):len(buf)]}
	}
}
