// Package sqlcommon is what both SQL backends (store/sqlite,
// store/postgres) share below the store contract where only the driver
// differs: the stored form of values, column lists, and the wording of
// the contract's refusals. Queries whose placeholders or functions differ
// by dialect stay in the backends.
package sqlcommon
