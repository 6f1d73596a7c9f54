package badger

import (
	"slices"

	"github.com/emigraph/emigraph/graph"
)

// A build with a seed (BuildOptions.Seed) plans the seed first, against an
// empty store, and then the changeset against the planned seed (planView),
// as loading it into a store seeded with it would plan it: the changeset may
// correct the seed's predicates and entities, restate its relations (adding
// sources) and retract them. onto then lays the second plan over the first,
// and the build writes the result as the plan of one write into an empty
// store.

// planView is the state a plan leaves an empty store in, as a graph.View.
type planView struct {
	predicates map[string]*graph.Predicate
	entities   map[string]*graph.Entity
	relations  map[string]*graph.Relation
	names      map[string][]string // normalised name or alias -> entity ids
	sources    map[string]*graph.SourceRecord
	sourceURLs map[string]string // URL -> source id
}

func newPlanView(p *graph.Plan) *planView {
	v := &planView{
		predicates: make(map[string]*graph.Predicate, len(p.Predicates)),
		entities:   make(map[string]*graph.Entity, len(p.Entities)),
		relations:  make(map[string]*graph.Relation, len(p.Relations)),
		names:      map[string][]string{},
		sources:    map[string]*graph.SourceRecord{},
		sourceURLs: map[string]string{},
	}
	for _, w := range p.Sources {
		if w.New != nil {
			v.sources[w.New.ID] = w.New
			if w.New.URL != "" {
				v.sourceURLs[w.New.URL] = w.New.ID
			}
		}
	}
	for _, w := range p.Predicates {
		if w.New != nil {
			v.predicates[w.New.ID] = w.New
		}
	}
	for _, w := range p.Entities {
		if e := w.New; e != nil {
			v.entities[e.ID] = e
			for _, n := range e.Names() {
				k := graph.Normalize(n)
				if !slices.Contains(v.names[k], e.ID) {
					v.names[k] = append(v.names[k], e.ID)
				}
			}
		}
	}
	for _, w := range p.Relations {
		if w.New != nil {
			v.relations[w.New.ID] = w.New
		}
	}
	return v
}

func (v *planView) Predicate(id string) (*graph.Predicate, error) { return v.predicates[id], nil }
func (v *planView) Entity(id string) (*graph.Entity, error)       { return v.entities[id], nil }
func (v *planView) Relation(id string) (*graph.Relation, error)   { return v.relations[id], nil }
func (v *planView) EntityIDsByName(norm string) ([]string, error) {
	return slices.Clone(v.names[norm]), nil
}
func (v *planView) SourceRecord(id string) (*graph.SourceRecord, error) { return v.sources[id], nil }
func (v *planView) SourceIDByURL(url string) (string, error)            { return v.sourceURLs[url], nil }

// CitingRelationIDs implements graph.SourceView, by a pass over the
// relations (a seed's: a build retracts a source of its seed rarely).
func (v *planView) CitingRelationIDs(id string) ([]string, error) {
	var ids []string
	for rid, r := range v.relations {
		if r.Cites(id) {
			ids = append(ids, rid)
		}
	}
	slices.Sort(ids)
	return ids, nil
}

// onto lays top, planned against newPlanView(base), over base, a plan of
// additions to an empty store: the result is the plan, of additions alone,
// that writes what base then top would. Summary is top's. With base nil it
// is top.
func onto(base, top *graph.Plan) *graph.Plan {
	if base == nil {
		return top
	}
	out := &graph.Plan{Summary: top.Summary}
	predicates := map[string]*graph.Predicate{}
	for _, w := range top.Predicates {
		predicates[w.New.ID] = w.New
	}
	for _, w := range base.Predicates {
		if p, ok := predicates[w.New.ID]; ok {
			out.Predicates = append(out.Predicates, graph.PredicateWrite{New: p})
			delete(predicates, w.New.ID)
		} else {
			out.Predicates = append(out.Predicates, graph.PredicateWrite{New: w.New})
		}
	}
	for _, w := range top.Predicates { // new ones, in the changeset's order
		if _, ok := predicates[w.New.ID]; ok {
			out.Predicates = append(out.Predicates, graph.PredicateWrite{New: w.New})
		}
	}
	// entities, by id (as PlanChangeset orders them)
	entities := make(map[string]*graph.Entity, len(base.Entities)+len(top.Entities))
	for _, w := range base.Entities {
		entities[w.New.ID] = w.New
	}
	for _, w := range top.Entities {
		entities[w.New.ID] = w.New
	}
	ids := make([]string, 0, len(entities))
	for id := range entities {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	out.Entities = make([]graph.EntityWrite, len(ids))
	for i, id := range ids {
		out.Entities[i] = graph.EntityWrite{New: entities[id]}
	}
	// relations: the base's, restated or retracted by top, then top's new ones
	changed := make(map[string]*graph.RelationWrite, len(top.Relations))
	for i := range top.Relations {
		w := &top.Relations[i]
		if w.Old != nil {
			changed[w.Old.ID] = w
		}
	}
	out.Relations = make([]graph.RelationWrite, 0, len(base.Relations)+len(top.Relations))
	for _, w := range base.Relations {
		r := w.New
		if c, ok := changed[r.ID]; ok {
			if r = c.New; r == nil {
				continue // retracted
			}
		}
		out.Relations = append(out.Relations, graph.RelationWrite{New: r})
	}
	for _, w := range top.Relations {
		if w.Old == nil && w.New != nil {
			out.Relations = append(out.Relations, graph.RelationWrite{New: w.New})
		}
	}
	out.Sources = ontoSources(base.Sources, top.Sources)
	return out
}

// ontoSources lays the source records' writes of top over base's
// additions: base's records as top leaves them (or retracts them), then
// top's new ones.
func ontoSources(base, top []graph.SourceWrite) []graph.SourceWrite {
	changed := make(map[string]*graph.SourceWrite, len(top))
	for i := range top {
		if w := &top[i]; w.Old != nil {
			changed[w.Old.ID] = w
		}
	}
	out := make([]graph.SourceWrite, 0, len(base)+len(top))
	for _, w := range base {
		rec := w.New
		if c, ok := changed[rec.ID]; ok {
			if rec = c.New; rec == nil {
				continue
			}
		}
		out = append(out, graph.SourceWrite{New: rec})
	}
	for _, w := range top {
		if w.Old == nil && w.New != nil {
			out = append(out, graph.SourceWrite{New: w.New})
		}
	}
	return out
}

// Predicates implements graph.PredicateLister: planning a write checks the
// typed field names of its predicates against those planned before.
func (v *planView) Predicates() ([]*graph.Predicate, error) {
	out := make([]*graph.Predicate, 0, len(v.predicates))
	for _, p := range v.predicates {
		out = append(out, p)
	}
	return out, nil
}
