package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Every command's -h is conventional: exit 0, a usage line, its flags with
// real placeholders, examples, on standard output.
func TestHelpIsConventional(t *testing.T) {
	t.Parallel()
	for _, cmd := range []string{"serve", "load", "export", "gen", "backup", "restore", "verify"} {
		for _, flag := range []string{"-h", "--help"} {
			out, errs, err := run(t, "", nil, cmd, flag)
			if err != nil || errs != "" {
				t.Errorf("%s %s: %v %s", cmd, flag, err, errs)
			}
			for _, want := range []string{"Usage: emigraph " + cmd, "Flags:", "Examples:"} {
				if !strings.Contains(out, want) {
					t.Errorf("%s %s does not show %q:\n%s", cmd, flag, want, out)
				}
			}
			for _, bad := range []string{"help requested", " first\n", " value\n"} {
				if strings.Contains(out, bad) {
					t.Errorf("%s %s shows %q:\n%s", cmd, flag, bad, out)
				}
			}
		}
	}
}

// Flags are checked before anything is done, and mistakes are usage errors
// (exit 2) that say what is wrong.
func TestFlagsAreValidated(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "never")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"gen", "--relations", "-5"}, "--relations -5"},
		{[]string{"gen", "--entities", "3"}, "--entities 3"},
		{[]string{"load", "--nope", "x.yaml"}, `run "emigraph load -h"`},
		{[]string{"serve", "--addr", "127.0.0.1:99999", "--data", dir}, "--addr 127.0.0.1:99999"},
		{[]string{"serve", "--max-first", "5", "--data", dir}, "--max-first 5"},
	} {
		_, _, err := run(t, "", nil, tc.args...)
		var u *errUsage
		if !errors.As(err, &u) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: %v, want a usage error saying %s", tc.args, err, tc.want)
		}
	}
	if _, err := os.Stat(dir); err == nil {
		t.Errorf("a serve refused for its flags left a data directory behind")
	}
}
