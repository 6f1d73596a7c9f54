package graph

import (
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strconv"
)

// Changeset is one write to the graph, applied in full or not at all. Each
// item says Where it came from ("facts.csv:12") so that problems can name
// the place to fix.
type Changeset struct {
	Predicates  []PredicateChange
	Entities    []EntityChange
	Relations   []RelationChange
	Retractions []Retraction
	// Sources are source records to add or correct (source.go), and
	// SourceRetractions sources to take back with what only they support.
	Sources           []SourceChange
	SourceRetractions []SourceRetraction
}

// PredicateChange adds or replaces a predicate definition.
type PredicateChange struct {
	Where     string
	Predicate Predicate
}

// EntityChange adds an entity or corrects one. For an entity that exists,
// empty fields keep their stored value, Aliases are added to the stored ones,
// and RemoveAliases are taken away; so a correction names only what changes.
type EntityChange struct {
	Where         string
	Entity        Entity
	RemoveAliases []string
}

// RelationChange states a relation. Subject and Object may be entity ids or
// names (matched against names and aliases like Query.entity(name:)).
type RelationChange struct {
	Where    string
	Relation Relation
}

// Retraction withdraws a relation, named by ID or by the fields that make up
// its identity (subject, predicate, object, dates, quantity). Retracting a
// relation that is not there changes nothing.
type Retraction struct {
	Where    string
	Relation Relation
}

// Len is the number of items in the changeset.
func (c *Changeset) Len() int {
	return len(c.Predicates) + len(c.Entities) + len(c.Relations) + len(c.Retractions) + len(c.Sources) + len(c.SourceRetractions)
}

// Append adds the items of other to c.
func (c *Changeset) Append(other *Changeset) {
	c.Predicates = append(c.Predicates, other.Predicates...)
	c.Entities = append(c.Entities, other.Entities...)
	c.Relations = append(c.Relations, other.Relations...)
	c.Retractions = append(c.Retractions, other.Retractions...)
	c.Sources = append(c.Sources, other.Sources...)
	c.SourceRetractions = append(c.SourceRetractions, other.SourceRetractions...)
}

// View is what planning a changeset needs to read from a store. Lookups of
// something absent return nil and no error.
type View interface {
	Predicate(id string) (*Predicate, error)
	Entity(id string) (*Entity, error)
	EntityIDsByName(normalized string) ([]string, error)
	Relation(id string) (*Relation, error)
}

// Summary counts what a write did (or, for a dry run, would do).
type Summary struct {
	PredicatesAdded     int `json:"predicatesAdded"`
	PredicatesUpdated   int `json:"predicatesUpdated"`
	PredicatesUnchanged int `json:"predicatesUnchanged"`
	EntitiesAdded       int `json:"entitiesAdded"`
	EntitiesUpdated     int `json:"entitiesUpdated"`
	EntitiesUnchanged   int `json:"entitiesUnchanged"`
	RelationsAdded      int `json:"relationsAdded"`
	RelationsUpdated    int `json:"relationsUpdated"`
	RelationsUnchanged  int `json:"relationsUnchanged"`
	RelationsRetracted  int `json:"relationsRetracted"`
	// RetractionsNotFound counts retractions that matched no relation:
	// already retracted, or naming a relation that never was (Plan.Warnings
	// says which, and where).
	RetractionsNotFound int  `json:"retractionsNotFound"`
	DryRun              bool `json:"dryRun"`
	// The source records added, corrected, stated again unchanged, and
	// retracted (source.go).
	SourcesAdded     int `json:"sourcesAdded,omitempty"`
	SourcesUpdated   int `json:"sourcesUpdated,omitempty"`
	SourcesUnchanged int `json:"sourcesUnchanged,omitempty"`
	SourcesRetracted int `json:"sourcesRetracted,omitempty"`
}

func notFound(n int) string {
	switch n {
	case 0:
		return ""
	case 1:
		return "; 1 retraction matched no relation"
	}
	return fmt.Sprintf("; %d retractions matched no relation", n)
}

// Changed reports whether the write changed anything.
func (s Summary) Changed() bool {
	return s.PredicatesAdded+s.PredicatesUpdated+s.EntitiesAdded+s.EntitiesUpdated+
		s.RelationsAdded+s.RelationsUpdated+s.RelationsRetracted+
		s.SourcesAdded+s.SourcesUpdated+s.SourcesRetracted > 0
}

