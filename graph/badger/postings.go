package badger

import (
	"bytes"
	"context"
	"encoding/binary"
	"slices"
	"strings"
	"unicode/utf8"

	bg "github.com/dgraph-io/badger/v4"

	"github.com/emigraph/emigraph/graph"
)

// Trigram postings are packed (layout 6): entityIndex lists one posting a
// name and trigram, g:<trigram>␀<len>␀<id>␀<name>, but the store keeps the
// postings of a trigram and a length (a group, g:<trigram>␀<len>␀) in
// blocks of about postingSpread, one key each, g:<trigram>␀<len>␀<end>,
// whose value lists the postings (a signature of the name's trigrams, the
// id and the name) in key order. Fuzzy search reads every posting of the
// groups it reads, and a key costs Badger far more to step over than a
// posting costs to decode; the blocks are small enough that a write
// rewrites a few kilobytes for each trigram of a name it changes.
//
// Where blocks end depends on the postings alone, not on the order in
// which they came: an id ends a block (is its end) when its hash is a
// multiple of postingSpread, and the postings after a group's last such id
// are in the block keyed lastBlock, which sorts after every id. So the bulk
// build, the migration and any sequence of writes that leave the same
// postings leave the same keys and values, which the tests compare; and
// the block that holds an id, or would, is the first whose key is not
// below it, which a write finds with one seek forward (Badger steps back
// through every version of a key, values copied, where it steps forward
// over them).
// Eight, not more: a write rewrites, and syncs, the whole block of every
// trigram of a name it changes, so larger blocks make every write of an
// entity dearer, while a search gains little beyond a few postings a block
// (it pays Badger's cost of a key once a block, and a posting is cheap to
// decode). The figures that chose 8 over 64, for searches alone and for
// clients mixing searches with writes, are in cmd/emigraph/BENCHMARKS.md.
const postingSpread = 8

// lastBlock is the key, after the group, of a group's last block: 0xff,
// which no id (UTF-8) holds.
const lastBlock = "\xff"

// pTrigramScratch holds, while the trigram postings are written again (a
// migration), the postings one a key, for Badger to sort them before they
// are packed; nothing else uses it, and it is dropped when they are.
const pTrigramScratch = "h:"

// endsBlock reports whether the postings of id end a block.
func endsBlock(id []byte) bool { return fixedHash(id)%postingSpread == 0 }

// fixedHash is FNV-1a, its bits mixed (FNV-1a alone leaves the top bits
// blind to the last byte), fixed: the blocks and signatures of a store must
// come out the same in every release that writes its layout.
func fixedHash(b []byte) uint64 {
	h := uint64(14695981039346656037)
	for _, c := range b {
		h ^= uint64(c)
		h *= 1099511628211
	}
	h ^= h >> 29
	h *= 0xbf58476d1ce4e5b9
	return h ^ h>>32
}

// A posting carries a signature of its name's trigrams: 64 bits, each
// trigram setting one (trigramBit). The query trigrams whose bits a name's
// signature holds are at least those it shares with the name, so fuzzy
// search passes over, without reading the name, the postings that cannot
// reach the floor even so: most of those it reads, which share only the
// trigram they were found under. (Eight bytes a posting: a fifth more.)

// trigramBit is the bit of a trigram in signatures.
func trigramBit(t []byte) uint { return uint(fixedHash(t) >> 58) }

// trigramSignature is the signature of a normalised name: the bits of
// graph.Trigrams of it (trigramWindows).
func trigramSignature(name []byte) uint64 {
	var sig uint64
	w := trigramWindows{b: append(append(append(make([]byte, 0, 64), ' '), name...), ' ')}
	for t := w.next(); t != nil; t = w.next() {
		sig |= 1 << trigramBit(t)
	}
	return sig
}

