package badger

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	bg "github.com/dgraph-io/badger/v4"
)

// TestSizeReport prints, for the store in EMIGRAPH_SIZE_REPORT (opened
// read-only), the keys of each two-byte prefix with their key and value
// bytes, the tables by the family of their keys (Badger's on-disk,
// uncompressed, and index and bloom filter sizes) and the bytes of its
// files by kind: what each key family costs on disk, for
// cmd/emigraph/BENCHMARKS.md. Skipped without the variable.
//
//	EMIGRAPH_SIZE_REPORT=/tmp/store go test ./graph/badger -run TestSizeReport -v
//
// Counters (c:) are split by what follows the prefix (c:adj:, c:deg:,
// c:df:w: ...), as they are most of their keys.
func TestSizeReport(t *testing.T) {
	dir := os.Getenv("EMIGRAPH_SIZE_REPORT")
	if dir == "" {
		t.Skip("EMIGRAPH_SIZE_REPORT names no store")
	}
	st, err := Open(dir, Options{ReadOnly: true, NoTableCheck: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	type family struct{ keys, keyBytes, valueBytes int64 }
	families := map[string]*family{}
	err = st.db.View(func(txn *bg.Txn) error {
		it := txn.NewIterator(bg.IteratorOptions{})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			item := it.Item()
			k := item.Key()
			name := sizeFamily(k)
			f := families[name]
			if f == nil {
				f = &family{}
				families[name] = f
			}
			f.keys++
			f.keyBytes += int64(len(k))
			f.valueBytes += item.ValueSize()
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	names := make([]string, 0, len(families))
	var total family
	for name, f := range families {
		names = append(names, name)
		total.keys += f.keys
		total.keyBytes += f.keyBytes
		total.valueBytes += f.valueBytes
	}
	sort.Slice(names, func(i, j int) bool {
		a, b := families[names[i]], families[names[j]]
		return a.keyBytes+a.valueBytes > b.keyBytes+b.valueBytes
	})
	var out strings.Builder
	fmt.Fprintf(&out, "| family | keys | key bytes | value bytes | key+value | share | bytes/key |\n|---|---:|---:|---:|---:|---:|---:|\n")
	for _, name := range append(names, "total") {
		f := &total
		if name != "total" {
			f = families[name]
		}
		sum := f.keyBytes + f.valueBytes
		fmt.Fprintf(&out, "| %s | %d | %d | %d | %d | %.1f%% | %.1f |\n", name, f.keys, f.keyBytes, f.valueBytes, sum,
			100*float64(sum)/float64(total.keyBytes+total.valueBytes), float64(sum)/float64(f.keys))
	}
	// the tables by the family of their keys: a table whose first and last
	// keys are of two families is counted under both names, joined by ".."
	type tables struct{ n, onDisk, uncompressed, indexBloom int64 }
	byFamily := map[string]*tables{}
	var tableNames []string
	for _, ti := range st.db.Tables() {
		name := sizeFamily(ti.Left)
		if last := sizeFamily(ti.Right); last != name {
			name += ".." + last
		}
		f := byFamily[name]
		if f == nil {
			f = &tables{}
			byFamily[name] = f
			tableNames = append(tableNames, name)
		}
		f.n++
		f.onDisk += int64(ti.OnDiskSize)
		f.uncompressed += int64(ti.UncompressedSize)
		f.indexBloom += int64(ti.IndexSz + ti.BloomFilterSize)
	}
	sort.Slice(tableNames, func(i, j int) bool { return byFamily[tableNames[i]].onDisk > byFamily[tableNames[j]].onDisk })
	fmt.Fprintf(&out, "\n| tables of | tables | on disk | uncompressed | index+bloom |\n|---|---:|---:|---:|---:|\n")
	for _, name := range tableNames {
		f := byFamily[name]
		fmt.Fprintf(&out, "| %s | %d | %d | %d | %d |\n", name, f.n, f.onDisk, f.uncompressed, f.indexBloom)
	}
	files := map[string]int64{}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		info, err := e.Info()
		if err != nil || !info.Mode().IsRegular() {
			continue
		}
		kind := filepath.Ext(e.Name())
		if kind == "" {
			kind = e.Name()
		}
		files[kind] += info.Size()
	}
	kinds := make([]string, 0, len(files))
	for k := range files {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	fmt.Fprintf(&out, "\n| files | bytes |\n|---|---:|\n")
	for _, k := range kinds {
		fmt.Fprintf(&out, "| %s | %d |\n", k, files[k])
	}
	t.Log("\n" + out.String())
}

// sizeFamily names the family of key k for TestSizeReport: its two-byte
// prefix, and for counters the counter's kind as well.
func sizeFamily(k []byte) string {
	if len(k) < 2 {
		return fmt.Sprintf("%q", k)
	}
	p := string(k[:2])
	if p != pCount {
		return p
	}
	rest := string(k[2:])
	for _, kind := range []string{"adj:", "deg:", "df:w:", "df:g:", "timeline", "src:", "type:", "pred:"} {
		if strings.HasPrefix(rest, kind) {
			return p + kind
		}
	}
	return p + "other"
}
