package main

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/emigraph/emigraph/graph"
	"github.com/emigraph/emigraph/graph/badger"
	"github.com/emigraph/emigraph/seed"
)

// maxDiffLines bounds the changes a dry run prints as text; --json lists
// every one.
const maxDiffLines = 200

// printDiff prints what a dry run would do: the summary, then one line a
// change ("+ entity person/x (Name, PERSON)", "~ relation ...: sources:
// +\"quote\"", "- relation ..."), then the warnings; or all of it as JSON.
func (m *Main) printDiff(sum graph.Summary, changes []graph.Change, warnings []string, asJSON bool) error {
	if asJSON {
		enc := json.NewEncoder(m.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(map[string]any{"summary": sum, "changes": orEmpty(changes), "warnings": orEmpty(warnings)})
	}
	fmt.Fprintln(m.Stdout, sum.String())
	for i, c := range changes {
		if i == maxDiffLines {
			fmt.Fprintf(m.Stdout, "... and %d more changes (--json lists every one)\n", len(changes)-maxDiffLines)
			break
		}
		fmt.Fprintln(m.Stdout, c.String())
	}
	for _, w := range warnings {
		fmt.Fprintln(m.Stderr, w)
	}
	return nil
}

func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// seededInMemory is a store in memory holding the embedded seed: what a
// dry run into a new directory checks the files against.
func seededInMemory(ctx context.Context) (graph.Store, error) {
	st, err := badger.Open("", badger.Options{InMemory: true})
	if err != nil {
		return nil, err
	}
	cs, err := seed.Default()
	if err == nil {
		_, err = st.Apply(ctx, cs, false)
	}
	if err != nil {
		st.Close()
		return nil, fmt.Errorf("the embedded seed: %w", err)
	}
	return st, nil
}
