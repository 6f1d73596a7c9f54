package explorer

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

// Path is the URL path of the explorer. The page is served for Path and for
// every path under it (the views' deep links, such as
// /explore/entity/country/georgia) except AssetsPath, where its files are.
const (
	Path       = "/explore"
	AssetsPath = Path + "/assets/"
)

// Cache policies: the vendored files carry their version in their name, so a
// browser may keep them for a year; the page and the explorer's own script
// and stylesheet (no version in their names) are revalidated on every load
// through their ETags.
const (
	cacheVersioned = "public, max-age=31536000, immutable"
	cacheRevalid   = "no-cache"
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

// versioned matches a file name that carries a version, such as
// cytoscape-3.35.0.min.js: only such files are cached for a year.
var versioned = regexp.MustCompile(`-\d+\.\d+\.\d+[.-]`)

var (
	index  *file
	assets map[string]*file // by file name under assets/, index.html excluded
	// csp is the Content-Security-Policy of the page: only its own origin,
	// and data: URLs for images (Chart.js and Cytoscape draw on canvases).
	csp string
)

func init() {
	assets = make(map[string]*file)
	entries, err := fs.ReadDir(assetsFS, "assets")
	if err != nil {
		panic("explorer: " + err.Error())
	}
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		data, err := assetsFS.ReadFile("assets/" + e.Name())
		if err != nil {
			panic("explorer: " + err.Error())
		}
		f := &file{data: data, contentType: contentType(e.Name()), etag: etag(data), cacheControl: cacheRevalid}
		if e.Name() == "index.html" {
			index = f
			continue
		}
		if versioned.MatchString(e.Name()) {
			f.cacheControl = cacheVersioned
		}
		assets[e.Name()] = f
	}
	if index == nil {
		panic("explorer: assets/index.html is not embedded")
	}
	csp = contentSecurityPolicy(index.data)
}

// Size is the number of bytes the embedded files take.
func Size() int {
	n := len(index.data)
	for _, f := range assets {
		n += len(f.data)
	}
	return n
}

// Handler returns the handler of the explorer and its assets. It answers GET
// and HEAD on Path and every path under it: AssetsPath+"<file>" with that
// file (404 for an unknown one), any other path with the page, which reads
// its view from the URL. Other methods get 405. Mount it on Path and
// Path+"/".
func Handler() http.Handler { return handler{} }

type handler struct{}

func (handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var f *file
	switch p := r.URL.Path; {
	case strings.HasPrefix(p, AssetsPath):
		f = assets[strings.TrimPrefix(p, AssetsPath)] // nil for a name with a slash
	case p == Path || strings.HasPrefix(p, Path+"/"):
		f = index
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
// attributes); the ones with src= are covered by 'self'. The explorer has
// none today, but a hash keeps one working if it is added.
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
		// Cytoscape and Chart.js set style attributes.
		"style-src 'self' 'unsafe-inline'",
		"img-src 'self' data: blob:",
		"font-src 'self'",
		"connect-src 'self'",
		"base-uri 'none'",
		"form-action 'none'",
		"frame-ancestors 'self'",
	}, "; ")
}
