package graph

import (
	"errors"
	"fmt"
	"testing"
)

// A not-found error made anywhere is ErrNotFound to errors.Is, however it
// is worded or wrapped; an error of another code is not.
func TestErrorIsComparesCodes(t *testing.T) {
	t.Parallel()
	notFound := Errorf(ENOTFOUND, "entity %q: not found", "person/x")
	if !errors.Is(notFound, ErrNotFound) {
		t.Error("an *Error with code not_found is not ErrNotFound to errors.Is")
	}
	if !errors.Is(fmt.Errorf("reading: %w", notFound), ErrNotFound) {
		t.Error("a wrapped not-found error is not ErrNotFound to errors.Is")
	}
	if errors.Is(Errorf(EINVALID, "not found"), ErrNotFound) {
		t.Error("an invalid error worded like not-found is ErrNotFound to errors.Is")
	}
	if errors.Is(errors.New("not found"), ErrNotFound) {
		t.Error("a plain error is ErrNotFound to errors.Is")
	}
	if !errors.Is(Errorf(ENOSPACE, "full"), &Error{Code: ENOSPACE}) {
		t.Error("errors.Is does not match an *Error by its code")
	}
}
