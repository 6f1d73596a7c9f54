package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/emigraph/emigraph/graph/badger"
)

// verify checks a whole store (badger.Verify) and prints what it found; a
// problem makes the command fail (exit 1), after the report.
func (m *Main) verify(ctx context.Context, args []string) error {
	fs := newFlags(m, "verify")
	data := fs.String("data", "data", "data directory")
	if _, err := m.parse(fs, args); err != nil {
		return err
	}
	log, _ := m.logger("warn")
	r, err := badger.Verify(ctx, *data, badger.Options{Logger: badgerLogger{log.With().Str("component", "badger").Logger()}})
	if errors.Is(err, badger.ErrLocked) {
		return fmt.Errorf("%w\n  a server holds %s: stop it to verify the store (its /readyz fails once it has found a table corrupt)", err, *data)
	}
	if err != nil {
		return err
	}
	w := m.Stdout
	fmt.Fprintf(w, "%s\n  tables: %d checked (%s)", r.Dir, r.Tables.Tables, badger.FormatBytes(r.Tables.Bytes))
	if n := len(r.Tables.Problems); n > 0 {
		fmt.Fprintf(w, ", %d corrupt", n)
	}
	fmt.Fprintln(w)
	if r.KeysChecked {
		fmt.Fprintf(w, "  keys: %d predicates, %d entities, %d relations read; adjacency, counters and layout checked\n", r.Predicates, r.Entities, r.Relations)
	} else {
		fmt.Fprintln(w, "  keys: not read (Badger would read the tables that failed)")
	}
	if r.OK() {
		fmt.Fprintln(w, "  no problems")
		return nil
	}
	fmt.Fprintf(w, "  %d problems:\n", len(r.Problems)+r.Omitted)
	for _, p := range r.Problems {
		fmt.Fprintf(w, "    %s\n", p)
	}
	if r.Omitted > 0 {
		fmt.Fprintf(w, "    ... and %d more\n", r.Omitted)
	}
	return fmt.Errorf("%s: %d problems (listed above); restore a backup (emigraph restore) or reload the facts into a new directory", *data, len(r.Problems)+r.Omitted)
}
