// Package storetest is the conformance suite of graph.Store, in the manner
// of cayley's graphtest: Run runs every behaviour the GraphQL schema relies
// on (reads, writes refused all or nothing, corrections and retractions,
// pagination and filters, counters and figures checked against a count of
// the relations themselves, search ranking, paths and neighbourhoods,
// timelines within and overlapping a range, timings and hedges, and
// snapshots for a store that takes them) against any store a constructor
// makes. A backend's own tests call Run with its constructor and keep only
// what is its own (its files, its keys, its faults).
package storetest
