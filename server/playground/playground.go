package playground

import (
	"embed"
	"net/http"
	"strings"

	"github.com/emigraph/emigraph/server/internal/page"
)

// Path is the URL path of the GraphiQL page. The vendored files are served
// under AssetsPath.
const (
	Path       = "/graphiql"
	AssetsPath = Path + "/assets/"
)

//go:embed assets
var assetsFS embed.FS

// site is the page and its files: the vendored files carry their version in
// their names, so a browser may keep them for a year. The policy allows only
// the server itself, data: URLs for the inlined fonts and icons, and the
// page's own inline script by hash; React and CodeMirror set style
// attributes.
var site = func() *page.Site {
	s, err := page.Load(assetsFS, "assets", func(string) string { return page.CacheVersioned },
		"style-src 'self' 'unsafe-inline'", "img-src 'self' data:", "font-src 'self' data:")
	if err != nil {
		panic("playground: " + err.Error())
	}
	return s
}()

// Handler returns the handler of the GraphiQL page and its assets. It answers
// GET and HEAD on Path, Path+"/" and AssetsPath+"<file>", 404 on any other
// path and 405 on any other method. Mount it on Path and Path+"/".
func Handler() http.Handler { return handler{} }

type handler struct{}

func (handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var f *page.File
	switch p := r.URL.Path; {
	case p == Path || p == Path+"/":
		f = site.Index
	case strings.HasPrefix(p, AssetsPath):
		f = site.Assets[strings.TrimPrefix(p, AssetsPath)] // nil for a name with a slash
	}
	site.Serve(w, r, f)
}