func (s Summary) String() string {
	dry := ""
	if s.DryRun {
		dry = " (dry run: nothing written)"
	}
	return fmt.Sprintf("predicates: %d added, %d updated, %d unchanged; entities: %d added, %d updated, %d unchanged; relations: %d added, %d updated, %d unchanged, %d retracted%s",
		s.PredicatesAdded, s.PredicatesUpdated, s.PredicatesUnchanged,
		s.EntitiesAdded, s.EntitiesUpdated, s.EntitiesUnchanged,
		s.RelationsAdded, s.RelationsUpdated, s.RelationsUnchanged, s.RelationsRetracted, notFound(s.RetractionsNotFound)+s.sourcesPart()+dry)
}

// Plan is a checked changeset: the old and new state of everything it
// touches. Old is nil for an addition; New is nil for a removal. A store
// applies a plan by writing New and moving its indexes from Old to New.
type Plan struct {
	Predicates []PredicateWrite
	Entities   []EntityWrite
	Relations  []RelationWrite
	Sources    []SourceWrite
	Summary    Summary
	// Warnings are what the write would do nothing about, though the
	// input asked: a retraction that matches no relation.
	Warnings []string
}

// PredicateWrite is the old and new state of a predicate.
type PredicateWrite struct{ Old, New *Predicate }

// EntityWrite is the old and new state of an entity.
type EntityWrite struct{ Old, New *Entity }

// RelationWrite is the old and new state of a relation.
type RelationWrite struct{ Old, New *Relation }

// MaxReportedItems bounds how many failing items a ValidationError lists.
const MaxReportedItems = 200

// PlanChangeset checks every item of c against the view and against each
// other, and returns what to write. If anything is wrong it returns a
// *ValidationError listing every failing item (up to MaxReportedItems) and no
// plan.
func PlanChangeset(c *Changeset, v View) (*Plan, error) {
	p := &planner{
		view:       v,
		plan:       &Plan{},
		predicates: map[string]*Predicate{},
		// sized up front: a large load would otherwise rehash them again and again
		entities:  make(map[string]*EntityWrite, len(c.Entities)),
		names:     make(map[string]map[string]bool, len(c.Entities)),
		relations: make(map[string]*relationState, len(c.Relations)+len(c.Retractions)),
		order:     make([]string, 0, len(c.Relations)+len(c.Retractions)),
	}
	if err := p.run(c); err != nil {
		return nil, err
	}
	if len(p.failed) > 0 {
		return nil, &ValidationError{Items: p.failed}
	}
	return p.plan, nil
}

type planner struct {
	view       View
	plan       *Plan
	failed     []ItemError
	truncated  int
	predicates map[string]*Predicate      // id -> new state, for this changeset
	entities   map[string]*EntityWrite    // id -> old/new, for this changeset
	names      map[string]map[string]bool // normalised name -> ids, for this changeset
	relations  map[string]*relationState
	order      []string // relation ids in first-seen order
	sources    sourcePlan
}

// relationState is a relation write and where the changeset first states it.
type relationState struct {
	RelationWrite
	where string
}

func (p *planner) fail(where string, ps Problems) {
	if len(ps) == 0 {
		return
	}
	if len(p.failed) >= MaxReportedItems {
		p.truncated++
		return
	}
	p.failed = append(p.failed, ItemError{Where: where, Problems: ps})
}

