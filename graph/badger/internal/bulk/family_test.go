package bulk

import (
	"bytes"
	"math/rand/v2"
	"slices"
	"testing"
)

// The family sort orders keys as bytes.Compare does: keys that are prefixes
// of others, zero bytes (the separator), long shared beginnings, runs large
// enough for the radix sort and small enough for the comparison sort.
func TestFamilySortOrdersLikeBytesCompare(t *testing.T) {
	alphabet := []byte{0, 1, 'a', 'b', 0xff}
	for _, n := range []int{0, 1, 2, 7, 255, 256, 3000, 20000, 150000} {
		rng := rand.New(rand.NewPCG(uint64(n), 7))
		f := NewPool().Family("k:", 0)
		seen := map[string]bool{}
		var want [][]byte
		for len(want) < n {
			// a shared beginning of 0-20 bytes, then 0-12 random ones
			k := bytes.Repeat([]byte("person/gen-"), 2)[:rng.IntN(21)]
			for range rng.IntN(13) + n/100000 {
				k = append(k, alphabet[rng.IntN(len(alphabet))])
			}
			if seen[string(k)] {
				continue
			}
			seen[string(k)] = true
			want = append(want, append([]byte("k:"), k...))
			f.Put(string(k), string(k), "", "")
		}
		f.sort()
		slices.SortFunc(want, bytes.Compare)
		if len(f.order) != len(want) {
			t.Fatalf("n=%d: %d entries sorted", n, len(f.order))
		}
		for i, it := range f.order {
			e := it.e
			if got := f.key(e); !bytes.Equal(got, want[i]) {
				t.Fatalf("n=%d: key %d = %q, want %q", n, i, got, want[i])
			}
			if v := f.value(e); !bytes.Equal(v, want[i][2:]) {
				t.Fatalf("n=%d: the value of %q moved to %q", n, want[i], v)
			}
		}
	}
}
