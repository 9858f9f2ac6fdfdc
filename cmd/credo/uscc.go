package main

import (
	"bufio"
	"context"
	"encoding/json"

	"github.com/credo-registry/credo/uscc"
)

// uscc checks codes given as arguments, or one a line from stdin with "-",
// printing one JSON description a line. It exits 1 when any is invalid.
func (m *Main) uscc(_ context.Context, args []string) error {
	fs := m.newFlags("uscc", nil)
	codes, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(codes) == 0 {
		return &exitError{code: 2, msg: "usage: credo uscc CODE... (or - to read codes from stdin)"}
	}
	enc := json.NewEncoder(m.Stdout)
	enc.SetEscapeHTML(false)
	allValid := true
	check := func(input string) error {
		d := uscc.Describe(input)
		allValid = allValid && d.Valid
		return enc.Encode(d)
	}
	for _, a := range codes {
		if a != "-" {
			if err := check(a); err != nil {
				return err
			}
			continue
		}
		sc := bufio.NewScanner(m.Stdin)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			if err := check(sc.Text()); err != nil {
				return err
			}
		}
		if err := sc.Err(); err != nil {
			return err
		}
	}
	if !allValid {
		return &exitError{code: 1}
	}
	return nil
}
