// Package server is the HTTP front of emigraph: GraphQL over HTTP at
// /graphql, the GraphiQL playground at /graphiql (served from files embedded
// in the binary, so nothing is fetched from the internet), /healthz,
// /readyz and /metrics.
//
// # GraphQL over HTTP
//
// /graphql follows the GraphQL-over-HTTP specification: POST with
// application/json, GET for queries only (a mutation over GET is 405 and is
// not executed), Accept negotiation between
// application/graphql-response+json (the default) and application/json,
// 400 for malformed requests, 413 for bodies over the limit, 415 for other
// content types, 406 when the client accepts neither media type. A document
// that fails to parse or validate is 400 with the new media type and 200 with
// legacy application/json, as the specification sets. Every response has a
// Content-Type with charset.
//
// # Writes
//
// Mutations need "Authorization: Bearer <token>"; the token is compared in
// constant time and never logged. A server started without a token is
// read-only and says so (403); a missing or wrong token is 401.
//
// # Operations
//
// Every request gets an ID (X-Request-ID, echoed) that is in its log line;
// one log line per request has method, path, status, duration and GraphQL
// operation. A panic becomes a 500 with the request ID and a logged stack
// trace. Serve drains requests in flight on shutdown.
//
// # Limits
//
// Serve caps the connections open at once, in all and per client address
// (conns.go), and the queries executing at once (executions.go); an
// import is cut at MaxImportBytes. README.md in this directory lists
// every limit, its flag and default, and what a client gets past it.
package server
