package browsertest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// EnvChromium names the environment variable that, when set, gives the path of
// the Chromium (or Chrome) binary to use.
const EnvChromium = "EMIGRAPH_CHROMIUM"

// candidates are tried in order by Chromium after $EMIGRAPH_CHROMIUM.
var candidates = []string{
	"/usr/lib/chromium/chromium", // Debian's real binary, behind the /usr/bin/chromium wrapper script
	"chromium",
	"chromium-browser",
	"google-chrome-stable",
	"google-chrome",
	"headless-shell",
	"headless_shell",
	"chrome",
}

// Chromium returns the path of a Chromium or Chrome binary and whether one was
// found. $EMIGRAPH_CHROMIUM wins when set (it is then the only candidate).
func Chromium() (path string, ok bool) {
	if p := os.Getenv(EnvChromium); p != "" {
		if full, err := exec.LookPath(p); err == nil {
			return full, true
		}
		return p, false
	}
	for _, c := range candidates {
		if full, err := exec.LookPath(c); err == nil {
			return full, true
		}
	}
	return "", false
}

// Require returns the path of Chromium. When there is none, it skips the test
// with a message saying how to install it, or fails the test when the
// environment variable CI is set.
func Require(t testing.TB) string {
	t.Helper()
	path, ok := Chromium()
	if ok {
		return path
	}
	msg := "no Chromium found (install it with `apt-get install -y chromium`, or point $" + EnvChromium + " at a Chrome/Chromium binary)"
	if path != "" {
		msg = fmt.Sprintf("$%s=%q is not an executable; %s", EnvChromium, path, msg)
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("browser test: %s; CI must provide it", msg)
	}
	t.Skipf("browser test skipped: %s", msg)
	return ""
}

// Request is one request that the page made.
type Request struct {
	URL    string
	Method string
	Type   string // resource type: Document, Script, Stylesheet, Fetch, Font, ...
	Status int    // HTTP status; 0 when no response arrived
	Failed string // the network error, e.g. net::ERR_PROXY_CONNECTION_FAILED, or the blocked reason
}

// String gives the request on one line, with a data: URL cut short.
func (r Request) String() string {
	u := r.URL
	if strings.HasPrefix(u, "data:") && len(u) > 48 {
		u = u[:48] + fmt.Sprintf("…(%d bytes)", len(r.URL))
	}
	s := fmt.Sprintf("%s %s [%s] %d", r.Method, u, r.Type, r.Status)
	if r.Failed != "" {
		s += " failed: " + r.Failed
	}
	return s
}

// Browser is one headless Chromium with one tab. It records every request
// the tab makes, and the console errors and uncaught exceptions of its pages.
// Start closes it at the end of the test.
type Browser struct {
	ctx context.Context // the tab; the browser lives as long as it

	// Timeout bounds each call of RunGraphiQL and Screenshot; Start sets it
	// to 20 s.
	Timeout time.Duration

	mu       sync.Mutex
	requests []Request
	byID     map[network.RequestID]int // index into requests
	errs     []string
}

// proxyNowhere is a proxy on a loopback port where nothing listens. Chromium
// sends every request for a non-loopback host through it, so such a request
// fails at once instead of leaving the machine; loopback hosts bypass it.
const proxyNowhere = "http://127.0.0.1:9"

// The page's viewport, in CSS pixels.
const viewportWidth, viewportHeight = 1280, 800

