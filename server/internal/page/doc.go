// Package page serves a single-page application embedded in the binary:
// its index.html and the files beside it, each prepared once, with a
// Content-Security-Policy that allows only the server itself, ETags, and
// long caching for versioned files. GraphiQL (server/playground) and the
// explorer (server/explorer) are both served by it.
package page
