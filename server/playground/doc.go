// Package playground serves GraphiQL, the in-browser GraphQL IDE, for the
// emigraph GraphQL endpoint, entirely offline.
//
// The GraphiQL 3 browser build and the React 18 UMD files it runs on are
// vendored, pinned, under assets/ and embedded into the binary, so the page
// works on a machine with no internet access and no request ever leaves for a
// CDN: the page loads its scripts and stylesheet from /graphiql/assets/ and
// talks only to the same-origin /graphql endpoint. The stylesheet's fonts are
// inlined as data: URLs. The page is also served with a Content-Security-Policy
// that allows nothing but its own origin (plus data: URLs for fonts and
// images), so a browser refuses any request to another host.
//
// Mount the handler on both the page path and its subtree:
//
//	h := playground.Handler()
//	mux.Handle(playground.Path, h)     // GET /graphiql
//	mux.Handle(playground.Path+"/", h) // GET /graphiql/ and /graphiql/assets/<file>
//
// The versioned asset files are served with a one-year immutable
// Cache-Control; the page itself with no-cache (it is revalidated through its
// ETag). To move to newer GraphiQL or React releases, run refresh.sh; the
// README next to this file lists the pinned versions.
package playground
