package postgres

import (
	"context"
	"time"

	"github.com/credo-registry/credo"
)

// The relationship store is being written (issue 11); until then every
// method answers that it is not there.

func notYet() error { return credo.Errorf(credo.EUNAVAILABLE, "relationships are not stored yet") }

func (db *DB) AppendRelationships(ctx context.Context, rels []*credo.Relationship) ([]credo.Outcome, error) {
	return nil, notYet()
}
func (db *DB) Relationship(ctx context.Context, id int64) (*credo.Relationship, error) {
	return nil, notYet()
}
func (db *DB) Relationships(ctx context.Context, q credo.RelationshipQuery) ([]*credo.Relationship, error) {
	return nil, notYet()
}
func (db *DB) RelationshipHistory(ctx context.Context, code string) ([]*credo.Relationship, error) {
	return nil, notYet()
}
func (db *DB) EachRelationship(ctx context.Context, asOf time.Time, fn func([]credo.Edge) error) error {
	return notYet()
}
func (db *DB) PersonRoles(ctx context.Context, personKey string) ([]credo.PersonRole, error) {
	return nil, notYet()
}
func (db *DB) ScanRelationships(ctx context.Context, afterID int64, limit int) ([]*credo.Relationship, error) {
	return nil, notYet()
}
func (db *DB) RestoreRelationships(ctx context.Context, rels []*credo.Relationship) error {
	return notYet()
}
