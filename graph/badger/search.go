package badger

import (
	"context"
	"sort"
	"strings"

	bg "github.com/dgraph-io/badger/v4"

	"github.com/emigraph/emigraph/graph"
)

// Scores of the match kinds: every exact match ranks above every prefix
// match, and so on down to fuzzy matches, which score their trigram
// similarity below the word matches.
const (
	scoreExact  = 1.0
	scorePrefix = 0.8
	scoreWord   = 0.6
	scoreFuzzy  = 0.5 // times the similarity
	// minSimilarity is the least trigram similarity (Dice) a fuzzy match needs.
	minSimilarity = 0.3
	// maxPostings bounds how many keys one trigram may contribute, so that a
	// very common trigram cannot make a search read the whole index.
	maxPostings = 20000
)

type candidate struct {
	id      string
	score   float64
	matched string
	kind    string
}

// Search implements graph.Store: exact > prefix > word > fuzzy, served from
// the name, word and trigram indexes.
func (s *Store) Search(ctx context.Context, text string, types []graph.EntityType, first int) ([]graph.SearchHit, error) {
	if err := checkFirst(first); err != nil {
		return nil, err
	}
	q := graph.Normalize(text)
	if q == "" || first == 0 {
		return nil, nil
	}
	best := map[string]*candidate{}
	offer := func(id string, score float64, matched, kind string) {
		if c, ok := best[id]; !ok || score > c.score {
			best[id] = &candidate{id: id, score: score, matched: matched, kind: kind}
		}
	}
	var hits []graph.SearchHit
	err := s.db.View(func(txn *bg.Txn) error {
		// exact and prefix matches of whole names: n:<name>\x00<id>
		scanKeys(txn, key(pName, q), 5000, func(rest string) {
			i := strings.LastIndexByte(rest, 0)
			name, id := q+rest[:i], rest[i+1:]
			if name == q {
				offer(id, scoreExact, name, "EXACT")
			} else {
				// shorter names that extend the query rank higher
				offer(id, scorePrefix+0.1*float64(len(q))/float64(len(name)), name, "PREFIX")
			}
		})
		// every query word is a word of the name: w:<word>\x00<id>
		words := graph.Words(q)
		var common map[string]int
		for i, w := range words {
			found := map[string]int{}
			scanKeys(txn, key(pWord, w, sep), 5000, func(id string) { found[id] = 1 })
			if i == len(words)-1 {
				// the last word may still be being typed
				scanKeys(txn, key(pWord, w), 5000, func(rest string) {
					found[rest[strings.LastIndexByte(rest, 0)+1:]] = 1
				})
			}
			if common == nil {
				common = found
			} else {
				for id := range common {
					if _, ok := found[id]; !ok {
						delete(common, id)
					}
				}
			}
		}
		for id := range common {
			offer(id, scoreWord, q, "WORD")
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		// fuzzy: trigram similarity against every name sharing a trigram
		grams := graph.Trigrams(q)
		shared := map[string]int{} // id \x00 name -> shared trigrams
		for _, g := range grams {
			scanKeys(txn, key(pTrigram, g, sep), maxPostings, func(rest string) { shared[rest]++ })
		}
		for k, n := range shared {
			i := strings.IndexByte(k, 0)
			id, name := k[:i], k[i+1:]
			sim := 2 * float64(n) / float64(len(grams)+len(graph.Trigrams(name)))
			if sim >= minSimilarity {
				offer(id, scoreFuzzy*sim, name, "FUZZY")
			}
		}
		ranked := make([]*candidate, 0, len(best))
		for _, c := range best {
			ranked = append(ranked, c)
		}
		sort.Slice(ranked, func(i, j int) bool {
			if ranked[i].score != ranked[j].score {
				return ranked[i].score > ranked[j].score
			}
			return ranked[i].id < ranked[j].id
		})
		for _, c := range ranked {
			if len(hits) == first {
				break
			}
			e, err := txnView{txn}.Entity(c.id)
			if err != nil {
				return err
			}
			if e == nil || (len(types) > 0 && !typeIn(e.Type, types)) {
				continue
			}
			hits = append(hits, graph.SearchHit{Entity: e, Score: c.score, Matched: displayName(e, c.matched), Kind: c.kind})
		}
		return nil
	})
	return hits, err
}

// displayName returns the name or alias of e that normalises to matched.
func displayName(e *graph.Entity, matched string) string {
	for _, n := range e.Names() {
		if graph.Normalize(n) == matched {
			return n
		}
	}
	return e.Name
}

func typeIn(t graph.EntityType, ts []graph.EntityType) bool {
	for _, x := range ts {
		if x == t {
			return true
		}
	}
	return false
}

// scanKeys calls fn with the rest of each key under prefix, at most limit times.
func scanKeys(txn *bg.Txn, prefix []byte, limit int, fn func(rest string)) {
	it := txn.NewIterator(bg.IteratorOptions{Prefix: prefix})
	defer it.Close()
	n := 0
	for it.Rewind(); it.Valid() && n < limit; it.Next() {
		fn(string(it.Item().Key()[len(prefix):]))
		n++
	}
}
