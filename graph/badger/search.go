package badger

import (
	"bytes"
	"cmp"
	"context"
	"encoding/binary"
	"encoding/json"
	"math"
	"math/bits"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

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
	// minSimilarity is the floor of fuzzy matches: the least trigram
	// similarity (Dice) a fuzzy match needs, 0.36, so that no fuzzy hit
	// scores below 0.18. Chosen on the seed's real fuzzy scores: one-typo
	// names score more ("Galkn" finds Maxim Galkin at 0.19, "Putn" Putin at
	// 0.22, "Khamatowa" 0.33), while weak hits that share a word ending
	// score less ("Montenegro" used to find the alias Allegro of the Saint
	// Petersburg–Helsinki railway at 0.176). TestFuzzyFloor holds both.
	minSimilarity = 0.36
	// scanBudget bounds the index keys one stage of a search reads, so that a
	// query of common words or trigrams cannot read the whole index. Terms
	// are read rarest first, so the budget goes where it discriminates.
	scanBudget = 5000
)

type candidate struct {
	id      string
	score   float64
	matched string
	kind    string
}

// searcher holds the state of one search.
type searcher struct {
	txn  *bg.Txn
	ctx  context.Context
	q    string
	best map[string]*candidate
	read int // index keys and postings read
	// slab and scratch hold the candidates and the bytes of a fuzzy match,
	// so that a search of many matches allocates in chunks
	slab    []candidate
	scratch []byte
}

// newCandidate returns a candidate of the searcher's slab.
func (s *searcher) newCandidate(c candidate) *candidate {
	if len(s.slab) == cap(s.slab) {
		// chunks from 8 to 256: a one-word search offers a few
		s.slab = make([]candidate, 0, min(max(8, 2*cap(s.slab)), 256))
	}
	s.slab = append(s.slab, c)
	return &s.slab[len(s.slab)-1]
}

func (s *searcher) offer(id string, score float64, matched, kind string) {
	c, ok := s.best[id]
	switch {
	case !ok:
		s.best[id] = s.newCandidate(candidate{id: id, score: score, matched: matched, kind: kind})
	case score > c.score:
		c.score, c.matched, c.kind = score, matched, kind
	}
}

// offerFuzzy is offer for a fuzzy match read from a posting block: the id
// and name are the block's, copied only when the match is kept.
func (s *searcher) offerFuzzy(id, name []byte, score float64) {
	c, ok := s.best[string(id)]
	switch {
	case !ok:
		// the id and the name in one string
		s.scratch = append(append(s.scratch[:0], id...), name...)
		both := string(s.scratch)
		k := both[:len(id)]
		s.best[k] = s.newCandidate(candidate{id: k, score: score, matched: both[len(id):], kind: "FUZZY"})
	case score > c.score:
		c.score, c.matched, c.kind = score, string(name), "FUZZY"
	}
}

// df is the number of postings of a word or trigram key prefix ("w:<word>").
func (s *searcher) df(term string) int64 {
	n, _ := readCount(s.txn, "df:"+term)
	return n
}

// Search implements graph.Store: exact > prefix > word > fuzzy, served from
// the name, word and trigram indexes, rarest terms first.
func (s *Store) Search(ctx context.Context, text string, types []graph.EntityType, first int) ([]graph.SearchHit, error) {
	if err := checkFirst(first); err != nil {
		return nil, err
	}
	q := graph.Normalize(text)
	if q == "" || first == 0 {
		return nil, nil
	}
	var hits []graph.SearchHit
	key := newSearchKey(q, types, first)
	err := s.view(func(txn *bg.Txn) error {
		if kept, ok := s.searches.get(key, txn.ReadTs()); ok {
			budget := graph.BudgetOf(ctx)
			if err := budget.Entries(kept.read); err != nil {
				return err
			}
			if err := budget.Records(kept.records); err != nil {
				return err
			}
			hits = kept.hits
			return nil
		}
		found, err := searchRead(ctx, txn, q, types, first)
		hits = found.hits
		// a search the context ended may have left out its fuzzy stage
		if err == nil && ctx.Err() == nil {
			found.key, found.readTs = key, txn.ReadTs()
			s.searches.put(found)
		}
		return err
	})
	return hits, err
}

