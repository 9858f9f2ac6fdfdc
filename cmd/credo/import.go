package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/dueprocess"
	"github.com/credo-registry/credo/grading"
	"github.com/credo-registry/credo/ingest"
)

// importFiles loads NDJSON files of authorities, subjects, records or
// annual reports. It is
// idempotent: a line already stored counts as "exists". Refused lines go,
// with the reason, to a file beside the input (or --refused).
func (m *Main) importFiles(ctx context.Context, args []string) error {
	var sf storeFlags
	var authority, kind, refusedPath string
	var batch int
	fs := m.newFlags("import", &sf)
	fs.StringVar(&authority, "authority", "", "authority to submit as when a line names none")
	fs.StringVar(&kind, "kind", "", "what the files hold: authorities, subjects, records or annual-reports (default: detected from the first line)")
	fs.StringVar(&refusedPath, "refused", "", "where to write refused lines (default FILE.refused.ndjson)")
	fs.IntVar(&batch, "batch", 10000, "lines per durable write")
	var bulkMode string
	fs.StringVar(&bulkMode, "bulk", "auto", "use the store's bulk loaders for records and organizations: on, off, or auto (when the store holds no records yet)")
	files, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return &exitError{code: 2, msg: "usage: credo import [--authority ID] [--kind K] FILE..."}
	}
	if batch < 1 || batch > 100000 {
		return &exitError{code: 2, msg: "import: --batch must be from 1 to 100000"}
	}
	store, err := m.openOrCreate(ctx, sf)
	if err != nil {
		return err
	}
	defer store.Close()
	// What an import touched is regraded once it is stored (and rule lists
	// kept current), and what it found stored already too, so that running
	// an interrupted import again regrades what the first run stored;
	// notices of adverse records are not written for an operator's load of
	// history. The import commits without the stages (CommitWith) and
	// regrades once at the end.
	pl, err := m.newPipeline(ctx, store, sf)
	if err != nil {
		return err
	}
	in := pl.Ingester
	var as *credo.Authority
	if authority != "" {
		if as, err = store.Authority(ctx, authority); err != nil {
			return fmt.Errorf("--authority: %w", err)
		}
	}
	bulk := bulkMode == "on"
	switch bulkMode {
	case "auto":
		st, err := store.Stats(ctx)
		if err != nil {
			return err
		}
		bulk = st.Records == 0
	case "on", "off":
	default:
		return &exitError{code: 2, msg: "import: --bulk must be on, off or auto"}
	}
	anyRefused := false
	for _, path := range files {
		imp := &importer{m: m, in: in, grading: pl.Grading, store: store, as: as, batch: batch, kind: kind, path: path, refusedPath: refusedPath, bulk: bulk}
		sum, err := imp.run(ctx)
		if err != nil {
			return fmt.Errorf("import %s: %w", path, err)
		}
		fmt.Fprintln(m.Stdout, sum)
		anyRefused = anyRefused || sum.refused > 0
	}
	if err := markFollowed(ctx, store); err != nil {
		return err
	}
	if anyRefused {
		return &exitError{code: 1}
	}
	return nil
}

type importer struct {
	m           *Main
	in          *ingest.Ingester
	grading     *grading.Service
	store       credo.Store
	as          *credo.Authority
	batch       int
	kind        string
	path        string
	refusedPath string
	bulk        bool // load through the store's bulk loaders, if it has them
	// touched, when set, collects what the import stored for the caller
	// to regrade once after several files (bench portal), instead of a
	// regrade at the end of this one.
	touched map[string]credo.Cause
}

type importSummary struct {
	path, kind, refusedFile         string
	lines, created, exists, refused int
	elapsed                         time.Duration
}

func (s importSummary) String() string {
	out := fmt.Sprintf("%s: %d %s lines: %d created, %d already stored, %d refused (%.1fs, %.0f lines/s)",
		s.path, s.lines, s.kind, s.created, s.exists, s.refused, s.elapsed.Seconds(), float64(s.lines)/max(s.elapsed.Seconds(), 1e-9))
	if s.refused > 0 {
		out += "; refused lines and reasons in " + s.refusedFile
	}
	return out
}

