// Package assess computes assessments: a pure function of an
// organization's registration versions and records, a rulebook.Set and an
// as-of time (no I/O, no clock). RunTests runs rulebook tests files with
// it, for go test and for the command line alike.
//
// Where docs/RULEBOOKS.md is silent, this package decides:
//
//   - A registration version or record with a zero RecordedAt is known
//     from the beginning. Of the versions recorded by the time, the latest
//     recorded applies (ties: the higher Version).
//   - The organization's division is its registration's, else code
//     positions 3-8. An unregistered organization has org.registered false,
//     its code and division, empty strings and no established date.
//   - A record is superseded by a record recorded by the time that names it
//     in Supersedes, or, when that id was not resolved, in
//     SupersedesExternalID (same authority). SupersededBy is ignored: it
//     tells today's state, not the state as of the time. Record ids are
//     assumed distinct.
//   - A record with a RepairedAt (an approved credit repair) is in force
//     only before it: from RepairedAt on it counts for nothing, as if
//     retracted then (it still supersedes the record it corrects). Its
//     contributions end (Until) at RepairedAt when that is earlier.
//   - `records` lists the dimension's records in force by id.
//   - Without applies, a dimension grades an organization with a record of
//     its categories in force. A rule counts a record while as_of <
//     occurred_at + counts_for; a rule with max_times counts its earliest
//     records (by decision date, then id).
//   - The worst direct grade that applies replaces the band and any special
//     grade, even a worse band. Every direct grade that applies is a
//     contribution; the reasons are those of the direct grades of the
//     winning grade. A special grade (the first in order that holds)
//     applies only when no direct grade does. A cap applies, and becomes a
//     contribution and a reason, only when it lowers the grade; its
//     condition is not evaluated otherwise. floor and ceiling clamp the sum.
//   - Contributions come in the order of the dimension's rules, direct
//     grades, specials and caps (as combined with overlays), then by record
//     id. Their reason is the rule's description (point rules) or reason,
//     and their legal basis the rule's or else its rulebook's.
//   - Without a comprehensive section, Grade is empty, Score 0 and Public
//     false. The comprehensive caps that lower the grade give its Reasons.
//   - Public (of a dimension, of the comprehensive grade) is the plan's
//     (rulebook.Dimension.Public, rulebook.Comprehensive.Public).
//   - NextChange is the earliest of: the end of any contribution (a rule
//     stops counting, a direct grade ends); the RepairedAt of any record
//     in force in the plan's categories; the next rulebook version
//     for the division; and, for the expressions that read as_of, every
//     threshold of the form t ± d after the time, where t is the
//     organization's established date or a decision or valid_until date
//     of a record in the plan's categories, and d a duration written in
//     such an expression (years(3), duration("72h")), or 0. This may name
//     a time at which nothing changes (a regrade then changes nothing),
//     and misses only thresholds computed from data (years(r.amount)).
//
// Speed: records and the organization are presented to cel-go as maps
// over the Go values, converted field by field when first read; the
// activation and execution frame are reused for all the evaluations of
// one assessment; most expressions run as Go closures (package rulebook);
// and the comprehensive grade, when its expressions read only the
// dimensions' grades (and scores), is remembered for each combination.
package assess