// searchTxn is Search within a transaction, for a normalised query.
func searchTxn(ctx context.Context, txn *bg.Txn, q string, types []graph.EntityType, first int) ([]graph.SearchHit, error) {
	found, err := searchRead(ctx, txn, q, types, first)
	return found.hits, err
}

// searchRead is searchTxn, saying what it read.
func searchRead(ctx context.Context, txn *bg.Txn, q string, types []graph.EntityType, first int) (*searchEntry, error) {
	var hits []graph.SearchHit
	found := &searchEntry{}
	err := func() error {
		sr := &searcher{txn: txn, ctx: ctx, q: q, best: map[string]*candidate{}}
		sr.names()
		sr.words()
		if err := ctx.Err(); err != nil {
			return err
		}
		// fuzzy matches rank below every other kind: needed only when those
		// do not fill the page (or a type filter may discard some)
		if len(sr.best) < first || len(types) > 0 {
			sr.fuzzy()
		}
		ranked := make([]*candidate, 0, len(sr.best))
		for _, c := range sr.best {
			ranked = append(ranked, c)
		}
		slices.SortFunc(ranked, func(a, b *candidate) int {
			if a.score != b.score {
				return cmp.Compare(b.score, a.score)
			}
			return strings.Compare(a.id, b.id)
		})
		budget := graph.BudgetOf(ctx)
		// the keys and postings read, bounded by scanBudget a stage
		found.read = sr.read
		if err := budget.Entries(sr.read); err != nil {
			return err
		}
		// the hit entities, read a page's worth at a time in one pass (more
		// only when a type filter discards some), counted as read one by one
		for next := 0; len(hits) < first && next < len(ranked); {
			batch := ranked[next:min(len(ranked), next+first-len(hits))]
			next += len(batch)
			var over error
			for i := range batch {
				found.records++
				if over = budget.Records(1); over != nil {
					batch = batch[:i]
					break
				}
			}
			entities, err := readEntities(txn, batch)
			if err != nil {
				return err
			}
			for i, c := range batch {
				e := entities[i]
				if e == nil || (len(types) > 0 && !slices.Contains(types, e.Type)) {
					continue
				}
				hits = append(hits, graph.SearchHit{Entity: e, Score: c.score, Matched: displayName(e, c.matched), Kind: c.kind})
			}
			if over != nil {
				return over
			}
		}
		return nil
	}()
	found.hits = hits
	return found, err
}

// readEntities reads the entities of candidates (nil where there is none)
// in one pass: one iterator seeks forward to each in key order.
func readEntities(txn *bg.Txn, cands []*candidate) ([]*graph.Entity, error) {
	out := make([]*graph.Entity, len(cands))
	if len(cands) == 0 {
		return out, nil
	}
	order := make([]int, len(cands))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return strings.Compare(cands[a].id, cands[b].id) })
	it := txn.NewIterator(bg.IteratorOptions{Prefix: []byte(pEntity)})
	defer it.Close()
	k := []byte(pEntity)
	for _, i := range order {
		k = append(k[:len(pEntity)], cands[i].id...)
		it.Seek(k)
		if !it.Valid() || !bytes.Equal(it.Item().Key(), k) {
			continue
		}
		e := &graph.Entity{}
		if err := it.Item().Value(func(b []byte) error { return json.Unmarshal(b, e) }); err != nil {
			return nil, err
		}
		out[i] = e
	}
	return out, nil
}

// names finds exact and prefix matches of whole names: n:<name>\x00<id>.
func (s *searcher) names() {
	s.read += scanKeys(s.txn, key(pName, s.q), scanBudget, func(rest string) {
		i := strings.LastIndexByte(rest, 0)
		name, id := s.q+rest[:i], rest[i+1:]
		if name == s.q {
			s.offer(id, scoreExact, name, "EXACT")
		} else {
			// shorter names that extend the query rank higher
			s.offer(id, scorePrefix+0.1*float64(len(s.q))/float64(len(name)), name, "PREFIX")
		}
	})
}

