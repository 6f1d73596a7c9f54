package explorer_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/emigraph/emigraph/seed/seedtest"
	"github.com/emigraph/emigraph/server/internal/browsertest"
)

// TestNewsroomInBrowser walks what issue 23 asked of the explorer, in a
// real headless Chromium against the real server over the seed, every
// other host blocked: browsing laws, people and countries; Enter in the
// search; comparing destinations; a hub drawn grouped then expanded; a
// quote shown once for the 22 facts it states; each template the page
// shows loaded by the server; the figures table at 420 px; and axe-core
// finding no serious or critical violation on any view.
func TestNewsroomInBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	ts, _ := serve(t, seedtest.Open(t))
	b := browsertest.Start(t)
	p := &tab{t: t, b: b, base: ts.URL}
	errs := 0
	text := func() string { return eval[string](p, `document.querySelector('main').innerText`) }

	t.Run("browse laws: who enacted them, whom they target, sorted and filtered", func(t *testing.T) {
		p.t = t
		p.open("/explore")
		p.run("open the laws", chromedp.Click(chromedp.CSS(`main a[href="/explore/browse/laws"]`)))
		p.wait("the laws", `location.pathname === '/explore/browse/laws' && document.querySelectorAll('table.browse tbody tr').length > 0`)
		n := eval[int](p, `document.querySelectorAll('table.browse tbody tr').length`)
		if n != 28 {
			t.Errorf("%d laws listed, want the seed's 28", n)
		}
		row := eval[string](p, `document.querySelector('tr[data-id="law/czech-citizenship-ban-for-russians"]').innerText`)
		for _, want := range []string{"Petr Pavel", "Russian citizens", "February 2025"} {
			if !strings.Contains(row, want) {
				t.Errorf("the Czech law's row %q lacks %q", row, want)
			}
		}
		p.shot("browse-laws")
		// sort by who enacted them, then the other way
		first := eval[string](p, `document.querySelector('table.browse tbody tr').dataset.id`)
		p.run("sort by enacted by", chromedp.Click(chromedp.CSS(`#b-sort-1`)))
		p.wait("sorted", `document.querySelector('th[aria-sort="ascending"] #b-sort-1')`)
		p.run("sort the other way", chromedp.Click(chromedp.CSS(`#b-sort-1`)))
		p.wait("sorted down", `document.querySelector('th[aria-sort="descending"] #b-sort-1')`)
		if eval[string](p, `document.querySelector('table.browse tbody tr').dataset.id`) == first {
			t.Errorf("sorting by who enacted the laws kept %s first", first)
		}
		// filter: the focus stays in the box, the URL keeps the filter
		p.run("filter", chromedp.Click(chromedp.CSS(`#b-filter`)), chromedp.SendKeys(chromedp.CSS(`#b-filter`), "kazakhstan"))
		p.wait("filtered", `document.querySelectorAll('table.browse tbody tr').length < 28`)
		rows := eval[[]string](p, `[...document.querySelectorAll('table.browse tbody tr')].map(r => r.innerText)`)
		if len(rows) < 3 {
			t.Errorf("the filter kazakhstan keeps %d laws", len(rows))
		}
		for _, r := range rows {
			if !strings.Contains(strings.ToLower(r), "kazakhstan") {
				t.Errorf("the filter kazakhstan keeps %q", r)
			}
		}
		if id := eval[string](p, `document.activeElement.id`); id != "b-filter" {
			t.Errorf("typing in the filter moved the focus to %q", id)
		}
		if !strings.Contains(p.location(), "q=kazakhstan") {
			t.Errorf("the URL %s does not keep the filter", p.location())
		}
		errs = p.noNewErrors(errs)
	})

	t.Run("browse people who left, and where they went", func(t *testing.T) {
		p.t = t
		p.open("/explore/browse/people")
		p.wait("the people", `document.querySelectorAll('table.browse tbody tr').length > 0`)
		row := eval[string](p, `(document.querySelector('tr[data-id="person/maxim-galkin"]') || {}).innerText || ''`)
		if !strings.Contains(row, "Russia") {
			t.Errorf("Maxim Galkin's row %q does not say he left Russia", row)
		}
		went := eval[int](p, `[...document.querySelectorAll('table.browse tbody tr')].filter(r => r.cells[3].innerText !== '—').length`)
		if went == 0 {
			t.Errorf("no person's row says where they went")
		}
		p.shot("browse-people")
		p.open("/explore/browse/countries")
		p.wait("the countries", `document.querySelectorAll('table.browse tbody tr').length > 0`)
		georgia := eval[string](p, `document.querySelector('tr[data-id="country/georgia"]').innerText`)
		if !strings.Contains(georgia, "people") || !strings.Contains(georgia, "Russian emigration during the Russo-Ukrainian war") {
			t.Errorf("Georgia's row %q lacks its latest figure and its source", georgia)
		}
		errs = p.noNewErrors(errs)
	})

	t.Run("Enter in search opens the best match by rank; the box is emptied", func(t *testing.T) {
		p.t = t
		p.open("/explore/browse")
		sel := `#top-search input`
		p.run("type emigrants", chromedp.Click(chromedp.CSS(sel)), chromedp.SendKeys(chromedp.CSS(sel), "emigrants"))
		p.wait("suggestions", `document.querySelector('#top-search [role=option][data-id]')`)
		p.run("Enter", chromedp.KeyEvent(kb.Enter))
		p.wait("the group Russian emigrants", `location.pathname === '/explore/entity/group/russian-emigrants' && document.querySelector('main[data-ready] h1')`)
		if v := eval[string](p, `document.querySelector('#top-search input').value`); v != "" {
			t.Errorf("the search box keeps %q after Enter: the next name typed would be appended", v)
		}
		p.run("type law", chromedp.Click(chromedp.CSS(sel)), chromedp.SendKeys(chromedp.CSS(sel), "law"))
		p.wait("the browse option", `document.querySelector('#top-search [role=option][data-browse=laws]')`)
		errs = p.noNewErrors(errs)
	})

	t.Run("compare Georgia, Kazakhstan, Armenia, Serbia and Israel", func(t *testing.T) {
		p.t = t
		p.open("/explore")
		p.run("open the comparison", chromedp.Click(chromedp.CSS(`main a[href^="/explore/compare?to=country"]`)))
		p.wait("the chart", `typeof Chart !== 'undefined' && document.querySelector('.chart-box canvas') && Chart.getChart(document.querySelector('.chart-box canvas'))`)
		chips := eval[[]string](p, `[...document.querySelectorAll('.chips .chip')].map(c => c.dataset.id)`)
		if strings.Join(chips, " ") != "country/georgia country/kazakhstan country/armenia country/serbia country/israel" {
			t.Errorf("compared %q", chips)
		}
		// one series per destination; every point names its source
		labels := eval[[]string](p, `Chart.getChart(document.querySelector('.chart-box canvas')).data.datasets.map(d => d.series + ' | ' + d.label)`)
		for _, c := range []string{"country/georgia", "country/kazakhstan", "country/armenia", "country/serbia"} {
			found := false
			for _, l := range labels {
				if strings.HasPrefix(l, c+" | ") {
					found = true
					if !strings.Contains(l, "source: Russian emigration during the Russo-Ukrainian war") {
						t.Errorf("the series of %s does not name its source: %q", c, l)
					}
				}
			}
			if !found {
				t.Errorf("no series for %s in %q", c, labels)
			}
		}
		// the table has a row with its quote for each figure drawn
		quoted := eval[[]string](p, `[...document.querySelectorAll('table.compare tbody tr[data-relation]')].filter(r => r.querySelector('blockquote')).map(r => r.dataset.destination)`)
		if len(quoted) != len(labels) {
			t.Errorf("%d figures drawn, %d rows with a quote", len(labels), len(quoted))
		}
		if s := text(); !strings.Contains(s, "no figure of people going to Israel") {
			t.Errorf("the comparison does not say the graph has no figure for Israel")
		}
		p.wait("the chart drawn", `document.querySelector('.chart-box canvas').width > 0`)
		p.shot("compare")
		errs = p.noNewErrors(errs)
	})

	t.Run("the Figures tab opens on the direction that has figures", func(t *testing.T) {
		p.t = t
		p.open("/explore/figures/group/russian-emigrants")
		p.wait("the figures", `document.querySelectorAll('table.figures tbody tr').length > 0`)
		if !strings.Contains(p.location(), "as=subject") {
			t.Errorf("the Figures tab of a group opened at %s", p.location())
		}
		p.open("/explore/figures")
		if h := p.h1(); h != "Figures" || strings.Contains(text(), "give id or name") {
			t.Errorf("/explore/figures shows %q: %.200s", h, text())
		}
		errs = p.noNewErrors(errs)
	})

	t.Run("a hub drawn grouped, then a group expanded", func(t *testing.T) {
		p.t = t
		p.open("/explore/graph/group/russian-emigrants")
		p.wait("the layout", `document.querySelector('#cy[data-ready]')`)
		nodes := eval[int](p, `window.explorerGraph.nodes().length`)
		groups := eval[int](p, `window.explorerGraph.nodes('[agg = 1]').length`)
		if nodes >= 30 || groups == 0 {
			t.Errorf("the hub is drawn with %d nodes, %d of them groups: want fewer than 30, grouped", nodes, groups)
		}
		label := eval[string](p, `window.explorerGraph.nodes('[agg = 1]')[0].data('label')`)
		if !strings.Contains(label, ": ") {
			t.Errorf("a group node reads %q, want \"predicate: N entities\"", label)
		}
		if eval[int](p, `[...document.querySelectorAll('.notice a')].filter(a => a.search.includes('predicate=')).length`) == 0 {
			t.Errorf("the notice offers no predicate filter")
		}
		p.shot("hub")
		// bring the graph into the viewport, and let Cytoscape see the
		// scroll (it caches where its container is) before clicking
		eval[bool](p, `(document.querySelector('#cy').scrollIntoView({block: 'center'}), true)`)
		time.Sleep(300 * time.Millisecond)
		eval[bool](p, `(window.explorerGraph.resize(), true)`)
		xy := eval[[]float64](p, `(() => { const cy = window.explorerGraph, n = cy.nodes('[agg = 1]')[0], q = n.renderedPosition(), r = cy.container().getBoundingClientRect(); return [r.left + q.x, r.top + q.y]; })()`)
		p.run("click the group", chromedp.MouseClickXY(xy[0], xy[1]))
		p.wait("the group expanded", `document.querySelector('#cy[data-expanded]') && document.querySelector('#cy[data-ready]')`)
		after := eval[int](p, `window.explorerGraph.nodes('[agg != 1]').length`)
		if after <= nodes-groups {
			t.Errorf("expanding a group drew %d entities (before: %d)", after, nodes-groups)
		}
		if !strings.HasPrefix(p.location(), "/explore/graph/group/russian-emigrants") {
			t.Errorf("clicking a group navigated to %s", p.location())
		}
		// depth 2 of a person: capped, and the banner says what is hidden
		p.open("/explore/graph/person/maxim-galkin?depth=2")
		p.wait("the layout", `document.querySelector('#cy[data-ready]')`)
		if n := eval[int](p, `window.explorerGraph.nodes().length`); n > 45 {
			t.Errorf("depth 2 of Maxim Galkin draws %d nodes", n)
		}
		if s := eval[string](p, `[...document.querySelectorAll('.notice')].map(n => n.innerText).join(' ')`); strings.Contains(s, "so 0 of") {
			t.Errorf("the banner reads %q", s)
		}
		errs = p.noNewErrors(errs)
	})

	t.Run("a quote shared by 22 facts is shown once", func(t *testing.T) {
		p.t = t
		p.open("/explore/entity/country/russia")
		g := `.group[data-predicate=left][data-direction=IN]`
		p.wait("the departures", `document.querySelector('`+g+`')`)
		for i := 0; i < 3 && eval[bool](p, `!!document.querySelector('`+g+` .more button')`); i++ {
			n := eval[int](p, `document.querySelectorAll('`+g+` .fact').length`)
			p.run("show more", chromedp.Click(chromedp.CSS(g+` .more button`)))
			p.wait("more", fmt.Sprintf(`document.querySelectorAll('%s .fact').length > %d`, g, n))
		}
		quotes := eval[int](p, `[...document.querySelectorAll('`+g+` blockquote')].filter(q => q.innerText.includes('Among the Russians who left')).length`)
		shared := eval[string](p, `(document.querySelector('`+g+` .quote-group') || {dataset: {}}).dataset.quoteGroup || ''`)
		if quotes != 1 || shared != "22" {
			t.Errorf("the quote naming 22 people who left is shown %d times, grouped over %q facts; want once for 22", quotes, shared)
		}
		errs = p.noNewErrors(errs)
	})

	t.Run("templates load", func(t *testing.T) {
		p.t = t
		for _, id := range []string{"person/maxim-galkin", "country/georgia", "law/schengen-visa", "group/russian-emigrants", "event/first-wave", "organization/european-union"} {
			p.open("/explore/entity/" + id)
			p.wait("the templates", `document.querySelector('pre[data-template=jsonl]')`)
			tpl := eval[map[string]string](p, `Object.fromEntries([...document.querySelectorAll('pre[data-template]')].map(p => [p.dataset.template, p.textContent]))`)
			const placeholder = "The sentence of the source, verbatim."
			real := "A sentence that states the fact about " + id + "."
			for _, f := range []string{"native", "csv", "jsonl"} {
				doc := tpl[f]
				if !strings.Contains(doc, placeholder) || !strings.Contains(doc, id) {
					t.Errorf("%s: the %s template lacks the placeholder or the entity:\n%s", id, f, doc)
					continue
				}
				res := graphql(t, ts.URL, `mutation($f: String!, $d: String!) { importFacts(format: $f, document: $d, dryRun: true) { ok errors { where field message } summary { relationsAdded } } }`,
					map[string]any{"f": f, "d": strings.ReplaceAll(doc, placeholder, real)})
				if !strings.Contains(res, `"ok":true`) || !strings.Contains(res, `"relationsAdded":1`) {
					t.Errorf("%s: the %s template, with a real quote, does not load: %s\n%s", id, f, res, doc)
				}
				res = graphql(t, ts.URL, `mutation($f: String!, $d: String!) { importFacts(format: $f, document: $d, dryRun: true) { ok errors { message } } }`, map[string]any{"f": f, "d": doc})
				if strings.Contains(res, `"ok":true`) || !strings.Contains(res, "placeholder") {
					t.Errorf("%s: the %s template with its placeholder quote is not refused: %s", id, f, res)
				}
			}
			res := graphql(t, ts.URL, strings.ReplaceAll(tpl["mutation"], placeholder, real), nil)
			if !strings.Contains(res, `"ok":true`) || !strings.Contains(res, `"relationsAdded":1`) {
				t.Errorf("%s: the mutation template, with a real quote, does not load: %s\n%s", id, res, tpl["mutation"])
			}
			if res := graphql(t, ts.URL, tpl["mutation"], nil); strings.Contains(res, `"ok":true`) || !strings.Contains(res, "placeholder") {
				t.Errorf("%s: the mutation template with its placeholder quote is not refused: %s", id, res)
			}
		}
		errs = p.noNewErrors(errs)
	})

	t.Run("the figures table at 420 px keeps its quotes on the screen", func(t *testing.T) {
		p.t = t
		p.run("420 px", chromedp.EmulateViewport(420, 900, chromedp.EmulateScale(1), chromedp.EmulateMobile))
		defer p.run("laptop viewport", chromedp.ResetViewport(), chromedp.EmulateViewport(1280, 800))
		for _, path := range []string{"/explore/figures/country/georgia", "/explore/compare"} {
			p.open(path)
			p.wait("the table", `document.querySelector('table.figures tbody tr blockquote')`)
			off := eval[int](p, `[...document.querySelectorAll('table.figures blockquote')].filter(q => q.getBoundingClientRect().right > window.innerWidth + 1 || q.getBoundingClientRect().width < 150).length`)
			if off > 0 {
				t.Errorf("%s at 420 px: %d quotes off the screen or squeezed", path, off)
			}
			if w := eval[[]int](p, `[document.documentElement.scrollWidth, window.innerWidth]`); w[0] > w[1]+1 {
				t.Errorf("%s: the page is %d px wide on a %d px screen", path, w[0], w[1])
			}
		}
		errs = p.noNewErrors(errs)
	})

	t.Run("axe-core: no serious or critical violation on any view", func(t *testing.T) {
		p.t = t
		for _, path := range []string{"/explore", "/explore/entity/country/georgia", "/explore/graph/person/maxim-galkin", "/explore/graph/country/russia",
			"/explore/timeline?from=2022-09&to=2022-10", "/explore/path?from=person/maxim-galkin&to=person/alla-pugacheva", "/explore/figures/country/georgia",
			"/explore/figures", "/explore/browse/laws", "/explore/browse/people", "/explore/browse/countries", "/explore/compare"} {
			p.open(path)
			p.wait("settled", `!document.querySelector('main .loading') && (!document.querySelector('#cy') || document.querySelector('#cy[data-ready]'))`)
			vs, err := b.Axe("serious", "critical")
			if err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			for _, v := range vs {
				t.Errorf("%s: %s", path, v)
			}
		}
		errs = p.noNewErrors(errs)
	})
}

// graphql posts a query with the test token and returns the response body.
func graphql(t *testing.T, base, query string, vars map[string]any) string {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequest(http.MethodPost, base+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+testToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out bytes.Buffer
	out.ReadFrom(resp.Body)
	return out.String()
}
