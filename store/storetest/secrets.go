package storetest

import (
	"bytes"
	"sync"
	"testing"

	"github.com/credo-registry/credo"
)

func testSecrets(t *testing.T, h Harness) {
	t.Run("StableAndDistinct", func(t *testing.T) {
		s := h.Open(t)
		first, err := s.Secret(ctx, "person-key")
		if err != nil {
			t.Fatal(err)
		}
		if len(first) != 32 || bytes.Equal(first, make([]byte, 32)) {
			t.Fatalf("secret %x: want 32 random bytes", first)
		}
		again, err := s.Secret(ctx, "person-key")
		if err != nil || !bytes.Equal(again, first) {
			t.Errorf("second call: %x, %v; want %x", again, err, first)
		}
		other, err := s.Secret(ctx, "other")
		if err != nil || bytes.Equal(other, first) {
			t.Errorf("another name's secret %x, %v: want different bytes", other, err)
		}
	})

	t.Run("ConcurrentFirstCalls", func(t *testing.T) {
		s := h.Open(t)
		const n = 16
		got := make([][]byte, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range n {
			wg.Go(func() {
				<-start
				got[i], errs[i] = s.Secret(ctx, "person-key")
			})
		}
		close(start)
		wg.Wait()
		for i := range n {
			if errs[i] != nil {
				t.Fatalf("caller %d: %v", i, errs[i])
			}
			if !bytes.Equal(got[i], got[0]) {
				t.Fatalf("callers got different secrets: %x and %x", got[0], got[i])
			}
		}
	})

	t.Run("RestoreKeepsExisting", func(t *testing.T) {
		s := h.Open(t)
		want := bytes.Repeat([]byte{7}, 32)
		if err := s.RestoreSecret(ctx, "person-key", want); err != nil {
			t.Fatal(err)
		}
		if err := s.RestoreSecret(ctx, "person-key", bytes.Repeat([]byte{9}, 32)); err != nil {
			t.Fatal(err)
		}
		got, err := s.Secret(ctx, "person-key")
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("secret after two restores %x, %v; want the first %x", got, err, want)
		}
	})

	t.Run("StoredAndDeleted", func(t *testing.T) {
		s := h.Open(t)
		if _, err := s.StoredSecret(ctx, "person-key"); credo.ErrorCodeOf(err) != credo.ENOTFOUND {
			t.Fatalf("no secret yet: %v, want ENOTFOUND", err)
		}
		if _, err := s.StoredSecret(ctx, "person-key"); credo.ErrorCodeOf(err) != credo.ENOTFOUND {
			t.Fatalf("StoredSecret created one: %v", err)
		}
		want := bytes.Repeat([]byte{7}, 32)
		if err := s.RestoreSecret(ctx, "person-key", want); err != nil {
			t.Fatal(err)
		}
		if got, err := s.StoredSecret(ctx, "person-key"); err != nil || !bytes.Equal(got, want) {
			t.Fatalf("stored secret %x, %v; want %x", got, err, want)
		}
		for range 2 { // the second finds nothing and does nothing
			if err := s.DeleteSecret(ctx, "person-key"); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.StoredSecret(ctx, "person-key"); credo.ErrorCodeOf(err) != credo.ENOTFOUND {
			t.Errorf("after DeleteSecret: %v, want ENOTFOUND", err)
		}
	})
}