func (p *planner) run(c *Changeset) error {
	predWhere := map[string]string{}
	for _, pc := range c.Predicates {
		pred := pc.Predicate
		ps := pred.Validate()
		if first, dup := predWhere[pred.ID]; dup {
			ps.Add("id", "duplicate predicate %q (first defined at %s)", pred.ID, first)
		}
		if len(ps) > 0 {
			p.fail(pc.Where, ps)
			continue
		}
		predWhere[pred.ID] = pc.Where
		old, err := p.view.Predicate(pred.ID)
		if err != nil {
			return err
		}
		pred.SubjectTypes = SortedTypes(pred.SubjectTypes)
		pred.ObjectTypes = SortedTypes(pred.ObjectTypes)
		np := pred
		p.predicates[pred.ID] = &np
		switch {
		case old == nil:
			p.plan.Summary.PredicatesAdded++
		case predicateEqual(old, &np):
			p.plan.Summary.PredicatesUnchanged++
			continue
		default:
			p.plan.Summary.PredicatesUpdated++
		}
		p.plan.Predicates = append(p.plan.Predicates, PredicateWrite{Old: old, New: &np})
	}

	if err := p.checkBroader(c, predWhere); err != nil {
		return err
	}
	if err := p.checkFieldNames(c, predWhere); err != nil {
		return err
	}

	entWhere := map[string]string{}
	for _, ec := range c.Entities {
		if err := p.entity(ec, entWhere); err != nil {
			return err
		}
	}
	for id, w := range p.entities {
		_ = id
		if w.New != nil {
			for _, n := range w.New.Names() {
				key := Normalize(n)
				if p.names[key] == nil {
					p.names[key] = map[string]bool{}
				}
				p.names[key][w.New.ID] = true
			}
		}
	}
	if err := p.sourceRecords(c.Sources); err != nil {
		return err
	}
	for _, rc := range c.Relations {
		if err := p.relation(rc); err != nil {
			return err
		}
	}
	for _, rt := range c.Retractions {
		if err := p.retraction(rt); err != nil {
			return err
		}
	}
	for _, sr := range c.SourceRetractions {
		if err := p.retractSource(sr); err != nil {
			return err
		}
	}
	p.finishSources()
	if p.truncated > 0 {
		p.failed = append(p.failed, ItemError{Where: "...", Problems: Problems{{Field: "items", Message: strconv.Itoa(p.truncated) + " more items failed"}}})
	}
	// entities in a deterministic order
	ids := make([]string, 0, len(p.entities))
	for id := range p.entities {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		w := p.entities[id]
		if w.Old != nil && w.Old.Equal(w.New) {
			continue
		}
		p.plan.Entities = append(p.plan.Entities, *w)
	}
	p.plan.Relations = make([]RelationWrite, 0, len(p.order))
	for _, id := range p.order {
		w := p.relations[id]
		if p.isChange(&w.RelationWrite) == 2 {
			continue
		}
		p.plan.Relations = append(p.plan.Relations, w.RelationWrite)
	}
	return nil
}

// predicateEqual and relationEqual compare as Entity.Equal does: every
// field by reflect.DeepEqual (pointers by what they point to), lists that
// are empty or absent alike.
func predicateEqual(a, b *Predicate) bool {
	x, y := *a, *b
	x.SubjectTypes, x.ObjectTypes = nilIfEmpty(x.SubjectTypes), nilIfEmpty(x.ObjectTypes)
	y.SubjectTypes, y.ObjectTypes = nilIfEmpty(y.SubjectTypes), nilIfEmpty(y.ObjectTypes)
	return reflect.DeepEqual(x, y)
}

func (p *planner) entity(ec EntityChange, entWhere map[string]string) error {
	in := ec.Entity
	var ps Problems
	if first, dup := entWhere[in.ID]; dup && in.ID != "" {
		ps.Add("id", "duplicate entity %q (first defined at %s)", in.ID, first)
		p.fail(ec.Where, ps)
		return nil
	}
	old, err := p.view.Entity(in.ID)
	if err != nil {
		return err
	}
	merged := in
	if old != nil {
		merged = *old
		merged.Aliases = append([]string(nil), old.Aliases...)
		if in.Name != "" {
			merged.Name = in.Name
		}
		if in.Description != "" {
			merged.Description = in.Description
		}
		if in.Type != "" && in.Type != old.Type {
			ps.Add("type", "cannot change from %s to %s: relations were checked against %s", old.Type, in.Type, old.Type)
		}
		merged.Aliases = addAliases(merged.Aliases, in.Aliases)
	} else {
		merged.Aliases = addAliases(nil, in.Aliases)
	}
	if len(ec.RemoveAliases) > 0 {
		drop := map[string]bool{}
		for _, a := range ec.RemoveAliases {
			drop[a] = true
		}
		kept := merged.Aliases[:0:0]
		for _, a := range merged.Aliases {
			if !drop[a] {
				kept = append(kept, a)
			}
		}
		merged.Aliases = kept
	}
	ps = append(ps, merged.Validate()...)
	if len(ps) > 0 {
		p.fail(ec.Where, ps)
		return nil
	}
	entWhere[in.ID] = ec.Where
	p.entities[in.ID] = &EntityWrite{Old: old, New: &merged}
	switch {
	case old == nil:
		p.plan.Summary.EntitiesAdded++
	case old.Equal(&merged):
		p.plan.Summary.EntitiesUnchanged++
	default:
		p.plan.Summary.EntitiesUpdated++
	}
	return nil
}

