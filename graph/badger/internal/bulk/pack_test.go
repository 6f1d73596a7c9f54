package bulk_test

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"testing"

	bg "github.com/dgraph-io/badger/v4"

	"github.com/emigraph/emigraph/graph/badger/internal/bulk"
)

// A family with Pack writes what Pack makes of its keys, which it is given
// in order, whether they were sorted in memory or merged from spilled runs;
// here it packs the keys of each group (their first three bytes after the
// prefix) into one, whose value lists them.
func TestPackedFamilyWritesWhatPackMakes(t *testing.T) {
	for _, budget := range []int64{0, 64 << 10} {
		t.Run(fmt.Sprint("budget ", budget), func(t *testing.T) {
			dir := t.TempDir()
			opts := bg.DefaultOptions(dir).WithLogger(nil).WithMemTableSize(8 << 20)
			b, err := bulk.Start(context.Background(), dir, opts, nil)
			if err != nil {
				t.Fatal(err)
			}
			b.SetMemoryBudget(budget)
			b.Add(func() []*bulk.Family {
				f := b.Pool().Family("g:", 30000)
				var group, packed []byte
				f.Pack = func(k, _ []byte, add func(k, v []byte) error) error {
					if k == nil || len(group) == 0 || !bytes.HasPrefix(k, group) {
						if len(group) > 0 {
							if err := add(group, packed); err != nil {
								return err
							}
						}
						if k == nil {
							return nil
						}
						group, packed = bytes.Clone(k[:5]), packed[:0]
					}
					packed = append(append(packed, k[5:]...), ' ')
					return nil
				}
				for i := 29999; i >= 0; i-- {
					f.Put("", fmt.Sprintf("%03d", (i*7919)%300), fmt.Sprint(i), "")
				}
				return []*bulk.Family{f}
			})
			if err := b.Wait(); err != nil {
				t.Fatal(err)
			}
			if budget > 0 && b.Spilled() == 0 {
				t.Error("nothing spilled: the budget did not bound the build")
			}
			db, err := bg.Open(opts)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			got := contents(t, db)
			if len(got) != 300 {
				t.Errorf("%d keys, want one for each of 300 groups", len(got))
			}
			for g := range 300 {
				k := fmt.Sprintf("g:%03d", g)
				keys := bytes.Fields([]byte(got[k]))
				if len(keys) != 100 || !slices.IsSortedFunc(keys, bytes.Compare) {
					t.Errorf("%q = %q: want the 100 keys of the group, in order", k, got[k])
				}
			}
		})
	}
}
