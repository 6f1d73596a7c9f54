// Package schema is the GraphQL schema of emigraph: graphql-go types and
// resolvers built at run time over a graph.Store.
//
// The schema is made from the predicate registry, so a predicate loaded as
// data shows up as typed fields (Person.fledTo, Country.receivedEmigrants)
// with no code change; API.Rebuild swaps the schema in after a write adds
// predicates.
//
// # Resolvers
//
// Nested entities (a relation's subject and object) resolve through a
// per-request loader: resolvers return thunks, graphql-go runs them
// breadth-first, and the first thunk of a level fetches every pending entity
// in one store read. Parsed and validated documents are cached by query text,
// so a repeated query skips parsing and validation.
//
// # Limits
//
// Limits (depth with fragments followed, aliases, root fields, and a cost
// that multiplies `first` through nesting) are checked before execution.
//
// # Writes
//
// Mutations (importFacts, upsertEntity, addRelation, retractRelation) run
// only in a context marked by WithWriteAccess; the HTTP server decides who
// that is. Each write is all or nothing and returns counts and per-item
// errors.
package schema
