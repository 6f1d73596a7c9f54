package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// load --dry-run shows what would be added, changed and retracted, line by
// line (and as JSON with --json), warns of a retraction that matches
// nothing, and writes nothing.
func TestDryRunShowsTheDiff(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(t.TempDir(), "facts.yaml")
	os.WriteFile(file, []byte(`entities:
  - id: person/new-one
    name: New One
    type: PERSON
  - id: country/georgia
    name: Georgia
    type: COUNTRY
    aliases: ["Gruzia"]
relations:
  - subject: person/new-one
    predicate: fled-to
    object: country/georgia
    date: "2023"
    quote: "New One left for Georgia."
retract:
  - id: rel/no-such-thing
`), 0o644)
	out, errs, err := run(t, "", nil, "load", file, "--data", dir, "--dry-run")
	if err != nil {
		t.Fatalf("%v %s", err, errs)
	}
	for _, want := range []string{
		`~ entity country/georgia (Georgia): aliases: +"Gruzia"`,
		"+ entity person/new-one (New One, PERSON)",
		"person/new-one fled-to country/georgia, 2023",
		"1 retraction matched no relation (dry run: nothing written)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the dry run does not show %q:\n%s", want, out)
		}
	}
	if !strings.Contains(errs, "facts.yaml:16: retract: no relation rel/no-such-thing") {
		t.Errorf("no warning for the retraction that matches nothing:\n%s", errs)
	}
	out, _, err = run(t, "", nil, "load", file, "--data", dir, "--dry-run", "--json")
	var diff struct {
		Summary  struct{ EntitiesAdded, RetractionsNotFound int }
		Changes  []struct{ Op, Kind, ID string }
		Warnings []string
	}
	if err != nil || json.Unmarshal([]byte(out), &diff) != nil || len(diff.Changes) != 3 || diff.Summary.EntitiesAdded != 1 ||
		diff.Summary.RetractionsNotFound != 1 || len(diff.Warnings) != 1 || diff.Changes[1].Op != "add" || diff.Changes[1].ID != "person/new-one" {
		t.Errorf("--json: %v %+v\n%s", err, diff, out)
	}
	// nothing was written: a real load still adds the entity
	out, _, err = run(t, "", nil, "load", file, "--data", dir)
	if err != nil || !strings.Contains(out, "entities: 1 added") {
		t.Errorf("after the dry runs: %v %s", err, out)
	}
}

// The same diff comes from a running server: load --server --dry-run.
func TestDryRunThroughTheServer(t *testing.T) {
	t.Parallel()
	base, _, stop := serveWithToken(t, t.TempDir(), "tok-diff")
	defer stop()
	file := filepath.Join(t.TempDir(), "facts.yaml")
	os.WriteFile(file, []byte("entities:\n  - id: person/new-two\n    name: New Two\n    type: PERSON\nretract:\n  - id: rel/no-such-thing\n"), 0o644)
	env := map[string]string{"EMIGRAPH_TOKEN": "tok-diff"}
	out, errs, err := run(t, "", env, "load", file, "--server", base, "--dry-run")
	if err != nil || !strings.Contains(out, "+ entity person/new-two (New Two, PERSON)") || !strings.Contains(errs, "retract: no relation rel/no-such-thing") {
		t.Errorf("load --server --dry-run: %v\n%s\n%s", err, out, errs)
	}
	out, _, err = run(t, "", env, "load", file, "--server", base, "--dry-run", "--json")
	if err != nil || !strings.Contains(out, `"id": "person/new-two"`) {
		t.Errorf("load --server --dry-run --json: %v\n%s", err, out)
	}
}