// words finds names that contain every word of the query (the last one may
// be unfinished): it reads the postings of the rarest word,
// w:<word>\x00<id>\x00<name>, and checks the others against the name.
func (s *searcher) words() {
	words := graph.Words(s.q)
	last := words[len(words)-1]
	// the last word counts as rarest only if it is rarer even as a prefix
	// (its postings as a whole word are a lower bound)
	rarest, rarestDF := "", int64(-1)
	for i, w := range words {
		n := s.df(pWord + w)
		if i == len(words)-1 {
			if rarestDF < 0 || n < rarestDF {
				rarest = ""
			}
			break
		}
		if rarestDF < 0 || n < rarestDF {
			rarest, rarestDF = w, n
		}
	}
	check := func(id, name string) {
		have := map[string]bool{}
		nameWords := graph.Words(name)
		for _, w := range nameWords {
			have[w] = true
		}
		for _, w := range words[:len(words)-1] {
			if !have[w] {
				return
			}
		}
		for _, w := range nameWords {
			if strings.HasPrefix(w, last) {
				s.offer(id, scoreWord, name, "WORD")
				return
			}
		}
	}
	split := func(rest string) (string, string) {
		i := strings.IndexByte(rest, 0)
		return rest[:i], rest[i+1:]
	}
	if rarest != "" {
		s.read += scanKeys(s.txn, key(pWord, rarest, sep), scanBudget, func(rest string) { check(split(rest)) })
		return
	}
	// the last word is the rarest: names with a word it begins
	s.read += scanKeys(s.txn, key(pWord, last), scanBudget, func(rest string) {
		i := strings.IndexByte(rest, 0)
		check(split(rest[i+1:]))
	})
}

// fuzzy finds names sharing trigrams with the query and scores the Dice
// similarity of the trigram sets, 2·shared / (query trigrams + name
// trigrams), exactly, from the name in the posting (a word of n letters,
// padded with a space each side, has n trigrams). It reads the postings of
// the rarest trigrams first, in blocks (postings.go) grouped by the length
// of the name, shortest first, and of each trigram only the names short
// enough to reach the floor without the rarer ones: a name of L letters
// that holds none of the r rarest trigrams shares at most q-r of the q, so
// it needs 2(q-r)/(q+L) >= minSimilarity, and it is found under the rarest
// trigram it holds. So every name at or above the floor is read (within the
// scan budget, which counts postings) and nothing else is needed: the
// postings of common trigrams, which only long names would need, are not
// read. Each posting carries a signature of its name's trigrams, and a name
// whose signature cannot hold enough of the query's to reach the floor is
// passed over unscored. (For "Vodenomu" among 100,000 generated entities:
// 1,900 postings of 7,000, in about 100 blocks, of which 155 are scored.)
func (s *searcher) fuzzy() {
	grams := graph.Trigrams(s.q)
	dfs := s.trigramCounts(grams)
	sort.SliceStable(grams, func(i, j int) bool { return dfs[grams[i]] < dfs[grams[j]] })
	q := len(grams)
	sc := newDiceScorer(grams)
	masks := newSignatureMasks(grams)
	budget := scanBudget
	defer func() { s.read += scanBudget - budget }()
	need := 0 // trigrams a name of the group's length shares at the floor
	score := func(sig uint64, id, name []byte) bool {
		budget--
		if masks.held(sig) < need {
			return budget > 0 // below the floor, whatever the name
		}
		// a name met under several trigrams is scored each time: that
		// costs less than remembering it, and offer keeps one
		if sim := sc.similarity(name); sim >= minSimilarity {
			s.offerFuzzy(id, name, scoreFuzzy*sim)
		}
		return budget > 0
	}
	// one iterator seeks to each trigram's groups in turn: building one for
	// each trigram, and filling its items afresh, cost more than the seeks
	it := s.txn.NewIterator(bg.IteratorOptions{Prefix: []byte(pTrigram)})
	defer it.Close()
	prefix := make([]byte, 0, 16)
	for r, g := range grams {
		maxLen := int(math.Floor(2*float64(q-r)/minSimilarity - float64(q) + 1e-9))
		if maxLen < 1 || budget <= 0 || s.ctx.Err() != nil {
			break
		}
		prefix = append(append(append(prefix[:0], pTrigram...), g...), sep...)
		for it.Seek(prefix); it.ValidForPrefix(prefix) && budget > 0; it.Next() {
			rest := it.Item().Key()[len(prefix):]
			if len(rest) < 3 || rest[2] != 0 {
				continue // not a key of this layout
			}
			letters := decodeTrigramLen(rest)
			if letters > maxLen {
				break
			}
			need = sharedAtFloor(q, letters)
			// a block that cannot be read is passed over, as a key of
			// another layout is: search answers with what it can read
			_ = it.Item().Value(func(block []byte) error {
				eachPosting(block, score)
				return nil
			})
		}
	}
}

