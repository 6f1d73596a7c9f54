package graph_test

import (
	"fmt"
	"testing"

	"github.com/emigraph/emigraph/graph"
)

func TestNormalize(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Alla Pugacheva", "alla pugacheva"},
		{"Алла Пугачёва", "alla pugacheva"},
		{"ALLA  PUGACHEVA!", "alla pugacheva"},
		{"Émigré", "emigre"},
		{"Türkiye", "turkiye"},
		{"Bi-2", "bi 2"},
		{"O'Brien", "obrien"},
		{"საქართველო", "sakartvelo"},
		{"Владимир Путин", "vladimir putin"},
		{"  ", ""},
		{"ѐ", "e"}, // a Cyrillic letter that decomposes to another Cyrillic letter and a mark
		{"ϒ", "υ"}, // a compatibility decomposition to a capital
	}
	for _, tc := range tests {
		if got := graph.Normalize(tc.in); got != tc.want {
			t.Errorf("Normalize(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func ExampleNormalize() {
	fmt.Println(graph.Normalize("Алла Пугачёва"))
	fmt.Println(graph.Normalize("Maxim  GALKIN"))
	// Output:
	// alla pugacheva
	// maxim galkin
}

func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"Алла Пугачёва", "Émigré", "Bi-2", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := graph.Normalize(s)
		if graph.Normalize(n) != n {
			t.Fatalf("Normalize is not idempotent on %q: %q then %q", s, n, graph.Normalize(n))
		}
	})
}
