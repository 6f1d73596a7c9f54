package graph

import (
	"errors"
	"fmt"
	"strings"
)

// Error codes, in the manner of an HTTP status: the API layer maps them to
// GraphQL error extensions and status codes.
const (
	EINVALID  = "invalid"
	ENOTFOUND = "not_found"
	ECONFLICT = "conflict"
	EINTERNAL = "internal"
	// ENOSPACE: the store refuses writes because its disk is (nearly) full.
	ENOSPACE = "no_space"
)

// Error is a domain error with a code and a message meant for the user.
type Error struct {
	Code    string
	Message string
}

func (e *Error) Error() string { return e.Message }

// Is reports whether target is an *Error with the same code, so that
// errors.Is(err, ErrNotFound) holds for every not-found error, whatever its
// message, and not only for ErrNotFound itself.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t != nil && e != nil && t.Code == e.Code
}

// Errorf returns an *Error with the given code.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of err, EINTERNAL for errors that are not *Error.
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	if errors.As(err, new(*ValidationError)) {
		return EINVALID
	}
	return EINTERNAL
}

// ErrNotFound is returned when an entity, relation or predicate does not exist.
var ErrNotFound = &Error{Code: ENOTFOUND, Message: "not found"}

// Problem is one thing wrong with an input item: which field, and what.
type Problem struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

func (p Problem) String() string { return p.Field + ": " + p.Message }

// Problems collects the problems of one item.
type Problems []Problem

// Add appends a problem.
func (ps *Problems) Add(field, format string, args ...any) {
	*ps = append(*ps, Problem{Field: field, Message: fmt.Sprintf(format, args...)})
}

// ItemError is every problem of one input item. Where says where the item
// came from: "facts.yaml:12", "relations[3]".
type ItemError struct {
	Where    string   `json:"where"`
	Problems Problems `json:"problems"`
}

// Lines renders the error as "where: field: message" lines.
func (e ItemError) Lines() []string {
	out := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		out[i] = e.Where + ": " + p.String()
	}
	return out
}

// ValidationError is returned by writes that were refused, with every item
// that failed. Nothing of the write was applied.
type ValidationError struct {
	Items []ItemError
}

func (e *ValidationError) Error() string {
	var lines []string
	for _, it := range e.Items {
		lines = append(lines, it.Lines()...)
	}
	const limit = 50
	if len(lines) > limit {
		more := len(lines) - limit
		lines = append(lines[:limit], fmt.Sprintf("... and %d more problems", more))
	}
	return strings.Join(lines, "\n")
}

// Count returns the number of problems.
func (e *ValidationError) Count() int {
	n := 0
	for _, it := range e.Items {
		n += len(it.Problems)
	}
	return n
}