// trigramWindows walks the windows of three runes of " name " (a
// normalised name, padded) whose middle rune is a letter: graph.Trigrams of
// the name, found in place. A window whose middle is the space between two
// words is none.
type trigramWindows struct {
	b      []byte
	i      int
	starts [3]int // where the last three runes start
	runes  int
}

// next returns the next trigram, or nil after the last.
func (w *trigramWindows) next() []byte {
	for w.i < len(w.b) {
		size := 1
		if w.b[w.i] >= utf8.RuneSelf {
			_, size = utf8.DecodeRune(w.b[w.i:])
		}
		w.starts[0], w.starts[1], w.starts[2] = w.starts[1], w.starts[2], w.i
		w.i += size
		if w.runes++; w.runes < 3 || w.b[w.starts[1]] == ' ' {
			continue
		}
		return w.b[w.starts[0]:w.i]
	}
	return nil
}

// appendPosting adds a posting to a block: the signature of the name
// (trigramSignature, eight bytes, little-endian), then the id and the name,
// each after its length.
func appendPosting(block []byte, sig uint64, id, name []byte) []byte {
	block = binary.LittleEndian.AppendUint64(block, sig)
	block = binary.AppendUvarint(block, uint64(len(id)))
	block = append(block, id...)
	block = binary.AppendUvarint(block, uint64(len(name)))
	return append(block, name...)
}

// eachPosting calls fn with the signature, id and name of each posting of
// a block, until fn returns false. The slices are the block's.
func eachPosting(block []byte, fn func(sig uint64, id, name []byte) bool) {
	for len(block) >= 8 {
		sig := binary.LittleEndian.Uint64(block)
		block = block[8:]
		n, k := binary.Uvarint(block)
		if k <= 0 || uint64(len(block)-k) < n {
			return // not a block of this layout
		}
		id := block[k : k+int(n)]
		block = block[k+int(n):]
		n, k = binary.Uvarint(block)
		if k <= 0 || uint64(len(block)-k) < n {
			return
		}
		name := block[k : k+int(n)]
		block = block[k+int(n):]
		if !fn(sig, id, name) {
			return
		}
	}
}

// splitPosting splits a posting as entityIndex lists it, without its
// prefix (<trigram>␀<len>␀<id>␀<name>), into its group (<trigram>␀<len>␀),
// id and name; ok is false for anything else.
func splitPosting(p []byte) (group, id, name []byte, ok bool) {
	i := bytes.IndexByte(p, 0)
	if i < 0 || len(p) < i+4 || p[i+3] != 0 {
		return nil, nil, nil, false
	}
	group, rest := p[:i+4], p[i+4:]
	j := bytes.IndexByte(rest, 0)
	if j < 0 {
		return nil, nil, nil, false
	}
	return group, rest[:j], rest[j+1:], true
}

// postingPacker packs postings that come in key order into blocks, and
// hands each block to emit as a key and value (emit must copy what it
// keeps). Every writer of the trigram postings packs through it, so that
// they all cut the blocks in the same places.
type postingPacker struct {
	group []byte // without the prefix
	last  []byte // the id of the last posting packed
	ends  bool   // endsBlock(last)
	block []byte
	key   []byte
	emit  func(k, v []byte) error
}

// add packs a posting, which comes after every posting added before.
func (p *postingPacker) add(group, id, name []byte) error {
	return p.addSigned(group, trigramSignature(name), id, name)
}

// addSigned is add for a posting whose signature is known.
func (p *postingPacker) addSigned(group []byte, sig uint64, id, name []byte) error {
	switch {
	case !bytes.Equal(group, p.group):
		if err := p.flush(); err != nil {
			return err
		}
		p.group = append(p.group[:0], group...)
	case p.ends && !bytes.Equal(id, p.last):
		if err := p.flush(); err != nil {
			return err
		}
	}
	if len(p.block) == 0 || !bytes.Equal(id, p.last) {
		p.last = append(p.last[:0], id...)
		p.ends = endsBlock(id)
	}
	p.block = appendPosting(p.block, sig, id, name)
	return nil
}