// trigramCounts returns the number of postings of each trigram (c:df:g:),
// read in one pass: one iterator seeks forward to each count in key order,
// where a Get each would search every level of the tree again. A count
// that cannot be read is 0, as df has it.
func (s *searcher) trigramCounts(grams []string) map[string]int64 {
	dfs := make(map[string]int64, len(grams))
	sorted := slices.Sorted(slices.Values(grams))
	prefix := countKey("df:" + pTrigram)
	it := s.txn.NewIterator(bg.IteratorOptions{Prefix: prefix})
	defer it.Close()
	k := slices.Clip(prefix)
	for _, g := range sorted {
		k = append(k[:len(prefix)], g...)
		it.Seek(k)
		if !it.Valid() || !bytes.Equal(it.Item().Key(), k) {
			continue
		}
		_ = it.Item().Value(func(b []byte) error {
			if len(b) == 8 {
				dfs[g] = int64(binary.BigEndian.Uint64(b))
			}
			return nil
		})
	}
	return dfs
}

// signatureMasks count the trigrams of a query that a signature may hold
// (postings.go): masks[k] has the bits that more than k of them set.
type signatureMasks []uint64

func newSignatureMasks(grams []string) signatureMasks {
	var masks signatureMasks
	weight := map[uint]int{}
	for _, g := range grams {
		b := trigramBit([]byte(g))
		if weight[b]++; weight[b] > len(masks) {
			masks = append(masks, 0)
		}
		masks[weight[b]-1] |= 1 << b
	}
	return masks
}

// held is the number of the query's trigrams whose bits sig holds: at
// least the number the name shares with the query.
func (masks signatureMasks) held(sig uint64) int {
	n := 0
	for _, m := range masks {
		n += bits.OnesCount64(sig & m)
	}
	return n
}

// sharedAtFloor is the fewest trigrams a name of the given letters must
// share with a query of q trigrams to reach the floor, as similarity
// computes it.
func sharedAtFloor(q, letters int) int {
	n := 0
	for 2*float64(n)/float64(q+letters) < minSimilarity {
		n++
	}
	return n
}

// maxTrigramLen is the longest length trigramLen tells apart.
const maxTrigramLen = 254*255 + 254

// trigramLen encodes the letters of a normalised name, which are its
// trigrams, for its trigram postings: two bytes, the digits of the number in
// base 255 each plus one, so that postings sort by length and hold no 0x00.
func trigramLen(norm string) string { return trigramLenOf(nameLetters(norm)) }

func trigramLenOf(letters int) string {
	n := min(letters, maxTrigramLen)
	return string([]byte{byte(1 + n/255), byte(1 + n%255)})
}

func decodeTrigramLen(b []byte) int { return int(b[0]-1)*255 + int(b[1]-1) }

// nameLetters is the number of letters of a normalised name (words
// separated by single spaces), and so the number of its trigrams.
func nameLetters(norm string) int { return utf8.RuneCountInString(norm) - strings.Count(norm, " ") }

// diceScorer scores names against the trigrams of a query without
// allocating: the similarity of a name is 2·shared / (query trigrams +
// name trigrams), as for graph.Trigrams of both.
type diceScorer struct {
	ascii []uint32 // query trigrams of three ASCII bytes, packed
	// slots find them by window: an open-addressed table of the packed
	// trigrams (0: an empty slot) from asciiSlot on, with bits the bit of
	// each (its place in ascii); ASCII names are scored through it, while
	// there are at most 64
	slots [asciiSlots]uint32
	bits  [asciiSlots]uint64
	index map[string]int // the others, by their number (after the ASCII ones)
	stamp []int          // stamp[i] == round: trigram i counted for this name
	round int
	q     int
	buf   []byte
}

