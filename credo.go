// Package credo is the domain of an enterprise credit registry: organizations
// identified by their Unified Social Credit Code, the authorities that report
// on them, the append-only records those authorities submit, and the small
// interfaces (the store contract) the rest of the system is built on.
//
// Subjects are organizations only. Natural persons appear solely as an
// organization's officers or shareholders, held as a name and a pseudonymous
// person key; credo never stores an identity number and never rates a person.
//
// Nothing is edited: registration data is versioned, records are appended and
// corrected by superseding records, and every write names its authority.
package credo
