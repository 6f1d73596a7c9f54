// Package schema is the GraphQL schema of emigraph: graphql-go types and
// resolvers built at run time over a graph.Store.
//
// The schema is made from the predicate registry, so a predicate loaded as
// data shows up as typed fields (Person.fledTo, Country.receivedEmigrants)
// with no code change; API.Rebuild swaps the schema in after a write adds
// predicates. The fields of Query are described once, in rootFields
// (rootfields.go): each field's builder, the default and the cap of its
// `first`, and how the cost limit counts it.
//
// # Resolvers
//
// Nested entities (a relation's subject and object) resolve through a
// per-request loader: resolvers return thunks, graphql-go runs them
// breadth-first, and the first thunk of a level fetches every pending entity
// in one store read. Parsed and validated documents are cached by the
// SHA-256 of the query text, in a bounded number of bytes, so a repeated
// query skips parsing and validation.
//
// # Limits
//
// A document passes a gate before graphql-go sees it (gate.go): a token scan
// without recursion (tokens, nesting, fragments, selections per set,
// directives per place), then, on the parsed document, fragment cycles,
// fragment expansion and fields repeated under one response name. graphql-go
// parses and validates by recursion and cannot be interrupted, so what it
// gets must be small. Variables are then coerced strictly (variables.go),
// and the other limits (depth with fragments followed, aliases, root fields,
// list arguments, and a cost that multiplies `first` through nesting and
// counts introspection) are checked before execution. Documents are
// prepared within the request's deadline, a bounded number at once.
//
// The cost limit bounds what a request returns; the work limit
// (Limits.MaxWork) bounds what it reads to find it. Execution carries a
// graph.Budget in its context, which the store charges with every record
// and index entry it reads and asks before a count whose size its counters
// know: a request that would read a hub's every relation to count a few of
// them is refused with what would narrow it, before it reads.
//
// # History
//
// history(id:) lists an item's changes, changes(since:) the writes, and
// entity, relation and Entity.relations take asOf to read the graph as it
// was (history.go); every mutation takes a message, which the change it
// makes records with the token's name the server gives (WithTokenName).
//
// # Writes
//
// Mutations (importFacts, upsertEntity, addRelation, retractRelation) run
// only in a context marked by WithWriteAccess; the HTTP server decides who
// that is. Each write is all or nothing and returns counts and per-item
// errors.
package schema
