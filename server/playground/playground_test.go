package playground_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/emigraph/emigraph/server/playground"
)

func newServer(t *testing.T) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	h := playground.Handler()
	mux.Handle(playground.Path, h)
	mux.Handle(playground.Path+"/", h)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func do(t *testing.T, method, url string, hdr http.Header) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(body)
}

// assetRef matches the local files the page loads.
var assetRef = regexp.MustCompile(`(?:src|href)="(/graphiql/assets/[^"]+)"`)

// versioned matches a file name that carries a version, such as
// react-18.3.1.production.min.js: only such names may be cached for a year.
var versioned = regexp.MustCompile(`-\d+\.\d+\.\d+[.-]`)

func TestHandler(t *testing.T) {
	srv := newServer(t)

	_, page := do(t, http.MethodGet, srv.URL+"/graphiql", nil)
	var refs []string
	for _, m := range assetRef.FindAllStringSubmatch(page, -1) {
		refs = append(refs, m[1])
	}
	if len(refs) != 4 {
		t.Fatalf("page references %d local assets %q, want 4 (graphiql js+css, react, react-dom)", len(refs), refs)
	}

	type row struct {
		method, path string
		status       int
		contentType  string // "" when not checked
		cache        string // "" when not checked
	}
	const (
		html = "text/html; charset=utf-8"
		js   = "text/javascript; charset=utf-8"
		css  = "text/css; charset=utf-8"
		year = "public, max-age=31536000, immutable"
	)
	rows := []row{
		{"GET", "/graphiql", 200, html, "no-cache"},
		{"GET", "/graphiql/", 200, html, "no-cache"},
		{"HEAD", "/graphiql", 200, html, "no-cache"},
		{"POST", "/graphiql", 405, "", ""},
		{"PUT", "/graphiql/", 405, "", ""},
		{"GET", "/graphiql/assets/nope.js", 404, "", ""},
		{"GET", "/graphiql/assets/", 404, "", ""},
		{"GET", "/graphiql/assets/index.html", 404, "", ""},
		{"GET", "/graphiql/assets/sub/graphiql.min.js", 404, "", ""},
		{"GET", "/graphiql/other", 404, "", ""},
		{"POST", "/graphiql/assets/nope.js", 404, "", ""},
	}
	for _, ref := range refs {
		ct := js
		if strings.HasSuffix(ref, ".css") {
			ct = css
		}
		rows = append(rows,
			row{"GET", ref, 200, ct, year},
			row{"HEAD", ref, 200, ct, year},
			row{"DELETE", ref, 405, "", ""},
		)
		if !versioned.MatchString(ref) {
			t.Errorf("asset %s has no version in its name but is cached for a year", ref)
		}
	}

	for _, r := range rows {
		t.Run(r.method+" "+r.path, func(t *testing.T) {
			resp, body := do(t, r.method, srv.URL+r.path, nil)
			if resp.StatusCode != r.status {
				t.Fatalf("status %d, want %d", resp.StatusCode, r.status)
			}
			if r.contentType != "" {
				if got := resp.Header.Get("Content-Type"); got != r.contentType {
					t.Errorf("Content-Type %q, want %q", got, r.contentType)
				}
			}
			if r.cache != "" {
				if got := resp.Header.Get("Cache-Control"); got != r.cache {
					t.Errorf("Cache-Control %q, want %q", got, r.cache)
				}
			}
			switch {
			case r.status == 405:
				if got := resp.Header.Get("Allow"); got != "GET, HEAD" {
					t.Errorf("Allow %q, want %q", got, "GET, HEAD")
				}
			case r.status == 200 && r.method == "HEAD":
				if body != "" {
					t.Errorf("HEAD returned a %d-byte body", len(body))
				}
				if resp.ContentLength <= 0 {
					t.Errorf("HEAD Content-Length %d, want the file's size", resp.ContentLength)
				}
			case r.status == 200:
				if body == "" {
					t.Error("empty body")
				}
			}
		})
	}
}

func TestPage(t *testing.T) {
	srv := newServer(t)
	resp, page := do(t, http.MethodGet, srv.URL+"/graphiql", nil)

	for _, want := range []string{
		"<title>emigraph — GraphiQL</title>",
		"GraphiQL.createFetcher({ url: '/graphql' })",
		`entity(name: "Chulpan Khamatova")`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	// Nothing from another host: every URL the markup names is a path.
	if m := regexp.MustCompile(`(?:src|href)="(?:https?:)?//[^"]*"`).FindAllString(page, -1); m != nil {
		t.Errorf("page loads from other hosts: %q", m)
	}

	policy := resp.Header.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'none'", "connect-src 'self'", "script-src 'self' 'sha256-"} {
		if !strings.Contains(policy, want) {
			t.Errorf("Content-Security-Policy %q lacks %q", policy, want)
		}
	}

	// The ETag revalidates the no-cache page.
	etag := resp.Header.Get("ETag")
	if etag == "" {
		t.Fatal("no ETag")
	}
	resp, _ = do(t, http.MethodGet, srv.URL+"/graphiql", http.Header{"If-None-Match": {etag}})
	if resp.StatusCode != http.StatusNotModified {
		t.Errorf("conditional GET: status %d, want 304", resp.StatusCode)
	}
}
