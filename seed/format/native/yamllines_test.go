package native_test

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/emigraph/emigraph/graph"
	"github.com/emigraph/emigraph/seed/format/native"
)

// YAML errors name the line that is wrong, with a hint for the common
// traps (an unquoted colon, a tab, a bad indent), on a table of files
// broken at known lines of a real seed file.
func TestYAMLErrorsNameTheLine(t *testing.T) {
	raw, err := os.ReadFile("../../facts/00-common.yaml")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(raw), "\n")[:60]
	// lines to break: the first "    name:" keys of entities after line 10
	var keys []int
	for i, l := range lines {
		if i >= 10 && strings.HasPrefix(l, "    name: ") {
			keys = append(keys, i)
		}
	}
	if len(keys) < 3 {
		t.Fatalf("the seed file changed shape: %d name lines", len(keys))
	}
	for _, tc := range []struct {
		name   string
		at     int
		break_ func(string) string
		hint   string
	}{
		{"an indent one space short", keys[0], func(l string) string { return l[1:] }, "indentation"},
		{"an indent one space short, later", keys[2], func(l string) string { return l[1:] }, "indentation"},
		{"a tab for indentation", keys[1], func(l string) string { return "\t" + strings.TrimLeft(l, " ") }, "tabs"},
		{"an unquoted colon", keys[1], func(l string) string { return "    name: He said: no\n" }, "must be quoted"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			broken := append([]string(nil), lines...)
			broken[tc.at] = tc.break_(broken[tc.at])
			_, err := native.Parse("f.yaml", strings.NewReader(strings.Join(broken, "")))
			ve, ok := err.(*graph.ValidationError)
			if !ok || len(ve.Items) != 1 {
				t.Fatalf("%v, want one problem", err)
			}
			want := fmt.Sprintf("f.yaml:%d", tc.at+1)
			if ve.Items[0].Where != want || !strings.Contains(ve.Error(), tc.hint) {
				t.Errorf("%s at line %d: %s: %v, want %s and a hint about %s", tc.name, tc.at+1, ve.Items[0].Where, ve, want, tc.hint)
			}
		})
	}
}
