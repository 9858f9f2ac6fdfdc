package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/screening"
	"github.com/credo-registry/credo/search"
)

type screenFlags struct {
	storeFlags
	action, server, token, out, audit string
	depth                             int
}

// screen runs `credo screen FILE [--action A] [--depth N] [--audit
// supply_chain] [--server URL --token T]`: every row of FILE (CSV with header code,name; .json or
// .ndjson) screened against the local data folder, or against a server,
// the results written to FILE.screened.csv. Flags may come before or
// after FILE.
func (m *Main) screen(ctx context.Context, args []string) error {
	var f screenFlags
	fs := m.newFlags("screen", &f.storeFlags)
	fs.StringVar(&f.action, "action", "", "the action about to be taken (public_procurement, ...): each row's measures decision is for it")
	fs.IntVar(&f.depth, "depth", 0, "partners to include, 0 to 3: each matched row lists its partners within the depth on an adverse list; with --audit, the tiers of declared suppliers (1 to 3)")
	fs.StringVar(&f.audit, "audit", "", "supply_chain: FILE is a supplier list; the suppliers the matched organizations declared are screened after it, to --depth tiers")
	fs.StringVar(&f.server, "server", m.env("CREDO_SERVER", ""), "screen against this credo server (http://host:port) instead of the data folder")
	fs.StringVar(&f.token, "token", m.env("CREDO_TOKEN", ""), "bearer token for --server")
	fs.StringVar(&f.out, "out", "", "where to write the results (default FILE.screened.csv)")
	files, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(files) != 1 {
		return &exitError{code: 2, msg: "credo screen takes one file: credo screen FILE [--action A] [--depth N] [--audit supply_chain] [--server URL --token T]"}
	}
	path := files[0]
	p := screening.Params{Action: f.action, Depth: f.depth, Audit: f.audit}
	if err := p.Check(); err != nil {
		return err
	}
	body, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	out := f.out
	if out == "" {
		out = path + ".screened.csv"
	}
	tmp := out + ".partial"
	w, err := os.Create(tmp)
	if err != nil {
		return err
	}
	defer os.Remove(tmp)
	defer w.Close()
	var counts map[string]int
	if f.server != "" {
		counts, err = m.screenRemote(ctx, f, p, path, body, w)
	} else {
		counts, err = m.screenLocal(ctx, f, p, path, body, w)
	}
	if err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, out); err != nil {
		return err
	}
	var parts []string
	for _, s := range []string{screening.Clear, screening.Review, screening.Flagged, screening.NoMatch, screening.Error} {
		parts = append(parts, fmt.Sprintf("%s %d", s, counts[s]))
	}
	fmt.Fprintf(m.Stdout, "screened %s: %s; results in %s\n", path, strings.Join(parts, ", "), out)
	return nil
}

// fileFormat is a screening file's format, by its extension.
func fileFormat(path string) string {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".json":
		return screening.FormatJSON
	case ".ndjson", ".jsonl":
		return screening.FormatNDJSON
	}
	return screening.FormatCSV
}

// bar returns a progress bar of total steps on stderr when it is a
// terminal, else nil.
func (m *Main) bar(total int, label string) *progressbar.ProgressBar {
	tty, ok := m.Stderr.(*os.File)
	if !ok || !term.IsTerminal(int(tty.Fd())) {
		return nil
	}
	return progressbar.NewOptions(total,
		progressbar.OptionSetWriter(tty),
		progressbar.OptionSetDescription(label),
		progressbar.OptionShowCount(),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionClearOnFinish())
}

// screenLocal screens against the data folder (or --db) as its operator,
// who sees everything.
func (m *Main) screenLocal(ctx context.Context, f screenFlags, p screening.Params, path string, body []byte, w io.Writer) (map[string]int, error) {
	parsed, err := screening.Parse(body, fileFormat(path))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	store, err := openStore(ctx, f.storeFlags)
	if err != nil {
		return nil, err
	}
	defer store.Close()
	pl, err := m.newPipeline(ctx, store, f.storeFlags)
	if err != nil {
		return nil, err
	}
	proc := pl.Process
	names := search.NewIndex()
	if err := names.Load(ctx, store); err != nil {
		return nil, err
	}
	sc := screening.New(store, names, proc, nil)
	operator := credo.Viewer{Role: credo.RoleAdmin}
	bar := m.bar(len(parsed.Rows), filepath.Base(path))
	cw := screening.NewCSVWriter(w)
	counts := map[string]int{}
	var all []screening.Row // what an audit starts from
	for i := 0; i < len(parsed.Rows); i += 100 {
		chunk := parsed.Rows[i:min(i+100, len(parsed.Rows))]
		screened, err := sc.ScreenRange(ctx, operator, p, i+1, chunk)
		if err != nil {
			return nil, err
		}
		for _, r := range screened {
			counts[r.Status]++
			if err := cw.Write(r); err != nil {
				return nil, err
			}
		}
		if p.Audit != "" {
			all = append(all, screened...)
		}
		if bar != nil {
			bar.Add(len(chunk))
		}
	}
	added, err := sc.Audit(ctx, operator, p, all)
	if err != nil {
		return nil, err
	}
	for _, r := range added {
		counts[r.Status]++
		if err := cw.Write(r); err != nil {
			return nil, err
		}
	}
	if bar != nil {
		bar.Finish()
	}
	return counts, cw.Flush()
}

