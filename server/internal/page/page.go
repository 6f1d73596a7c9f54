package page

import (
	"bytes"
	"crypto/sha256"
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

// Cache policies: a file whose name carries its version may be kept for a
// year; the page and unversioned files are revalidated on every load
// through their ETags.
const (
	CacheVersioned  = "public, max-age=31536000, immutable"
	CacheRevalidate = "no-cache"
)

// File is one response, prepared once at start-up.
type File struct {
	Data         []byte
	ContentType  string
	CacheControl string
	ETag         string
}

// Site is an embedded page and its assets.
type Site struct {
	Index  *File
	Assets map[string]*File // by file name, index.html excluded
	// CSP is the page's Content-Security-Policy.
	CSP string
}

// Load reads dir of fsys: index.html and the assets beside it. cache gives
// each asset's Cache-Control by its name; directives are the policy's
// entries beyond default-src, script-src (its own origin and the page's
// inline scripts by hash) and the fixed ones.
func Load(fsys fs.FS, dir string, cache func(name string) string, directives ...string) (*Site, error) {
	s := &Site{Assets: map[string]*File{}}
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		data, err := fs.ReadFile(fsys, dir+"/"+e.Name())
		if err != nil {
			return nil, err
		}
		f := &File{Data: data, ContentType: ContentType(e.Name()), ETag: etag(data)}
		if e.Name() == "index.html" {
			f.CacheControl = CacheRevalidate
			s.Index = f
			continue
		}
		f.CacheControl = cache(e.Name())
		s.Assets[e.Name()] = f
	}
	if s.Index == nil {
		return nil, fmt.Errorf("%s/index.html is not embedded", dir)
	}
	s.CSP = policy(s.Index.Data, directives)
	return s, nil
}

// Size is the number of bytes the embedded files take.
func (s *Site) Size() int {
	n := len(s.Index.Data)
	for _, f := range s.Assets {
		n += len(f.Data)
	}
	return n
}

// Serve answers GET and HEAD with f (the page gets the policy), 404 for a
// nil f and 405 for other methods. ServeContent answers HEAD without a body,
// conditional requests (If-None-Match) with 304 and Range requests.
func (s *Site) Serve(w http.ResponseWriter, r *http.Request, f *File) {
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
	h.Set("Content-Type", f.ContentType)
	h.Set("Cache-Control", f.CacheControl)
	h.Set("ETag", f.ETag)
	h.Set("X-Content-Type-Options", "nosniff")
	if f == s.Index {
		h.Set("Content-Security-Policy", s.CSP)
		h.Set("Referrer-Policy", "no-referrer")
	}
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(f.Data))
}

// ContentType gives the Content-Type of a file by its extension, with a
// charset for text types. It does not rely on the system's MIME tables.
func ContentType(name string) string {
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

// policy is the page's Content-Security-Policy: nothing but its own origin,
// its inline scripts by hash, and the directives given.
func policy(page []byte, directives []string) string {
	src := []string{"'self'"}
	for _, m := range inlineScript.FindAllSubmatch(page, -1) {
		sum := sha256.Sum256(m[1])
		src = append(src, "'sha256-"+base64.StdEncoding.EncodeToString(sum[:])+"'")
	}
	return strings.Join(append([]string{"default-src 'none'", "script-src " + strings.Join(src, " ")},
		append(directives, "connect-src 'self'", "base-uri 'none'", "form-action 'none'", "frame-ancestors 'self'")...), "; ")
}
