package badger

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
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
}

func (s *searcher) offer(id string, score float64, matched, kind string) {
	if c, ok := s.best[id]; !ok || score > c.score {
		s.best[id] = &candidate{id: id, score: score, matched: matched, kind: kind}
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
	err := s.db.View(func(txn *bg.Txn) error {
		var err error
		hits, err = searchTxn(ctx, txn, q, types, first)
		return err
	})
	return hits, err
}

// searchTxn is Search within a transaction, for a normalised query.
func searchTxn(ctx context.Context, txn *bg.Txn, q string, types []graph.EntityType, first int) ([]graph.SearchHit, error) {
	var hits []graph.SearchHit
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
			if e == nil || (len(types) > 0 && !slices.Contains(types, e.Type)) {
				continue
			}
			hits = append(hits, graph.SearchHit{Entity: e, Score: c.score, Matched: displayName(e, c.matched), Kind: c.kind})
		}
		return nil
	}()
	return hits, err
}

// names finds exact and prefix matches of whole names: n:<name>\x00<id>.
func (s *searcher) names() {
	scanKeys(s.txn, key(pName, s.q), scanBudget, func(rest string) {
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
		scanKeys(s.txn, key(pWord, rarest, sep), scanBudget, func(rest string) { check(split(rest)) })
		return
	}
	// the last word is the rarest: names with a word it begins
	scanKeys(s.txn, key(pWord, last), scanBudget, func(rest string) {
		i := strings.IndexByte(rest, 0)
		check(split(rest[i+1:]))
	})
}

// fuzzy finds names sharing trigrams with the query and scores the Dice
// similarity of the trigram sets, 2·shared / (query trigrams + name
// trigrams), exactly, from the name in the key (a word of n letters, padded
// with a space each side, has n trigrams). It reads the postings of the
// rarest trigrams first, g:<trigram>\x00<len>\x00<id>\x00<name>, shortest
// names first, and of each trigram only the names short enough to reach the
// floor without the rarer ones: a name of L letters that holds none of the r
// rarest trigrams shares at most q-r of the q, so it needs
// 2(q-r)/(q+L) >= minSimilarity, and it is found under the rarest trigram it
// holds. So every name at or above the floor is read (within the scan
// budget) and nothing else is needed: the postings of common trigrams, which
// only long names would need, are not read. (For "Vodenomu" among 100,000
// generated entities: 1,900 postings instead of 7,000.)
func (s *searcher) fuzzy() {
	grams := graph.Trigrams(s.q)
	dfs := make(map[string]int64, len(grams))
	for _, g := range grams {
		dfs[g] = s.df(pTrigram + g)
	}
	sort.SliceStable(grams, func(i, j int) bool { return dfs[grams[i]] < dfs[grams[j]] })
	q := len(grams)
	sc := newDiceScorer(grams)
	budget := scanBudget
	for r, g := range grams {
		maxLen := int(math.Floor(2*float64(q-r)/minSimilarity - float64(q) + 1e-9))
		if maxLen < 1 || budget <= 0 || s.ctx.Err() != nil {
			break
		}
		prefix := key(pTrigram, g, sep)
		it := s.txn.NewIterator(bg.IteratorOptions{Prefix: prefix})
		for it.Rewind(); it.Valid() && budget > 0; it.Next() {
			rest := it.Item().Key()[len(prefix):]
			if len(rest) < 4 || rest[2] != 0 {
				continue // not a key of this layout
			}
			if decodeTrigramLen(rest) > maxLen {
				break
			}
			budget--
			// a name met under several trigrams is scored each time: that
			// costs less than remembering it, and offer keeps one
			rest = rest[3:]
			i := bytes.IndexByte(rest, 0)
			if i < 0 {
				continue
			}
			if sim := sc.similarity(rest[i+1:]); sim >= minSimilarity {
				s.offer(string(rest[:i]), scoreFuzzy*sim, string(rest[i+1:]), "FUZZY")
			}
		}
		it.Close()
	}
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
	ascii []uint32       // query trigrams of three ASCII bytes, packed
	mask  uint64         // a bit for each of them (maskBit)
	index map[string]int // the others, by their number (after the ASCII ones)
	stamp []int          // stamp[i] == round: trigram i counted for this name
	round int
	q     int
	buf   []byte
}

func newDiceScorer(grams []string) *diceScorer {
	d := &diceScorer{index: map[string]int{}, q: len(grams)}
	for _, g := range grams {
		if len(g) == 3 && g[0] < utf8.RuneSelf && g[1] < utf8.RuneSelf && g[2] < utf8.RuneSelf {
			packed := uint32(g[0])<<16 | uint32(g[1])<<8 | uint32(g[2])
			d.ascii = append(d.ascii, packed)
			d.mask |= 1 << maskBit(packed)
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
// other): each window of three bytes of " name " is a uint32, and a 64-bit
// mask of the query's turns most of them away before they are looked up.
func (d *diceScorer) asciiSimilarity(name []byte) (float64, bool) {
	shared, letters := 0, 0
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
		if d.mask&(1<<maskBit(x)) == 0 {
			continue
		}
		for j, a := range d.ascii {
			if a == x {
				if d.stamp[j] != d.round {
					d.stamp[j] = d.round
					shared++
				}
				break
			}
		}
	}
	return 2 * float64(shared) / float64(d.q+letters), true
}

func maskBit(packed uint32) uint32 { return packed * 0x9E3779B1 >> 26 }

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
	b := d.buf
	shared, letters := 0, 0
	// the windows of three runes of " name ": one whose middle rune is a
	// letter is a trigram of that word padded; one whose middle is the
	// space between two words is none
	var starts [3]int // where the last three runes start
	runes := 0
	for i := 0; i < len(b); {
		size := 1
		if b[i] >= utf8.RuneSelf {
			_, size = utf8.DecodeRune(b[i:])
		}
		starts[0], starts[1], starts[2] = starts[1], starts[2], i
		i += size
		if runes++; runes < 3 || b[starts[1]] == ' ' {
			continue
		}
		letters++
		if j := d.find(b[starts[0]:i]); j >= 0 && d.stamp[j] != d.round {
			d.stamp[j] = d.round
			shared++
		}
	}
	return 2 * float64(shared) / float64(d.q+letters)
}

// reindexTrigrams writes the trigram postings (g:) again from the entities,
// in the layout of this release: it drops them all, then reads the entities
// and writes their postings in batches. An interrupted run leaves the store's
// layout unrecorded, and the next open runs it again from the start. The
// counts (c:df:g:) do not change: the postings are the same, in other keys.
func (s *Store) reindexTrigrams() error {
	if err := s.db.DropPrefix([]byte(pTrigram)); err != nil {
		return err
	}
	wb := s.db.NewWriteBatch()
	defer wb.Cancel()
	err := s.db.View(func(txn *bg.Txn) error {
		it := txn.NewIterator(bg.IteratorOptions{Prefix: []byte(pEntity), PrefetchValues: true})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			var e graph.Entity
			if err := it.Item().Value(func(v []byte) error { return json.Unmarshal(v, &e) }); err != nil {
				return err
			}
			var werr error
			entityIndex(&e, false, true, func(prefix, a, b, c string) {
				if werr == nil {
					werr = wb.Set([]byte(prefix+a+sep+b+sep+c), nil)
				}
			})
			if werr != nil {
				return werr
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	return wb.Flush()
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
