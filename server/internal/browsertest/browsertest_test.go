package browsertest_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/emigraph/emigraph/server/internal/browsertest"
)

func TestForeignURLs(t *testing.T) {
	const base = "http://127.0.0.1:4242"
	urls := []string{
		base + "/graphiql",
		base + "/graphiql/assets/x.js?v=1",
		"data:font/woff2;base64,AAAA",
		"blob:http://127.0.0.1:4242/0b5e",
		"ws://127.0.0.1:4242/graphql",
		"https://127.0.0.1:4242/x",
		"http://127.0.0.1:4243/graphql", // other port: another server
		"http://localhost:4242/graphql", // same server, other host name
		"https://fonts.example/x.woff2",
		"about:blank",
		"file:///etc/passwd",
		"%zz",
	}
	got := browsertest.ForeignURLs(urls, base)
	want := urls[6:]
	if !slices.Equal(got, want) {
		t.Errorf("ForeignURLs:\n got %q\nwant %q", got, want)
	}
}

func TestChromiumFromEnv(t *testing.T) {
	t.Setenv(browsertest.EnvChromium, "/nonexistent/chromium")
	if p, ok := browsertest.Chromium(); ok || p != "/nonexistent/chromium" {
		t.Errorf("Chromium() = %q, %v; want the bad path and false", p, ok)
	}
	t.Setenv(browsertest.EnvChromium, "/bin/sh") // any executable will do here
	if p, ok := browsertest.Chromium(); !ok || p != "/bin/sh" {
		t.Errorf("Chromium() = %q, %v; want /bin/sh, true", p, ok)
	}
}

// TestOfflineGuard checks the two promises of the package on a page that
// does reach for another host: the request is recorded, and it fails inside
// the machine (at the dead loopback proxy) instead of going out. The host
// is under the reserved .invalid domain, so it could not resolve anyway.
func TestOfflineGuard(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	const foreign = "http://offline-check.invalid/pixel.png"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><title>t</title><link rel="icon" href="data:,"><img src=%q alt="">`, foreign)
	}))
	t.Cleanup(srv.Close)

	b := browsertest.Start(t)
	ctx, cancel := context.WithTimeout(b.Context(), 15*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL)); err != nil {
		t.Fatal(err)
	}

	var failed string
	for failed == "" && ctx.Err() == nil {
		for _, r := range b.Requests() {
			if r.URL == foreign {
				failed = r.Failed
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	if failed == "" {
		t.Fatalf("no failed request for %s; requests: %v", foreign, b.Requests())
	}
	if !strings.Contains(failed, "PROXY") {
		t.Errorf("request for %s failed with %q, want a proxy error (the dead loopback proxy)", foreign, failed)
	}
	if got := browsertest.ForeignURLs(b.URLs(), srv.URL); !slices.Equal(got, []string{foreign}) {
		t.Errorf("ForeignURLs = %q, want [%s]", got, foreign)
	}
	t.Logf("foreign request stopped: %s", failed)
}

// Axe finds what axe-core finds: an image without a text alternative and a
// button without a name are critical; the same page with them named is clean.
func TestAxe(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	page := `<!doctype html><html lang="en"><head><title>t</title></head><body><main><h1>t</h1>
<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" %s><button %s></button></main></body></html>`
	var body string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, body)
	}))
	t.Cleanup(srv.Close)
	b := browsertest.Start(t)
	for _, tc := range []struct {
		attrs [2]string
		want  []string
	}{
		{[2]string{"", ""}, []string{"button-name", "image-alt"}},
		{[2]string{`alt="a dot"`, `aria-label="Go"`}, nil},
	} {
		body = fmt.Sprintf(page, tc.attrs[0], tc.attrs[1])
		if err := chromedp.Do(b.Context(), chromedp.Navigate(srv.URL)); err != nil {
			t.Fatal(err)
		}
		vs, err := b.Axe("serious", "critical")
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, v := range vs {
			ids = append(ids, v.ID)
		}
		slices.Sort(ids)
		if !slices.Equal(ids, tc.want) {
			t.Errorf("%s: axe found %q, want %q", body, ids, tc.want)
		}
	}
}