// Start starts headless Chromium with a fresh profile, or skips or fails the
// test as Require does when there is none. The browser is closed when the test
// ends.
func Start(t testing.TB) *Browser {
	t.Helper()
	path := Require(t)

	opts := append(slices.Clone(chromedp.DefaultExecAllocatorOptions[:]),
		chromedp.ExecPath(path),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Headless,
		chromedp.NoSandbox, // tests run as root, where the sandbox cannot start
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.WindowSize(viewportWidth, viewportHeight),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-domain-reliability", true),
		chromedp.Flag("disable-client-side-phishing-detection", true),
		chromedp.Flag("no-pings", true),
		chromedp.Flag("disable-features", "Translate,OptimizationHints,MediaRouter,DialMediaRouteProvider,AutofillServerCommunication,CertificateTransparencyComponentUpdater"),
		chromedp.Flag("proxy-server", proxyNowhere),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	var closing atomic.Bool

	b := &Browser{Timeout: 20 * time.Second, byID: map[network.RequestID]int{}}
	ctx, cancelTab := chromedp.NewContext(allocCtx,
		chromedp.WithListener(b.record),
		chromedp.WithErrorf(func(format string, args ...any) {
			if !closing.Load() { // t.Logf panics once the test is over
				t.Logf("chromedp: "+format, args...)
			}
		}),
	)
	b.ctx = ctx
	t.Cleanup(func() {
		closing.Store(true)
		cancelTab()
		cancelAlloc() // waits for the browser process to exit
	})

	// The first action starts the browser. It must not run under a timeout
	// (that would stop the browser when it fires), so guard it with a timer.
	watchdog := time.AfterFunc(30*time.Second, cancelTab)
	// The viewport is fixed so that screenshots are comparable.
	err := chromedp.Do(ctx, chromedp.EmulateViewport(viewportWidth, viewportHeight))
	if !watchdog.Stop() {
		err = fmt.Errorf("Chromium did not start within 30 s: %w", err)
	}
	if err != nil {
		t.Fatalf("browsertest: start %s: %v", path, err)
	}
	return b
}

// record runs in chromedp's read loop for every event of the tab: it must be
// fast and must not call back into the browser.
func (b *Browser) record(ev any) {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch ev := ev.(type) {
	case *network.EventRequestWillBeSent:
		if ev.Request == nil {
			return
		}
		r := Request{URL: ev.Request.URL, Method: ev.Request.Method, Type: string(ev.Type)}
		if ev.Request.URLFragment != "" {
			r.URL += ev.Request.URLFragment
		}
		// A redirect reuses the request id: keep both hops.
		b.byID[ev.RequestID] = len(b.requests)
		b.requests = append(b.requests, r)
	case *network.EventResponseReceived:
		if i, ok := b.byID[ev.RequestID]; ok && ev.Response != nil {
			b.requests[i].Status = int(ev.Response.Status)
		}
	case *network.EventLoadingFailed:
		if i, ok := b.byID[ev.RequestID]; ok {
			b.requests[i].Failed = ev.ErrorText
			if ev.BlockedReason != "" {
				b.requests[i].Failed += " (blocked: " + string(ev.BlockedReason) + ")"
			}
		}
	case *runtime.EventExceptionThrown:
		if d := ev.ExceptionDetails; d != nil {
			msg := d.Text
			if d.Exception != nil && d.Exception.Description != "" {
				msg += " " + d.Exception.Description
			}
			b.errs = append(b.errs, fmt.Sprintf("exception at %s:%d: %s", d.URL, d.LineNumber+1, msg))
		}
	case *runtime.EventConsoleAPICalled:
		if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeAssert {
			var parts []string
			for _, a := range ev.Args {
				switch {
				case a.Description != "":
					parts = append(parts, a.Description)
				case len(a.Value) > 0:
					parts = append(parts, string(a.Value))
				}
			}
			b.errs = append(b.errs, "console."+string(ev.Type)+": "+strings.Join(parts, " "))
		}
	case *log.EventEntryAdded:
		// Content-Security-Policy violations, failed loads and the like.
		if e := ev.Entry; e != nil && e.Level == log.EntryLevelError {
			b.errs = append(b.errs, fmt.Sprintf("%s: %s %s", e.Source, e.Text, e.URL))
		}
	}
}

// Context returns the chromedp context of the tab, for actions of one's own.
func (b *Browser) Context() context.Context { return b.ctx }

// Requests returns every request the tab made so far, in order.
func (b *Browser) Requests() []Request {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.requests)
}

// URLs returns the URL of every request the tab made so far, in order.
func (b *Browser) URLs() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	urls := make([]string, len(b.requests))
	for i, r := range b.requests {
		urls[i] = r.URL
	}
	return urls
}

// Errors returns the console errors, uncaught exceptions and error log
// entries (such as Content-Security-Policy violations) of the tab so far.
func (b *Browser) Errors() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.errs)
}

// Result is what RunGraphiQL saw.
type Result struct {
	// Text is the full text of GraphiQL's result pane: the JSON response.
	Text string
	// URLs lists every URL the page requested, in order, including the
	// page itself; Requests has the details.
	URLs     []string
	Requests []Request
	// Errors lists console errors, uncaught exceptions and error log
	// entries, such as Content-Security-Policy violations.
	Errors []string
	// Elapsed is the time from the navigation to the response in the pane.
	Elapsed time.Duration
}

// Decode unmarshals the result pane's JSON into v.
func (r Result) Decode(v any) error { return json.Unmarshal([]byte(r.Text), v) }