const asciiSlots = 256 // a power of two, four times the most trigrams they hold

func asciiSlot(packed uint32) uint32 { return packed * 0x9E3779B1 >> 24 }

func newDiceScorer(grams []string) *diceScorer {
	d := &diceScorer{index: map[string]int{}, q: len(grams)}
	for _, g := range grams {
		if len(g) == 3 && g[0] < utf8.RuneSelf && g[1] < utf8.RuneSelf && g[2] < utf8.RuneSelf {
			packed := uint32(g[0])<<16 | uint32(g[1])<<8 | uint32(g[2])
			if len(d.ascii) < 64 {
				s := asciiSlot(packed)
				for d.slots[s] != 0 {
					s = (s + 1) % asciiSlots
				}
				d.slots[s], d.bits[s] = packed, 1<<len(d.ascii)
			}
			d.ascii = append(d.ascii, packed)
		}
	}
	for _, g := range grams {
		if len(g) != 3 || g[0] >= utf8.RuneSelf || g[1] >= utf8.RuneSelf || g[2] >= utf8.RuneSelf {
			d.index[g] = len(d.ascii) + len(d.index)
		}
	}
	d.stamp = make([]int, len(grams))
	return d
}

// asciiSimilarity is similarity for a name of ASCII bytes (false for any
// other, or when the query has more than 64 ASCII trigrams): each window of
// three bytes of " name " is a uint32, looked up in the slots, and the
// query trigrams found are bits of one word. Fuzzy search scores every
// posting it reads, so this is its inner loop.
func (d *diceScorer) asciiSimilarity(name []byte) (float64, bool) {
	if len(d.ascii) > 64 {
		return 0, false
	}
	var found uint64
	letters := 0
	x := uint32(' ')
	for i := 0; i <= len(name); i++ {
		c := byte(' ')
		if i < len(name) {
			if c = name[i]; c >= utf8.RuneSelf {
				return 0, false
			}
		}
		x = (x<<8 | uint32(c)) & 0xFFFFFF
		// the first window ends at name[1]; one whose middle is a space is none
		if i == 0 || byte(x>>8) == ' ' {
			continue
		}
		letters++
		for s := asciiSlot(x); d.slots[s] != 0; s = (s + 1) % asciiSlots {
			if d.slots[s] == x {
				found |= d.bits[s]
				break
			}
		}
	}
	return 2 * float64(bits.OnesCount64(found)) / float64(d.q+letters), true
}

// find returns the number of a query trigram, or -1.
func (d *diceScorer) find(w []byte) int {
	if len(w) == 3 && w[0] < utf8.RuneSelf && w[1] < utf8.RuneSelf && w[2] < utf8.RuneSelf {
		packed := uint32(w[0])<<16 | uint32(w[1])<<8 | uint32(w[2])
		for i, a := range d.ascii {
			if a == packed {
				return i
			}
		}
		return -1
	}
	if i, ok := d.index[string(w)]; ok {
		return i
	}
	return -1
}

// similarity returns the Dice similarity of a normalised name with the query.
func (d *diceScorer) similarity(name []byte) float64 {
	d.round++
	if sim, ok := d.asciiSimilarity(name); ok {
		return sim
	}
	d.round++ // what the ASCII pass counted before it met a rune does not count
	d.buf = append(append(append(d.buf[:0], ' '), name...), ' ')
	shared, letters := 0, 0
	w := trigramWindows{b: d.buf}
	for t := w.next(); t != nil; t = w.next() {
		letters++
		if j := d.find(t); j >= 0 && d.stamp[j] != d.round {
			d.stamp[j] = d.round
			shared++
		}
	}
	return 2 * float64(shared) / float64(d.q+letters)
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

// scanKeys calls fn with the rest of each key under prefix, at most limit
// times, and returns how many keys it read.
func scanKeys(txn *bg.Txn, prefix []byte, limit int, fn func(rest string)) int {
	it := txn.NewIterator(bg.IteratorOptions{Prefix: prefix})
	defer it.Close()
	n := 0
	for it.Rewind(); it.Valid() && n < limit; it.Next() {
		fn(string(it.Item().Key()[len(prefix):]))
		n++
	}
	return n
}
