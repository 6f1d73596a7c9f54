package badger

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/emigraph/emigraph/graph"
)

// diceScorer scores a name as the Dice similarity of graph.Trigrams of the
// query and of the name, a word of n letters counting n trigrams.
func TestDiceScorerIsDiceOfTrigrams(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	var random []string
	for range 300 {
		var words []string
		for range 1 + rng.IntN(3) {
			w := ""
			for range 1 + rng.IntN(6) {
				w += string([]rune("abcab12éк")[rng.IntN(9)])
			}
			words = append(words, w)
		}
		random = append(random, strings.Join(words, " "))
	}
	names := []string{"a", "ab", "alla pugacheva", "pugachova", "vodenomu person 4242", "bi 2", "aaa aaa",
		"saint petersburg helsinki high speed railway", "киргизия", "é a b c", "persn 4242", "4242 4242", "ქართული ab",
		// more than 64 trigrams of ASCII letters: scored without the word of bits
		"the quick brown fox jumps over the lazy dog and then over many more dogs and foxes"}
	names = append(names, random...)
	for _, q := range names {
		sc := newDiceScorer(graph.Trigrams(q))
		for _, name := range names {
			qset := map[string]bool{}
			for _, g := range graph.Trigrams(q) {
				qset[g] = true
			}
			shared, letters := 0, 0
			for _, g := range graph.Trigrams(name) {
				if qset[g] {
					shared++
				}
			}
			for _, w := range graph.Words(name) {
				letters += len([]rune(w))
			}
			if nameLetters(name) != letters {
				t.Errorf("nameLetters(%q) = %d, want %d", name, nameLetters(name), letters)
			}
			want := 2 * float64(shared) / float64(len(qset)+letters)
			if got := sc.similarity([]byte(name)); got != want {
				t.Errorf("similarity(%q, %q) = %v, want %v", q, name, got, want)
			}
			// the signature filter never passes over a name it should score
			if held := newSignatureMasks(graph.Trigrams(q)).held(trigramSignature([]byte(name))); held < shared {
				t.Errorf("the signature of %q holds %d trigrams of %q, which shares %d", name, held, q, shared)
			}
		}
	}
}

// A name's signature has the bits of its trigrams and no others.
func TestTrigramSignatureHasTheBitsOfTheTrigrams(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"a", "vodenomu person 12345", "алла пугачёва", "bi 2", "ქართული ab", "é a b c"} {
		var want uint64
		for _, g := range graph.Trigrams(name) {
			want |= 1 << trigramBit([]byte(g))
		}
		if got := trigramSignature([]byte(name)); got != want {
			t.Errorf("trigramSignature(%q) = %064b, want %064b", name, got, want)
		}
	}
}

// Trigram postings sort by the length of the name, and the length reads back.
func TestTrigramLenSorts(t *testing.T) {
	t.Parallel()
	prev := ""
	for n := 1; n <= maxTrigramLen+10; n++ {
		k := trigramLenOf(n)
		if k[0] == 0 || k[1] == 0 {
			t.Fatalf("length %d encodes a 0x00", n)
		}
		if want := min(n, maxTrigramLen); decodeTrigramLen([]byte(k)) != want {
			t.Fatalf("length %d reads back as %d", n, decodeTrigramLen([]byte(k)))
		}
		if n <= maxTrigramLen && k <= prev {
			t.Fatalf("length %d sorts before %d", n, n-1)
		}
		prev = k
	}
	if got := trigramLen("vodenomu person 4242"); decodeTrigramLen([]byte(got)) != 18 {
		t.Errorf("trigramLen = %d letters, want 18", decodeTrigramLen([]byte(got)))
	}
}
