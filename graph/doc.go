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
// # Dates
//
// Dates are "YYYY", "YYYY-MM" or "YYYY-MM-DD". A range filter keeps facts
// whose period overlaps the range (see Date).
package graph
