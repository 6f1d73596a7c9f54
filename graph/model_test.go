package graph

import (
	"regexp"
	"testing"
)

var slugPattern = regexp.MustCompile(`^[a-z]+/[a-z0-9]+(?:[-.][a-z0-9]+)*$`)

// ValidID accepts exactly what the slug expression accepts.
func FuzzValidID(f *testing.F) {
	for _, id := range []string{"person/chulpan-khamatova", "rel/gen-12", "law/2022.1", "a/b", "", "/", "a/", "/b",
		"Person/x", "person/x-", "person/-x", "person/x--y", "person/x.-y", "person/x/y", "person/ж", "person/x y", "rel/0"} {
		f.Add(id)
	}
	f.Fuzz(func(t *testing.T, id string) {
		if got, want := ValidID(id), slugPattern.MatchString(id); got != want {
			t.Errorf("ValidID(%q) = %v, the expression says %v", id, got, want)
		}
	})
}
