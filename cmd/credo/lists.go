package main

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/credo-registry/credo/lists"
)

// listsCmd shows and checks list definitions and the measures catalogue.
func (m *Main) listsCmd(ctx context.Context, args []string) error {
	const use = "usage: credo lists show | check FILE..."
	sub, args, err := requireSubcommand("lists", args, use)
	if err != nil {
		return err
	}
	switch sub {
	case "show":
		if err := parse(m.newFlags("lists show", nil), args); err != nil {
			return err
		}
		c, err := lists.Bundled()
		if err != nil {
			return err
		}
		return printList(m.Stdout, false, c.Lists, "ID\tVERSION\tKIND\tNOTICE\tTERM\tTITLE", func(d *lists.Definition) string {
			term := "while its rule holds"
			if !d.TermMax.IsZero() {
				term = periodText(d.TermMin) + " to " + periodText(d.TermMax)
			}
			return strings.Join([]string{d.ID, d.Version, d.Kind, periodText(d.Notice), term, d.Title}, "\t")
		})
	case "check":
		files, err := parseArgs(m.newFlags("lists check", nil), args)
		if err != nil {
			return err
		}
		return m.listsCheck(files)
	}
	return &exitError{code: 2, msg: use}
}

// listsCheck reads definitions (or a measures file) as they would join or
// replace the bundled ones and reports every error at file:line:col; exit
// status 1 when there is one.
func (m *Main) listsCheck(files []string) error {
	if len(files) == 0 {
		return &exitError{code: 2, msg: "usage: credo lists check FILE..."}
	}
	given := map[string][]byte{}
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		given[f] = src
	}
	c, err := lists.Check(given)
	if err != nil {
		for _, e := range lists.Errors(err) {
			fmt.Fprintln(m.Stdout, e.Error())
		}
		return &exitError{code: 1}
	}
	fmt.Fprintf(m.Stdout, "ok: %d lists, %d measures\n", len(c.Lists), len(c.Measures))
	return nil
}

func periodText(p interface{ IsZero() bool }) string {
	if p.IsZero() {
		return "0d"
	}
	return fmt.Sprint(p)
}
