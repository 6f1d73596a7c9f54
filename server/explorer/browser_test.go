package explorer_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/rs/zerolog"

	"github.com/emigraph/emigraph/graph/badger"
	"github.com/emigraph/emigraph/schema"
	"github.com/emigraph/emigraph/seed"
	"github.com/emigraph/emigraph/seed/seedtest"
	"github.com/emigraph/emigraph/server"
	"github.com/emigraph/emigraph/server/internal/browsertest"
)

// EnvScreenshots names a directory: when set, TestExplorerInBrowser saves a
// PNG of each view there (the README's screenshots come from it).
const EnvScreenshots = "EMIGRAPH_EXPLORE_SCREENSHOTS"

// EnvBigStore names a store directory (an emigraph gen output loaded with
// emigraph load): when set, TestHubEntityViewOnBigStore times the entity
// view of its biggest hub.
const EnvBigStore = "EMIGRAPH_EXPLORE_STORE"

// testToken is the write token of the test servers.
const testToken = "explorer-test-token"

// serve starts the real server over st and records every request it gets.
func serve(t *testing.T, st *badger.Store) (*httptest.Server, func() []string) {
	t.Helper()
	api, err := schema.New(context.Background(), st, schema.Options{Parse: seed.Parse, Limits: schema.DefaultLimits()})
	if err != nil {
		t.Fatal(err)
	}
	// the token lets TestNewsroomInBrowser load the page's templates; the
	// page itself never writes
	h := server.New(server.Config{API: api, Logger: zerolog.Nop(), Token: testToken}).Handler()
	var (
		mu   sync.Mutex
		seen []string
	)
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Method+" "+r.URL.Path)
		mu.Unlock()
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(ts.Close)
	return ts, func() []string { mu.Lock(); defer mu.Unlock(); return slices.Clone(seen) }
}

// tab drives one browser tab against one server.
type tab struct {
	t    *testing.T
	b    *browsertest.Browser
	base string
}

func (p *tab) ctx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(p.b.Context(), 20*time.Second)
}

func (p *tab) run(what string, actions ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	ctx, cancel := p.ctx()
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		p.t.Fatalf("%s: %v (errors in the page: %q)", what, err, p.b.Errors())
	}
}

// eval evaluates a JavaScript expression and decodes its value into T.
func eval[T any](p *tab, js string) T {
	p.t.Helper()
	ctx, cancel := p.ctx()
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		p.t.Fatalf("evaluate %s: %v", js, err)
	}
	return v
}

// wait polls a JavaScript condition from Go (chromedp.Poll compiles its
// predicate with new Function, which the page's CSP refuses) until it holds.
func (p *tab) wait(what, js string) {
	p.t.Helper()
	ctx, cancel := p.ctx()
	defer cancel()
	for {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool]("!!("+js+")"))
		if err == nil && ok {
			return
		}
		select {
		case <-ctx.Done():
			body, _ := chromedp.Run(p.b.Context(), chromedp.Evaluate[string](`document.querySelector('main') ? document.querySelector('main').innerText.slice(0, 600) : ''`))
			p.t.Fatalf("waiting for %s (%s): %v\nlocation %s\npage: %s\nerrors: %q", what, js, context.Cause(ctx), p.location(), body, p.b.Errors())
		case <-time.After(30 * time.Millisecond):
		}
	}
}

func (p *tab) location() string {
	v, _ := chromedp.Run(p.b.Context(), chromedp.Evaluate[string](`location.pathname + location.search`))
	return v
}

// open navigates to path and waits until the view has rendered.
func (p *tab) open(path string) {
	p.t.Helper()
	p.run("open "+path, chromedp.Navigate(p.base+path))
	p.wait("the view of "+path, `document.querySelector('main[data-ready]')`)
}

func (p *tab) h1() string {
	return eval[string](p, `(document.querySelector('main h1') || {}).innerText || ''`)
}

