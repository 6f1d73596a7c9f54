package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/emigraph/emigraph/seed"
)

// errHelpShown means a command printed its help, as asked: not a failure.
var errHelpShown = errors.New("help shown")

// commandHelp is what `emigraph COMMAND -h` prints above the flags.
var commandHelp = map[string]struct{ usage, about, examples string }{
	"serve": {"emigraph serve [flags]",
		"Serves the graph over GraphQL (/graphql), with GraphiQL (/graphiql), health, readiness and metrics. A new, empty data directory is seeded with the embedded facts.",
		"emigraph serve --data ./data\n  EMIGRAPH_TOKEN=secret emigraph serve --addr 0.0.0.0:8080 --cors https://example.org"},
	"load": {"emigraph load FILE... [flags]",
		"Loads fact files (" + formatList(formatTitle, ", ", ", ") + ") all or nothing, into a data directory or a running server. A new data directory is seeded first.",
		"emigraph load facts.yaml --data ./data\n  emigraph load facts.csv --dry-run --data ./data\n  emigraph load big.jsonl --server http://127.0.0.1:8080 --token-file token"},
	"export": {"emigraph export [flags]",
		"Writes the whole graph in a fact format (or Dgraph's schema), from a data directory or a running server.",
		"emigraph export --format jsonl --data ./data > graph.jsonl\n  emigraph export --server http://127.0.0.1:8080 --token-file token --out graph.nq --format nquads"},
	"retract": {"emigraph retract --source ID [flags]",
		"Takes back a source, all or nothing: retracts every relation only it supports, removes its citations from the relations other sources support too, and removes its record. --dry-run prints what it would change, as load --dry-run does.",
		"emigraph retract --source source/doubtful-blog --dry-run --data ./data\n  emigraph retract --source source/doubtful-blog --server http://127.0.0.1:8080 --token-file token"},
	"gen": {"emigraph gen [flags]",
		"Generates a synthetic graph for benchmarks: hub countries with many relations, most people with one or two.",
		"emigraph gen --entities 100000 --relations 1000000 --seed 1 > big.jsonl"},
	"backup": {"emigraph backup [flags]",
		"Writes a verified backup (a SHA-256 of itself at its end) of a data directory or a running server.",
		"emigraph backup --data ./data > backup.bin\n  emigraph backup --server http://127.0.0.1:8080 --token-file token --out backup.bin"},
	"restore": {"emigraph restore [flags] < FILE",
		"Restores a backup into a new or empty data directory; the backup is verified before anything is written.",
		"emigraph restore --data ./restored < backup.bin"},
	"verify": {"emigraph verify [flags]",
		"Checks a whole store, reading only: every table's checksums, then its keys (adjacency, counters, layout) and, if it holds any, its value log. Reports every problem and exits 1 on any. A store a server holds is refused: stop the server first.",
		"emigraph verify --data ./data"},
}

// formatList joins what name says of each registered format, in the
// registry's order, with sep and, before the last, last: the help and the
// flags list the formats the program has.
func formatList(name func(seed.Format) string, sep, last string) string {
	formats := seed.Formats()
	var b strings.Builder
	for i, f := range formats {
		switch {
		case i == 0:
		case i == len(formats)-1:
			b.WriteString(last)
		default:
			b.WriteString(sep)
		}
		b.WriteString(name(f))
	}
	return b.String()
}

func formatName(f seed.Format) string  { return f.Name }
func formatTitle(f seed.Format) string { return f.Title }

// formatNameList lists the formats' names.
func formatNameList() []string {
	var names []string
	for _, f := range seed.Formats() {
		names = append(names, f.Name)
	}
	return names
}

// formatNames lists the formats' names for an error ("native, csv, ...").
func formatNames() string { return formatList(formatName, ", ", ", ") }

// newFlags makes a command's flag set; Main.parse reads it.
func newFlags(m *Main, name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // Main.parse says what went wrong, once
	fs.Usage = func() {}
	return fs
}

// parse reads a command's flags (before, between or after its positional
// arguments). -h or --help prints the command's help to standard output
// and ends the command with errHelpShown (exit 0); a mistake is a usage
// error that says how to get the help.
func (m *Main) parse(fs *flag.FlagSet, args []string) ([]string, error) {
	positional, err := parseInterleaved(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		m.printHelp(fs)
		return nil, errHelpShown
	}
	if err != nil {
		return nil, &errUsage{fmt.Sprintf("%v (run \"emigraph %s -h\" for its flags)", err, fs.Name())}
	}
	return positional, checkReserve(fs)
}

func (m *Main) printHelp(fs *flag.FlagSet) {
	h := commandHelp[fs.Name()]
	fmt.Fprintf(m.Stdout, "Usage: %s\n\n%s\n\nFlags:\n", h.usage, h.about)
	fs.SetOutput(m.Stdout)
	fs.PrintDefaults()
	fs.SetOutput(io.Discard)
	if h.examples != "" {
		fmt.Fprintf(m.Stdout, "\nExamples:\n  %s\n", strings.TrimSpace(h.examples))
	}
}
