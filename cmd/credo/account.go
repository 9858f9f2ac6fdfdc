package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/uscc"
)

// account manages organization, client and administrator accounts.
func (m *Main) account(ctx context.Context, args []string) error {
	const use = "usage: credo account add --role organization --code USCC [--id ID] [--name NAME] | add --role client|admin [--id ID] [--name NAME] | list [--json]"
	sub, args, err := requireSubcommand("account", args, use)
	if err != nil {
		return err
	}
	switch sub {
	case "add":
		return m.accountAdd(ctx, args)
	case "list":
		return m.accountList(ctx, args)
	}
	return &exitError{code: 2, msg: use}
}

func (m *Main) accountAdd(ctx context.Context, args []string) error {
	var sf storeFlags
	var a credo.Account
	fs := m.newFlags("account add", &sf)
	fs.StringVar(&a.Role, "role", "", "organization, client (sees what the public sees) or admin")
	fs.StringVar(&a.Subject, "code", "", "the organization's Unified Social Credit Code (organization accounts)")
	fs.StringVar(&a.ID, "id", "", "account id (a-z, 0-9, -, _, .; default org-<code> for an organization)")
	fs.StringVar(&a.Name, "name", "", "a name for the account")
	if err := parse(fs, args); err != nil {
		return err
	}
	if a.Role == credo.RoleOrganization && a.Subject == "" {
		return &exitError{code: 2, msg: "account add: --code: an organization's account is bound to its Unified Social Credit Code"}
	}
	if a.Subject != "" {
		code, failure := uscc.Check(a.Subject)
		if failure != "" {
			return &exitError{code: 2, msg: fmt.Sprintf("account add: --code: %q is not a valid Unified Social Credit Code (%s)", a.Subject, failure)}
		}
		a.Subject = code
		if a.ID == "" {
			a.ID = "org-" + strings.ToLower(code)
		}
	}
	if (a.Role == credo.RoleAdmin || a.Role == credo.RoleClient) && a.ID == "" {
		a.ID = a.Role + "-" + time.Now().UTC().Format("20060102-150405")
	}
	a.CreatedAt = credo.NewTime(time.Now())
	if err := a.Validate(); err != nil {
		msg := err.Error()
		if ce := credo.AsError(err); ce != nil && ce.Field == "subject" {
			msg = "code: " + ce.Message
		}
		return &exitError{code: 2, msg: "account add: --" + msg}
	}
	store, err := m.openOrCreate(ctx, sf)
	if err != nil {
		return err
	}
	defer store.Close()
	token, hash := credo.NewToken()
	if err := store.CreateAccount(ctx, &a, hash); err != nil {
		return err
	}
	switch a.Role {
	case credo.RoleOrganization:
		fmt.Fprintf(m.Stdout, "account %s added for organization %s\n", a.ID, a.Subject)
	case credo.RoleClient:
		fmt.Fprintf(m.Stdout, "client account %s added (it sees what the public sees)\n", a.ID)
	default:
		fmt.Fprintf(m.Stdout, "administrator account %s added\n", a.ID)
	}
	fmt.Fprintln(m.Stdout, "its bearer token, shown only this once:")
	fmt.Fprintln(m.Stdout, token)
	return nil
}

func (m *Main) accountList(ctx context.Context, args []string) error {
	return listStored(ctx, m, "account list", args, credo.Store.Accounts, "ID\tROLE\tORGANIZATION\tNAME", func(a *credo.Account) string {
		return a.ID + "\t" + a.Role + "\t" + a.Subject + "\t" + a.Name
	})
}

// listStored is a `list [--json]` command: what read returns from the
// registry, printed by printList.
func listStored[T any](ctx context.Context, m *Main, name string, args []string, read func(credo.Store, context.Context) ([]T, error), header string, row func(T) string) error {
	var sf storeFlags
	var asJSON bool
	fs := m.newFlags(name, &sf)
	fs.BoolVar(&asJSON, "json", false, "one JSON object a line")
	if err := parse(fs, args); err != nil {
		return err
	}
	store, err := openExisting(ctx, sf)
	if err != nil {
		return err
	}
	defer store.Close()
	list, err := read(store, ctx)
	if err != nil {
		return err
	}
	return printList(m.Stdout, asJSON, list, header, row)
}

// printList writes items one JSON object a line, or as a table with
// header and one row each (tab-separated cells).
func printList[T any](w io.Writer, asJSON bool, items []T, header string, row func(T) string) error {
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		for _, it := range items {
			if err := enc.Encode(it); err != nil {
				return err
			}
		}
		return nil
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, header)
	for _, it := range items {
		fmt.Fprintln(tw, row(it))
	}
	return tw.Flush()
}
