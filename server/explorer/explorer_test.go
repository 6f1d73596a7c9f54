package explorer_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/emigraph/emigraph/server/explorer"
)

func newServer(t *testing.T) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	h := explorer.Handler()
	mux.Handle(explorer.Path, h)
	mux.Handle(explorer.Path+"/", h)
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
var assetRef = regexp.MustCompile(`(?:src|href)="(/explore/assets/[^"]+)"`)

// versioned matches a file name that carries a version.
var versioned = regexp.MustCompile(`-\d+\.\d+\.\d+[.-]`)

func TestHandler(t *testing.T) {
	srv := newServer(t)
	_, page := do(t, http.MethodGet, srv.URL+"/explore", nil)
	var refs []string
	for _, m := range assetRef.FindAllStringSubmatch(page, -1) {
		refs = append(refs, m[1])
	}
	if len(refs) != 7 {
		t.Fatalf("page references %d local assets %q, want 7 (cytoscape, layout-base, cose-base, fcose, chart.js, explorer js+css)", len(refs), refs)
	}
	const (
		html = "text/html; charset=utf-8"
		js   = "text/javascript; charset=utf-8"
		css  = "text/css; charset=utf-8"
		year = "public, max-age=31536000, immutable"
	)
	type row struct {
		method, path       string
		status             int
		contentType, cache string
	}
	rows := []row{
		{"GET", "/explore", 200, html, "no-cache"},
		{"GET", "/explore/", 200, html, "no-cache"},
		{"HEAD", "/explore", 200, html, "no-cache"},
		// deep links are the page: it reads its view from the URL
		{"GET", "/explore/entity/country/georgia", 200, html, "no-cache"},
		{"GET", "/explore/path?from=person/maxim-galkin&to=person/alla-pugacheva", 200, html, "no-cache"},
		{"GET", "/explore/timeline", 200, html, "no-cache"},
		{"POST", "/explore", 405, "", ""},
		{"PUT", "/explore/entity/x", 405, "", ""},
		{"GET", "/explore/assets/nope.js", 404, "", ""},
		{"GET", "/explore/assets/", 404, "", ""},
		{"GET", "/explore/assets/index.html", 404, "", ""},
		{"GET", "/explore/assets/sub/explorer.js", 404, "", ""},
		{"GET", "/explorer", 404, "", ""},
	}
	for _, ref := range refs {
		ct, cache := js, "no-cache"
		if strings.HasSuffix(ref, ".css") {
			ct = css
		}
		if versioned.MatchString(ref) {
			cache = year
		} else if !strings.Contains(ref, "/explorer.") {
			t.Errorf("vendored asset %s has no version in its name", ref)
		}
		rows = append(rows, row{"GET", ref, 200, ct, cache}, row{"HEAD", ref, 200, ct, cache}, row{"DELETE", ref, 405, "", ""})
	}
	for _, r := range rows {
		t.Run(r.method+" "+r.path, func(t *testing.T) {
			resp, body := do(t, r.method, srv.URL+r.path, nil)
			if resp.StatusCode != r.status {
				t.Fatalf("status %d, want %d", resp.StatusCode, r.status)
			}
			if r.contentType != "" && resp.Header.Get("Content-Type") != r.contentType {
				t.Errorf("Content-Type %q, want %q", resp.Header.Get("Content-Type"), r.contentType)
			}
			if r.cache != "" && resp.Header.Get("Cache-Control") != r.cache {
				t.Errorf("Cache-Control %q, want %q", resp.Header.Get("Cache-Control"), r.cache)
			}
			switch {
			case r.status == 405 && resp.Header.Get("Allow") != "GET, HEAD":
				t.Errorf("Allow %q", resp.Header.Get("Allow"))
			case r.status == 200 && r.method == "HEAD" && body != "":
				t.Errorf("HEAD returned a %d-byte body", len(body))
			case r.status == 200 && r.method == "GET" && body == "":
				t.Error("empty body")
			}
		})
	}
}

func TestPage(t *testing.T) {
	srv := newServer(t)
	resp, page := do(t, http.MethodGet, srv.URL+"/explore/entity/country/georgia", nil)
	if !strings.Contains(page, "<title>emigraph explorer</title>") {
		t.Error("page lacks its title")
	}
	if m := regexp.MustCompile(`(?:src|href)="(?:https?:)?//[^"]*"`).FindAllString(page, -1); m != nil {
		t.Errorf("page loads from other hosts: %q", m)
	}
	policy := resp.Header.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'none'", "connect-src 'self'", "script-src 'self'"} {
		if !strings.Contains(policy, want) {
			t.Errorf("Content-Security-Policy %q lacks %q", policy, want)
		}
	}
	if strings.Contains(policy, "unsafe-eval") {
		t.Errorf("Content-Security-Policy %q allows eval", policy)
	}
	etag := resp.Header.Get("ETag")
	if etag == "" {
		t.Fatal("no ETag")
	}
	resp, _ = do(t, http.MethodGet, srv.URL+"/explore", http.Header{"If-None-Match": {etag}})
	if resp.StatusCode != http.StatusNotModified {
		t.Errorf("conditional GET: status %d, want 304", resp.StatusCode)
	}
}

// The embedded files add at most 2 MB to the binary (issue 14).
func TestAssetsSize(t *testing.T) {
	const limit = 2_000_000
	n := explorer.Size()
	t.Logf("embedded assets: %d bytes", n)
	if n > limit {
		t.Errorf("the explorer embeds %d bytes, more than %d", n, limit)
	}
	// The licences of the vendored libraries travel with them.
	for _, name := range []string{"cytoscape", "cytoscape-fcose", "cose-base", "layout-base", "chart.js"} {
		if _, err := os.Stat("licenses/" + name + ".LICENSE"); err != nil {
			t.Errorf("licence of %s: %v", name, err)
		}
	}
}
