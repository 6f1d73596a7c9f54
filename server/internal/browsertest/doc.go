// Package browsertest drives a real headless Chromium from Go tests, through
// the DevTools protocol (github.com/chromedp/chromedp).
//
// It is made for end-to-end tests of the GraphiQL playground: [RunQuery] opens
// baseURL+"/graphiql", waits for the editor, clicks the run button, waits until
// the result pane holds a response and returns that text together with every
// request the page made. [Start] gives a [Browser] for finer control, and
// [Browser.Screenshot] saves what the page shows as a PNG.
//
// # Finding Chromium
//
// [Chromium] looks at $EMIGRAPH_CHROMIUM first, then at the usual install
// locations (Debian's apt-get install chromium gives /usr/lib/chromium/chromium
// behind the /usr/bin/chromium wrapper; the real binary is preferred, because
// the wrapper adds flags of its own). When none is found, [Require] and
// everything built on it skip the test with a message, unless the environment
// variable CI is set: CI installs Chromium, so there a missing browser fails
// the test.
//
// # Offline by construction
//
// The browser runs with a fresh profile in t.TempDir(), with background
// networking, component updates, sync, QUIC and similar services off, and with
// a proxy that points at a closed loopback port (loopback addresses bypass
// it), so a request for any other host fails inside the machine instead of
// leaving it. Such a request is still recorded (the record comes from
// Network.requestWillBeSent, before any connection), so a test can assert
// that the page asked for nothing but its own origin: see [ForeignURLs].
package browsertest
