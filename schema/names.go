package schema

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/emigraph/emigraph/graph"
)

// Every argument that names an entity takes its id or any of its names and
// aliases, resolved as entity(name:) resolves them; every argument that
// names a predicate takes a predicate id. What names nothing is an error
// that says so and suggests the nearest, never an empty answer: a reporter
// reads "0" as "no such facts".

// registry is the predicate registry by id, with the hierarchy: the
// predicates that declare each one broader.
type registry struct {
	byID     map[string]*graph.Predicate
	narrower map[string][]string
}

func newRegistry(preds []*graph.Predicate) *registry {
	r := &registry{byID: make(map[string]*graph.Predicate, len(preds)), narrower: map[string][]string{}}
	for _, p := range preds {
		r.byID[p.ID] = p
		if p.Broader != "" {
			r.narrower[p.Broader] = append(r.narrower[p.Broader], p.ID)
		}
	}
	return r
}

// withNarrower returns ids with every predicate narrower than one of them,
// at any depth, added: asking for a predicate asks for its kinds too.
func (r *registry) withNarrower(ids []string) []string {
	if len(ids) == 0 {
		return ids
	}
	seen := map[string]bool{}
	var out []string
	var add func(id string)
	add = func(id string) {
		if seen[id] {
			return
		}
		seen[id] = true
		out = append(out, id)
		for _, n := range r.narrower[id] {
			add(n)
		}
	}
	for _, id := range ids {
		add(id)
	}
	return out
}

// maxSuggestions is how many near matches an "unknown" error offers.
const maxSuggestions = 3

// resolveEntity returns the id of the entity that value names (an id, a
// name or an alias). arg names the argument in errors.
func (a *API) resolveEntity(ctx context.Context, arg, value string) (string, error) {
	e, err := a.store.Entity(ctx, value)
	switch {
	case err == nil:
		return e.ID, nil
	case graph.ErrorCode(err) != graph.ENOTFOUND:
		return "", err
	}
	e, err = a.entityByName(ctx, value)
	if err != nil {
		var ge *graph.Error
		if errors.As(err, &ge) {
			return "", graph.Errorf(ge.Code, "%s: %s", arg, strings.TrimPrefix(ge.Message, "entity: "))
		}
		return "", err
	}
	if e != nil {
		return e.ID, nil
	}
	msg := fmt.Sprintf("%s: no entity has the id or name %q", arg, value)
	if len(value) <= graph.MaxNameLength {
		hits, err := a.store.Search(ctx, value, nil, maxSuggestions)
		if err != nil {
			return "", err
		}
		var near []string
		for _, h := range hits {
			near = append(near, fmt.Sprintf("%s (%s)", h.Entity.ID, h.Entity.Name))
		}
		if len(near) > 0 {
			msg += "; did you mean " + strings.Join(near, " or ") + "?"
		}
	}
	return "", graph.Errorf(graph.ENOTFOUND, "%s", msg)
}

// resolveEntities resolves each argument of args that names an entity, in
// place, to its id; empty ones stay empty.
func (a *API) resolveEntities(ctx context.Context, args map[string]any, names ...string) error {
	for _, name := range names {
		v := str(args, name)
		if v == "" {
			continue
		}
		id, err := a.resolveEntity(ctx, name, v)
		if err != nil {
			return err
		}
		args[name] = id
	}
	return nil
}

// checkPredicates refuses predicate ids the registry does not hold, with the
// nearest ids and labels as suggestions ("fled_to": did you mean fled-to?).
func (a *API) checkPredicates(arg string, ids []string) error {
	known := a.registry.Load().byID
	for _, id := range ids {
		if known[id] != nil {
			continue
		}
		msg := fmt.Sprintf("%s: no predicate has the id %q", arg, id)
		preds := make([]*graph.Predicate, 0, len(known))
		for _, p := range known {
			preds = append(preds, p)
		}
		if near := graph.NearestPredicates(preds, id, maxSuggestions); len(near) > 0 {
			msg += "; did you mean " + strings.Join(near, " or ") + "?"
		}
		return graph.Errorf(graph.ENOTFOUND, "%s (the predicates query lists them all)", msg)
	}
	return nil
}