// addAliases appends the aliases not already present, keeping order and
// dropping blanks and exact repeats.
func addAliases(have, add []string) []string {
	seen := map[string]bool{}
	for _, a := range have {
		seen[a] = true
	}
	for _, a := range add {
		if !seen[a] {
			seen[a] = true
			have = append(have, a)
		}
	}
	return have
}

// resolve turns an entity reference (an id or a name) into an entity.
func (p *planner) resolve(ref string) (*Entity, string, error) {
	if ref == "" {
		return nil, "", nil
	}
	if w, ok := p.entities[ref]; ok {
		return w.New, "", nil
	}
	if ValidID(ref) {
		e, err := p.view.Entity(ref)
		if err != nil || e != nil {
			return e, "", err
		}
	}
	key := Normalize(ref)
	ids := map[string]bool{}
	for id := range p.names[key] {
		ids[id] = true
	}
	stored, err := p.view.EntityIDsByName(key)
	if err != nil {
		return nil, "", err
	}
	for _, id := range stored {
		ids[id] = true
	}
	switch len(ids) {
	case 0:
		return nil, fmt.Sprintf("unknown entity %q: no entity has this id, name or alias", ref) + p.suggestEntities(ref), nil
	case 1:
		for id := range ids {
			if w, ok := p.entities[id]; ok {
				return w.New, "", nil
			}
			e, err := p.view.Entity(id)
			return e, "", err
		}
	}
	list := make([]string, 0, len(ids))
	for id := range ids {
		list = append(list, id)
	}
	sort.Strings(list)
	return nil, fmt.Sprintf("ambiguous entity %q: it names %d entities (%s); use an id", ref, len(list), ListCandidates(list, len(list))), nil
}

// checkBroader checks the hierarchy the changeset's predicates declare: the
// broader predicate exists (in the changeset or the store), the chain has no
// cycle, and a narrower predicate's subject and object types lie within the
// broader one's, so that asking for the broader never returns a relation
// its own types forbid.
func (p *planner) checkBroader(c *Changeset, predWhere map[string]string) error {
	for _, pc := range c.Predicates {
		pred := p.predicates[pc.Predicate.ID]
		if pred == nil || pred.Broader == "" || predWhere[pred.ID] != pc.Where {
			continue
		}
		var ps Problems
		seen := map[string]bool{pred.ID: true}
		for cur := pred; cur.Broader != ""; {
			up, err := p.predicate(cur.Broader)
			if err != nil {
				return err
			}
			if up == nil {
				ps.Add("broader", "%s declares broader %q, which is no predicate", cur.ID, cur.Broader)
				break
			}
			if seen[up.ID] {
				ps.Add("broader", "the chain of broader predicates from %s comes back to %s", pred.ID, up.ID)
				break
			}
			seen[up.ID] = true
			cur = up
		}
		if len(ps) == 0 {
			if up, _ := p.predicate(pred.Broader); up != nil {
				for _, t := range pred.SubjectTypes {
					if !up.AllowsSubject(t) {
						ps.Add("subjectTypes", "%s is not a subject type of the broader %s (%s)", t, up.ID, joinTypes(up.SubjectTypes))
					}
				}
				for _, t := range pred.ObjectTypes {
					if !up.AllowsObject(t) {
						ps.Add("objectTypes", "%s is not an object type of the broader %s (%s)", t, up.ID, joinTypes(up.ObjectTypes))
					}
				}
			}
		}
		if len(ps) > 0 {
			p.fail(pc.Where, ps)
		}
	}
	return nil
}

// suggestEntities offers the nearest entities to an unknown name, when the
// view can tell them; a failure to suggest leaves the error as it was.
func (p *planner) suggestEntities(name string) string {
	s, ok := p.view.(EntitySuggester)
	if !ok {
		return ""
	}
	near, err := s.SuggestEntities(name, 3)
	if err != nil {
		return ""
	}
	return didYouMean(near)
}

