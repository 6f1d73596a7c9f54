package schema_test

import (
	"context"
	"encoding/json"
	"os"
	"reflect"
	"regexp"
	"testing"

	"github.com/emigraph/emigraph/schema"
)

// The README's example queries run on the seed and each shown answer is the
// result or a part of it, whole (lists are cut only where they say so, with
// "..."): the README stays true. Its shell commands are run by
// TestReadmeCommands (cmd/emigraph).
func TestReadmeExamples(t *testing.T) {
	raw, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := regexp.MustCompile("(?s)```graphql\n(.*?)```(?:\n```json\n(.*?)```)?").FindAllStringSubmatch(string(raw), -1)
	if len(blocks) < 5 {
		t.Fatalf("the README shows %d example queries, want at least 5", len(blocks))
	}
	api := newAPI(t, seeded(t), schema.Options{Limits: schema.DefaultLimits()})
	for _, b := range blocks {
		query, answer := b[1], b[2]
		out := do(t, api, context.Background(), query, nil)
		got, _ := json.Marshal(out)
		if out["errors"] != nil || out["data"] == nil {
			t.Errorf("README query failed:\n%s\n%s", query, got)
			continue
		}
		if answer == "" {
			continue
		}
		var shown any
		if err := json.Unmarshal([]byte(answer), &shown); err != nil {
			t.Errorf("the answer shown for\n%s\nis not JSON: %v", query, err)
			continue
		}
		var data any
		raw, _ := json.Marshal(out["data"])
		json.Unmarshal(raw, &data)
		if !appearsIn(shown, data) {
			t.Errorf("README query\n%s\nshows an answer that is not in the result (a value, an order or a field differs):\nshown: %s\nresult: %.2000s", query, answer, raw)
		}
	}
}

// appearsIn reports whether the shown answer is the result or a part of
// it: the data itself, or a value within it. A list is looked into only when
// it holds one item, so that a shown item cannot hide the others of a longer
// list: a longer list is shown as a list.
func appearsIn(shown, data any) bool {
	if matches(shown, data) {
		return true
	}
	switch d := data.(type) {
	case map[string]any:
		for _, v := range d {
			if appearsIn(shown, v) {
				return true
			}
		}
	case []any:
		if len(d) == 1 {
			return appearsIn(shown, d[0])
		}
	}
	return false
}

// more ends a shown list that shows only the first items of a longer one.
const more = "..."

// matches compares a shown answer with a result: an object shows every
// field the result has, each matching (so a field the query selects cannot
// drop out of the README unseen); a list shows every item of the result, in
// its order, or, ending in "...", its first items and that more follow;
// other values are equal.
func matches(shown, actual any) bool {
	switch s := shown.(type) {
	case map[string]any:
		a, ok := actual.(map[string]any)
		if !ok || len(a) != len(s) {
			return false
		}
		for k, v := range s {
			av, ok := a[k]
			if !ok || !matches(v, av) {
				return false
			}
		}
		return true
	case []any:
		a, ok := actual.([]any)
		if !ok {
			return false
		}
		if n := len(s); n > 0 && s[n-1] == more {
			if len(a) < n { // the "..." stands for at least one item
				return false
			}
			s, a = s[:n-1], a[:n-1]
		}
		if len(a) != len(s) {
			return false
		}
		for i := range s {
			if !matches(s[i], a[i]) {
				return false
			}
		}
		return true
	}
	return reflect.DeepEqual(shown, actual)
}
