package badger_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	bg "github.com/dgraph-io/badger/v4"

	"github.com/emigraph/emigraph/graph"
	"github.com/emigraph/emigraph/graph/badger"
)

// backupOf returns a backup of a store holding the fixture and n people,
// and the store's keys and values.
func backupOf(t *testing.T, n int) ([]byte, map[string]string) {
	t.Helper()
	st := loaded(t)
	if _, err := st.Apply(context.Background(), many(n), false); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := st.Backup(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes(), dump(t, st)
}

func TestBackupRestoreRoundTrip(t *testing.T) {
	t.Parallel()
	backup, want := backupOf(t, 50)
	if !bytes.HasPrefix(backup, []byte(fmt.Sprintf("emigraph backup 2\nlayout %d\n", badger.LayoutVersion))) {
		t.Errorf("the backup starts %q", backup[:min(len(backup), 40)])
	}
	for name, dir := range map[string]string{"new directory": filepath.Join(t.TempDir(), "new"), "empty directory": t.TempDir()} {
		t.Run(name, func(t *testing.T) {
			if err := badger.Restore(dir, bytes.NewReader(backup), badger.Options{NoSync: true, MemTableSize: testMemTable}); err != nil {
				t.Fatal(err)
			}
			st, err := badger.Open(dir, badger.Options{ReadOnly: true})
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			if got := dump(t, st); !reflect.DeepEqual(got, want) {
				t.Errorf("the restored store holds %d keys, the original %d, or other values", len(got), len(want))
			}
			if left, _ := filepath.Glob(filepath.Join(filepath.Dir(dir), ".emigraph-restore-*")); len(left) > 0 {
				t.Errorf("temporary files left: %v", left)
			}
		})
	}
}

// Every byte of a backup is covered: flipping any one of them is refused
// before the target directory is touched, and the directory is left absent.
// The test flips every byte of the first and last 512 (the header, the
// layout, the checksum) and every 31st of the rest (the body goes through
// the same hash), with the bit it flips moving along;
// EMIGRAPH_FLIP_EVERY_BYTE=1 flips all of them (19,638 for this backup,
// which takes a minute of CPU).
func TestRestoreRefusesEveryFlippedByte(t *testing.T) {
	t.Parallel()
	backup, _ := backupOf(t, 1)
	parent := t.TempDir()
	dir := filepath.Join(parent, "target")
	corrupt := make([]byte, len(backup))
	every := os.Getenv("EMIGRAPH_FLIP_EVERY_BYTE") != ""
	flipped := 0
	for i := range backup {
		if !every && i >= 512 && i < len(backup)-512 && i%31 != 0 {
			continue
		}
		flipped++
		copy(corrupt, backup)
		corrupt[i] ^= 0x01 << (i % 8)
		if err := badger.Restore(dir, bytes.NewReader(corrupt), badger.Options{NoSync: true, MemTableSize: testMemTable}); err == nil {
			t.Fatalf("byte %d of %d flipped: restored", i, len(backup))
		}
		if _, err := os.Stat(dir); !os.IsNotExist(err) {
			t.Fatalf("byte %d flipped: the target exists after the refusal (%v)", i, err)
		}
	}
	// cut short anywhere: refused too
	for _, n := range []int{0, 1, 17, len(backup) / 2, len(backup) - 82, len(backup) - 1} {
		if err := badger.Restore(dir, bytes.NewReader(backup[:n]), badger.Options{NoSync: true, MemTableSize: testMemTable}); err == nil {
			t.Errorf("the first %d bytes restored", n)
		}
	}
	if left, _ := os.ReadDir(parent); len(left) > 0 {
		t.Errorf("left behind: %v", left)
	}
	t.Logf("%d flipped bytes of %d refused", flipped, len(backup))
}

func TestRestoreRefuses(t *testing.T) {
	t.Parallel()
	backup, _ := backupOf(t, 1)
	held := t.TempDir()
	os.WriteFile(filepath.Join(held, "notes.txt"), []byte("mine"), 0o644)
	for _, tc := range []struct {
		name, input, dir, want string
	}{
		{"a directory with a file", string(backup), held, "is not empty"},
		{"format 1, no checksum", "emigraph backup 1\n\x00\x01 some stream", "", "carries no checksum"},
		{"not a backup", "hello\n", "", "not an emigraph backup"},
		{"a newer layout", relayout(t, backup, fmt.Sprintf("layout %d\n", badger.LayoutVersion+1)), "", fmt.Sprintf("key layout %d, newer", badger.LayoutVersion+1)},
		{"not a layout", relayout(t, backup, "layout x\n"), "", `"layout x"`},
		{"layout 0", relayout(t, backup, "layout 0\n"), "", `"layout 0"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := tc.dir
			if dir == "" {
				dir = filepath.Join(t.TempDir(), "new")
			}
			err := badger.Restore(dir, strings.NewReader(tc.input), badger.Options{NoSync: true, MemTableSize: testMemTable})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
			if tc.dir == "" {
				if _, err := os.Stat(dir); !os.IsNotExist(err) {
					t.Errorf("the target exists after the refusal")
				}
			}
		})
	}
	if b, _ := os.ReadFile(filepath.Join(held, "notes.txt")); string(b) != "mine" {
		t.Error("the refused restore changed the directory")
	}
}

// A backup of an older key layout is restored and migrated, as opening that
// store for writing would migrate it: a backup taken before an upgrade
// stays a backup.
func TestRestoreMigratesAnOlderLayout(t *testing.T) {
	t.Parallel()
	st := loaded(t)
	figure := many(3)
	figure.Relations[0].Relation.Quantity = &graph.Quantity{Amount: 3, Unit: "people", Approximation: graph.About}
	if _, err := st.Apply(context.Background(), figure, false); err != nil {
		t.Fatal(err)
	}
	want := dump(t, st)
	// the store as layout 4 held it: no figures index, its layout recorded
	err := badger.DBOf(st).Update(func(txn *bg.Txn) error {
		for k := range want {
			if strings.HasPrefix(k, "f:") || strings.HasPrefix(k, "F:") {
				if err := txn.Delete([]byte(k)); err != nil {
					return err
				}
			}
		}
		return txn.Set([]byte("m:layout"), []byte("4"))
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(dump(t, st)) == len(want) {
		t.Fatal("the fixture has no figures to index")
	}
	var b bytes.Buffer
	if err := st.Backup(&b); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "restored")
	if err := badger.Restore(dir, strings.NewReader(relayout(t, b.Bytes(), "layout 4\n")), badger.Options{NoSync: true, MemTableSize: testMemTable}); err != nil {
		t.Fatal(err)
	}
	restored, err := badger.Open(dir, badger.Options{ReadOnly: true}) // read-only opens only a store of this layout
	if err != nil {
		t.Fatal(err)
	}
	defer restored.Close()
	if v, _ := restored.Meta("layout"); v != fmt.Sprint(badger.LayoutVersion) {
		t.Errorf("m:layout = %q after restoring a backup of layout 4", v)
	}
	if got := dump(t, restored); !reflect.DeepEqual(got, want) {
		t.Errorf("the restored store holds %d keys, the original %d, or other values", len(got), len(want))
	}
}

// relayout rewrites the layout line of a backup and its checksum, as a
// backup made by another release would be.
func relayout(t *testing.T, backup []byte, line string) string {
	t.Helper()
	body := backup[:len(backup)-len("\nsha256 ")-64-1]
	body = bytes.Replace(body, []byte(fmt.Sprintf("layout %d\n", badger.LayoutVersion)), []byte(line), 1)
	return string(body) + badger.BackupTrailer(body)
}