// flush emits the block being packed, if it holds any posting: keyed by
// its last id if that ends a block, else as the group's last block.
func (p *postingPacker) flush() error {
	if len(p.block) == 0 {
		return nil
	}
	p.key = append(append(p.key[:0], pTrigram...), p.group...)
	if p.ends {
		p.key = append(p.key, p.last...)
	} else {
		p.key = append(p.key, lastBlock...)
	}
	err := p.emit(p.key, p.block)
	p.block = p.block[:0]
	return err
}

// packPostings returns, for the bulk build's family of trigram postings
// (bulk.Family.Pack), a function that packs its keys into blocks.
func packPostings() func(k, v []byte, add func(k, v []byte) error) error {
	p := &postingPacker{}
	return func(k, _ []byte, add func(k, v []byte) error) error {
		p.emit = add
		if k == nil {
			return p.flush()
		}
		group, id, name, ok := splitPosting(k[len(pTrigram):])
		if !ok {
			return nil
		}
		return p.add(group, id, name)
	}
}

// posting records, in a mutation, a trigram posting (a key as entityIndex
// lists it) that the write adds or removes; resolvePostings writes them.
func (m *mutation) posting(k string, add bool) {
	if m.postings == nil {
		m.postings = map[string]bool{}
	}
	m.postings[k] = add
}

