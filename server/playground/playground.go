package playground

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"regexp"
	"strings"
	"time"
)

// Path is the URL path of the GraphiQL page. The vendored files are served
// under AssetsPath.
const (
	Path       = "/graphiql"
	AssetsPath = Path + "/assets/"
)

// Cache policies: the vendored files carry their version in their name, so a
// browser may keep them for a year; the page names those files, so it must be
// revalidated on every load.
const (
	cacheAssets = "public, max-age=31536000, immutable"
	cacheIndex  = "no-cache"
)

//go:embed assets
var assetsFS embed.FS

// file is one response, prepared once at start-up.
type file struct {
	data         []byte
	contentType  string
	cacheControl string
	etag         string
}

var (
	index  *file
	assets map[string]*file // by file name under assets/, index.html excluded
	// csp is the Content-Security-Policy of the page: only its own origin,
	// data: URLs for the inlined fonts and icons, and the page's own inline
	// script by hash.
	csp string
)

func init() {
	assets = make(map[string]*file)
	entries, err := fs.ReadDir(assetsFS, "assets")
	if err != nil {
		panic("playground: " + err.Error())
	}
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		data, err := assetsFS.ReadFile("assets/" + e.Name())
		if err != nil {
			panic("playground: " + err.Error())
		}
		f := &file{data: data, contentType: contentType(e.Name()), etag: etag(data)}
		if e.Name() == "index.html" {
			f.cacheControl = cacheIndex
			index = f
			continue
		}
		f.cacheControl = cacheAssets
		assets[e.Name()] = f
	}
	if index == nil {
		panic("playground: assets/index.html is not embedded")
	}
	csp = contentSecurityPolicy(index.data)
}

// Handler returns the handler of the GraphiQL page and its assets. It answers
// GET and HEAD on Path, Path+"/" and AssetsPath+"<file>", 404 on any other
// path and 405 on any other method. Mount it on Path and Path+"/".
func Handler() http.Handler { return handler{} }

type handler struct{}

func (handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var f *file
	switch p := r.URL.Path; {
	case p == Path || p == Path+"/":
		f = index
	case strings.HasPrefix(p, AssetsPath):
		f = assets[strings.TrimPrefix(p, AssetsPath)] // nil for a name with a slash
	}
	if f == nil {
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
		return
	}
	h := w.Header()
	h.Set("Content-Type", f.contentType)
	h.Set("Cache-Control", f.cacheControl)
	h.Set("ETag", f.etag)
	h.Set("X-Content-Type-Options", "nosniff")
	if f == index {
		h.Set("Content-Security-Policy", csp)
		h.Set("Referrer-Policy", "no-referrer")
	}
	// ServeContent answers HEAD without a body, conditional requests
	// (If-None-Match) with 304 and Range requests.
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(f.data))
}

// contentType gives the Content-Type of a file by its extension, with a
// charset for text types. It does not rely on the system's MIME tables.
func contentType(name string) string {
	switch ext := strings.ToLower(path.Ext(name)); ext {
	case ".html":
		return "text/html; charset=utf-8"
	case ".js", ".mjs":
		return "text/javascript; charset=utf-8"
	case ".css":
		return "text/css; charset=utf-8"
	case ".json", ".map":
		return "application/json; charset=utf-8"
	case ".svg":
		return "image/svg+xml"
	case ".png":
		return "image/png"
	case ".woff2":
		return "font/woff2"
	case ".txt":
		return "text/plain; charset=utf-8"
	default:
		if t := mime.TypeByExtension(ext); t != "" {
			return t
		}
		return "application/octet-stream"
	}
}

func etag(data []byte) string {
	sum := sha256.Sum256(data)
	return fmt.Sprintf(`"%x"`, sum[:12])
}

// inlineScript matches the page's inline scripts (a <script> without
// attributes); the ones with src= are covered by 'self'.
var inlineScript = regexp.MustCompile(`(?s)<script>(.*?)</script>`)

func contentSecurityPolicy(page []byte) string {
	src := []string{"'self'"}
	for _, m := range inlineScript.FindAllSubmatch(page, -1) {
		sum := sha256.Sum256(m[1])
		src = append(src, "'sha256-"+base64.StdEncoding.EncodeToString(sum[:])+"'")
	}
	return strings.Join([]string{
		"default-src 'none'",
		"script-src " + strings.Join(src, " "),
		// React and CodeMirror set style attributes.
		"style-src 'self' 'unsafe-inline'",
		"img-src 'self' data:",
		"font-src 'self' data:",
		"connect-src 'self'",
		"base-uri 'none'",
		"form-action 'none'",
		"frame-ancestors 'self'",
	}, "; ")
}
