package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A backup of a served directory, restored into an empty one, exports to the
// same bytes; a restore into a directory that holds data is refused and
// leaves it as it was.
func TestBackupRestore(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	tokenFile := filepath.Join(t.TempDir(), "token")
	os.WriteFile(tokenFile, []byte("tok-backup\n"), 0o600)
	base, stop := serve(t, dir, "--token-file", tokenFile) // seeds the directory
	// a write on top of the seed, so that the backup is more than the seed
	res := query(t, base, `mutation { e: upsertEntity(entity: {id: "person/backup-test", name: "Backup Test", type: PERSON}) { ok }
		r: addRelation(relation: {subject: "person/backup-test", predicate: "fled-to", object: "country/georgia", date: "2025-01", sources: [{quote: "a fact added before the backup"}]}) { ok } }`,
		"Authorization", "Bearer tok-backup")
	if got := mustJSON(res); !strings.Contains(got, `"e":{"ok":true}`) || !strings.Contains(got, `"r":{"ok":true}`) {
		t.Fatalf("the write before the backup: %s", got)
	}
	stats := query(t, base, `{ stats { totalEntities totalRelations } }`)
	stop()

	backup, errs, err := run(t, "", nil, "backup", "--data", dir)
	if err != nil {
		t.Fatalf("backup: %v\n%s", err, errs)
	}
	if len(backup) == 0 {
		t.Fatal("the backup is empty")
	}
	restored := filepath.Join(t.TempDir(), "restored") // new: restore creates it
	if out, errs, err := run(t, backup, nil, "restore", "--data", restored); err != nil {
		t.Fatalf("restore: %v\n%s%s", err, out, errs)
	}

	original, errs, err := run(t, "", nil, "export", "--format", "native", "--data", dir)
	if err != nil {
		t.Fatalf("export of the original: %v\n%s", err, errs)
	}
	copied, errs, err := run(t, "", nil, "export", "--format", "native", "--data", restored)
	if err != nil {
		t.Fatalf("export of the restored copy: %v\n%s", err, errs)
	}
	if !strings.Contains(original, "person/backup-test") || !strings.Contains(original, "country/georgia") {
		t.Fatalf("the export of the original lacks the seed or the added fact (%d bytes)", len(original))
	}
	if original != copied {
		t.Errorf("the restored copy exports differently: %d bytes, the original %d", len(copied), len(original))
	}

	// the restored directory serves the same graph, and is not seeded again
	base, stop = serve(t, restored)
	again := query(t, base, `{ stats { totalEntities totalRelations } }`)
	stop()
	if !equalJSON(stats, again) {
		t.Errorf("the restored directory serves stats %v, the original %v", mustJSON(again), mustJSON(stats))
	}
	if copied2, _, _ := run(t, "", nil, "export", "--format", "native", "--data", restored); copied2 != original {
		t.Errorf("serving the restored copy changed it")
	}

	// a restore into a directory holding data is refused and changes nothing
	_, errs, err = run(t, backup, nil, "restore", "--data", dir)
	if err == nil || !strings.Contains(err.Error(), "empty directory") {
		t.Errorf("restore into a directory with data: %v %s", err, errs)
	}
	if after, _, _ := run(t, "", nil, "export", "--format", "native", "--data", dir); after != original {
		t.Errorf("a refused restore changed the directory")
	}
}

func TestRestoreRefusesWhatIsNotABackup(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct{ input, says string }{
		"empty":     {"", "not an emigraph backup"},
		"garbage":   {"this is not a backup at all, just some text\n", "not an emigraph backup"},
		"truncated": {"emigraph backup 2\nlayout 2\n\x01\x02\x03\x04\x05\x06\x07\x08\x09garbage after the header", "does not end with its checksum"},
		"format 1":  {"emigraph backup 1\n\x01\x02\x03", "carries no checksum"},
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			_, _, err := run(t, tc.input, nil, "restore", "--data", dir)
			if err == nil || !strings.Contains(err.Error(), tc.says) {
				t.Fatalf("restore: %v, want it to say %q", err, tc.says)
			}
			// the directory is left empty: serving it seeds, as for a new store
			if left, _ := os.ReadDir(dir); len(left) > 0 {
				t.Errorf("after a refused restore the directory holds %v", left)
			}
		})
	}
	if _, _, err := run(t, "", nil, "export", "--data", filepath.Join(t.TempDir(), "typo")); err == nil || !strings.Contains(err.Error(), "holds no emigraph store") {
		t.Errorf("export of a missing directory: %v", err)
	}
}

// A backup with one byte changed is refused by the command, which leaves
// the target as it was.
func TestRestoreRefusesACorruptBackup(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	_, stop := serve(t, dir) // seeds it
	stop()
	backup, errs, err := run(t, "", nil, "backup", "--data", dir)
	if err != nil {
		t.Fatalf("backup: %v %s", err, errs)
	}
	b := []byte(backup)
	b[len(b)/2] ^= 0x40
	target := filepath.Join(t.TempDir(), "restored")
	_, _, err = run(t, string(b), nil, "restore", "--data", target)
	if err == nil || !strings.Contains(err.Error(), "corrupt") {
		t.Fatalf("restore of a changed backup: %v", err)
	}
	if _, err := os.Stat(target); !os.IsNotExist(err) {
		t.Errorf("the target exists after the refusal")
	}
}
