package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/bench"
	"github.com/credo-registry/credo/demo"
	"github.com/credo-registry/credo/lists"
)

// benchLoad fills a scratch registry with the demo's data, serves it with
// `credo serve` in a child process on 127.0.0.1, and drives it with a mix
// of submissions and reads at a fixed rate for a fixed time, sampling the
// server's memory, goroutines and open files from its /metrics.
func (m *Main) benchLoad(ctx context.Context, args []string) error {
	var (
		subjects     int
		db, dir, env string
		load         = bench.Load{Seed: 1}
	)
	fs := m.newFlags("bench load", nil)
	fs.DurationVar(&load.Duration, "duration", 30*time.Minute, "how long requests are made")
	fs.Float64Var(&load.Rate, "rate", 20, "requests per second, all routes together")
	fs.IntVar(&load.Workers, "workers", 16, "requests in flight at most")
	fs.DurationVar(&load.Sample, "sample", 30*time.Second, "how often the server's memory, goroutines and open files are read")
	fs.IntVar(&subjects, "subjects", 10000, "organizations in the scratch registry (12 records each)")
	fs.StringVar(&db, "db", "", "serve PostgreSQL at this URL (a fresh schema is used and dropped) instead of a scratch SQLite data folder")
	fs.StringVar(&dir, "dir", "", "scratch folder, kept with the server's log (default a temporary one, removed afterwards)")
	fs.StringVar(&env, "server-env", "", "extra environment of the server, KEY=VALUE,... (e.g. rate limits set high)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if load.Duration <= 0 || load.Rate <= 0 || load.Workers < 1 || subjects < 1 {
		return &exitError{code: 2, msg: "--duration, --rate, --workers and --subjects must be positive"}
	}
	dir, sf, removeScratch, err := scratchRegistry(ctx, dir, db, "credo-load-")
	if err != nil {
		return err
	}
	defer removeScratch()

	cfg := demo.Config{Seed: 1, Subjects: subjects, Now: credo.NewDate(time.Now()).Time}
	fmt.Fprintf(m.Stderr, "creating a demo registry of %d organizations ...\n", subjects)
	token, err := m.loadScratch(ctx, sf, cfg)
	if err != nil {
		return err
	}
	if err := demo.Subjects(cfg, func(s *credo.Subject) error {
		load.Codes = append(load.Codes, s.Code)
		load.Names = append(load.Names, s.Name)
		return nil
	}); err != nil {
		return err
	}
	a := demoAuthority(cfg)
	if err := demo.Records(cfg, func(r *credo.Record) error {
		// Corrections and retractions name another authority's records;
		// the demo authority sends new records only.
		if len(load.Records) < 20000 && slices.Contains(a.Categories, r.Category) && r.Supersedes == 0 && r.SupersedesExternalID == "" && !r.Retracted() {
			load.Records = append(load.Records, r)
		}
		return nil
	}); err != nil {
		return err
	}
	cat, err := lists.Bundled()
	if err != nil {
		return err
	}
	for _, d := range cat.Lists {
		load.Lists = append(load.Lists, d.ID)
	}

	stop, url, err := m.startServer(ctx, dir, sf.serveArgs(), env)
	if err != nil {
		return err
	}
	defer stop()
	load.URL, load.Token, load.Log = url, token, m.Stderr
	fmt.Fprintf(m.Stderr, "driving %s at %.1f requests/s for %s ...\n", url, load.Rate, load.Duration)
	res, err := load.Run(ctx)
	if res != nil {
		res.Write(m.Stdout)
	}
	return err
}

// loadScratch fills the store with the demo registry and returns a bearer
// token of the demo authority. The store is closed again, so that the
// server may open it.
func (m *Main) loadScratch(ctx context.Context, sf storeFlags, cfg demo.Config) (string, error) {
	store, err := openStore(ctx, sf)
	if err != nil {
		return "", err
	}
	keyer, err := m.personKeyer(ctx, store, sf)
	if err != nil {
		store.Close()
		return "", err
	}
	if _, err := loadDemo(ctx, store, cfg, keyer); err != nil {
		store.Close()
		return "", err
	}
	token, hash := credo.NewToken()
	if err := store.AddToken(ctx, demoAuthority(cfg).ID, hash); err != nil {
		store.Close()
		return "", err
	}
	return token, store.Close()
}

// serverStartWait bounds how long startServer waits for the server to
// listen (a large scratch registry's start takes longer: bench portal).
var serverStartWait = 2 * time.Minute

// startServer runs this program's serve command with args, its log in
// dir/server.log, and returns its URL and a function that stops it.
func (m *Main) startServer(ctx context.Context, dir string, args []string, env string) (func(), string, error) {
	stop, url, _, err := m.startServerProcess(ctx, dir, args, env)
	return stop, url, err
}

// startServerProcess is startServer, with the server's process id.
func (m *Main) startServerProcess(ctx context.Context, dir string, args []string, env string) (func(), string, int, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, "", 0, err
	}
	logFile, err := os.Create(filepath.Join(dir, "server.log"))
	if err != nil {
		return nil, "", 0, err
	}
	cmd := exec.Command(exe, args...)
	// The driver sends every request from one address and one token:
	// rate limits are off, so that the run measures the server and not
	// the limiter (--server-env may set them).
	cmd.Env = append(os.Environ(), "CREDO_RATE_TOKEN=0", "CREDO_RATE_ADDRESS=0")
	if env != "" {
		cmd.Env = append(cmd.Env, strings.Split(env, ",")...)
	}
	cmd.Stderr = logFile
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, "", 0, err
	}
	if err := cmd.Start(); err != nil {
		return nil, "", 0, err
	}
	stop := func() {
		cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			cmd.Process.Kill()
			<-done
		}
		logFile.Close()
	}
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if u, ok := strings.CutPrefix(sc.Text(), "credo listening on "); ok {
				urls <- u
			}
		}
		close(urls)
	}()
	select {
	case u, ok := <-urls:
		if ok {
			return stop, u, cmd.Process.Pid, nil
		}
		stop()
		return nil, "", 0, fmt.Errorf("the server ended before listening; see %s", logFile.Name())
	case <-time.After(serverStartWait):
	case <-ctx.Done():
	}
	stop()
	return nil, "", 0, fmt.Errorf("the server did not listen; see %s", logFile.Name())
}
