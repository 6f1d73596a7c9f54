package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/rs/zerolog"

	"github.com/emigraph/emigraph/graph"
	"github.com/emigraph/emigraph/graph/badger"
	"github.com/emigraph/emigraph/seed"
)

// snapshot reads the whole graph as a changeset: predicates, then entities,
// then relations, each in id order, so that the same graph always exports to
// the same bytes.
func snapshot(ctx context.Context, st graph.Store) (*graph.Changeset, error) {
	c := &graph.Changeset{}
	preds, err := st.Predicates(ctx)
	if err != nil {
		return nil, err
	}
	for _, p := range preds {
		c.Predicates = append(c.Predicates, graph.PredicateChange{Predicate: *p})
	}
	for after := ""; ; {
		page, err := st.Entities(ctx, graph.EntityFilter{First: graph.MaxPageSize, After: after})
		if err != nil {
			return nil, err
		}
		for _, e := range page.Entities {
			c.Entities = append(c.Entities, graph.EntityChange{Entity: *e})
		}
		if !page.HasNextPage {
			break
		}
		after = page.Cursors[len(page.Cursors)-1]
	}
	for after := ""; ; {
		page, err := st.Relations(ctx, graph.RelationFilter{First: graph.MaxPageSize, After: after})
		if err != nil {
			return nil, err
		}
		for _, r := range page.Relations {
			c.Relations = append(c.Relations, graph.RelationChange{Relation: *r})
		}
		if !page.HasNextPage {
			break
		}
		after = page.Cursors[len(page.Cursors)-1]
	}
	return c, nil
}

func (m *Main) export(ctx context.Context, args []string) error {
	fs := newFlags(m, "export")
	data := fs.String("data", "data", "data directory")
	format, out := outputFlags(fs, "native")
	if _, err := parseInterleaved(fs, args); err != nil {
		return &errUsage{err.Error()}
	}
	f, err := formatFlag(*format)
	if err != nil {
		return err
	}
	log, _ := m.logger("warn")
	st, err := openExisting(*data, log)
	if err != nil {
		return err
	}
	defer st.Close()
	c, err := snapshot(ctx, st)
	if err != nil {
		return err
	}
	return m.writeChangeset(*out, f, c)
}

func (m *Main) backup(ctx context.Context, args []string) error {
	fs := newFlags(m, "backup")
	data := fs.String("data", "data", "data directory")
	if _, err := parseInterleaved(fs, args); err != nil {
		return &errUsage{err.Error()}
	}
	log, _ := m.logger("warn")
	st, err := openExisting(*data, log)
	if err != nil {
		return err
	}
	defer st.Close()
	bw := bufio.NewWriterSize(m.Stdout, 1<<20)
	if err := st.Backup(bw); err != nil {
		return err
	}
	return bw.Flush()
}

// openExisting opens a store that must exist, read-only (export and backup
// never write into it): a mistyped --data gives an error instead of an
// empty export.
func openExisting(dir string, log zerolog.Logger) (*badger.Store, error) {
	if _, err := os.Stat(filepath.Join(dir, "MANIFEST")); err != nil {
		return nil, fmt.Errorf("--data %s holds no emigraph store", dir)
	}
	return badger.Open(dir, badger.Options{Logger: badgerLogger{log.With().Str("component", "badger").Logger()}, ReadOnly: true})
}

func (m *Main) restore(ctx context.Context, args []string) error {
	fs := newFlags(m, "restore")
	data := fs.String("data", "data", "data directory (must be new or empty)")
	reserve := reserveFlag(fs)
	if _, err := parseInterleaved(fs, args); err != nil {
		return &errUsage{err.Error()}
	}
	log, _ := m.logger("warn")
	return badger.Restore(*data, m.Stdin, badger.Options{Logger: badgerLogger{log.With().Str("component", "badger").Logger()}, Reserve: reserve.bytes()})
}

// writeChangeset writes c in format f to the file out, or to standard output
// when out is empty.
func (m *Main) writeChangeset(out string, f seed.Format, c *graph.Changeset) error {
	if out == "" {
		bw := bufio.NewWriterSize(m.Stdout, 1<<20)
		if err := f.Write(bw, c); err != nil {
			return err
		}
		return bw.Flush()
	}
	file, err := os.Create(out)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(file, 1<<20)
	if err := f.Write(bw, c); err != nil {
		file.Close()
		return err
	}
	if err := bw.Flush(); err != nil {
		file.Close()
		return err
	}
	return file.Close() // a full disk may only show here
}
