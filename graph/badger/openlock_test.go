//go:build linux

package badger_test

import (
	"bufio"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/emigraph/emigraph/graph"
	"github.com/emigraph/emigraph/graph/badger"
)

// TestMain runs the test binary as a child process when a test asks for one
// (EMIGRAPH_TEST_CHILD names it): a store held by another process, as a
// server holds it.
func TestMain(m *testing.M) {
	switch os.Getenv("EMIGRAPH_TEST_CHILD") {
	case "":
		os.Exit(m.Run())
	case "writer":
		if err := writerChild(os.Getenv("EMIGRAPH_TEST_DIR"), os.Stdin, os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, "writer:", err)
			os.Exit(1)
		}
		os.Exit(0)
	case "few-descriptors":
		if err := fewDescriptorsChild(os.Getenv("EMIGRAPH_TEST_DIR"), os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, "few-descriptors:", err)
			os.Exit(1)
		}
		os.Exit(0)
	default:
		fmt.Fprintln(os.Stderr, "unknown child", os.Getenv("EMIGRAPH_TEST_CHILD"))
		os.Exit(2)
	}
}

// writerChild opens the store in dir for writing and, for each line "write
// N" it reads, writes the entity person/acked-N and answers "ack N" once the
// write returned. It never closes the store: the test kills it.
func writerChild(dir string, in io.Reader, out io.Writer) error {
	st, err := badger.Open(dir, badger.Options{NoSync: true, MemTableSize: testMemTable})
	if err != nil {
		return err
	}
	fmt.Fprintln(out, "open")
	sc := bufio.NewScanner(in)
	for sc.Scan() {
		var n int
		if _, err := fmt.Sscanf(sc.Text(), "write %d", &n); err != nil {
			return fmt.Errorf("%q: %v", sc.Text(), err)
		}
		c := &graph.Changeset{Entities: []graph.EntityChange{{Where: "child", Entity: graph.Entity{ID: ackedID(n), Name: fmt.Sprintf("Acked %d", n), Type: graph.Person}}}}
		if _, err := st.Apply(context.Background(), c, false); err != nil {
			return err
		}
		fmt.Fprintln(out, "ack", n)
	}
	select {} // held until killed
}

func ackedID(n int) string { return fmt.Sprintf("person/acked-%d", n) }

// writer is a child process holding a store open for writing.
type writer struct {
	cmd   *exec.Cmd
	in    io.WriteCloser
	out   *bufio.Scanner
	acked []int
}

func startWriter(t *testing.T, dir string) *writer {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "EMIGRAPH_TEST_CHILD=writer", "EMIGRAPH_TEST_DIR="+dir)
	cmd.Stderr = os.Stderr
	in, _ := cmd.StdinPipe()
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w := &writer{cmd: cmd, in: in, out: bufio.NewScanner(out)}
	t.Cleanup(func() { w.kill() })
	if !w.out.Scan() || w.out.Text() != "open" {
		t.Fatalf("the writer did not open the store: %q", w.out.Text())
	}
	return w
}

// write has the child write entities from..to-1, each acknowledged.
func (w *writer) write(t *testing.T, from, to int) {
	t.Helper()
	for n := from; n < to; n++ {
		fmt.Fprintf(w.in, "write %d\n", n)
		if !w.out.Scan() || w.out.Text() != fmt.Sprint("ack ", n) {
			t.Fatalf("write %d was not acknowledged (%q): the writer died?", n, w.out.Text())
		}
		w.acked = append(w.acked, n)
	}
}

// kill is a crash: SIGKILL, nothing closed.
func (w *writer) kill() {
	if w.cmd.ProcessState == nil {
		w.cmd.Process.Signal(syscall.SIGKILL)
		w.cmd.Wait()
	}
}

