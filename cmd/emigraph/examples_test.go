package main

import (
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// Every sample file in seed/examples (which the README loads) loads on its
// own into a new store, adding what it states, and all of them together
// load once: a second load changes nothing.
func TestSeedExamplesLoad(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("../../seed/examples/*")
	if err != nil || len(files) < 3 {
		t.Fatalf("seed/examples holds %v (%v), want a file of each of the three formats the README loads", files, err)
	}
	added := regexp.MustCompile(`entities: [1-9]\d* added.*relations: [1-9]\d* added`)
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			t.Parallel()
			out, errs, err := run(t, "", nil, "load", f, "--data", filepath.Join(t.TempDir(), "data"), "--sync=false")
			if err != nil || !added.MatchString(out) {
				t.Errorf("load %s: %v\n%s%s", f, err, out, errs)
			}
		})
	}
	t.Run("all", func(t *testing.T) {
		t.Parallel()
		dir := filepath.Join(t.TempDir(), "data")
		args := append(append([]string{"load"}, files...), "--data", dir, "--sync=false")
		if out, errs, err := run(t, "", nil, args...); err != nil || !added.MatchString(out) {
			t.Fatalf("load of every example: %v\n%s%s", err, out, errs)
		}
		out, errs, err := run(t, "", nil, args...)
		if err != nil || !strings.Contains(out, "entities: 0 added, 0 updated") || !strings.Contains(out, "relations: 0 added, 0 updated") {
			t.Errorf("a second load of the examples: %v\n%s%s", err, out, errs)
		}
	})
}

// The real sources of seed/examples, loaded beside the seed as a user would,
// are records of their own, and Georgia's figures split by source show each
// source's figure side by side (issue 22): the article's about 100,000 of
// February to April 2022, the interior ministry's 112,733 of 3 October 2022
// (reported by grom.media) and the ZOiS survey's 75,000 (reviewed by Re:
// Russia).
func TestSecondSourcesCompareWithTheArticle(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "data")
	files := []string{"../../seed/examples/georgia-interior-minister-2022-03.yaml",
		"../../seed/examples/georgia-interior-ministry-2022-10.yaml", "../../seed/examples/zois-diaspora-five-countries.yaml"}
	if out, errs, err := run(t, "", nil, append(append([]string{"load"}, files...), "--data", dir, "--sync=false", "-m", "three sources besides the article")...); err != nil ||
		!strings.Contains(out, "sources: 3 added") {
		t.Fatalf("load: %v\n%s%s", err, out, errs)
	}
	base, stop := serve(t, dir)
	defer stop()
	got := query(t, base, `{ sources { nodes { id publisher published facts } }
		figures(object: "Georgia") { key bySource { source { id } figures { date endDate quantity { amount } } } } }`)
	data, _ := got["data"].(map[string]any)
	if data == nil {
		t.Fatalf("no data: %v", got)
	}
	publishers := map[string]string{}
	for _, n := range data["sources"].(map[string]any)["nodes"].([]any) {
		s := n.(map[string]any)
		publishers[s["id"].(string)] = s["publisher"].(string)
		if s["facts"].(float64) < 1 {
			t.Errorf("source %v supports no fact", s)
		}
	}
	for id, publisher := range map[string]string{"source/wikipedia-russian-emigration-2022": "Wikipedia",
		"source/grom-media-georgia-2022-11": "Гром (grom.media)", "source/re-russia-zois-five-countries": "Re: Russia",
		"source/civil-ge-gomelauri-2022-03": "Civil Georgia"} {
		if publishers[id] != publisher {
			t.Errorf("source %s: publisher %q, want %q (sources: %v)", id, publishers[id], publisher, publishers)
		}
	}
	// each source's figure for Georgia, as "amount date-endDate"
	says := map[string][]string{}
	groups := data["figures"].([]any)
	if len(groups) != 1 {
		t.Fatalf("Georgia's figures in %d groups, want one (Georgia is Georgia): %v", len(groups), groups)
	}
	for _, s := range groups[0].(map[string]any)["bySource"].([]any) {
		bs := s.(map[string]any)
		id := bs["source"].(map[string]any)["id"].(string)
		for _, f := range bs["figures"].([]any) {
			fig := f.(map[string]any)
			says[id] = append(says[id], fmt.Sprintf("%v %v-%v", fig["quantity"].(map[string]any)["amount"], fig["date"], fig["endDate"]))
		}
	}
	for id, want := range map[string]string{"source/wikipedia-russian-emigration-2022": "100000 2022-02-2022-04",
		"source/grom-media-georgia-2022-11": "112733 2022-10-03-<nil>", "source/re-russia-zois-five-countries": "75000 <nil>-<nil>"} {
		if !slices.Contains(says[id], want) {
			t.Errorf("%s says %v for Georgia, want among them %q", id, says[id], want)
		}
	}
}
