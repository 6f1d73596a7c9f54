package explorer

import (
	"embed"
	"net/http"
	"regexp"
	"strings"

	"github.com/emigraph/emigraph/server/internal/page"
)

// Path is the URL path of the explorer. The page is served for Path and for
// every path under it (the views' deep links, such as
// /explore/entity/country/georgia) except AssetsPath, where its files are.
const (
	Path       = "/explore"
	AssetsPath = Path + "/assets/"
)

//go:embed assets
var assetsFS embed.FS

// versioned matches a file name that carries a version, such as
// cytoscape-3.35.0.min.js: only such files are cached for a year; the
// explorer's own script and stylesheet are revalidated on every load.
var versioned = regexp.MustCompile(`-\d+\.\d+\.\d+[.-]`)

// site is the page and its files. The policy allows only the server itself
// and data: and blob: images (Chart.js and Cytoscape draw on canvases);
// Cytoscape and Chart.js set style attributes.
var site = func() *page.Site {
	s, err := page.Load(assetsFS, "assets", func(name string) string {
		if versioned.MatchString(name) {
			return page.CacheVersioned
		}
		return page.CacheRevalidate
	}, "style-src 'self' 'unsafe-inline'", "img-src 'self' data: blob:", "font-src 'self'")
	if err != nil {
		panic("explorer: " + err.Error())
	}
	return s
}()

// Size is the number of bytes the embedded files take.
func Size() int { return site.Size() }

// Handler returns the handler of the explorer and its assets. It answers GET
// and HEAD on Path and every path under it: AssetsPath+"<file>" with that
// file (404 for an unknown one), any other path with the page, which reads
// its view from the URL. Other methods get 405. Mount it on Path and
// Path+"/".
func Handler() http.Handler { return handler{} }

type handler struct{}

func (handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var f *page.File
	switch p := r.URL.Path; {
	case strings.HasPrefix(p, AssetsPath):
		f = site.Assets[strings.TrimPrefix(p, AssetsPath)] // nil for a name with a slash
	case p == Path || strings.HasPrefix(p, Path+"/"):
		f = site.Index
	}
	site.Serve(w, r, f)
}