// suggestPredicates offers the nearest predicates, stored or in the write,
// to an unknown predicate id.
func (p *planner) suggestPredicates(id string) string {
	var preds []*Predicate
	for _, pr := range p.predicates {
		preds = append(preds, pr)
	}
	if s, ok := p.view.(PredicateLister); ok {
		stored, err := s.Predicates()
		if err == nil {
			preds = append(preds, stored...)
		}
	}
	return didYouMean(NearestPredicates(preds, id, 3))
}

func (p *planner) predicate(id string) (*Predicate, error) {
	if pr, ok := p.predicates[id]; ok {
		return pr, nil
	}
	return p.view.Predicate(id)
}

// check resolves and type-checks a relation, returning it with ids in place
// of names.
func (p *planner) check(r Relation, ps *Problems) (Relation, error) {
	*ps = append(*ps, r.Validate()...)
	r.Normalize()
	if err := p.cite(&r, ps); err != nil {
		return r, err
	}
	pred, err := p.predicate(r.Predicate)
	if err != nil {
		return r, err
	}
	if pred == nil && r.Predicate != "" {
		ps.Add("predicate", "unknown predicate %q%s", r.Predicate, p.suggestPredicates(r.Predicate))
	}
	subj, why, err := p.resolve(r.Subject)
	if err != nil {
		return r, err
	}
	if why != "" {
		ps.Add("subject", "%s", why)
	}
	obj, why, err := p.resolve(r.Object)
	if err != nil {
		return r, err
	}
	if why != "" {
		ps.Add("object", "%s", why)
	}
	if subj != nil {
		r.Subject = subj.ID
	}
	if obj != nil {
		r.Object = obj.ID
	}
	if pred != nil {
		if subj != nil && !pred.AllowsSubject(subj.Type) {
			ps.Add("subject", "%s is a %s, but %s takes a subject of type %s", subj.ID, subj.Type, pred.ID, joinTypes(pred.SubjectTypes))
		}
		if obj != nil && !pred.AllowsObject(obj.Type) {
			if len(pred.ObjectTypes) == 0 {
				ps.Add("object", "%s takes no object", pred.ID)
			} else {
				ps.Add("object", "%s is a %s, but %s takes an object of type %s", obj.ID, obj.Type, pred.ID, joinTypes(pred.ObjectTypes))
			}
		}
		if r.Object == "" && !pred.ObjectOptional {
			ps.Add("object", "is required for %s", pred.ID)
		}
	}
	return r, nil
}

func (p *planner) relation(rc RelationChange) error {
	var ps Problems
	r, err := p.check(rc.Relation, &ps)
	if err != nil {
		return err
	}
	if len(ps) > 0 {
		p.fail(rc.Where, ps)
		return nil
	}
	if r.ID == "" {
		r.ID = r.DeriveID()
	}
	if w, ok := p.relations[r.ID]; ok {
		// the same fact stated twice in one write: one relation, both sources
		if w.New == nil {
			ps.Add("id", "relation %s is also retracted at %s", r.ID, w.where)
		} else if !w.New.SameFact(&r) || (r.Note != "" && w.New.Note != "" && w.New.Note != r.Note) ||
			(len(r.Hedges) > 0 && len(w.New.Hedges) > 0 && !slices.Equal(r.Hedges, w.New.Hedges)) {
			ps.Add("id", "duplicate relation %s with different content (first stated at %s)", r.ID, w.where)
		}
		if len(ps) > 0 {
			p.fail(rc.Where, ps)
			return nil
		}
		before := p.isChange(&w.RelationWrite)
		if w.New.Note == "" {
			w.New.Note = r.Note
		}
		if len(w.New.Hedges) == 0 {
			w.New.Hedges = r.Hedges
		}
		w.New.MergeSources(r.Sources)
		if len(w.New.Sources) > MaxSources {
			ps.Add("sources", "relation %s would have %d sources with those stated at %s, more than the %d a relation may have", r.ID, len(w.New.Sources), w.where, MaxSources)
			p.fail(rc.Where, ps)
			return nil
		}
		p.recount(before, &w.RelationWrite)
		return nil
	}
	old, err := p.view.Relation(r.ID)
	if err != nil {
		return err
	}
	nr := r
	nr.Sources = append([]Source(nil), r.Sources...)
	if old != nil {
		if nr, ps = restated(old, nr); len(ps) > 0 {
			p.fail(rc.Where, ps)
			return nil
		}
		// citations stored inline before source records become citations of records
		if err := p.cite(&nr, &ps); err != nil {
			return err
		}
		if len(ps) > 0 {
			p.fail(rc.Where, ps)
			return nil
		}
	}
	w := &relationState{RelationWrite: RelationWrite{Old: old, New: &nr}, where: rc.Where}
	p.relations[r.ID] = w
	p.order = append(p.order, r.ID)
	p.recount(-1, &w.RelationWrite)
	return nil
}

