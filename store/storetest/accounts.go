package storetest

import (
	"fmt"
	"testing"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/store/paging"
)

// orgAccount is codes[i]'s own account.
func orgAccount(i int, id string) *credo.Account {
	return &credo.Account{ID: id, Role: credo.RoleOrganization, Subject: codes[i], Name: companies[i].name,
		CreatedAt: credo.NewTime(t0.Add(1234567 * 1000))}
}

func mustCreateAccount(t *testing.T, s credo.Store, a *credo.Account) string {
	t.Helper()
	_, hash := credo.NewToken()
	if err := s.CreateAccount(ctx, a, hash); err != nil {
		t.Fatalf("CreateAccount(%s): %v", a.ID, err)
	}
	return hash
}

func testAccounts(t *testing.T, h Harness) {
	s := h.Open(t)
	org := orgAccount(7, "org-huaibei-7")
	admin := &credo.Account{ID: "admin-zhang", Role: credo.RoleAdmin, Name: "张伟", CreatedAt: credo.NewTime(t0)}
	bare := &credo.Account{ID: "0-first", Role: credo.RoleAdmin}
	orgHash := mustCreateAccount(t, s, org)
	adminHash := mustCreateAccount(t, s, admin)
	mustCreateAccount(t, s, bare)

	t.Run("Account", func(t *testing.T) {
		for _, a := range []*credo.Account{org, admin, bare} {
			got, err := s.Account(ctx, a.ID)
			if err != nil {
				t.Fatalf("Account(%s): %v", a.ID, err)
			}
			wantSame(t, "account "+a.ID, got, a)
		}
	})

	t.Run("ByToken", func(t *testing.T) {
		for hash, a := range map[string]*credo.Account{orgHash: org, adminHash: admin} {
			got, err := s.AccountByToken(ctx, hash)
			if err != nil {
				t.Fatalf("AccountByToken: %v", err)
			}
			wantSame(t, "account by token", got, a)
		}
	})

	t.Run("NotFound", func(t *testing.T) {
		_, err := s.Account(ctx, "no-such-account")
		wantError(t, "unknown account", err, credo.ENOTFOUND, "")
		_, unknown := credo.NewToken()
		_, err = s.AccountByToken(ctx, unknown)
		wantError(t, "unknown token", err, credo.ENOTFOUND, "")
	})

	t.Run("ConflictOnTakenID", func(t *testing.T) {
		other := orgAccount(8, org.ID)
		_, hash := credo.NewToken()
		wantError(t, "an id taken", s.CreateAccount(ctx, other, hash), credo.ECONFLICT, "")
		got, err := s.Account(ctx, org.ID)
		if err != nil {
			t.Fatal(err)
		}
		wantSame(t, "the first account after a clash", got, org)
		if _, err := s.AccountByToken(ctx, hash); credo.ErrorCodeOf(err) != credo.ENOTFOUND {
			t.Errorf("the refused account's token resolves: %v", err)
		}
	})

	t.Run("ConflictOnTakenToken", func(t *testing.T) {
		other := orgAccount(8, "org-huaibei-8")
		wantError(t, "a token hash taken", s.CreateAccount(ctx, other, orgHash), credo.ECONFLICT, "")
		if _, err := s.Account(ctx, other.ID); credo.ErrorCodeOf(err) != credo.ENOTFOUND {
			t.Errorf("the refused account was stored: %v", err)
		}
		got, err := s.AccountByToken(ctx, orgHash)
		if err != nil {
			t.Fatal(err)
		}
		wantSame(t, "the token's account after a clash", got, org)
	})

	t.Run("ListByID", func(t *testing.T) {
		got, err := s.Accounts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		wantSame(t, "accounts", got, []*credo.Account{bare, admin, org})
	})

	t.Run("NoneListed", func(t *testing.T) {
		got, err := h.Open(t).Accounts(ctx)
		if err != nil || len(got) != 0 {
			t.Errorf("accounts of an empty store: %v, %v", got, err)
		}
	})

	t.Run("Durability", func(t *testing.T) {
		if h.Reopen == nil {
			t.Skip("the harness cannot reopen a store")
		}
		s := h.Open(t)
		hash := mustCreateAccount(t, s, org)
		s = h.Reopen(t, s)
		got, err := s.AccountByToken(ctx, hash)
		if err != nil {
			t.Fatalf("AccountByToken after reopening: %v", err)
		}
		wantSame(t, "account after reopening", got, org)
		_, other := credo.NewToken()
		wantError(t, "an id taken before reopening", s.CreateAccount(ctx, orgAccount(8, org.ID), other), credo.ECONFLICT, "")
		wantError(t, "a token taken before reopening", s.CreateAccount(ctx, orgAccount(8, "org-8"), hash), credo.ECONFLICT, "")
	})
}

// testAccountPages: ListAccounts pages through every account by id, each
// once, whatever the page size, and refuses cursors it did not give.
func testAccountPages(t *testing.T, h Harness) {
	s := h.Open(t)
	var want []string
	for i := range 12 {
		a := orgAccount(i%len(codes), fmt.Sprintf("org-%02d", i))
		mustCreateAccount(t, s, a)
		want = append(want, a.ID)
	}
	all, err := s.Accounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, limit := range []int{0, 1, 2, 5, 11, 12, 13, credo.MaxPageSize, credo.MaxPageSize + 1} {
		var got []string
		cursor := ""
		for pages := 0; ; pages++ {
			if pages > len(want) {
				t.Fatalf("limit %d: the pages do not end", limit)
			}
			page, err := s.ListAccounts(ctx, cursor, limit)
			if err != nil {
				t.Fatalf("limit %d: %v", limit, err)
			}
			if limit > 0 && len(page.Accounts) > limit {
				t.Fatalf("limit %d: a page of %d", limit, len(page.Accounts))
			}
			for _, a := range page.Accounts {
				got = append(got, a.ID)
			}
			if page.Next == "" {
				break
			}
			cursor = page.Next
		}
		if len(got) != len(all) {
			t.Fatalf("limit %d: %v, want %d accounts", limit, got, len(all))
		}
		for i, a := range all {
			if got[i] != a.ID {
				t.Fatalf("limit %d: %v, want the order of Accounts", limit, got)
			}
		}
	}
	for _, bad := range []string{"garbage", paging.Cursor('r', "org-01"), paging.Cursor('u', "")} {
		if _, err := s.ListAccounts(ctx, bad, 1); credo.ErrorCodeOf(err) != credo.EINVALID {
			t.Errorf("cursor %q: %v, want EINVALID", bad, err)
		}
	}
	if _, err := s.ListAccounts(ctx, "", -1); credo.ErrorCodeOf(err) != credo.EINVALID {
		t.Errorf("limit -1: %v, want EINVALID", err)
	}
}
