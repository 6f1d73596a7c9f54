package badger

import (
	"container/list"
	"slices"
	"strings"
	"sync"

	"github.com/emigraph/emigraph/graph"
)

// searchCache keeps the answers of recent searches for the snapshot they
// were read at (Badger's read timestamp, which every commit moves on): a
// search asked again before the next write is answered from it, charged to
// the request's budget as the search was. It is bounded by entries and by
// the bytes of the entities it holds, least recently used out first, so that
// a client sending ever new texts only turns it over.
type searchCache struct {
	mu      sync.Mutex
	entries map[searchKey]*list.Element
	order   list.List // of *searchEntry, most recent first
	bytes   int
}

const (
	searchCacheEntries = 1024
	searchCacheBytes   = 4 << 20
	// searchCacheFirst is the largest page kept: the pages of the explorer
	// and of suggestions; a larger one is read each time
	searchCacheFirst = 50
)

type searchKey struct {
	q     string // normalised
	types string
	first int
}

type searchEntry struct {
	key     searchKey
	readTs  uint64
	hits    []graph.SearchHit
	read    int // index keys and postings the search read
	records int // entities it read
	bytes   int
}

func newSearchKey(q string, types []graph.EntityType, first int) searchKey {
	var b strings.Builder
	for _, t := range types {
		b.WriteString(string(t))
		b.WriteByte(',')
	}
	return searchKey{q: q, types: b.String(), first: first}
}

// get returns the answer kept for key at readTs, as a copy the caller may
// change.
func (c *searchCache) get(key searchKey, readTs uint64) (*searchEntry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.entries[key]
	if !ok {
		return nil, false
	}
	e := el.Value.(*searchEntry)
	if e.readTs != readTs {
		// of an older snapshot (or, read from a pinned one, of another)
		c.remove(el)
		return nil, false
	}
	c.order.MoveToFront(el)
	out := *e
	out.hits = cloneHits(e.hits)
	return &out, true
}

// put keeps the answer of a search read at readTs.
func (c *searchCache) put(e *searchEntry) {
	if e.key.first > searchCacheFirst {
		return
	}
	e.hits = cloneHits(e.hits)
	e.bytes = len(e.key.q) + len(e.key.types) + 64
	for _, h := range e.hits {
		e.bytes += 96 + len(h.Matched) + len(h.Kind) + len(h.Entity.ID) + len(h.Entity.Name) + len(h.Entity.Type) + len(h.Entity.Description)
		for _, a := range h.Entity.Aliases {
			e.bytes += 16 + len(a)
		}
	}
	if e.bytes > searchCacheBytes/16 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil {
		c.entries = map[searchKey]*list.Element{}
	}
	if el, ok := c.entries[e.key]; ok {
		c.remove(el)
	}
	for c.order.Len() > 0 && (c.order.Len() >= searchCacheEntries || c.bytes+e.bytes > searchCacheBytes) {
		c.remove(c.order.Back())
	}
	c.entries[e.key] = c.order.PushFront(e)
	c.bytes += e.bytes
}

func (c *searchCache) remove(el *list.Element) {
	e := c.order.Remove(el).(*searchEntry)
	delete(c.entries, e.key)
	c.bytes -= e.bytes
}

// cloneHits copies hits and their entities, so that neither the cache nor
// a caller sees what the other changes.
func cloneHits(hits []graph.SearchHit) []graph.SearchHit {
	out := slices.Clone(hits)
	for i := range out {
		e := *out[i].Entity
		e.Aliases = slices.Clone(e.Aliases)
		out[i].Entity = &e
	}
	return out
}
