package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"

	"github.com/rs/zerolog"

	"github.com/emigraph/emigraph/graph"
	"github.com/emigraph/emigraph/graph/badger"
	"github.com/emigraph/emigraph/seed"
	"github.com/emigraph/emigraph/seed/format/nquads"
)

func (m *Main) export(ctx context.Context, args []string) error {
	fs := newFlags(m, "export")
	data := fs.String("data", "data", "data directory")
	format, out := outputFlags(fs, "native")
	fs.Lookup("format").Usage += ", or " + dgraphSchema + " for the Dgraph schema that matches the nquads export, or " +
		dgraphTypes + " for the upserts that give its nodes their Dgraph type"
	server, tokenFile := remoteFlags(fs, "export a running server's graph (read at one moment) instead of opening the data directory")
	if _, err := m.parse(fs, args); err != nil {
		return err
	}
	if d, ok := dgraphOutputs[*format]; ok {
		return m.exportDgraph(ctx, d, *data, *server, *tokenFile, *out)
	}
	f, err := formatFlag(*format)
	if err != nil {
		return err
	}
	if *server != "" {
		base, token, err := m.remote(*server, *tokenFile)
		if err != nil {
			return err
		}
		return m.fetchRemote(ctx, base, "/admin/export?format="+f.Name, token, *out)
	}
	log, _ := m.logger("warn")
	st, err := openExisting(*data, log, "export")
	if err != nil {
		return err
	}
	defer st.Close()
	if f.Name == nquads.Format.Name {
		// a node at a time: the 1M-relation store took 5.3 GB whole
		return m.writeOutput(*out, func(w io.Writer) error { return nquads.WriteSnapshot(ctx, w, st) })
	}
	c, err := st.Snapshot(ctx)
	if err != nil {
		return err
	}
	return m.writeChangeset(*out, f, c)
}

// dgraphSchema and dgraphTypes are the export-only outputs --format
// dgraph-schema and dgraph-types: not fact formats (they cannot be loaded
// back), the Dgraph schema of what --format nquads writes for the same
// graph, and the upserts that give its nodes their Dgraph type.
const (
	dgraphSchema = "dgraph-schema"
	dgraphTypes  = "dgraph-types"
)

// dgraphOutput writes an export-only Dgraph output from a store, a node at
// a time, or from a changeset.
type dgraphOutput struct {
	fromStore     func(context.Context, io.Writer, graph.SnapshotStreamer) error
	fromChangeset func(io.Writer, *graph.Changeset) error
}

var dgraphOutputs = map[string]dgraphOutput{
	dgraphSchema: {nquads.WriteDgraphSchemaSnapshot, nquads.WriteDgraphSchema},
	dgraphTypes:  {nquads.WriteDgraphTypesSnapshot, nquads.WriteDgraphTypeUpserts},
}

// exportDgraph writes a Dgraph output for the graph of the data directory
// (read a node at a time), or of a running server (read through its jsonl
// export).
func (m *Main) exportDgraph(ctx context.Context, d dgraphOutput, data, server, tokenFile, out string) error {
	if server == "" {
		log, _ := m.logger("warn")
		st, err := openExisting(data, log, "export")
		if err != nil {
			return err
		}
		defer st.Close()
		return m.writeOutput(out, func(w io.Writer) error { return d.fromStore(ctx, w, st) })
	}
	base, token, err := m.remote(server, tokenFile)
	if err != nil {
		return err
	}
	resp, err := adminRequest(ctx, http.MethodGet, base, "/admin/export?format=jsonl", token, nil, "")
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	c, err := seed.Parse("jsonl", server, resp.Body)
	if err != nil {
		return err
	}
	return m.writeOutput(out, func(w io.Writer) error { return d.fromChangeset(w, c) })
}

// remoteFlags adds --server and --token-file, for the commands that can ask
// a running server instead of opening the data directory.
func remoteFlags(fs *flag.FlagSet, what string) (server, tokenFile *string) {
	return fs.String("server", "", what+" (its address, e.g. http://127.0.0.1:8080; needs the write token)"),
		fs.String("token-file", "", "file holding the server's bearer token (or set EMIGRAPH_TOKEN), with --server")
}

// remote reads --server and the token.
func (m *Main) remote(server, tokenFile string) (base, token string, err error) {
	if base, err = serverURL(server); err != nil {
		return "", "", err
	}
	token, err = m.readToken(tokenFile)
	return base, token, err
}

func (m *Main) backup(ctx context.Context, args []string) error {
	fs := newFlags(m, "backup")
	data := fs.String("data", "data", "data directory")
	server, tokenFile := remoteFlags(fs, "back up a running server's store (read at one moment) instead of opening the data directory")
	out := fs.String("out", "", "write to this file instead of standard output")
	if _, err := m.parse(fs, args); err != nil {
		return err
	}
	if *server != "" {
		base, token, err := m.remote(*server, *tokenFile)
		if err != nil {
			return err
		}
		return m.fetchRemote(ctx, base, "/admin/backup", token, *out)
	}
	log, _ := m.logger("warn")
	st, err := openExisting(*data, log, "backup")
	if err != nil {
		return err
	}
	defer st.Close()
	return m.writeOutput(*out, st.Backup)
}

// openExisting opens a store that must exist, read-only (export and backup
// never write into it): a mistyped --data gives an error instead of an
// empty export. A store a server holds is refused, untouched, with the
// command that asks the server instead.
func openExisting(dir string, log zerolog.Logger, command string) (*badger.Store, error) {
	if _, err := os.Stat(filepath.Join(dir, "MANIFEST")); err != nil {
		return nil, fmt.Errorf("--data %s holds no emigraph store", dir)
	}
	st, err := badger.Open(dir, badger.Options{Logger: badgerLogger{log.With().Str("component", "badger").Logger()}, ReadOnly: true})
	if errors.Is(err, badger.ErrLocked) {
		return nil, fmt.Errorf("%w\n  nothing in %s was read or changed; if a server holds it, %s through it instead:\n  emigraph %s --server http://127.0.0.1:8080 --token-file FILE --out FILE", err, dir, command, command)
	}
	return st, err
}

func (m *Main) restore(ctx context.Context, args []string) error {
	fs := newFlags(m, "restore")
	data := fs.String("data", "data", "data directory (must be new or empty)")
	reserve := reserveFlag(fs)
	if _, err := m.parse(fs, args); err != nil {
		return err
	}
	log, _ := m.logger("warn")
	return badger.Restore(*data, m.Stdin, badger.Options{Logger: badgerLogger{log.With().Str("component", "badger").Logger()}, Reserve: reserve.n})
}

// writeChangeset writes c in format f to the file out, or to standard output
// when out is empty.
func (m *Main) writeChangeset(out string, f seed.Format, c *graph.Changeset) error {
	return m.writeOutput(out, func(w io.Writer) error { return f.Write(w, c) })
}
