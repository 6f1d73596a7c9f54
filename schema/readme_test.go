package schema_test

import (
	"context"
	"encoding/json"
	"os"
	"regexp"
	"strings"
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
		if err := json.Unmarshal([]byte("["+answer+"]"), &shown); err != nil {
			t.Errorf("the answer shown for\n%s\nis not JSON: %v", query, err)
			continue
		}
		for _, s := range leafStrings(shown) {
			want, _ := json.Marshal(s)
			if !strings.Contains(string(got), strings.Trim(string(want), `"`)) {
				t.Errorf("README query\n%s\nshows %q, which the result lacks:\n%.600s", query, s, got)
			}
		}
	}
}

func leafStrings(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		var out []string
		for _, e := range x {
			out = append(out, leafStrings(e)...)
		}
		return out
	case map[string]any:
		var out []string
		for _, e := range x {
			out = append(out, leafStrings(e)...)
		}
		return out
	}
	return nil
}
