package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/mattn/go-isatty"
	"github.com/rs/zerolog"

	"github.com/emigraph/emigraph/graph/badger"
	"github.com/emigraph/emigraph/seed"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	m := &Main{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv}
	if err := m.Run(ctx, os.Args[1:]); err != nil {
		if !errors.Is(err, errReported) {
			fmt.Fprintln(os.Stderr, "emigraph:", err)
		}
		os.Exit(exitCode(err))
	}
}

// errReported means the command already told the user what went wrong.
var errReported = errors.New("reported")

// errUsage is a mistake in the command line.
type errUsage struct{ msg string }

func (e *errUsage) Error() string { return e.msg }

func exitCode(err error) int {
	var u *errUsage
	if errors.As(err, &u) {
		return 2
	}
	return 1
}

// Main is the program, with its outside world as fields so that tests can
// run it whole.
type Main struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	Getenv         func(string) string
	// Ready, when set, is called by serve with the address it listens on.
	Ready func(addr string)
	// storeOptions, when set (tests), adjusts the options serve and load
	// open a store with.
	storeOptions func(*badger.Options)
}

var usage = `emigraph: a knowledge graph of the Russian emigration since 2022

Usage:
  emigraph serve   [--addr 127.0.0.1:8080] [--data DIR] [--token-file FILE] [--cors ORIGINS] [--reserve 526MiB] [--sync=false]
  emigraph load    FILE... [--data DIR | --server URL] [--format FORMAT] [--dry-run] [--reserve 526MiB] [--sync=false]
  emigraph retract --source ID [--data DIR | --server URL] [--dry-run]
  emigraph export  [--format ` + formatList(formatName, "|", "|") + `] [--data DIR | --server URL] [--out FILE]
  emigraph gen     --entities N --relations M [--seed S] [--format FORMAT]
  emigraph backup  [--data DIR | --server URL] [--out FILE]
  emigraph restore [--data DIR] < FILE
  emigraph verify  [--data DIR]

A new, empty data directory is seeded with the embedded facts of the article.
Run "emigraph COMMAND -h" for the flags of a command.
`

// Run runs one command. A command's help, asked for with -h, is not an
// error.
func (m *Main) Run(ctx context.Context, args []string) error {
	err := m.run(ctx, args)
	if errors.Is(err, errHelpShown) {
		return nil
	}
	return err
}

func (m *Main) run(ctx context.Context, args []string) error {
	if len(args) == 0 {
		fmt.Fprint(m.Stderr, usage)
		return &errUsage{"no command given"}
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "serve":
		return m.serve(ctx, rest)
	case "load":
		return m.load(ctx, rest)
	case "export":
		return m.export(ctx, rest)
	case "retract":
		return m.retract(ctx, rest)
	case "gen":
		return m.gen(ctx, rest)
	case "backup":
		return m.backup(ctx, rest)
	case "restore":
		return m.restore(ctx, rest)
	case "verify":
		return m.verify(ctx, rest)
	case "help", "-h", "--help":
		fmt.Fprint(m.Stdout, usage)
		return nil
	}
	fmt.Fprint(m.Stderr, usage)
	return &errUsage{fmt.Sprintf("unknown command %q", cmd)}
}

// parseInterleaved parses flags that may come before, between or after
// positional arguments ("load a.csv --dry-run b.csv").
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return positional, nil
		}
		if args[0] == "--" {
			return append(positional, args[1:]...), nil
		}
		positional = append(positional, args[0])
		args = args[1:]
	}
}

// logger writes console-pretty lines on a terminal and JSON otherwise.
func (m *Main) logger(level string) (zerolog.Logger, error) {
	return m.levelLogger(m.Stderr, level)
}

// levelLogger is logger writing to out in place of standard error (to a
// terminal, when standard error is one, in the console format, unbuffered).
func (m *Main) levelLogger(out io.Writer, level string) (zerolog.Logger, error) {
	lvl, err := zerolog.ParseLevel(strings.ToLower(level))
	if err != nil || level == "" {
		return zerolog.Logger{}, &errUsage{fmt.Sprintf("--log-level %q: use debug, info, warn or error", level)}
	}
	w := out
	if f, ok := m.Stderr.(*os.File); ok && isatty.IsTerminal(f.Fd()) {
		w = zerolog.ConsoleWriter{Out: f, TimeFormat: time.TimeOnly}
	}
	return zerolog.New(w).Level(lvl).With().Timestamp().Logger(), nil
}

// isTerminal reports whether w is a terminal (for progress bars).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && isatty.IsTerminal(f.Fd())
}

// formatFlag looks up the format a --format flag names.
func formatFlag(name string) (seed.Format, error) {
	f, ok := seed.FormatByName(name)
	if !ok {
		return f, &errUsage{fmt.Sprintf("--format %q is not one of %s", name, formatNames())}
	}
	return f, nil
}

// outputFlags adds --format and --out, for the commands that write fact files.
func outputFlags(fs *flag.FlagSet, defaultFormat string) (format, out *string) {
	return fs.String("format", defaultFormat, formatList(formatName, ", ", " or ")),
		fs.String("out", "", "write to this file instead of standard output")
}
