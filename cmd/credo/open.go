package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/ingest"
	"github.com/credo-registry/credo/store/postgres"
	"github.com/credo-registry/credo/store/sqlite"
)

// openStore opens the registry named by the flags: PostgreSQL when --db is
// set, else the embedded store in the data folder.
func openStore(ctx context.Context, sf storeFlags) (credo.Store, error) {
	if sf.db != "" {
		if !strings.HasPrefix(sf.db, "postgres://") && !strings.HasPrefix(sf.db, "postgresql://") {
			return nil, fmt.Errorf("--db must be a postgres:// or postgresql:// URL")
		}
		return postgres.Open(ctx, sf.db)
	}
	return sqlite.Open(ctx, sf.data)
}

// newIngester wires the submission path to a store and its person-key
// secret (personkey.go).
func (m *Main) newIngester(ctx context.Context, store credo.Store, sf storeFlags) (*ingest.Ingester, error) {
	keyer, err := m.personKeyer(ctx, store, sf)
	if err != nil {
		return nil, err
	}
	return &ingest.Ingester{Store: store, Keyer: keyer}, nil
}
