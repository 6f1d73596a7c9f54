package graph

import (
	"errors"
	"hash/maphash"
	"strconv"
)

// ErrRestated is the error of RelationStream.Add when a relation id comes a
// second time: stating a relation twice in one write merges the two (their
// sources), which needs the first statement, and a stream keeps only what
// it must (see RelationStream). The caller plans the changeset whole
// instead. It may also be a false alarm (two ids of the same hash), which
// the whole plan then ignores.
var ErrRestated = errors.New("a relation is stated twice in the stream")

// RelationStream plans a changeset whose relations come in pieces, so that
// a load of any size need not hold them all: PlanStream plans the
// predicates and entities (held whole: every relation is checked against
// them), and Add checks each piece of relations against them and the view
// and hands each planned relation to the caller, who writes it and drops
// it. What it keeps of the relations is a 64-bit hash of each id, to find
// one stated twice (ErrRestated).
type RelationStream struct {
	p    *planner
	seen idSet
	n    int
}

// PlanStream plans c's predicates and entities against v, as PlanChangeset
// would, for relations streamed to Add; expected is about how many will
// come (the set of ids is sized for it). c must hold no relations and no
// retractions (a retraction is checked against every relation: such a
// changeset is planned whole). The plan holds the predicates and entities;
// their problems, like the relations', are kept for Finish (Failed), so
// that a refusal lists them all. The error is the view's.
func PlanStream(c *Changeset, v View, expected int) (*Plan, *RelationStream, error) {
	if len(c.Relations) > 0 || len(c.Retractions) > 0 || len(c.SourceRetractions) > 0 {
		return nil, nil, errors.New("graph: PlanStream takes predicates and entities; relations come through Add")
	}
	p := &planner{
		view:       v,
		plan:       &Plan{},
		predicates: map[string]*Predicate{},
		entities:   make(map[string]*EntityWrite, len(c.Entities)),
		names:      make(map[string]map[string]bool, len(c.Entities)),
	}
	if err := p.run(c); err != nil {
		return nil, nil, err
	}
	s := &RelationStream{p: p, seen: newIDSet(expected)}
	return p.plan, s, nil
}

// Failed reports whether an item has failed its checks so far: nothing is
// to be written, and Finish will list every problem.
func (s *RelationStream) Failed() bool { return len(s.p.failed) > 0 || s.p.truncated > 0 }

// Add checks a piece of relations and calls emit with each that passes,
// planned (Old set if the view holds it, New as it is to be written; New
// may point into the piece). Problems are kept for Finish; emit is not
// called once there has been one, since nothing will be written. An error
// is one of the view's, or ErrRestated.
func (s *RelationStream) Add(piece []RelationChange, emit func(RelationWrite)) error {
	p := s.p
	for _, rc := range piece {
		var ps Problems
		r, err := p.check(rc.Relation, &ps)
		if err != nil {
			return err
		}
		if len(ps) > 0 {
			p.fail(rc.Where, ps)
			continue
		}
		if r.ID == "" {
			r.ID = r.DeriveID()
		}
		if !s.seen.add(r.ID) {
			return ErrRestated
		}
		old, err := p.view.Relation(r.ID)
		if err != nil {
			return err
		}
		nr := r
		if old != nil {
			if nr, ps = restated(old, r); len(ps) > 0 {
				p.fail(rc.Where, ps)
				continue
			}
			if err := p.cite(&nr, &ps); err != nil {
				return err
			}
			if len(ps) > 0 {
				p.fail(rc.Where, ps)
				continue
			}
		}
		w := RelationWrite{Old: old, New: &nr}
		p.recount(-1, &w)
		s.n++
		if !s.Failed() && p.isChange(&w) != 2 {
			emit(w)
		}
	}
	return nil
}

// Finish returns the summary of the whole changeset, or a
// *ValidationError listing every item that failed (up to
// MaxReportedItems).
func (s *RelationStream) Finish() (Summary, error) {
	p := s.p
	if p.truncated > 0 {
		p.failed = append(p.failed, ItemError{Where: "...", Problems: Problems{{Field: "items", Message: strconv.Itoa(p.truncated) + " more items failed"}}})
		p.truncated = 0
	}
	if len(p.failed) > 0 {
		return Summary{}, &ValidationError{Items: p.failed}
	}
	p.finishSources() // with the records the relations' citations made
	return p.plan.Summary, nil
}

// idSet is a set of 64-bit hashes of strings, open-addressed: 8 bytes a
// slot, at most three quarters full (a map of them takes twice that, and
// grows by copying).
type idSet struct {
	seed  maphash.Seed
	slots []uint64
	n     int
}

func newIDSet(expected int) idSet {
	size := 1024
	for size*3/4 < expected {
		size *= 2
	}
	return idSet{seed: maphash.MakeSeed(), slots: make([]uint64, size)}
}

// add adds id and reports whether its hash was new.
func (s *idSet) add(id string) bool {
	h := maphash.String(s.seed, id)
	if h == 0 { // 0 marks an empty slot
		h = 1
	}
	if !s.insert(h) {
		return false
	}
	s.n++
	if s.n > len(s.slots)*3/4 {
		old := s.slots
		s.slots = make([]uint64, 2*len(old))
		for _, h := range old {
			if h != 0 {
				s.insert(h)
			}
		}
	}
	return true
}

func (s *idSet) insert(h uint64) bool {
	mask := uint64(len(s.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		switch s.slots[i] {
		case 0:
			s.slots[i] = h
			return true
		case h:
			return false
		}
	}
}
