//go:build unix

package sqlite_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/store/sqlite"
)

// The crash test runs this test binary again as a child that appends until
// it is killed; these variables tell the child where and how.
const (
	crashDirEnv  = "CREDO_SQLITE_CRASH_DIR"
	crashBulkEnv = "CREDO_SQLITE_CRASH_BULK"
)

// TestCrash kills (SIGKILL) a process appending batches at an arbitrary
// moment and checks that every batch it acknowledged is stored, each
// record exactly once, in a database that passes integrity_check, whose
// deferred indexes (for a process killed during BulkLoad) are rebuilt on
// reopening.
func TestCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test: skipped in -short mode")
	}
	for _, bulk := range []bool{false, true} {
		t.Run(fmt.Sprintf("bulk=%v", bulk), func(t *testing.T) {
			for _, delay := range []time.Duration{time.Millisecond, 9 * time.Millisecond} {
				dir := t.TempDir()
				acked := runAndKill(t, dir, bulk, 6, delay)
				checkAcknowledged(t, dir, acked)
			}
		})
	}
}

// runAndKill starts the child, waits for ackedBatches acknowledgements and
// delay more (into the next batch's transaction), kills it and returns what it acknowledged: record id →
// authority/external id.
func runAndKill(t *testing.T, dir string, bulk bool, ackedBatches int, delay time.Duration) map[int64]string {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$")
	cmd.Env = append(os.Environ(), crashDirEnv+"="+dir, crashBulkEnv+"="+strconv.FormatBool(bulk))
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	acked := map[int64]string{}
	sc := bufio.NewScanner(out)
	batches := 0
	killed := false
	for sc.Scan() {
		// "ack <id> <authority>/<external id> ." for each record of a
		// committed batch, then "batch". The child is killed at any moment,
		// possibly while its output buffer is half written: the last line
		// may be cut short, so a line counts only with its final ".".
		f := strings.Fields(sc.Text())
		switch {
		case len(f) == 4 && f[0] == "ack" && f[3] == ".":
			id, err := strconv.ParseInt(f[1], 10, 64)
			if err != nil {
				t.Fatalf("child said %q", sc.Text())
			}
			acked[id] = f[2]
		case len(f) == 1 && f[0] == "batch":
			batches++
		}
		if batches == ackedBatches && !killed {
			killed = true
			go func() {
				time.Sleep(delay)
				cmd.Process.Signal(syscall.SIGKILL)
			}()
		}
	}
	err = cmd.Wait()
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() {
		t.Fatalf("child ended by itself (%v) after %d batches", err, batches)
	}
	if batches < ackedBatches {
		t.Fatalf("child acknowledged %d batches, want at least %d", batches, ackedBatches)
	}
	return acked
}

func checkAcknowledged(t *testing.T, dir string, acked map[int64]string) {
	t.Helper()
	ctx := context.Background()
	db := mustOpen(t, dir)
	var check string
	if err := rawDB(t, db.Path()).QueryRow(`PRAGMA integrity_check`).Scan(&check); err != nil || check != "ok" {
		t.Fatalf("integrity_check: %q, %v", check, err)
	}
	if !hasIndex(t, db, "records_subject") {
		t.Error("records_subject missing after reopening")
	}
	seen := map[string]int64{}
	var after int64
	for {
		recs, err := db.ScanRecords(ctx, after, 5000)
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) == 0 {
			break
		}
		for _, r := range recs {
			if prev, dup := seen[r.Authority+"/"+r.ExternalID]; dup {
				t.Fatalf("%s stored twice, as %d and %d", r.ExternalID, prev, r.ID)
			}
			seen[r.Authority+"/"+r.ExternalID] = r.ID
		}
		after = recs[len(recs)-1].ID
	}
	for id, key := range acked {
		if got, ok := seen[key]; !ok || got != id {
			t.Fatalf("acknowledged record %d (%s): stored as %d (%v)", id, key, got, ok)
		}
	}
	st, err := db.Stats(ctx)
	if err != nil || st.Records != int64(len(seen)) || len(seen) < len(acked) {
		t.Errorf("stats %+v (%v): %d stored, %d acknowledged", st, err, len(seen), len(acked))
	}
	t.Logf("%d records acknowledged, %d stored", len(acked), len(seen))
}

// TestCrashChild is the child of TestCrash; it does nothing in a normal run.
func TestCrashChild(t *testing.T) {
	dir := os.Getenv(crashDirEnv)
	if dir == "" {
		t.Skip("run by TestCrash")
	}
	ctx := context.Background()
	db, err := sqlite.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	w := newWorkload(5000)
	out := bufio.NewWriter(os.Stdout)
	loop := func(add func([]*credo.Record) ([]credo.Outcome, error)) error {
		for {
			batch := w.batch(1000)
			res, err := add(batch)
			if err != nil {
				return err
			}
			for i, o := range res {
				if o.Status == credo.Created {
					fmt.Fprintf(out, "ack %d %s/%s .\n", o.ID, batch[i].Authority, batch[i].ExternalID)
				}
			}
			fmt.Fprintln(out, "batch")
			out.Flush()
		}
	}
	if os.Getenv(crashBulkEnv) == "true" {
		err = db.BulkLoad(ctx, loop)
	} else {
		err = loop(func(r []*credo.Record) ([]credo.Outcome, error) { return db.AppendRecords(ctx, r) })
	}
	t.Fatal(err)
}