func (imp *importer) run(ctx context.Context) (importSummary, error) {
	start := time.Now()
	sum := importSummary{path: imp.path}
	f, err := os.Open(imp.path)
	if err != nil {
		return sum, err
	}
	defer f.Close()
	kind := imp.kind
	if kind == "" {
		if kind, err = detectKind(f); err != nil {
			return sum, err
		}
	}
	sum.kind = kind
	var prepare func(context.Context, []ingest.Line) *ingest.Batch
	// Writes go to the store, or to its bulk loader when one is in use;
	// grading is deferred to one pass over what the import touched.
	appendRecords := func(recs []*credo.Record) ([]credo.Outcome, error) { return imp.store.AppendRecords(ctx, recs) }
	touched := map[string]credo.Cause{}
	commit := func(ctx context.Context, _ []ingest.Line, b *ingest.Batch) ([]ingest.Result, error) {
		res, err := imp.in.CommitWith(ctx, b, appendRecords)
		if err == nil {
			for code, c := range b.Stored() {
				touched[code] = c
			}
		}
		return res, err
	}
	switch kind {
	case "records":
		prepare = func(ctx context.Context, l []ingest.Line) *ingest.Batch { return imp.in.PrepareRecords(ctx, imp.as, l) }
	case "subjects":
		prepare = func(ctx context.Context, l []ingest.Line) *ingest.Batch {
			return imp.in.PrepareSubjects(ctx, imp.as, l)
		}
	case "annual-reports":
		prepare = func(context.Context, []ingest.Line) *ingest.Batch { return nil }
		commit = func(ctx context.Context, l []ingest.Line, _ *ingest.Batch) ([]ingest.Result, error) {
			return imp.in.AnnualReports(ctx, l)
		}
	case "authorities":
		prepare = func(context.Context, []ingest.Line) *ingest.Batch { return nil }
		commit = func(ctx context.Context, l []ingest.Line, _ *ingest.Batch) ([]ingest.Result, error) {
			return importAuthorities(ctx, imp.store, l), nil
		}
	default:
		return sum, fmt.Errorf("--kind must be authorities, subjects, records or annual-reports, not %q", kind)
	}

	var reader io.Reader = f
	if bar := imp.progress(f); bar != nil {
		defer bar.Finish()
		r := progressbar.NewReader(f, bar)
		reader = &r
	}
	refused := &refusedWriter{path: imp.refusedPath}
	if refused.path == "" {
		refused.path = imp.path + ".refused.ndjson"
	}
	defer refused.close()

	pipeline := func(ctx context.Context) error {
		// Two stages: the reader decodes and validates the next batch while
		// the store writes the previous one.
		type job struct {
			lines []ingest.Line
			batch *ingest.Batch
		}
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		var err error
		jobs := make(chan job, 1)
		readErr := make(chan error, 1)
		go func() {
			defer close(jobs)
			var lines []ingest.Line
			send := func() error {
				if len(lines) == 0 {
					return nil
				}
				select {
				case jobs <- job{lines, prepare(ctx, lines)}:
				case <-ctx.Done():
					return ctx.Err()
				}
				lines = nil
				return nil
			}
			err := ingest.ReadLines(reader, ingest.MaxLine, func(l ingest.Line) error {
				l.Data = bytes.Clone(l.Data)
				lines = append(lines, l)
				if len(lines) >= imp.batch {
					return send()
				}
				return nil
			})
			if err == nil {
				err = send()
			}
			readErr <- err
		}()
		for j := range jobs {
			if err == nil {
				err = imp.count(ctx, &sum, refused, j.lines, j.batch, commit)
			}
			if err != nil {
				cancel()
			}
		}
		if rerr := <-readErr; err == nil {
			err = rerr
		}
		return err
	}
	bl, bulkRecords := imp.store.(credo.BulkLoader)
	sbl, bulkSubjects := imp.store.(credo.SubjectBulkLoader)
	switch {
	case bulkRecords && kind == "records" && imp.bulk:
		err = bl.BulkLoad(ctx, func(app func([]*credo.Record) ([]credo.Outcome, error)) error {
			appendRecords = app
			return pipeline(ctx)
		})
	case bulkSubjects && kind == "subjects" && imp.bulk:
		err = sbl.BulkLoadSubjects(ctx, func() error { return pipeline(ctx) })
	default:
		err = pipeline(ctx)
	}
	if imp.touched != nil {
		maps.Copy(imp.touched, touched)
	} else if err == nil && len(touched) > 0 {
		err = regradeAll(ctx, imp.grading, touched)
	}
	sum.elapsed = time.Since(start)
	sum.refusedFile = refused.path
	return sum, err
}

// count commits one prepared batch and tallies its outcomes.
func (imp *importer) count(ctx context.Context, sum *importSummary, refused *refusedWriter, lines []ingest.Line, b *ingest.Batch,
	commit func(context.Context, []ingest.Line, *ingest.Batch) ([]ingest.Result, error)) error {
	results, err := commit(ctx, lines, b)
	if err != nil {
		return err
	}
	for i, r := range results {
		switch r.Status {
		case credo.Created:
			sum.created++
		case credo.Exists:
			sum.exists++
		default:
			sum.refused++
			if err := refused.write(r, lines[i].Data); err != nil {
				return err
			}
		}
	}
	sum.lines += len(lines)
	return nil
}

