// Package graph is the domain of emigraph: entities, relations (statements
// with dates, quantities and quoted sources), predicates, reduced-precision
// dates, name normalisation, validation, and the Store interface that the
// storage adapters implement. It imports nothing else of emigraph.
//
// # Writes
//
// A write is a Changeset. PlanChangeset checks every item against the store
// (through View) and against each other, resolves entity names to ids, and
// returns a Plan of old and new states, or a *ValidationError that lists
// every problem as "where: field: message". A relation stated without an id
// gets one derived from subject, predicate, object, dates and quantity, so
// stating the same fact twice changes nothing, and stating it with another
// quote adds a source.
//
// PlanStream plans the same way a changeset too large to hold: predicates
// and entities whole, then relations a piece at a time (stream.go).
//
// # History
//
// A store that keeps history (Historian) records every write it commits as
// a Commit: a number, a time, the files, token name and message the
// write's context carries (WithChangeInfo), and what it did to each item,
// which History, Changes and the reads as of a time (EntityAsOf,
// RelationAsOf, RelationsAsOf) read back (history.go).
//
// # Typed field names
//
// The GraphQL API names a typed field after each end of a predicate
// (Person.fledTo from the id fled-to, Country.receivedEmigrants from its
// inverse label). The rule is here (FieldName, Predicate.TypedFields) and
// the schema names its fields by it, so that planning a write can refuse a
// predicate whose field would take the name of another predicate's field,
// or of a field every entity has (EntityFields): loaded, it would rename a
// field clients use.
//
// # Figures
//
// A relation with a quantity is a Figure. Figures are grouped and ranked,
// never added up: Figure.Larger and Figure.Later are the one order every
// store and query uses for "the largest" and "the latest", and a
// FigureSummary (the figures of one object, predicate and unit) counts them
// and keeps those two. Stores offer them through the Figures interface.
//
// # Dates
//
// Dates are "YYYY", "YYYY-MM" or "YYYY-MM-DD". A range filter keeps facts
// whose period overlaps the range (see Date).
package graph
