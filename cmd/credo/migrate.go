package main

import (
	"context"
	"fmt"
)

// migrate applies the embedded migrations of the chosen backend. Opening a
// store migrates it; this command does only that, for deployments that
// migrate before rolling out new nodes.
func (m *Main) migrate(ctx context.Context, args []string) error {
	var sf storeFlags
	fs := m.newFlags("migrate", &sf)
	if err := parse(fs, args); err != nil {
		return err
	}
	store, err := m.openOrCreate(ctx, sf)
	if err != nil {
		return err
	}
	defer store.Close()
	if v, ok := store.(interface{ SchemaVersion() int }); ok {
		fmt.Fprintf(m.Stdout, "schema at version %d\n", v.SchemaVersion())
	} else {
		fmt.Fprintln(m.Stdout, "schema up to date")
	}
	return nil
}
