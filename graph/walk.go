package graph

import (
	"context"
	"slices"
	"strings"
)

// Edge is one relation seen from one of its ends.
type Edge struct {
	Relation  string // relation id
	Predicate string
	Other     string // the entity at the other end
	Out       bool   // the entity is the subject
}

// Neighbors lists the edges of entities; Store implementations provide it
// from their adjacency indexes without reading relations.
type Neighbors interface {
	// Neighbors lists the edges of the entity id, only of the given
	// predicates when any are given, in a stable order: the first limit of
	// them, or every one when limit is 0.
	Neighbors(ctx context.Context, id string, predicates []string, limit int) ([]Edge, error)
}

// Walker is what path search reads: edges, degrees, and whether two
// entities are joined directly. Store implementations provide it from
// their indexes without reading relations.
type Walker interface {
	Neighbors
	// Degree is the number of relations of an entity.
	Degree(ctx context.Context, id string) (int, error)
	// Link finds a relation joining a and b in either direction, of one of
	// the predicates when any are given.
	Link(ctx context.Context, a, b string, predicates []string) (Edge, bool, error)
}

// Path is a shortest connection: Entities[0] is the start, Relations[i]
// joins Entities[i] and Entities[i+1].
type Path struct {
	Entities  []string
	Relations []string
}

// Hops is the number of relations on the path.
func (p *Path) Hops() int { return len(p.Relations) }

type step struct{ prev, rel string }

// pairBudget bounds the direct-link lookups between two frontiers.
const pairBudget = 4096

// PathOptions narrow a path search.
type PathOptions struct {
	// MaxHops bounds the number of relations on a path.
	MaxHops int
	// Predicates, when given, are the only predicates followed.
	Predicates []string
	// Avoid lists entities no path may pass through (a hub such as Russia,
	// that joins nearly everyone and so says little).
	Avoid []string
	// MaxDegree, when positive, leaves out every entity along the way (not
	// the two ends) with more relations than this.
	MaxDegree int
	// avoidPairs are pairs of entities the path may not step between
	// directly (how KShortestPaths makes each path differ).
	avoidPairs map[[2]string]bool
}

func pairKey(a, b string) [2]string {
	if a > b {
		a, b = b, a
	}
	return [2]string{a, b}
}

// ShortestPath finds a shortest path between two entities, following
// relations in either direction, of at most maxHops relations, or returns
// nil. It searches from both ends. Before widening, it asks whether a
// relation joins the two frontiers directly (one seek per pair), which
// finds a path through a hub without listing the hub's relations; and it
// widens the side whose entities have fewer relations.
func ShortestPath(ctx context.Context, w Walker, from, to string, maxHops int, predicates []string) (*Path, error) {
	return FindPath(ctx, w, from, to, PathOptions{MaxHops: maxHops, Predicates: predicates})
}

// FindPath is ShortestPath with the options of PathOptions.
func FindPath(ctx context.Context, w Walker, from, to string, o PathOptions) (*Path, error) {
	if from == to {
		return &Path{Entities: []string{from}}, nil
	}
	maxHops, predicates := o.MaxHops, o.Predicates
	avoid := map[string]bool{}
	for _, id := range o.Avoid {
		if id != from && id != to {
			avoid[id] = true
		}
	}
	// passable says whether a path may pass through an entity: not avoided,
	// and not a hub over MaxDegree (each asked once)
	passable := func(id string) (bool, error) {
		if avoid[id] {
			return false, nil
		}
		if o.MaxDegree > 0 && id != from && id != to {
			d, err := w.Degree(ctx, id)
			if err != nil {
				return false, err
			}
			if d > o.MaxDegree {
				avoid[id] = true
				return false, nil
			}
		}
		return true, nil
	}
	seen := [2]map[string]step{{from: {}}, {to: {}}} // 0: from the start, 1: from the end
	depth := [2]map[string]int{{from: 0}, {to: 0}}
	frontier := [2][]string{{from}, {to}}
	levels := [2]int{}
	for levels[0]+levels[1] < maxHops {
		if len(frontier[0]) == 0 || len(frontier[1]) == 0 {
			return nil, nil // one side has nowhere left to go: no path
		}
		if len(frontier[0])*len(frontier[1]) <= pairBudget {
			for _, a := range frontier[0] {
				for _, b := range frontier[1] {
					if o.avoidPairs[pairKey(a, b)] {
						continue
					}
					e, ok, err := w.Link(ctx, a, b, predicates)
					if err != nil {
						return nil, err
					}
					if ok {
						return joinPath(seen, from, to, a, b, e.Relation), nil
					}
				}
			}
			if levels[0]+levels[1]+1 == maxHops {
				return nil, nil // the direct links were the last chance
			}
		}
		side, err := cheaperSide(ctx, w, frontier)
		if err != nil {
			return nil, err
		}
		other := 1 - side
		var next []string
		best, bestLen := "", maxHops+1
		for _, node := range frontier[side] {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			edges, err := w.Neighbors(ctx, node, predicates, 0)
			if err != nil {
				return nil, err
			}
			for _, e := range edges {
				if e.Other == "" || o.avoidPairs[pairKey(node, e.Other)] {
					continue
				}
				if _, ok := seen[side][e.Other]; ok {
					continue
				}
				if ok, err := passable(e.Other); err != nil {
					return nil, err
				} else if !ok {
					continue
				}
				seen[side][e.Other] = step{prev: node, rel: e.Relation}
				depth[side][e.Other] = levels[side] + 1
				next = append(next, e.Other)
				if d, ok := depth[other][e.Other]; ok {
					if total := levels[side] + 1 + d; total < bestLen {
						best, bestLen = e.Other, total
					}
				}
			}
		}
		levels[side]++
		frontier[side] = next
		if best != "" && bestLen <= maxHops {
			return joinPath(seen, from, to, best, best, ""), nil
		}
	}
	return nil, nil
}

