package explorer_test

import (
	"os"
	"strings"
	"testing"

	"github.com/emigraph/emigraph/graph/badger"
	"github.com/emigraph/emigraph/server/internal/browsertest"
)

// TestHubTimelineOnBigStore opens the timeline of the biggest hub of a
// generated store with a predicate and a year: counting those reads every
// relation of the hub dated in the year, more than the work limit allows,
// and the view shows the facts and says it could not count them, rather
// than an error. Like TestHubEntityViewOnBigStore, it runs only when
// $EMIGRAPH_EXPLORE_STORE names such a store.
func TestHubTimelineOnBigStore(t *testing.T) {
	dir := os.Getenv(EnvBigStore)
	if dir == "" {
		t.Skipf("set $%s to a store loaded with emigraph gen output to run", EnvBigStore)
	}
	st, err := badger.Open(dir, badger.Options{NoSync: true, MemTableSize: 8 << 20})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	ts, _ := serve(t, st)
	p := &tab{t: t, b: browsertest.Start(t), base: ts.URL}
	for path, want := range map[string]string{
		"/explore/timeline/country/gen-0?predicate=fled-to&from=2023&to=2023": "too many to count at once",
		"/explore/timeline/country/gen-0?from=2023-03&to=2023-03":             "dated facts, 50 shown",
	} {
		p.open(path)
		p.wait("the facts and their count", `document.querySelectorAll('.timeline .fact').length === 50 && document.querySelector('main p.muted:not(:empty)')`)
		count := eval[string](p, `[...document.querySelectorAll('main p.muted')].map((e) => e.innerText).join(' | ')`)
		t.Logf("%s: %s", path, count)
		if !strings.Contains(count, want) {
			t.Errorf("%s: the count says %q; want %q", path, count, want)
		}
	}
	if e := p.b.Errors(); len(e) > 0 {
		t.Errorf("errors in the page: %q", e)
	}
}
