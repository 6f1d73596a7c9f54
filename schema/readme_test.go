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

// The README's example queries run on the seed and their shown answers are
// in the results: the README stays true.
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

// appearsIn reports whether the shown answer is part of the result: the
// data itself, or any object or list within it, matches it.
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
		for _, v := range d {
			if appearsIn(shown, v) {
				return true
			}
		}
	}
	return false
}

// matches compares a shown answer with a result: an object shows every
// field the result has, each matching (so a field the query selects cannot
// drop out of the README unseen); a list shows some of the result's items,
// in the result's order (so long lists may be cut); other values are equal.
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
		i := 0
		for _, item := range s {
			for i < len(a) && !matches(item, a[i]) {
				i++
			}
			if i == len(a) {
				return false
			}
			i++
		}
		return true
	}
	return reflect.DeepEqual(shown, actual)
}