// KShortestPaths finds up to k shortest paths between two entities that
// differ in the entities they pass through (Yen's algorithm over entities:
// paths that differ only in which of several relations joins the same two
// entities count once), shortest first.
func KShortestPaths(ctx context.Context, w Walker, from, to string, k int, o PathOptions) ([]*Path, error) {
	first, err := FindPath(ctx, w, from, to, o)
	if err != nil || first == nil || k <= 1 {
		if first == nil {
			return nil, err
		}
		return []*Path{first}, err
	}
	found := []*Path{first}
	var candidates []*Path
	seenRoute := map[string]bool{route(first): true}
	for len(found) < k {
		last := found[len(found)-1]
		for i := 0; i < len(last.Entities)-1; i++ {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			spur, root := last.Entities[i], last.Entities[:i+1]
			spurOpts := o
			spurOpts.MaxHops = o.MaxHops - i
			spurOpts.avoidPairs = map[[2]string]bool{}
			for pair := range o.avoidPairs {
				spurOpts.avoidPairs[pair] = true
			}
			// the next step of every path found with the same root is barred
			for _, p := range found {
				if len(p.Entities) > i+1 && slices.Equal(p.Entities[:i+1], root) {
					spurOpts.avoidPairs[pairKey(p.Entities[i], p.Entities[i+1])] = true
				}
			}
			// and the root's entities, so that the path has no loop
			spurOpts.Avoid = append(append([]string(nil), o.Avoid...), root[:i]...)
			tail, err := FindPath(ctx, w, spur, to, spurOpts)
			if err != nil {
				return nil, err
			}
			if tail == nil {
				continue
			}
			p := &Path{
				Entities:  append(append([]string(nil), root[:i]...), tail.Entities...),
				Relations: append(append([]string(nil), last.Relations[:i]...), tail.Relations...),
			}
			if r := route(p); !seenRoute[r] {
				seenRoute[r] = true
				candidates = append(candidates, p)
			}
		}
		if len(candidates) == 0 {
			break
		}
		best := 0
		for j, c := range candidates {
			if c.Hops() < candidates[best].Hops() {
				best = j
			}
		}
		found = append(found, candidates[best])
		candidates = append(candidates[:best], candidates[best+1:]...)
	}
	return found, nil
}

// route is a path's entities as one key.
func route(p *Path) string { return strings.Join(p.Entities, "\x00") }

// cheaperSide picks the frontier whose entities have fewer relations in all
// (estimated from a sample of a large frontier).
func cheaperSide(ctx context.Context, w Walker, frontier [2][]string) (int, error) {
	var cost [2]float64
	for side, nodes := range frontier {
		sample := nodes
		if len(sample) > 64 {
			sample = sample[:64]
		}
		total := 0
		for _, n := range sample {
			d, err := w.Degree(ctx, n)
			if err != nil {
				return 0, err
			}
			total += d
		}
		cost[side] = float64(total) * float64(len(nodes)) / float64(len(sample))
	}
	if cost[1] < cost[0] {
		return 1, nil
	}
	return 0, nil
}

// joinPath walks back from a to the start and from b to the end; rel joins
// a and b ("" when they are the same meeting entity).
func joinPath(seen [2]map[string]step, from, to, a, b, rel string) *Path {
	p := &Path{}
	var head, headRels []string
	for node := a; node != from; {
		s := seen[0][node]
		head = append(head, s.prev)
		headRels = append(headRels, s.rel)
		node = s.prev
	}
	for i := len(head) - 1; i >= 0; i-- {
		p.Entities = append(p.Entities, head[i])
		p.Relations = append(p.Relations, headRels[i])
	}
	p.Entities = append(p.Entities, a)
	if rel != "" {
		p.Relations = append(p.Relations, rel)
		p.Entities = append(p.Entities, b)
	}
	for node := b; node != to; {
		s := seen[1][node]
		p.Relations = append(p.Relations, s.rel)
		p.Entities = append(p.Entities, s.prev)
		node = s.prev
	}
	return p
}

// Subgraph is the neighbourhood of an entity.
type Subgraph struct {
	Entities  []string
	Relations []string
	Truncated bool
}

// Neighborhood collects the relations within depth hops of an entity, at
// most limit of them, nearest first, and the entities they join. Of each
// entity it reads at most limit+1 edges, not a hub's every relation: those
// hold the relations still wanted, any already seen (no more than were
// collected), and one more, which says whether the neighbourhood is cut
// short.
func Neighborhood(ctx context.Context, n Neighbors, id string, depth, limit int, predicates []string) (*Subgraph, error) {
	g := &Subgraph{Entities: []string{id}}
	seenEntity := map[string]bool{id: true}
	seenRel := map[string]bool{}
	frontier := []string{id}
	for level := 0; level < depth && len(frontier) > 0; level++ {
		var next []string
		for _, node := range frontier {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			edges, err := n.Neighbors(ctx, node, predicates, limit+1)
			if err != nil {
				return nil, err
			}
			for _, e := range edges {
				if seenRel[e.Relation] {
					continue
				}
				if len(g.Relations) == limit {
					g.Truncated = true
					return g, nil
				}
				seenRel[e.Relation] = true
				g.Relations = append(g.Relations, e.Relation)
				if e.Other != "" && !seenEntity[e.Other] {
					seenEntity[e.Other] = true
					g.Entities = append(g.Entities, e.Other)
					next = append(next, e.Other)
				}
			}
		}
		frontier = next
	}
	return g, nil
}
