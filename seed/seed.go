package seed

import (
	"embed"
	"io/fs"
	"path"
	"sort"

	"github.com/emigraph/emigraph/graph"
	"github.com/emigraph/emigraph/seed/format/native"
)

//go:embed predicates.yaml facts/*.yaml
var files embed.FS

// Files lists the embedded seed files in load order: predicates first, then
// the facts in name order.
func Files() []string {
	names, _ := fs.Glob(files, "facts/*.yaml")
	sort.Strings(names)
	return append([]string{"predicates.yaml"}, names...)
}

// Default returns the embedded seed: the predicate vocabulary and the facts
// of the article, as one changeset, read by the same parser as `emigraph load`.
func Default() (*graph.Changeset, error) { return Load(Files()...) }

// Load reads the named embedded seed files (names as Files gives them) into
// one changeset.
func Load(names ...string) (*graph.Changeset, error) {
	all := &graph.Changeset{}
	var problems []graph.ItemError
	for _, name := range names {
		f, err := files.Open(name)
		if err != nil {
			return nil, err
		}
		c, err := native.Parse(path.Join("seed", name), f)
		f.Close()
		if err != nil {
			if ve, ok := err.(*graph.ValidationError); ok {
				problems = append(problems, ve.Items...)
				continue
			}
			return nil, err
		}
		all.Append(c)
	}
	if len(problems) > 0 {
		return nil, &graph.ValidationError{Items: problems}
	}
	return all, nil
}
