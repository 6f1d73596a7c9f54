package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/emigraph/emigraph/graph"
	"github.com/emigraph/emigraph/graph/badger"
)

// retract takes back a source (graph.SourceRetraction): in a data
// directory, or through a running server's retractSource mutation.
func (m *Main) retract(ctx context.Context, args []string) error {
	fs := newFlags(m, "retract")
	data := fs.String("data", "data", "data directory")
	source := fs.String("source", "", "the id of the source record to take back (source/…)")
	dryRun := fs.Bool("dry-run", false, "show what would be retracted and changed; write nothing")
	jsonOut := fs.Bool("json", false, "with --dry-run: print the summary and every change as JSON, for programs")
	server, tokenFile := remoteFlags(fs, "retract through a running server")
	level := fs.String("log-level", "info", "debug, info, warn or error")
	storage := addStoreFlags(fs)
	rest, err := m.parse(fs, args)
	if err != nil {
		return err
	}
	if *source == "" || len(rest) > 0 {
		return &errUsage{"retract takes --source ID and no other arguments"}
	}
	if *server != "" {
		return m.retractRemote(ctx, *server, *tokenFile, *source, *dryRun, *jsonOut)
	}
	log, err := m.logger(*level)
	if err != nil {
		return err
	}
	st, err := m.openStore(*data, log, storage)
	if errors.Is(err, badger.ErrLocked) {
		return fmt.Errorf("%w\n  the server holds %s; retract through it instead:\n  emigraph retract --source %s --server http://127.0.0.1:8080 --token-file FILE", err, *data, *source)
	}
	if err != nil {
		return err
	}
	defer st.Close()
	var plan *graph.Plan
	c := &graph.Changeset{SourceRetractions: []graph.SourceRetraction{{Where: "--source", ID: *source}}}
	sum, err := st.Load(ctx, c, badger.LoadOptions{DryRun: *dryRun, OnPlan: func(p *graph.Plan) { plan = p }})
	if err != nil {
		return m.reportProblems(err)
	}
	if *dryRun {
		return m.printDiff(sum, plan.Changes(), plan.Warnings, *jsonOut)
	}
	fmt.Fprintln(m.Stdout, sum)
	return nil
}

// retractRemote sends retractSource to a server and prints its answer:
// the diff of a dry run, else the summary.
func (m *Main) retractRemote(ctx context.Context, server, tokenFile, source string, dryRun, asJSON bool) error {
	base, token, err := m.remote(server, tokenFile)
	if err != nil {
		return err
	}
	body, _ := json.Marshal(map[string]any{
		"query": `mutation($id: ID!, $dry: Boolean) { retractSource(id: $id, dryRun: $dry) { ok changes errors { where field message }
			summary { relationsUpdated relationsRetracted sourcesRetracted dryRun } } }`,
		"variables": map[string]any{"id": source, "dry": dryRun},
	})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/graphql", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return remoteError(base, resp)
	}
	var out struct {
		Data struct {
			RetractSource struct {
				OK      bool
				Changes []string
				Errors  []struct{ Where, Field, Message string }
				Summary graph.Summary
			}
		}
		Errors []struct{ Message string }
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return fmt.Errorf("%s: reading the answer: %w", base, err)
	}
	if len(out.Errors) > 0 {
		return fmt.Errorf("%s: %s", base, out.Errors[0].Message)
	}
	r := out.Data.RetractSource
	if !r.OK {
		ve := &graph.ValidationError{}
		for _, e := range r.Errors {
			ve.Items = append(ve.Items, graph.ItemError{Where: e.Where, Problems: graph.Problems{{Field: e.Field, Message: e.Message}}})
		}
		return m.reportProblems(ve)
	}
	if asJSON {
		return json.NewEncoder(m.Stdout).Encode(r)
	}
	for _, line := range r.Changes {
		fmt.Fprintln(m.Stdout, line)
	}
	fmt.Fprintf(m.Stdout, "relations: %d retracted, %d updated; sources: %d retracted%s\n", r.Summary.RelationsRetracted, r.Summary.RelationsUpdated, r.Summary.SourcesRetracted,
		map[bool]string{true: " (dry run: nothing written)"}[r.Summary.DryRun])
	return nil
}
