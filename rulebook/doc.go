// Package rulebook loads rulebooks (docs/RULEBOOKS.md): it parses the YAML
// strictly, compiles every CEL expression once, checks its type and
// estimated cost, and combines rulebook versions and regional overlays into
// a Set, which gives for any time and division the Plan that applies.
// Package assess evaluates a Plan; rulebook does no evaluation of its own
// beyond Expr.
//
// Errors are *Error values (several are joined; see Errors) that name
// file:line:col, the rule id when there is one, and the message, for CEL
// the checker's. A CEL error's position is mapped from the expression to
// the file, through quoted, folded and block scalars.
//
// Where docs/RULEBOOKS.md is silent, this package decides:
//
//   - Periods (counts_for, for, publicity min and max) are a whole number
//     of d, mo or y; as for the CEL functions days, months and years, a
//     month is 30 days and a year 365. counts_for, for and max are longer
//     than 0; min may be 0d.
//   - A file is one YAML document. Unknown and repeated keys are errors, and
//     so are YAML aliases. The YAML library reports syntax errors with a
//     line but no column, so their column is 1; an error the parser (not
//     the scanner) finds is reported at the line where the construct it
//     is in starts.
//   - jurisdiction is "national" (or absent) or a list of division-code
//     prefixes of 1 to 6 digits. A rulebook with prefixes, overlay or not,
//     applies only to organizations whose division starts with one.
//   - Rule ids (of point rules, direct grades, specials, caps, publicity
//     rows and comprehensive caps) are unique within a file, and within
//     every combination of rulebooks a Set makes. Versions of one rulebook
//     naturally reuse ids.
//   - Expressions select only the documented fields of records, org and
//     dims (score, grade): a misspelt field is an error at load. Their
//     type must be bool (when, applies) or a number (points, start,
//     score); a dyn expression (such as `record.amount`) is checked when
//     evaluated. points, start and score may also be YAML numbers.
//   - Besides the standard CEL library and years, months and days, the
//     environment has list.sum() (the sum of a list of numbers, as a
//     double, as in the docs' example), compares numbers across int and
//     double, and works in UTC. `record` exists only for rules and direct
//     grades, `dims` only for the comprehensive section.
//   - Bands are best first with strictly decreasing mins, and only the last
//     band, which takes every lower score, has no min. Grades named by
//     bands, direct grades, specials and caps are among the grades; this
//     is checked again after overlays.
//   - Two versions of one rulebook may not take effect at the same time,
//     nor may (id, version) be given twice.
//   - An overlay applies where its jurisdiction covers the division and
//     what it extends applies; overlays apply after what they extend
//     (siblings by id). In its dimension, an overlay first replaces the
//     lists it gives (grades, bands, direct, caps, special; an empty list
//     empties), then replaces point rules, adds point rules, and disables
//     ids of any kind (point rule, direct grade, special or cap). An
//     overlay may also add dimensions, publicity rows and the comprehensive
//     section (at most one rulebook of a combination defines it).
//   - `public` (top level, dimension, comprehensive, overlay entry) is
//     false unless given. A dimension or comprehensive section without it
//     takes its rulebook's. An overlaid dimension keeps the public of the
//     rulebook that defines it unless an overlay sets it: the overlay
//     entry's `public`, else the overlay rulebook's top-level `public`
//     when given there; later (deeper) overlays win.
//   - Publicity rows are searched overlays first (the most specific
//     first), then the other rulebooks by id, each in file order. A
//     record restricted for longer than its row's max (valid_until later)
//     is shown until valid_until (DOMAIN section 4). Without min, repair
//     ends nothing early (RepairFrom is Until); a record no row matches is
//     shown with no end and RepairFrom zero.
//
// Cost. Each expression's worst case is estimated by the checker for up to
// MaxRecords records a dimension and fields as credo validates them (a
// kind up to 40 characters, a description up to 4000, up to 10 penalty
// types); over EstimatedCostLimit it is refused at load ("would run too
// long"). Since records are validated to those bounds, an evaluation
// over at most MaxRecords records is within the estimate, and only one
// over more records runs with cel-go's runtime limit (RuntimeCostLimit).
//
// Speed. An expression is compiled for cel-go, and also, when it lies in a
// subset that covers the usual predicates, to typed Go closures (see
// native.go) that read the records directly; cel-go re-evaluates whenever
// the closures meet anything but a plain value, so results and errors are
// cel-go's.
//
// Tests files (tests.yaml) follow the docs, and also accept: `versions`,
// a list of registration versions with recorded_at, instead of org;
// `registered: false` in org for an organization known only by its code;
// a dimension expected `null` (or `graded: false`) for not graded; start
// and next_change; repaired_at on a record; record ids default to the
// position in the list.
package rulebook