// memtableLogs maps each memtable log of dir to its size and SHA-256.
func memtableLogs(t *testing.T, dir string) map[string]string {
	t.Helper()
	names, _ := filepath.Glob(filepath.Join(dir, "*.mem"))
	logs := map[string]string{}
	for _, name := range names {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		logs[filepath.Base(name)] = fmt.Sprintf("%d bytes, sha256 %x", len(b), sha256.Sum256(b))
	}
	return logs
}

// A store another process holds for writing (a server) is refused to every
// open, read-only ones too (export, backup, a second serve on a full disk),
// before anything of it is read or changed: its memtable log keeps its size
// and bytes, the writer goes on writing, and after it crashes every write
// it acknowledged is there. (Open used to cut the live memtable log to its
// last transaction before Badger refused the directory: the next
// acknowledged writes were lost on a crash, or the writer died of SIGBUS.)
func TestOpenOfALiveStoreChangesNothing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	w := startWriter(t, dir)
	w.write(t, 0, 20)
	// the writer's pid in LOCK, as Badger writes it
	if b, err := os.ReadFile(filepath.Join(dir, "LOCK")); err != nil || strings.TrimSpace(string(b)) != fmt.Sprint(w.cmd.Process.Pid) {
		t.Errorf("LOCK holds %q (%v), want the writer's pid %d", b, err, w.cmd.Process.Pid)
	}
	before := memtableLogs(t, dir)
	if len(before) == 0 {
		t.Fatal("no memtable log: the test tests nothing")
	}
	zero := func(string) (int64, error) { return 0, nil }
	for _, tc := range []struct {
		name string
		o    badger.Options
	}{
		{"read-only", badger.Options{ReadOnly: true}},
		{"for writing", badger.Options{}},
		{"for writing on a full disk (a read-only open)", badger.Options{FreeSpace: zero}},
	} {
		name, o := tc.name, tc.o
		st, err := badger.Open(dir, o)
		if err == nil {
			st.Close()
			t.Fatalf("open %s of a live store succeeded", name)
		}
		if !errors.Is(err, badger.ErrLocked) {
			t.Errorf("open %s: %v, want ErrLocked", name, err)
		}
		if after := memtableLogs(t, dir); fmt.Sprint(after) != fmt.Sprint(before) {
			t.Errorf("open %s changed the memtable logs: %v, before %v", name, after, before)
			before = after
		}
	}
	// the writer is unharmed: more writes, acknowledged, then a crash
	w.write(t, 20, 40)
	w.kill()
	// two readers share the crashed store (the first cuts its logs, the
	// second finds them cut); a writer is refused meanwhile
	r1, err := badger.Open(dir, badger.Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("read-only open after the crash: %v", err)
	}
	r2, err := badger.Open(dir, badger.Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("a second read-only open: %v", err)
	}
	if st, err := badger.Open(dir, badger.Options{NoSync: true, MemTableSize: testMemTable}); !errors.Is(err, badger.ErrLocked) {
		if err == nil {
			st.Close()
		}
		t.Errorf("a writable open while readers hold the store: %v", err)
	}
	for _, r := range []*badger.Store{r1, r2} {
		checkAcked(ctx, t, r, w.acked)
		r.Close()
	}
	st, err := badger.Open(dir, badger.Options{NoSync: true, MemTableSize: testMemTable})
	if err != nil {
		t.Fatal(err)
	}
	checkAcked(ctx, t, st, w.acked)
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "LOCK")); !os.IsNotExist(err) {
		t.Errorf("Close left LOCK: %v", err)
	}
}

func checkAcked(ctx context.Context, t *testing.T, st *badger.Store, acked []int) {
	t.Helper()
	var lost []string
	for _, n := range acked {
		if _, err := st.Entity(ctx, ackedID(n)); err != nil {
			lost = append(lost, fmt.Sprintf("%d (%v)", n, err))
		}
	}
	if len(lost) > 0 {
		t.Errorf("%d of %d acknowledged writes lost: %s", len(lost), len(acked), strings.Join(lost, ", "))
	}
}