// progress returns a byte-count progress bar when stderr is a terminal.
func (imp *importer) progress(f *os.File) *progressbar.ProgressBar {
	tty, ok := imp.m.Stderr.(*os.File)
	if !ok || !term.IsTerminal(int(tty.Fd())) {
		return nil
	}
	st, err := f.Stat()
	if err != nil {
		return nil
	}
	return progressbar.NewOptions64(st.Size(),
		progressbar.OptionSetWriter(tty),
		progressbar.OptionSetDescription(filepath.Base(imp.path)),
		progressbar.OptionShowBytes(true),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionClearOnFinish())
}

// detectKind reads the first non-blank line's keys and rewinds the file.
func detectKind(f *os.File) (string, error) {
	var first map[string]json.RawMessage
	err := ingest.ReadLines(f, ingest.MaxLine, func(l ingest.Line) error {
		if err := json.Unmarshal(l.Data, &first); err != nil {
			return fmt.Errorf("line %d is not a JSON object; pass --kind", l.Number)
		}
		return io.EOF
	})
	if err != nil && err != io.EOF {
		return "", err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return "", err
	}
	switch {
	case first == nil:
		return "records", nil // an empty file: nothing to do whatever it is
	case first["divisions"] != nil:
		return "authorities", nil
	case first["year"] != nil && first["contact"] != nil:
		return "annual-reports", nil
	case first["subject"] != nil:
		return "records", nil
	case first["code"] != nil:
		return "subjects", nil
	}
	return "", fmt.Errorf("cannot tell whether the file holds authorities, subjects, records or annual reports; pass --kind")
}

// refusedWriter writes refused lines, creating its file on the first one.
type refusedWriter struct {
	path string
	f    *os.File
	enc  *json.Encoder
}

func (w *refusedWriter) write(r ingest.Result, input []byte) error {
	if w.f == nil {
		f, err := os.Create(w.path)
		if err != nil {
			return err
		}
		w.f, w.enc = f, json.NewEncoder(f)
		w.enc.SetEscapeHTML(false)
	}
	var in any = string(input)
	if json.Valid(input) {
		in = json.RawMessage(input)
	}
	return w.enc.Encode(struct {
		Line  int          `json:"line"`
		Error *credo.Error `json:"error"`
		Input any          `json:"input,omitempty"`
	}{r.Line, r.Error, in})
}

func (w *refusedWriter) close() {
	if w.f != nil {
		w.f.Close()
	}
}

// markFollowed marks every change in the log followed (dueprocess
// Follow) after an operator's load: the load regraded what it touched
// itself, and a load of history writes no notices, which following its
// changes would. A serve process killed mid-write before the load
// completes its own changes when it starts again (it follows the log
// before it listens), so only a write interrupted by a crash and not
// followed by a restart before the load is passed over.
func markFollowed(ctx context.Context, store credo.Store) error {
	head, err := store.Head(ctx)
	if err != nil {
		return err
	}
	return store.SaveCursor(ctx, dueprocess.DeriveCursor, head)
}

// regradeAll regrades what an import touched, in chunks, then their
// partners.
func regradeAll(ctx context.Context, g *grading.Service, touched map[string]credo.Cause) error {
	b := g.Bulk()
	if err := regradeTouched(ctx, b, touched); err != nil {
		return err
	}
	return regradePartnersOf(ctx, b, touched)
}

// regradeTouched regrades what an import touched, in chunks (the first
// pass of b).
func regradeTouched(ctx context.Context, b *grading.Bulk, touched map[string]credo.Cause) error {
	// Chunks of 1,000 organizations, regraded by a worker per processor:
	// grading runs on every core, the store serializes the writes.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	chunks := make(chan map[string]credo.Cause)
	errc := make(chan error, 1)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for chunk := range chunks {
				if err := b.Grade(ctx, chunk); err != nil {
					select {
					case errc <- err:
					default:
					}
					cancel()
				}
			}
		})
	}
	send := func(chunk map[string]credo.Cause) bool {
		select {
		case chunks <- chunk:
			return true
		case <-ctx.Done():
			return false
		}
	}
	chunk := map[string]credo.Cause{}
	for code, c := range touched {
		chunk[code] = c
		if len(chunk) == 1000 {
			if !send(chunk) {
				break
			}
			chunk = map[string]credo.Cause{}
		}
	}
	if len(chunk) > 0 {
		send(chunk)
	}
	close(chunks)
	wg.Wait()
	select {
	case err := <-errc:
		return err
	default:
	}
	return ctx.Err()
}

// regradePartnersOf regrades the partners of what an import touched,
// which read the grades regradeTouched stored (the second pass of b).
func regradePartnersOf(ctx context.Context, b *grading.Bulk, touched map[string]credo.Cause) error {
	codes := make([]string, 0, len(touched))
	for code := range touched {
		codes = append(codes, code)
	}
	slices.Sort(codes)
	return b.Partners(ctx, codes)
}
