//go:build unix

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// readmeReadyEnv names the file where the README's `serve` child writes its
// process id and address once it listens.
const readmeReadyEnv = "EMIGRAPH_README_READY"

func init() {
	testChildren["readme-emigraph"] = readmeChild
}

// readmeChild is `go run ./cmd/emigraph ARGS` for TestReadmeCommands: the
// program with this process's arguments, stopped by Ctrl-C or SIGTERM as
// the real one is. A serve listens on 127.0.0.1:0 whatever the README says
// (its --addr is still parsed), and tells the test where.
func readmeChild() int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	args := os.Args[1:]
	m := &Main{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv}
	if ready := os.Getenv(readmeReadyEnv); ready != "" && len(args) > 0 && args[0] == "serve" {
		args = append(args, "--addr", "127.0.0.1:0")
		m.Ready = func(addr string) {
			tmp := ready + ".tmp"
			os.WriteFile(tmp, []byte(fmt.Sprintf("%d %s", os.Getpid(), addr)), 0o644)
			os.Rename(tmp, ready)
		}
	}
	if err := m.Run(ctx, args); err != nil {
		if !errors.Is(err, errReported) {
			fmt.Fprintln(os.Stderr, "emigraph:", err)
		}
		return exitCode(err)
	}
	return 0
}

// readmeBlock is a ```sh block of the README and the answer shown under it
// (a ```json or ```text block), if any.
type readmeBlock struct {
	commands   []string
	kind, want string
}

// readmeShellBlocks reads the ```sh blocks of the README in order. A line
// ending in a backslash goes on on the next; blank lines and comments are
// left out.
func readmeShellBlocks(t *testing.T, readme string) []readmeBlock {
	t.Helper()
	var blocks []readmeBlock
	re := regexp.MustCompile("(?s)```sh\n(.*?)```(?:\n```(json|text)\n(.*?)```)?")
	for _, m := range re.FindAllStringSubmatch(readme, -1) {
		b := readmeBlock{kind: m[2], want: m[3]}
		for _, line := range strings.Split(strings.ReplaceAll(m[1], "\\\n", " "), "\n") {
			if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
				b.commands = append(b.commands, line)
			}
		}
		blocks = append(blocks, b)
	}
	return blocks
}

// readmeServer is a `serve` of the README running in the background.
type readmeServer struct {
	command string
	pid     int    // the program's, under sh
	addr    string // host:port
	data    string // its --data, as the README gives it
	output  *syncBuffer
	exited  chan error // sh's end
}

// stop stops the server as Ctrl-C does and waits for it to end: it must end
// well, having closed its store.
func (s *readmeServer) stop(t *testing.T) {
	t.Helper()
	syscall.Kill(s.pid, syscall.SIGINT)
	select {
	case err := <-s.exited:
		if err != nil {
			t.Errorf("the README's serve ended with %v after Ctrl-C:\n%s\n%s", err, s.command, s.output.String())
		}
	case <-time.After(time.Minute):
		t.Fatalf("the README's serve did not stop within a minute of Ctrl-C:\n%s", s.command)
	}
}

// The README's shell commands run as a new user runs them, in order, from a
// copy of the repository's seed/examples: each through sh, with `go run
// ./cmd/emigraph` this test's binary (the program, unchanged) and real curl
// and coreutils. A serve runs in the background on 127.0.0.1:0 until the next
// serve or the next command given its data directory (the README says to
// stop it first), and the commands after it reach it where the README says
// 127.0.0.1:8080. A command must succeed, and where the README shows its
// output (```json or ```text under the block) the output must be that.
// The pages the README links to on the server must answer. `go test ./...`
// is left out: it is what runs this.
func TestReadmeCommands(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := readmeShellBlocks(t, string(raw))
	if len(blocks) < 5 {
		t.Fatalf("the README shows %d blocks of shell commands, want at least 5", len(blocks))
	}
	_, err = exec.LookPath("curl")
	haveCurl := err == nil
	if !haveCurl && os.Getenv("CI") != "" {
		t.Fatal("curl is not installed: the README's curl commands cannot be checked")
	}
	work := t.TempDir()
	copyTree(t, "../../seed/examples", filepath.Join(work, "seed", "examples"))
	bin := readmeGoShim(t)

	var srv *readmeServer
	defer func() {
		if srv != nil {
			srv.stop(t)
		}
	}()
	ran, linksChecked := 0, false
	for _, b := range blocks {
		var out string
		skipped := false
		for _, c := range b.commands {
			out, skipped = "", false
			switch {
			case c == "go test ./...":
				continue
			case !haveCurl && strings.HasPrefix(c, "curl "):
				t.Logf("curl is not installed (apt-get install -y curl): not run:\n%s", c)
				skipped = true
				continue
			case regexp.MustCompile(`go run (-v )?\./cmd/emigraph serve\b`).MatchString(c):
				if srv != nil {
					srv.stop(t)
				}
				srv = startReadmeServer(t, work, bin, c)
				ran++
				if !linksChecked {
					checkReadmeLinks(t, string(raw), srv.addr)
					linksChecked = true
				}
				continue
			}
			if srv != nil && srv.data != "" && strings.Contains(c, "--data "+srv.data) {
				srv.stop(t) // the README says to stop the server first
				srv = nil
			}
			if strings.Contains(c, "127.0.0.1:8080") {
				if srv == nil {
					t.Fatalf("the README runs this with no server running:\n%s", c)
				}
				c = strings.ReplaceAll(c, "127.0.0.1:8080", srv.addr)
			}
			out = runReadmeCommand(t, work, bin, c)
			ran++
		}
		if b.want == "" || skipped {
			continue
		}
		last := b.commands[len(b.commands)-1]
		switch b.kind {
		case "json":
			var got, want any
			if err := json.Unmarshal([]byte(b.want), &want); err != nil {
				t.Errorf("the answer shown for\n%s\nis not JSON: %v", last, err)
			} else if err := json.Unmarshal([]byte(out), &got); err != nil || !reflect.DeepEqual(got, want) {
				t.Errorf("the README shows for\n%s\n%s\nbut it answers\n%s", last, b.want, out)
			}
		case "text":
			if strings.TrimSpace(out) != strings.TrimSpace(b.want) {
				t.Errorf("the README shows for\n%s\n%s\nbut it prints\n%s", last, b.want, out)
			}
		}
	}
	t.Logf("ran %d of the README's commands", ran)
	// what the commands said they write is there
	for _, b := range blocks {
		for _, c := range b.commands {
			if !haveCurl && strings.HasPrefix(c, "curl ") {
				continue
			}
			for _, m := range regexp.MustCompile(`(?:--out|-o|>) +(~/)?([\w./-]+)`).FindAllStringSubmatch(c, -1) {
				if st, err := os.Stat(filepath.Join(work, m[2])); err != nil || st.Size() == 0 {
					t.Errorf("the README's command did not write %s%s:\n%s", m[1], m[2], c)
				}
			}
		}
	}
}