func (p *tab) shot(name string) {
	dir := os.Getenv(EnvScreenshots)
	if dir == "" {
		return
	}
	p.t.Helper()
	ctx, cancel := p.ctx()
	defer cancel()
	// Three quarters of the 1280×800 viewport (960×600 pixels) keeps the files small.
	r, err := chromedp.Call(ctx, page.CaptureScreenshot, page.CaptureScreenshotParams{Format: page.CaptureScreenshotFormatPng,
		Clip: &page.Viewport{X: 0, Y: 0, Width: 1280, Height: 800, Scale: 0.75}})
	if err != nil {
		p.t.Fatalf("screenshot: %v", err)
	}
	img := r.Data
	if err := os.WriteFile(filepath.Join(dir, name+".png"), img, 0o644); err != nil {
		p.t.Fatal(err)
	}
}

// noNewErrors fails if the page logged an error since the count n.
func (p *tab) noNewErrors(n int) int {
	p.t.Helper()
	errs := p.b.Errors()
	if len(errs) > n {
		p.t.Errorf("errors in the page: %q", errs[n:])
	}
	return len(errs)
}

// jsString quotes s as a JavaScript string literal.
func jsString(s string) string { b, _ := json.Marshal(s); return string(b) }

// TestExplorerInBrowser walks every view of the explorer in a real headless
// Chromium against the real server over the seed. Every host but the server
// is blocked (browsertest's proxy), and the test fails if the page asked for
// anything elsewhere, if a request failed, or if the page logged an error.
// Skipped without Chromium, except under CI.
func TestExplorerInBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	st := seedtest.Open(t)
	ts, seen := serve(t, st)
	b := browsertest.Start(t)
	p := &tab{t: t, b: b, base: ts.URL}
	errs := 0

	t.Run("root leads to the explorer", func(t *testing.T) {
		p.t = t
		p.run("open /", chromedp.Navigate(ts.URL+"/"))
		p.wait("the home view", `location.pathname === '/explore' && document.querySelector('main[data-ready] h1')`)
		p.wait("the stats", `document.querySelector('main').innerText.includes('facts.')`)
		p.shot("home")
		errs = p.noNewErrors(errs)
	})

	search := func(t *testing.T, text, wantID, wantName string) {
		p.t = t
		p.open("/explore")
		sel := `main .combo input`
		p.run("type "+text, chromedp.Click(chromedp.CSS(sel)), chromedp.SendKeys(chromedp.CSS(sel), text))
		p.wait("a suggestion of "+wantID, `document.querySelector('main [role=option][data-id=`+jsString(wantID)+`]')`)
		if text == "galkin" {
			p.shot("search")
		}
		p.run("press Enter", chromedp.KeyEvent(kb.Enter))
		p.wait("the entity view of "+wantID, `location.pathname === `+jsString("/explore/entity/"+wantID)+` && (document.querySelector('main h1')||{}).innerText?.startsWith(`+jsString(wantName)+`)`)
		errs = p.noNewErrors(errs)
	}
	t.Run("search Cyrillic with ё", func(t *testing.T) { search(t, "Пугачёва", "person/alla-pugacheva", "Alla Pugacheva") })
	t.Run("search lower-case Latin", func(t *testing.T) { search(t, "galkin", "person/maxim-galkin", "Maxim Galkin") })

	t.Run("keyboard: arrows choose a suggestion", func(t *testing.T) {
		p.t = t
		p.open("/explore")
		sel := `main .combo input`
		p.run("type", chromedp.Click(chromedp.CSS(sel)), chromedp.SendKeys(chromedp.CSS(sel), "georgia"))
		// the suggestions of the whole word, not of a prefix typed on the way
		p.wait("suggestions", `document.querySelector('main [role=listbox]').dataset.for === 'georgia' && document.querySelectorAll('main [role=option][data-id]').length >= 1`)
		second := eval[string](p, `(document.querySelectorAll('main [role=option][data-id]')[1] || document.querySelector('main [role=option][data-id]')).dataset.id`)
		n := eval[int](p, `document.querySelectorAll('main [role=option][data-id]').length`)
		if n > 1 {
			p.run("arrow down", chromedp.KeyEvent(kb.ArrowDown))
			p.wait("the second option active", `document.querySelector('main [role=combobox]').getAttribute('aria-activedescendant')?.endsWith('-1')`)
		}
		// the option Enter chooses is the active one as Enter is pressed: the
		// list may have been redrawn since it was first read (a slower
		// answer for a shorter prefix), so read it again
		if n > 1 {
			second = eval[string](p, `document.getElementById(document.querySelector('main [role=combobox]').getAttribute('aria-activedescendant')).dataset.id`)
		}
		p.run("enter", chromedp.KeyEvent(kb.Enter))
		p.wait("the chosen entity", `location.pathname === `+jsString("/explore/entity/"+second))
		errs = p.noNewErrors(errs)
	})

	t.Run("deep link: Georgia's figures with their quotes", func(t *testing.T) {
		p.t = t
		p.open("/explore/entity/country/georgia")
		if h := p.h1(); !strings.HasPrefix(h, "Georgia") {
			t.Fatalf("h1 %q, want Georgia", h)
		}
		p.wait("the figures table", `document.querySelector('table.figures')`)
		p.wait("the groups", `document.querySelector('.group')`)
		text := eval[string](p, `document.querySelector('main').innerText`)
		for _, want := range []string{
			"about 100,000 people",
			"By early April, an estimated 100,000 Russians had fled to Georgia and 50,000 went to Armenia.",
			"about 200,000 people",
			"approximately 200,000 Russian citizens entered Georgia from Russia",
			"April 2022",
			"February – April 2022", // "by early April", counted from the invasion: a period
			"since February 2022",   // "since the outbreak": open at its end
			"Also known as:",
			"Грузия",
			"Add a fact about Georgia",
		} {
			if !strings.Contains(text, want) {
				t.Errorf("the entity view of Georgia lacks %q", want)
			}
		}
		// The chart draws a period as a period: the 100,000 from February to
		// April as a line between two points, the 200,000 since February
		// dashed on to the edge; never a bar at the first month.
		p.wait("the chart", `typeof Chart !== 'undefined' && Chart.getChart(document.querySelector('.chart-box canvas'))`)
		spans := eval[[]string](p, `Chart.getChart(document.querySelector('.chart-box canvas')).data.datasets
			.filter(ds => ds.data.some(pt => pt.y === 100000 || pt.y === 200000))
			.map(ds => ds.data[0].y + ':' + ds.data.length + ':' + (ds.data.length === 2 && ds.data[1].x > ds.data[0].x) + ':' + Boolean(ds.borderDash))`)
		if len(spans) != 2 || !slices.Contains(spans, "100000:2:true:false") || !slices.Contains(spans, "200000:2:true:true") {
			t.Errorf("the chart draws the 100,000 and the 200,000 as %q, want a solid period and a dashed open one", spans)
		}
		if typ := eval[string](p, `Chart.getChart(document.querySelector('.chart-box canvas')).config.type`); typ == "bar" {
			t.Errorf("the figures chart is a bar chart: a period would be a bar at its first month")
		}
		// The 200,000 is stated once, though two quotes back the 100,000.
		if n := eval[int](p, `[...document.querySelectorAll('table.figures tbody tr')].filter(r => r.innerText.includes('about 200,000')).length`); n != 1 {
			t.Errorf("the 200,000 figure is in %d rows, want 1", n)
		}
		// Groups carry the predicates' labels in both directions, with counts.
		for _, want := range []string{`[data-direction=IN] h3`, `[data-direction=OUT] h3`} {
			if eval[int](p, `document.querySelectorAll(`+jsString(want)+`).length`) == 0 {
				t.Errorf("no group %s", want)
			}
		}
		labels := eval[string](p, `[...document.querySelectorAll('.group h3')].map(h => h.innerText).join(' | ')`)
		if !strings.Contains(labels, "received emigrants") {
			t.Errorf("group headings %q lack the inverse label \"received emigrants\"", labels)
		}
		p.wait("the chart drawn", `document.querySelector('.chart-box canvas') && document.querySelector('.chart-box canvas').width > 0`)
		p.shot("entity")
		errs = p.noNewErrors(errs)
	})

	t.Run("paging a big group", func(t *testing.T) {
		p.t = t
		p.open("/explore/entity/country/russia")
		p.wait("a show-more button", `document.querySelector('.group .more button')`)
		before := eval[int](p, `document.querySelector('.group .more button').closest('.group').querySelectorAll('.fact').length`)
		p.run("show more", chromedp.Click(chromedp.CSS(`.group .more button`)))
		p.wait("more facts", fmt.Sprintf(`[...document.querySelectorAll('.group')].some(g => g.querySelectorAll('.fact').length > %d)`, before))
		errs = p.noNewErrors(errs)
	})

	t.Run("graph: clicking a node opens that entity, back returns", func(t *testing.T) {
		p.t = t
		p.open("/explore/graph/person/maxim-galkin")
		p.wait("the layout", `document.querySelector('#cy[data-ready]')`)
		p.wait("the legend", `document.querySelectorAll('.legend li').length === 7`)
		// An edge first: its fact and quote show beside the graph.
		xy := eval[[]float64](p, `(() => { const cy = window.explorerGraph, e = cy.edges()[0], m = e.renderedMidpoint(), r = cy.container().getBoundingClientRect(); return [r.left + m.x, r.top + m.y]; })()`)
		p.run("click an edge", chromedp.MouseClickXY(xy[0], xy[1]))
		p.wait("the edge's fact", `document.querySelector('#graph-info blockquote')`)
		p.shot("graph")
		var target struct {
			ID string
			X  float64
			Y  float64
		}
		target = eval[struct {
			ID string
			X  float64
			Y  float64
		}](p, `(() => { const cy = window.explorerGraph, n = cy.nodes('[root = 0]')[0], q = n.renderedPosition(), r = cy.container().getBoundingClientRect(); return {ID: n.id(), X: r.left + q.x, Y: r.top + q.y}; })()`)
		p.run("click a node", chromedp.MouseClickXY(target.X, target.Y))
		p.wait("the entity view of "+target.ID, `location.pathname === `+jsString("/explore/entity/"+target.ID)+` && document.querySelector('main[data-ready] h1')`)
		p.run("back", chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
			_, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`history.back(), true`))
			return err
		}))
		p.wait("the graph again", `location.pathname === '/explore/graph/person/maxim-galkin' && document.querySelector('#cy[data-ready]')`)
		p.run("forward", chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
			_, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`history.forward(), true`))
			return err
		}))
		p.wait("the entity again", `location.pathname === `+jsString("/explore/entity/"+target.ID)+` && document.querySelector('main[data-ready] h1')`)
		errs = p.noNewErrors(errs)
	})

	t.Run("graph of a hub: a sample, and how many are hidden", func(t *testing.T) {
		p.t = t
		p.open("/explore/graph/country/russia?depth=2&agg=off")
		p.wait("the layout", `document.querySelector('#cy[data-ready]')`)
		p.wait("the notice", `document.querySelector('.notice') && document.querySelector('.notice').innerText.includes('hidden')`)
		errs = p.noNewErrors(errs)
	})

	t.Run("timeline: in date order, reduced precision shown as such", func(t *testing.T) {
		p.t = t
		p.open("/explore/timeline/country/georgia")
		p.wait("facts", `document.querySelectorAll('.timeline .fact').length > 3`)
		text := eval[string](p, `document.querySelector('.timeline').innerText`)
		if !strings.Contains(text, "April 2022") {
			t.Errorf("the timeline lacks \"April 2022\":\n%.800s", text)
		}
		p.shot("timeline")
		p.open("/explore/timeline?predicate=fled-to&from=2022-09&to=2022-09")
		p.wait("filtered facts", `document.querySelectorAll('.timeline .fact').length > 0`)
		if bad := eval[[]string](p, `[...document.querySelectorAll('.timeline .fact .when')].map(w => w.innerText).filter(w => !w.includes('2022'))`); len(bad) > 0 {
			t.Errorf("facts outside the range: %q", bad)
		}
		// A range opens on the facts within it; those dated only by the year,
		// or by periods reaching out of it, follow under their own heading.
		p.open("/explore/timeline?from=2022-09&to=2022-10")
		p.wait("facts", `document.querySelectorAll('.timeline .fact').length > 0`)
		first := eval[[]string](p, `[...document.querySelectorAll('.timeline .fact .when')].slice(0, 20).map(w => w.innerText)`)
		for _, w := range first {
			if !strings.Contains(w, "September 2022") && !strings.Contains(w, "October 2022") {
				t.Errorf("the first facts of September–October 2022 include one of %q: %q", w, first)
				break
			}
		}
		if c := eval[string](p, `[...document.querySelectorAll('main p.muted')].map(x => x.innerText).join(' | ')`); !strings.Contains(c, "within it") {
			t.Errorf("the count does not say how many facts are within the range: %q", c)
		}
		// by precision: exact dates first, then the month-only ones, each
		// counted; no month-only date before an exact one
		if c := eval[string](p, `document.querySelector('.precision-count').innerText`); !strings.Contains(c, "with an exact date") || !strings.Contains(c, "dated only by the month") {
			t.Errorf("the counts do not say which precision is which: %q", c)
		}
		order := eval[string](p, `[...document.querySelectorAll('.timeline .fact .when')].map(w => w.dataset.precision === 'DAY' ? 'd' : w.dataset.precision === 'MONTH' ? 'm' : 'y').join('')`)
		t.Logf("September–October 2022 by precision: %s", order)
		if !regexp.MustCompile(`^d+m*`).MatchString(order) || strings.Contains(strings.SplitN(order, "y", 2)[0], "md") {
			t.Errorf("the facts of September–October 2022 by precision (d day, m month, y year or beyond) come in the order %q", order)
		}
		// past the facts within the range, the others come under their heading
		for i := 0; i < 5 && eval[int](p, `document.querySelectorAll('.timeline li.around').length`) == 0; i++ {
			n := eval[int](p, `document.querySelectorAll('.timeline .fact').length`)
			eval[bool](p, `(document.querySelector('.more button').click(), true)`)
			p.wait("more facts", fmt.Sprintf(`document.querySelectorAll('.timeline .fact').length > %d`, n))
		}
		if eval[int](p, `document.querySelectorAll('.timeline li.around').length`) != 1 {
			t.Errorf("no heading before the facts that only overlap the range")
		}
		errs = p.noNewErrors(errs)
	})

	t.Run("path: two people by search, a quote per hop, leave out a node", func(t *testing.T) {
		p.t = t
		p.open("/explore/path")
		for _, f := range []struct{ name, text, id string }{{"from", "galkin", "person/maxim-galkin"}, {"to", "Пугачёва", "person/alla-pugacheva"}} {
			sel := `main input[name=` + f.name + `]`
			p.run("type "+f.text, chromedp.Click(chromedp.CSS(sel)), chromedp.SendKeys(chromedp.CSS(sel), f.text))
			p.wait("suggestion "+f.id, `document.querySelector('main [role=option][data-id=`+jsString(f.id)+`]')`)
			p.run("enter", chromedp.KeyEvent(kb.Enter))
		}
		p.run("find", chromedp.Click(chromedp.CSS(`main form button[type=submit]`)))
		p.wait("the path", `location.search.includes('from=person') && document.querySelectorAll('.hops .hop').length > 0`)
		hops := eval[int](p, `document.querySelectorAll('.hops .hop').length`)
		quotes := eval[int](p, `document.querySelectorAll('.hops .hop blockquote').length`)
		if quotes < hops {
			t.Errorf("%d hops but %d quotes", hops, quotes)
		}
		first := eval[string](p, `document.querySelector('.hops .hop-node').dataset.entity`)
		last := eval[string](p, `[...document.querySelectorAll('.hops .hop-node')].pop().dataset.entity`)
		if first != "person/maxim-galkin" || last != "person/alla-pugacheva" {
			t.Errorf("path from %q to %q", first, last)
		}
		p.shot("path")
		middle := eval[string](p, `document.querySelector('.hops .leave-out').closest('.hop-node').dataset.entity`)
		p.run("leave out", chromedp.Click(chromedp.CSS(`.hops .leave-out`)))
		p.wait("asked again without "+middle, `decodeURIComponent(location.search).includes('avoid=`+middle+`') && document.querySelector('main[data-ready]') && !document.querySelector('main .loading')`)
		if eval[bool](p, `[...document.querySelectorAll('.hops .hop-node')].some(n => n.dataset.entity === `+jsString(middle)+`)`) {
			t.Errorf("the new path still goes through %s", middle)
		}
		errs = p.noNewErrors(errs)
	})

	t.Run("figures view", func(t *testing.T) {
		p.t = t
		p.open("/explore/figures/country/georgia")
		p.wait("the table", `document.querySelector('table.figures tbody tr')`)
		p.wait("the chart drawn", `document.querySelector('.chart-box canvas') && document.querySelector('.chart-box canvas').width > 0`)
		p.shot("figures")
		errs = p.noNewErrors(errs)
	})

	t.Run("Georgia's figures side by side by source", func(t *testing.T) {
		p.t = t
		// two more sources' figures for Georgia (made up for the test), as a user loads them
		c, err := seed.Parse("native", "sources.yaml", strings.NewReader(twoMoreSources))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.Apply(context.Background(), c, false); err != nil {
			t.Fatal(err)
		}
		p.open("/explore/entity/country/georgia")
		p.wait("who says what", `document.querySelector('.by-source li[data-source="source/test-survey"]')`)
		bySource := eval[map[string]string](p, `Object.fromEntries([...document.querySelectorAll('.by-source li')].map(li => [li.dataset.source, li.innerText]))`)
		for id, want := range map[string][]string{
			"source/wikipedia-russian-emigration-2022": {"Wikipedia", "encyclopedia", "about 100,000 people (February – April 2022)"},
			"source/test-ministry":                     {"A ministry: Entries of foreign citizens", "official statistics", "January 2023", "112,000 people (February – November 2022)"},
			"source/test-survey":                       {"A think tank", "survey", "about 75,000 people (2023)"},
		} {
			for _, w := range want {
				if !strings.Contains(bySource[id], w) {
					t.Errorf("who says what, %s: %q lacks %q", id, bySource[id], w)
				}
			}
		}
		// the ministry's figure is its own: not under the article
		if strings.Contains(bySource["source/wikipedia-russian-emigration-2022"], "112,000") {
			t.Errorf("the article is said to state the ministry's figure: %q", bySource["source/wikipedia-russian-emigration-2022"])
		}
		if cite := eval[string](p, `[...document.querySelectorAll('table.figures tbody tr')].find(r => r.innerText.includes('112,000')).querySelector('.cite').innerText`); !strings.Contains(cite, "A ministry") {
			t.Errorf("the table's citation of the ministry's figure: %q", cite)
		}
		p.shot("by-source")
		errs = p.noNewErrors(errs)
	})

	t.Run("readable on a phone", func(t *testing.T) {
		p.t = t
		p.run("phone viewport", chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(1), chromedp.EmulateMobile))
		defer p.run("laptop viewport", chromedp.ResetViewport(), chromedp.EmulateViewport(1280, 800))
		for _, path := range []string{"/explore/entity/country/georgia", "/explore/graph/person/maxim-galkin", "/explore/path?from=person/maxim-galkin&to=person/alla-pugacheva", "/explore/timeline"} {
			p.open(path)
			if w := eval[[]int](p, `[document.documentElement.scrollWidth, window.innerWidth]`); w[0] > w[1]+1 {
				t.Errorf("%s: the page is %d px wide on a %d px screen", path, w[0], w[1])
			}
		}
		p.open("/explore/entity/country/georgia")
		p.wait("the figures table", `document.querySelector('table.figures')`)
		p.shot("phone")
		errs = p.noNewErrors(errs)
	})

	p.t = t
	// Every request went to the server and was answered; nothing else.
	for _, r := range b.Requests() {
		if r.Failed != "" || (r.Status != 0 && r.Status != http.StatusOK && r.Status != http.StatusFound && r.Status != http.StatusNotModified) {
			t.Errorf("request not answered: %s", r)
		}
	}
	if f := browsertest.ForeignURLs(b.URLs(), ts.URL); len(f) > 0 {
		t.Errorf("the page requested other hosts: %q", f)
	}
	got := seen()
	for _, want := range []string{"GET /explore", "GET /explore/entity/country/georgia", "POST /graphql"} {
		if !slices.Contains(got, want) {
			t.Errorf("the server never got %q", want)
		}
	}
	for _, r := range got {
		if !strings.HasPrefix(r, "POST /graphql") && !strings.HasPrefix(r, "GET /explore") && r != "GET /" {
			t.Errorf("the page asked the server for %q: not the explorer and not /graphql", r)
		}
	}
	if e := b.Errors(); len(e) > 0 {
		t.Errorf("errors in the page: %q", e)
	}
}