// restated is what a relation the view holds, old, becomes when r states
// it again: its sources and r's, r's note and hedges if it has them; or r,
// if r reuses the id for another fact.
func restated(old *Relation, r Relation) (Relation, Problems) {
	var ps Problems
	merged := *old
	merged.Sources = append([]Source(nil), old.Sources...)
	if !old.SameFact(&r) {
		// an explicit id reused for a different fact: the new statement replaces the old
		merged = r
	} else {
		if r.Note != "" {
			merged.Note = r.Note
		}
		if len(r.Hedges) > 0 {
			merged.Hedges = r.Hedges
		}
		merged.MergeSources(r.Sources)
	}
	if len(merged.Sources) > MaxSources {
		ps.Add("sources", "relation %s would have %d sources with the stored ones, more than the %d a relation may have", r.ID, len(merged.Sources), MaxSources)
	}
	return merged, ps
}

// isChange classifies a relation write: 0 added, 1 updated, 2 unchanged, 3 retracted.
func (p *planner) isChange(w *RelationWrite) int {
	switch {
	case w.New == nil:
		return 3
	case w.Old == nil:
		return 0
	case relationEqual(w.Old, w.New):
		return 2
	}
	return 1
}

func (p *planner) recount(before int, w *RelationWrite) {
	s := &p.plan.Summary
	counters := []*int{&s.RelationsAdded, &s.RelationsUpdated, &s.RelationsUnchanged, &s.RelationsRetracted}
	if before >= 0 {
		*counters[before]--
	}
	*counters[p.isChange(w)]++
}

func relationEqual(a, b *Relation) bool {
	x, y := *a, *b
	x.Sources, y.Sources = nilIfEmpty(x.Sources), nilIfEmpty(y.Sources)
	return reflect.DeepEqual(x, y)
}

func (p *planner) retraction(rt Retraction) error {
	r := rt.Relation
	var ps Problems
	id := r.ID
	if id == "" {
		if r.Subject == "" || r.Predicate == "" {
			ps.Add("retract", "name the relation by id, or by subject, predicate and the other fields of the fact")
			p.fail(rt.Where, ps)
			return nil
		}
		subj, why, err := p.resolve(r.Subject)
		if err != nil {
			return err
		}
		if why != "" {
			ps.Add("subject", "%s", why)
		}
		obj, why, err := p.resolve(r.Object)
		if err != nil {
			return err
		}
		if why != "" {
			ps.Add("object", "%s", why)
		}
		if len(ps) > 0 {
			p.fail(rt.Where, ps)
			return nil
		}
		r.Subject = subj.ID
		if obj != nil {
			r.Object = obj.ID
		}
		id = r.DeriveID()
	}
	if w, ok := p.relations[id]; ok {
		ps.Add("id", "relation %s is both stated (at %s) and retracted", id, w.where)
		_ = w
		p.fail(rt.Where, ps)
		return nil
	}
	old, err := p.view.Relation(id)
	if err != nil {
		return err
	}
	if old == nil {
		// not an error: retracting twice changes nothing, like loading a
		// file twice; but a mistyped id must not pass unseen
		p.plan.Summary.RetractionsNotFound++
		p.plan.Warnings = append(p.plan.Warnings,
			fmt.Sprintf("%s: retract: no relation %s (already retracted, or a wrong id)", rt.Where, id))
		return nil
	}
	p.relations[id] = &relationState{RelationWrite: RelationWrite{Old: old}, where: rt.Where}
	p.order = append(p.order, id)
	p.plan.Summary.RelationsRetracted++
	return nil
}
