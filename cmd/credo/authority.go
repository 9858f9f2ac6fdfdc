package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/credo-registry/credo"
)

// authority manages the authorities that may submit records.
func (m *Main) authority(ctx context.Context, args []string) error {
	const use = "usage: credo authority add --id ID --name NAME --divisions 31,3205 --categories market,tax | list [--json] | token --id ID"
	sub, args, err := requireSubcommand("authority", args, use)
	if err != nil {
		return err
	}
	switch sub {
	case "add":
		return m.authorityAdd(ctx, args)
	case "list":
		return m.authorityList(ctx, args)
	case "token":
		return m.authorityToken(ctx, args)
	}
	return &exitError{code: 2, msg: use}
}

func (m *Main) authorityAdd(ctx context.Context, args []string) error {
	var sf storeFlags
	var a credo.Authority
	var divisions, categories string
	fs := m.newFlags("authority add", &sf)
	fs.StringVar(&a.ID, "id", "", "authority id (a-z, 0-9, -, _, .)")
	fs.StringVar(&a.Name, "name", "", "authority name")
	fs.StringVar(&divisions, "divisions", "", "comma-separated division code prefixes, or * for the whole country")
	fs.StringVar(&categories, "categories", "", "comma-separated record categories: "+strings.Join(credo.Categories, ","))
	if err := parse(fs, args); err != nil {
		return err
	}
	a.Divisions, a.Categories = splitList(divisions), splitList(categories)
	a.CreatedAt = credo.NewTime(time.Now())
	if err := a.Validate(); err != nil {
		return &exitError{code: 2, msg: "authority add: --" + err.Error()}
	}
	store, err := m.openOrCreate(ctx, sf)
	if err != nil {
		return err
	}
	defer store.Close()
	token, hash := credo.NewToken()
	if err := store.CreateAuthority(ctx, &a, hash); err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "authority %s (%s) added: divisions %s, categories %s\n", a.ID, a.Name,
		strings.Join(a.Divisions, ","), strings.Join(a.Categories, ","))
	fmt.Fprintln(m.Stdout, "its bearer token, shown only this once:")
	fmt.Fprintln(m.Stdout, token)
	return nil
}

func (m *Main) authorityToken(ctx context.Context, args []string) error {
	var sf storeFlags
	var id string
	fs := m.newFlags("authority token", &sf)
	fs.StringVar(&id, "id", "", "authority id")
	if err := parse(fs, args); err != nil {
		return err
	}
	store, err := openExisting(ctx, sf)
	if err != nil {
		return err
	}
	defer store.Close()
	token, hash := credo.NewToken()
	if err := store.AddToken(ctx, id, hash); err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "a new bearer token for authority %s, shown only this once:\n%s\n", id, token)
	return nil
}

func (m *Main) authorityList(ctx context.Context, args []string) error {
	return listStored(ctx, m, "authority list", args, credo.Store.Authorities, "ID\tNAME\tDIVISIONS\tCATEGORIES", func(a *credo.Authority) string {
		return a.ID + "\t" + a.Name + "\t" + strings.Join(a.Divisions, ",") + "\t" + strings.Join(a.Categories, ",")
	})
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