// TestHubEntityViewOnBigStore opens the entity view of the biggest hub of a
// store loaded with `emigraph gen` output (country/gen-0, see cmd/emigraph
// gen.go) and times it from navigation to every group rendered. It runs only
// when $EMIGRAPH_EXPLORE_STORE names such a store; the README gives the
// commands and the figure.
func TestHubEntityViewOnBigStore(t *testing.T) {
	dir := os.Getenv(EnvBigStore)
	if dir == "" {
		t.Skipf("set $%s to a store loaded with emigraph gen output to run", EnvBigStore)
	}
	st, err := badger.Open(dir, badger.Options{NoSync: true, MemTableSize: 8 << 20})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	ts, seen := serve(t, st)
	b := browsertest.Start(t)
	p := &tab{t: t, b: b, base: ts.URL}
	const hub = "country/gen-0"
	// Warm the browser's cache of the page and its scripts, as a user who
	// has opened the explorer once has it (the store stays cold for the hub).
	p.open("/explore")
	for i := range 3 {
		start := time.Now()
		p.run("open the hub", chromedp.Navigate(ts.URL+"/explore/entity/"+hub))
		p.wait("the hub's groups", `document.querySelector('main[data-ready] .group')`)
		elapsed := time.Since(start)
		total := eval[string](p, `document.querySelector('.groups-box p').innerText`)
		facts := eval[int](p, `document.querySelectorAll('.fact').length`)
		t.Logf("run %d: entity view of %s rendered in %v (%s; %d facts on the page)", i+1, hub, elapsed.Round(time.Millisecond), total, facts)
		if elapsed > 2*time.Second {
			t.Errorf("the entity view of the hub took %v, more than 2 s", elapsed)
		}
	}
	// The graph of the hub is drawn grouped (one node per predicate and
	// type, counted by the store's counters), and a group expands on click.
	for i := range 3 {
		start := time.Now()
		p.run("open the hub's graph", chromedp.Navigate(ts.URL+"/explore/graph/"+hub))
		p.wait("the hub's graph laid out", `document.querySelector('#cy[data-ready]') && document.querySelector('.notice')`)
		elapsed := time.Since(start)
		nodes := eval[int](p, `window.explorerGraph.nodes().length`)
		// readyAt is the page's own clock at the end of the layout, from the
		// start of the navigation: what the user waits, without this test's
		// polling
		inPage := eval[string](p, `document.querySelector('#cy').dataset.readyAt`)
		t.Logf("run %d: grouped graph of %s laid out in %v (%s ms by the page's clock), %d nodes: %s", i+1, hub, elapsed.Round(time.Millisecond), inPage, nodes, eval[string](p, `document.querySelector('.notice').innerText`))
		if nodes >= 30 {
			t.Errorf("the graph of the hub has %d nodes", nodes)
		}
	}
	start := time.Now()
	eval[bool](p, `(window.explorerGraph.nodes('[agg = 1]')[0].emit('tap'), true)`)
	p.wait("a group expanded", `document.querySelector('#cy[data-expanded]') && document.querySelector('#cy[data-ready]')`)
	t.Logf("a group of %s expanded in %v: %d nodes", hub, time.Since(start).Round(time.Millisecond), eval[int](p, `window.explorerGraph.nodes().length`))
	n := 0
	for _, r := range seen() {
		if r == "POST /graphql" {
			n++
		}
	}
	t.Logf("%d GraphQL requests in all", n)
	if e := b.Errors(); len(e) > 0 {
		t.Errorf("errors in the page: %q", e)
	}
}

// twoMoreSources are made-up test facts: two other sources' figures for
// Georgia, beside the article's.
const twoMoreSources = `sources:
  - id: source/test-ministry
    title: Entries of foreign citizens
    publisher: A ministry
    published: 2023-01
    url: https://example.org/ministry
    language: ka
    kind: official-statistics
  - id: source/test-survey
    title: A survey of the diaspora
    publisher: A think tank
    published: "2023"
    kind: survey
relations:
  - subject: group/russian-emigrants
    predicate: fled-to
    object: country/georgia
    date: "2022-02"
    endDate: "2022-11"
    quantity: {amount: 112000, unit: people, approximation: EXACT}
    source: source/test-ministry
    quote: 112,000 entered and stayed.
  - subject: group/russian-emigrants
    predicate: fled-to
    object: country/georgia
    date: "2023"
    quantity: {amount: 75000, unit: people, approximation: ABOUT}
    source: source/test-survey
    quote: About 75,000 live there.
`