// Selectors of GraphiQL 3's page. The editors are CodeMirror 5 instances,
// whose wrapper element carries the editor object as .CodeMirror.
const (
	selQueryEditor = ".graphiql-query-editor .CodeMirror"
	selRunButton   = "button.graphiql-execute-button"
	selResultPane  = ".graphiql-response .CodeMirror"
)

// RunQuery starts Chromium (skipping or failing the test as Require does when
// there is none), opens baseURL+"/graphiql", runs the page's default query and
// returns the result pane and every request the page made.
func RunQuery(t testing.TB, baseURL string) (Result, error) {
	t.Helper()
	return Start(t).RunGraphiQL(baseURL, "")
}

// RunGraphiQL opens baseURL+"/graphiql", waits for the query editor, replaces
// its text with query unless query is empty, clicks the run button and waits
// until the result pane holds a JSON response (one with "data" or "errors").
// It returns the pane's text and the requests the page made. On a timeout
// the error says what was awaited; the Result still lists the requests.
func (b *Browser) RunGraphiQL(baseURL, query string) (Result, error) {
	ctx, cancel := context.WithTimeout(b.ctx, b.Timeout)
	defer cancel()

	start := time.Now()
	res := Result{}
	err := func() error {
		if err := chromedp.Do(ctx, chromedp.Navigate(strings.TrimSuffix(baseURL, "/")+"/graphiql")); err != nil {
			return fmt.Errorf("open GraphiQL: %w", err)
		}
		if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(selQueryEditor))); err != nil {
			return fmt.Errorf("wait for the query editor (%s): %w", selQueryEditor, err)
		}
		if query != "" {
			q, _ := json.Marshal(query)
			js := fmt.Sprintf(`(document.querySelector(%q).CodeMirror.setValue(%s), true)`, selQueryEditor, q)
			if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](js)); err != nil {
				return fmt.Errorf("set the query: %w", err)
			}
		}
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(selRunButton))); err != nil {
			return fmt.Errorf("click the run button (%s): %w", selRunButton, err)
		}
		text, err := b.waitResponse(ctx)
		if err != nil {
			return err
		}
		res.Text = text
		return nil
	}()
	res.Elapsed = time.Since(start)
	res.Requests = b.Requests()
	res.URLs = b.URLs()
	res.Errors = b.Errors()
	return res, err
}

// waitResponse polls the result pane until it holds a GraphQL response. It
// polls from Go (Runtime.evaluate) and not with chromedp.Poll, which compiles
// its predicate with new Function and so is refused by the page's
// Content-Security-Policy.
func (b *Browser) waitResponse(ctx context.Context) (string, error) {
	js := fmt.Sprintf(`(() => {
		const el = document.querySelector(%q);
		if (!el) return "";
		return el.CodeMirror ? el.CodeMirror.getValue() : el.innerText;
	})()`, selResultPane)
	var last string
	for {
		text, err := chromedp.Run(ctx, chromedp.Evaluate[string](js))
		if err == nil {
			last = text
			if strings.Contains(text, `"data"`) || strings.Contains(text, `"errors"`) {
				return text, nil
			}
		}
		select {
		case <-ctx.Done():
			return last, fmt.Errorf("wait for a response in the result pane (%s), last text %q: %w", selResultPane, last, context.Cause(ctx))
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// Screenshot saves a PNG of the tab's viewport (1280×800 CSS pixels) to path.
func (b *Browser) Screenshot(path string) error {
	ctx, cancel := context.WithTimeout(b.ctx, b.Timeout)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		return fmt.Errorf("screenshot: %w", err)
	}
	return os.WriteFile(path, png, 0o644)
}

// ForeignURLs returns the URLs that do not go to baseURL's host (host:port),
// and those that fail to parse. data: and blob: URLs are made inside the page
// and never reach a network, so they are not foreign; http, https, ws and wss
// URLs are foreign unless their host is baseURL's; any other scheme, such as
// about: or file:, is foreign.
func ForeignURLs(urls []string, baseURL string) []string {
	base, err := url.Parse(baseURL)
	if err != nil {
		return slices.Clone(urls)
	}
	var foreign []string
	for _, s := range urls {
		u, err := url.Parse(s)
		if err != nil {
			foreign = append(foreign, s)
			continue
		}
		switch u.Scheme {
		case "data", "blob":
		case "http", "https", "ws", "wss":
			if u.Host != base.Host {
				foreign = append(foreign, s)
			}
		default:
			foreign = append(foreign, s)
		}
	}
	return foreign
}
