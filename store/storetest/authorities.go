package storetest

import (
	"testing"

	"github.com/credo-registry/credo"
)

func testAuthorities(t *testing.T, h Harness) {
	s := h.Open(t)
	a := authority("samr-340600", "淮北市市场监督管理局", "3406")
	_, hashA := credo.NewToken()
	if err := s.CreateAuthority(ctx, a, hashA); err != nil {
		t.Fatalf("CreateAuthority: %v", err)
	}
	b := authority("court-620105", "兰州市安宁区人民法院", "620105")
	b.Categories = []string{"court"}
	_, hashB := credo.NewToken()
	if err := s.CreateAuthority(ctx, b, hashB); err != nil {
		t.Fatalf("CreateAuthority: %v", err)
	}
	c := authority("customs", "海关总署", credo.Nationwide)
	_, hashC := credo.NewToken()
	if err := s.CreateAuthority(ctx, c, hashC); err != nil {
		t.Fatalf("CreateAuthority: %v", err)
	}

	t.Run("Create", func(t *testing.T) {
		got, err := s.Authority(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		wantSame(t, "authority", got, a)
	})

	t.Run("ConflictOnDuplicateID", func(t *testing.T) {
		other := authority(a.ID, "另一个机构", "34")
		_, hash := credo.NewToken()
		wantError(t, "duplicate id", s.CreateAuthority(ctx, other, hash), credo.ECONFLICT, "")
		got, _ := s.Authority(ctx, a.ID)
		wantSame(t, "the first authority after a duplicate", got, a)
		if _, err := s.AuthorityByToken(ctx, hash); credo.ErrorCodeOf(err) != credo.ENOTFOUND {
			t.Errorf("the refused authority's token resolves: %v", err)
		}
	})

	t.Run("ByToken", func(t *testing.T) {
		got, err := s.AuthorityByToken(ctx, hashB)
		if err != nil {
			t.Fatal(err)
		}
		wantSame(t, "authority by token", got, b)
		_, unknown := credo.NewToken()
		_, err = s.AuthorityByToken(ctx, unknown)
		wantError(t, "unknown token", err, credo.ENOTFOUND, "")
	})

	t.Run("AddToken", func(t *testing.T) {
		_, second := credo.NewToken()
		if err := s.AddToken(ctx, c.ID, second); err != nil {
			t.Fatalf("AddToken: %v", err)
		}
		for _, h := range []string{hashC, second} {
			got, err := s.AuthorityByToken(ctx, h)
			if err != nil || got.ID != c.ID {
				t.Errorf("token of %s: %v, %v", c.ID, got, err)
			}
		}
		_, third := credo.NewToken()
		wantError(t, "AddToken to an unknown authority", s.AddToken(ctx, "no-such-authority", third), credo.ENOTFOUND, "")
	})

	t.Run("NotFound", func(t *testing.T) {
		_, err := s.Authority(ctx, "no-such-authority")
		wantError(t, "unknown authority", err, credo.ENOTFOUND, "")
	})

	t.Run("ListSortedByID", func(t *testing.T) {
		got, err := s.Authorities(ctx)
		if err != nil {
			t.Fatal(err)
		}
		wantSame(t, "authorities", got, []*credo.Authority{b, c, a})
	})

	t.Run("Tokens", func(t *testing.T) {
		got, err := s.AuthorityTokens(ctx, a.ID)
		if err != nil || len(got) != 1 || got[0] != hashA {
			t.Errorf("AuthorityTokens(%s) = %v, %v; want [%s]", a.ID, got, err, hashA)
		}
	})
}
