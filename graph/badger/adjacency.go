package badger

import "github.com/emigraph/emigraph/graph"

// adjacencyCounts counts the adjacency counters (c:adj:) of many relations
// at once, as countAdjacent keeps them one write at a time: for the bulk
// build and the migration to layout 3. Counts are kept under small integer
// keys (entity<<34 | predicate+1<<2 | kind), which cost far less than a
// map of names; the totals of each entity and kind are summed at the end.
type adjacencyCounts struct {
	names  []string          // entities and predicates, by number
	index  map[string]uint64 // their numbers
	counts map[uint64]int64
	// own, if set, copies a name the first time it is seen (a streamed
	// build's point into a piece of the file that goes)
	own func(string) string
}

var adjKindList = [...]string{adjOut, adjIn, adjLoop, adjDated}

func newAdjacencyCounts(entities int) *adjacencyCounts {
	return &adjacencyCounts{index: map[string]uint64{}, counts: make(map[uint64]int64, 2*entities)}
}

func (a *adjacencyCounts) id(s string) uint64 {
	i, ok := a.index[s]
	if !ok {
		if a.own != nil {
			s = a.own(s)
		}
		i = uint64(len(a.names))
		a.index[s] = i
		a.names = append(a.names, s)
	}
	return i
}

func kindNumber(kind string) uint64 {
	for i, k := range adjKindList {
		if k == kind {
			return uint64(i)
		}
	}
	panic("unknown adjacency kind " + kind)
}

// add counts a relation.
func (a *adjacencyCounts) add(r *graph.Relation) {
	pred := a.id(r.Predicate) + 1
	adjKinds(r, func(entity, kind string) {
		a.counts[a.id(entity)<<34|pred<<2|kindNumber(kind)]++
	})
}

// each calls put with every counter: an entity, a kind, a predicate ("" for
// the total of the kind) and the count, which is never zero.
func (a *adjacencyCounts) each(put func(entity, kind, pred string, n int64) error) error {
	totals := map[uint64]int64{}
	for k, n := range a.counts {
		totals[k&^(1<<34-4)] += n
	}
	for _, m := range []map[uint64]int64{a.counts, totals} {
		for k, n := range m {
			pred := ""
			if p := k >> 2 & (1<<32 - 1); p != 0 {
				pred = a.names[p-1]
			}
			if err := put(a.names[k>>34], adjKindList[k&3], pred, n); err != nil {
				return err
			}
		}
	}
	return nil
}