// checkReadmeLinks asks the running server for each page the README links
// to on it (<http://127.0.0.1:8080/...>): each must be there.
func checkReadmeLinks(t *testing.T, readme, addr string) {
	t.Helper()
	links := regexp.MustCompile(`<http://127\.0\.0\.1:8080(/[^>]*)>`).FindAllStringSubmatch(readme, -1)
	if len(links) == 0 {
		t.Error("the README links to no page of the running server")
	}
	for _, l := range links {
		resp, err := http.Get("http://" + addr + l[1])
		if err != nil {
			t.Errorf("the README's link %s: %v", l[0], err)
			continue
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("the README's link %s answers %s", l[0], resp.Status)
		}
	}
}

// readmeGoShim makes a directory holding `go`, for the README's commands:
// `go run [-v] ./cmd/emigraph ARGS` runs this test binary as the program;
// anything else is refused, so that the test cannot pass a command it did
// not run. It returns the directory.
func readmeGoShim(t *testing.T) string {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	script := fmt.Sprintf(`#!/bin/sh
if [ "$1" = run ]; then
  shift
  if [ "$1" = -v ]; then shift; fi
  if [ "$1" = ./cmd/emigraph ]; then
    shift
    EMIGRAPH_TEST_CHILD=readme-emigraph exec %s "$@"
  fi
fi
echo "TestReadmeCommands runs only go run ./cmd/emigraph, not: go $*" >&2
exit 127
`, strconv.Quote(self))
	if err := os.WriteFile(filepath.Join(dir, "go"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// readmeShell is sh running one command of the README in work, with the go
// shim first in PATH and work as the home directory (~).
func readmeShell(ctx context.Context, work, bin, command string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, "sh", "-c", command)
	cmd.Dir = work
	cmd.Env = append(os.Environ(), "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"), "HOME="+work, "EMIGRAPH_TOKEN=")
	return cmd
}

// runReadmeCommand runs a command to its end and returns its standard
// output; a failure fails the test.
func runReadmeCommand(t *testing.T, work, bin, command string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := readmeShell(ctx, work, bin, command)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("the README's command failed: %v\n%s\nstdout:\n%s\nstderr:\n%s", err, command, stdout.String(), stderr.String())
	}
	return stdout.String()
}

// startReadmeServer starts a serve command of the README in the background
// and waits until it listens.
func startReadmeServer(t *testing.T, work, bin, command string) *readmeServer {
	t.Helper()
	ready := filepath.Join(t.TempDir(), "ready")
	cmd := readmeShell(context.Background(), work, bin, command)
	cmd.Env = append(cmd.Env, readmeReadyEnv+"="+ready)
	s := &readmeServer{command: command, data: "data", output: &syncBuffer{}, exited: make(chan error, 1)}
	if m := regexp.MustCompile(`--data\s+(\S+)`).FindStringSubmatch(command); m != nil {
		s.data = m[1]
	}
	cmd.Stdout, cmd.Stderr = s.output, s.output
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { s.exited <- cmd.Wait() }()
	deadline := time.After(time.Minute)
	for {
		if b, err := os.ReadFile(ready); err == nil {
			if _, err := fmt.Sscanf(string(b), "%d %s", &s.pid, &s.addr); err != nil {
				t.Fatalf("serve's ready file %q: %v", b, err)
			}
			return s
		}
		select {
		case err := <-s.exited:
			t.Fatalf("the README's serve stopped: %v\n%s\n%s", err, command, s.output.String())
		case <-deadline:
			t.Fatalf("the README's serve did not listen within a minute:\n%s\n%s", command, s.output.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
}
