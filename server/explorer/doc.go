// Package explorer serves the emigraph explorer at /explore: a page for
// people, not programs, that searches the graph, shows an entity's facts with
// their quotes, draws its neighbourhood, lists dated facts in order, finds the
// shortest connection between two entities and charts the figures the graph
// holds. It lists entities by kind (laws with who enacted them and whom they
// target, people who left and where they went, countries with their latest
// figure), compares the figures of several destinations on one chart, and
// draws a hub grouped by predicate and type.
//
// The page is a worked example of the public API: its script talks to the
// server only through POST /graphql, with the queries anyone can send. The
// graph is drawn by Cytoscape.js with the fcose layout, the figures by
// Chart.js; both are vendored, pinned, under assets/ and embedded into the
// binary, so the page works with no internet and asks nothing of any other
// host (its Content-Security-Policy allows only its own origin). The page's
// own code is assets/explorer.js and assets/explorer.css, with no build step.
//
// Mount the handler on both the page path and its subtree; every path under
// /explore except /explore/assets/ serves the page, which reads its view from
// the URL (deep links):
//
//	h := explorer.Handler()
//	mux.Handle(explorer.Path, h)     // GET /explore
//	mux.Handle(explorer.Path+"/", h) // GET /explore/entity/<id>, /explore/assets/<file>, ...
//
// To move to newer library releases, run refresh.sh; the README next to this
// file lists the pinned versions.
package explorer
