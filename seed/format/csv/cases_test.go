package csv_test

import (
	"testing"

	"github.com/emigraph/emigraph/graph"
)

// badInput is an input that must be refused, and where the problem is.
type badInput struct {
	name  string
	input string
	where string // "f.csv:3"
	field string // the column, field or "column N"
}

// accepted is an input the parser must read, with a check of the result.
type accepted struct {
	name  string
	input string
	check func(t *testing.T, c *graph.Changeset)
}

// inputs lists the inputs of tables, to seed a fuzz test.
func inputs(bad []badInput, good []accepted, extra ...string) []string {
	for _, tt := range bad {
		extra = append(extra, tt.input)
	}
	for _, tt := range good {
		extra = append(extra, tt.input)
	}
	return extra
}
