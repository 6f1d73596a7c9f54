package graph

import (
	"context"
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
	// predicates when any are given, in a stable order.
	Neighbors(ctx context.Context, id string, predicates []string) ([]Edge, error)
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

// ShortestPath finds a shortest path between two entities, following
// relations in either direction, of at most maxHops relations, or returns
// nil. It searches from both ends at once, always widening the smaller
// frontier, so a search between two people meets in the middle instead of
// reading every neighbour of every hub on the way.
func ShortestPath(ctx context.Context, n Neighbors, from, to string, maxHops int, predicates []string) (*Path, error) {
	if from == to {
		return &Path{Entities: []string{from}}, nil
	}
	if maxHops <= 0 {
		return nil, nil
	}
	seen := [2]map[string]step{{from: {}}, {to: {}}} // 0: from the start, 1: from the end
	depth := [2]map[string]int{{from: 0}, {to: 0}}
	frontier := [2][]string{{from}, {to}}
	levels := [2]int{}
	for levels[0]+levels[1] < maxHops {
		side := 0
		if len(frontier[1]) < len(frontier[0]) {
			side = 1
		}
		if len(frontier[side]) == 0 {
			return nil, nil // this side has nowhere left to go: no path
		}
		other := 1 - side
		var next []string
		best, bestLen := "", maxHops+1
		for _, node := range frontier[side] {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			edges, err := n.Neighbors(ctx, node, predicates)
			if err != nil {
				return nil, err
			}
			for _, e := range edges {
				if e.Other == "" {
					continue
				}
				if _, ok := seen[side][e.Other]; ok {
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
		if best != "" {
			return joinPath(seen, from, to, best), nil
		}
	}
	return nil, nil
}

// joinPath walks from the meeting point back to both ends.
func joinPath(seen [2]map[string]step, from, to, meet string) *Path {
	p := &Path{}
	var head []string
	var headRels []string
	for node := meet; node != from; {
		s := seen[0][node]
		head = append(head, s.prev)
		headRels = append(headRels, s.rel)
		node = s.prev
	}
	for i := len(head) - 1; i >= 0; i-- {
		p.Entities = append(p.Entities, head[i])
		p.Relations = append(p.Relations, headRels[i])
	}
	p.Entities = append(p.Entities, meet)
	for node := meet; node != to; {
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
// most limit of them, nearest first, and the entities they join.
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
			edges, err := n.Neighbors(ctx, node, predicates)
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
