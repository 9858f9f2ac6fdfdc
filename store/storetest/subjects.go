package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/credo-registry/credo"
)

func testSubjects(t *testing.T, h Harness) {
	t.Run("Created", func(t *testing.T) {
		s := h.Open(t)
		in := subject(0)
		wantOutcome(t, "new code", mustPut(t, s, in)[0], credo.Created, 1)
		got, err := s.Subject(ctx, in.Code)
		if err != nil {
			t.Fatalf("Subject: %v", err)
		}
		want := *in
		want.Version = 1
		wantSame(t, "stored subject", got, &want)
	})

	t.Run("ExistsForIdenticalContent", func(t *testing.T) {
		s := h.Open(t)
		mustPut(t, s, subject(1))
		again := subject(1)
		again.Authority = "samr-340000"
		again.RecordedAt = credo.NewTime(recorded.Add(48 * time.Hour))
		wantOutcome(t, "same content, later and by another authority", mustPut(t, s, again)[0], credo.Exists, 1)
		versions, err := s.SubjectVersions(ctx, codes[1])
		if err != nil {
			t.Fatal(err)
		}
		if len(versions) != 1 {
			t.Errorf("%d versions after a repeat, want 1", len(versions))
		}
		got, _ := s.Subject(ctx, codes[1])
		if got.Authority != samr || !got.RecordedAt.Equal(recorded.Time) {
			t.Errorf("a repeat changed the stored version: authority %s, recorded %s", got.Authority, got.RecordedAt)
		}
	})

	t.Run("NewVersionOnChange", func(t *testing.T) {
		s := h.Open(t)
		mustPut(t, s, subject(2))
		renamed := named(2, "深圳市振业集团股份有限公司", companies[2].name)
		wantOutcome(t, "changed name", mustPut(t, s, renamed)[0], credo.Created, 2)
		got, err := s.Subject(ctx, codes[2])
		if err != nil {
			t.Fatal(err)
		}
		if got.Version != 2 || got.Name != renamed.Name {
			t.Errorf("latest is version %d %q, want 2 %q", got.Version, got.Name, renamed.Name)
		}
		// Back to the first content: it differs from the latest, so it is a
		// third version, not a repeat of the first.
		wantOutcome(t, "reverted", mustPut(t, s, subject(2))[0], credo.Created, 3)
	})

	t.Run("BatchOutcomesInInputOrder", func(t *testing.T) {
		s := h.Open(t)
		v2 := named(3, "新名称股份有限公司", companies[3].name)
		out := mustPut(t, s, subject(3), subject(4), v2, named(3, "新名称股份有限公司", companies[3].name), subject(5))
		wantOutcome(t, "first of code 3", out[0], credo.Created, 1)
		wantOutcome(t, "code 4", out[1], credo.Created, 1)
		wantOutcome(t, "second of code 3", out[2], credo.Created, 2)
		wantOutcome(t, "repeat of the second", out[3], credo.Exists, 2)
		wantOutcome(t, "code 5", out[4], credo.Created, 1)
	})

	t.Run("VersionsOldestFirst", func(t *testing.T) {
		s := h.Open(t)
		want := []*credo.Subject{subject(6), named(6, "第二个名称股份有限公司"), named(6, "第三个名称股份有限公司")}
		for i, v := range want {
			v.RecordedAt = credo.NewTime(recorded.Add(time.Duration(i) * time.Hour))
			mustPut(t, s, v)
			v.Version = i + 1
		}
		got, err := s.SubjectVersions(ctx, codes[6])
		if err != nil {
			t.Fatal(err)
		}
		wantSame(t, "versions", got, want)
	})

	t.Run("ErrorMeansNothingStored", func(t *testing.T) {
		s := h.Open(t)
		cancelled, cancel := context.WithCancel(ctx)
		cancel()
		if _, err := s.PutSubjects(cancelled, []*credo.Subject{subject(10), subject(11)}); err == nil {
			return // the backend finished before looking at the context
		}
		for _, i := range []int{10, 11} {
			_, err := s.Subject(ctx, codes[i])
			wantError(t, "subject of a failed PutSubjects", err, credo.ENOTFOUND, "")
		}
		wantOutcome(t, "after the failure", mustPut(t, s, subject(10))[0], credo.Created, 1)
	})

	t.Run("NotFound", func(t *testing.T) {
		s := h.Open(t)
		mustPut(t, s, subject(7))
		_, err := s.Subject(ctx, codes[8])
		wantError(t, "Subject of an unregistered code", err, credo.ENOTFOUND, "")
		_, err = s.SubjectVersions(ctx, codes[8])
		wantError(t, "SubjectVersions of an unregistered code", err, credo.ENOTFOUND, "")
	})
}