// screenRemote sends the file to a server: answered at once up to 1000
// rows, else a job whose progress is polled until it is done.
func (m *Main) screenRemote(ctx context.Context, f screenFlags, p screening.Params, path string, body []byte, w io.Writer) (map[string]int, error) {
	base := strings.TrimRight(f.server, "/")
	q := url.Values{}
	if p.Action != "" {
		q.Set("action", p.Action)
	}
	q.Set("depth", strconv.Itoa(p.Depth))
	if p.Audit != "" {
		q.Set("audit", p.Audit)
	}
	ct := map[string]string{screening.FormatCSV: "text/csv", screening.FormatJSON: "application/json", screening.FormatNDJSON: "application/x-ndjson"}[fileFormat(path)]
	call := func(method, target, contentType string, body []byte) (*http.Response, error) {
		req, err := http.NewRequestWithContext(ctx, method, target, bytes.NewReader(body))
		if err != nil {
			return nil, err
		}
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		if f.token != "" {
			req.Header.Set("Authorization", "Bearer "+f.token)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			return nil, err
		}
		if res.StatusCode >= 300 {
			defer res.Body.Close()
			var prob struct{ Detail, Title string }
			b, _ := io.ReadAll(io.LimitReader(res.Body, 1<<16))
			if json.Unmarshal(b, &prob) == nil && prob.Detail != "" {
				return nil, fmt.Errorf("%s: %s: %s", path, res.Status, prob.Detail)
			}
			return nil, fmt.Errorf("%s: %s", path, res.Status)
		}
		return res, nil
	}
	res, err := call("POST", base+"/v1/screenings?"+q.Encode()+"&format=csv", ct, body)
	if err != nil {
		return nil, err
	}
	if res.StatusCode == http.StatusAccepted {
		var job struct {
			ID        string `json:"id"`
			Status    string `json:"status"`
			RowsDone  int    `json:"rows_done"`
			RowsTotal int    `json:"rows_total"`
		}
		err := json.NewDecoder(res.Body).Decode(&job)
		res.Body.Close()
		if err != nil {
			return nil, err
		}
		bar := m.bar(job.RowsTotal, filepath.Base(path))
		for job.Status != "done" {
			select {
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-time.After(500 * time.Millisecond):
			}
			r, err := call("GET", base+"/v1/screenings/"+url.PathEscape(job.ID), "", nil)
			if err != nil {
				return nil, err
			}
			err = json.NewDecoder(r.Body).Decode(&job)
			r.Body.Close()
			if err != nil {
				return nil, err
			}
			if bar != nil {
				// An audit's total grows as its tiers are found.
				if int64(job.RowsTotal) != bar.GetMax64() {
					bar.ChangeMax(job.RowsTotal)
				}
				bar.Set(job.RowsDone)
			}
		}
		if bar != nil {
			bar.Finish()
		}
		if res, err = call("GET", base+"/v1/screenings/"+url.PathEscape(job.ID)+"/results?format=csv", "", nil); err != nil {
			return nil, err
		}
	}
	defer res.Body.Close()
	var buf bytes.Buffer
	if _, err := io.Copy(io.MultiWriter(w, &buf), res.Body); err != nil {
		return nil, err
	}
	return countStatuses(buf.Bytes()), nil
}

// countStatuses counts the status column of results as CSV.
func countStatuses(b []byte) map[string]int {
	counts := map[string]int{}
	recs, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil || len(recs) == 0 {
		return counts
	}
	col := slices.Index(recs[0], "status")
	for _, r := range recs[1:] {
		if col >= 0 && col < len(r) {
			counts[r[col]]++
		}
	}
	return counts
}