// resolvePostings turns the trigram postings a write adds and removes into
// writes of the blocks that hold them. For each group it reads the blocks
// from the one the first change falls in to the first that ends after the
// last change (which the postings of a block whose end goes join), applies
// the changes and packs those postings again, then writes the blocks that
// changed and deletes those that went. Groups come in key order, so one
// iterator seeks forward through them. Writers are serialised (writeMu), so
// the blocks read stay current.
func (m *mutation) resolvePostings(txn *bg.Txn) error {
	if len(m.postings) == 0 {
		return nil
	}
	keys := make([]string, 0, len(m.postings))
	for k := range m.postings {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	r := &postingResolver{m: m, it: txn.NewIterator(bg.IteratorOptions{Prefix: []byte(pTrigram)})}
	defer r.it.Close()
	for i := 0; i < len(keys); {
		group, _, _, ok := splitPosting([]byte(keys[i][len(pTrigram):]))
		if !ok {
			i++ // entityIndex lists none such
			continue
		}
		j := i + 1
		for j < len(keys) && strings.HasPrefix(keys[j][len(pTrigram):], string(group)) {
			j++
		}
		if err := r.group(group, keys[i:j]); err != nil {
			return err
		}
		i = j
	}
	m.postings = nil
	return nil
}

// postingResolver holds what resolvePostings reuses from group to group.
type postingResolver struct {
	m        *mutation
	it       *bg.Iterator
	packer   postingPacker
	postings []posting // of the blocks read, in order
	merged   []posting
}

// posting is a posting of a block being written again: its signature, id
// and name (slices of the block read, or of the change).
type posting struct {
	sig      uint64
	id, name []byte
}

// comparePostings orders postings as their keys (<id>␀<name>) sort.
func comparePostings(a, b posting) int {
	if c := bytes.Compare(a.id, b.id); c != 0 {
		return c
	}
	return bytes.Compare(a.name, b.name)
}

// group resolves the changes (sorted keys of m.postings) of one group.
func (r *postingResolver) group(group []byte, changes []string) error {
	prefix := append([]byte(pTrigram), group...)
	change := func(k string) posting {
		e := []byte(k[len(prefix):]) // id␀name
		i := bytes.IndexByte(e, 0)
		return posting{id: e[:i], name: e[i+1:]}
	}
	first, last := change(changes[0]).id, change(changes[len(changes)-1]).id

	// the blocks from the one that holds (or would hold) the first change
	// to the first that ends after the last
	old := map[string][]byte{}
	r.postings = r.postings[:0]
	for r.it.Seek(append(prefix, first...)); r.it.ValidForPrefix(prefix); r.it.Next() {
		end := r.it.Item().Key()[len(prefix):]
		v, err := r.it.Item().ValueCopy(nil)
		if err != nil {
			return err
		}
		old[string(end)] = v
		eachPosting(v, func(sig uint64, id, name []byte) bool {
			r.postings = append(r.postings, posting{sig, id, name})
			return true
		})
		if bytes.Compare(end, last) > 0 {
			break
		}
	}

	// those postings with the changes made, in order
	r.merged = r.merged[:0]
	i := 0
	for _, k := range changes {
		c := change(k)
		for i < len(r.postings) && comparePostings(r.postings[i], c) < 0 {
			r.merged = append(r.merged, r.postings[i])
			i++
		}
		if i < len(r.postings) && comparePostings(r.postings[i], c) == 0 {
			i++
		}
		if r.m.postings[k] {
			c.sig = trigramSignature(c.name)
			r.merged = append(r.merged, c)
		}
	}
	r.merged = append(r.merged, r.postings[i:]...)

	// packed again: the blocks before and after those read are left as they
	// are, and so are their ends
	written := map[string][]byte{}
	r.packer.emit = func(k, v []byte) error {
		written[string(k[len(prefix):])] = bytes.Clone(v)
		return nil
	}
	for _, p := range r.merged {
		if err := r.packer.addSigned(group, p.sig, p.id, p.name); err != nil {
			return err
		}
	}
	if err := r.packer.flush(); err != nil {
		return err
	}
	for end := range old {
		if _, ok := written[end]; !ok {
			r.m.remove(string(prefix) + end)
		}
	}
	for end, v := range written {
		if was, ok := old[end]; !ok || !bytes.Equal(was, v) {
			r.m.put(string(prefix)+end, v)
		}
	}
	return nil
}

// reindexTrigrams writes the trigram postings (g:) again from the entities,
// in the layout of this release: it drops them, writes every posting of
// every entity one a key under pTrigramScratch (Badger sorts them), packs
// them in key order into g:, and drops the scratch keys. A run interrupted
// anywhere leaves the store's layout unrecorded, and the next open runs it
// again from the start. The counts (c:df:g:) do not change: the postings
// are the same, in other keys.
func (s *Store) reindexTrigrams() error {
	for _, p := range []string{pTrigram, pTrigramScratch} {
		if err := s.db.DropPrefix([]byte(p)); err != nil {
			return err
		}
	}
	wb := s.db.NewWriteBatch()
	defer wb.Cancel()
	err := s.view(func(txn *bg.Txn) error {
		return eachStored(context.Background(), txn, pEntity, func(e *graph.Entity) error {
			var werr error
			entityIndex(e, false, true, func(prefix, a, b, c string) {
				if werr == nil {
					werr = wb.Set([]byte(pTrigramScratch+a+sep+b+sep+c), nil)
				}
			})
			return werr
		})
	})
	if err != nil {
		return err
	}
	if err := wb.Flush(); err != nil {
		return err
	}
	packed := s.db.NewWriteBatch()
	defer packed.Cancel()
	p := &postingPacker{emit: func(k, v []byte) error { return packed.Set(bytes.Clone(k), bytes.Clone(v)) }}
	err = s.view(func(txn *bg.Txn) error {
		it := txn.NewIterator(bg.IteratorOptions{Prefix: []byte(pTrigramScratch)})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			if group, id, name, ok := splitPosting(it.Item().Key()[len(pTrigramScratch):]); ok {
				if err := p.add(group, id, name); err != nil {
					return err
				}
			}
		}
		return p.flush()
	})
	if err != nil {
		return err
	}
	if err := packed.Flush(); err != nil {
		return err
	}
	return s.db.DropPrefix([]byte(pTrigramScratch))
}
