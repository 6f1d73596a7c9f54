package schema

import (
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/graphql-go/graphql/gqlerrors"
	"github.com/graphql-go/graphql/language/ast"
	"github.com/graphql-go/graphql/language/location"

	"github.com/emigraph/emigraph/graph"
)

// The gate is what a document passes before graphql-go sees it. graphql-go
// parses and validates by recursion and with rules whose cost grows with the
// square of a selection set, and none of it can be interrupted: a 42-byte
// fragment cycle overflows the stack of its overlapping-fields rule (a fatal
// error, not a panic), 600,000 nested brackets overflow the parser's, and a
// few kilobytes of repeated fields keep a core busy for seconds. So the gate
// first scans the tokens in one loop with an explicit stack (no recursion,
// linear time, no allocation per token) and refuses documents over the
// token, nesting, fragment, selection and directive limits; what passes is
// small and shallow enough to parse. Then, on the parsed document and still
// before validation, it refuses fragment cycles, fragment expansions over
// the limit, and fields repeated under one response name.

// gateError is a refusal of the gate, with the code of the other limits.
func gateError(format string, args ...any) *PrepareError {
	return &PrepareError{Stage: "validation", Errors: []gqlerrors.FormattedError{limitError(format, args...)}}
}

// syntaxError is a lexical error the gate found; graphql-go would refuse the
// same document, and the gate does not let it see what follows.
func syntaxError(query string, at int, format string, args ...any) *PrepareError {
	line, col := 1, 1
	for i, r := range query[:at] {
		if r == '\n' || (r == '\r' && (i+1 >= len(query) || query[i+1] != '\n')) {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	fe := gqlerrors.NewFormattedError(fmt.Sprintf("Syntax Error GraphQL request (%d:%d) %s", line, col, fmt.Sprintf(format, args...)))
	fe.Locations = []location.SourceLocation{{Line: line, Column: col}}
	return &PrepareError{Stage: "parse", Errors: []gqlerrors.FormattedError{fe}}
}

// Token kinds of the scan: punctuators are themselves; these are the rest.
const (
	tokName   = 'N'
	tokNumber = '0'
	tokString = 's'
	tokSpread = '.'
)

// gateFrame is one open bracket of the scan.
type gateFrame struct {
	open byte // '{', '[' or '('
	// selections counts the selections of a selection set.
	selections int
	// directiveArgs marks the parentheses of a directive's arguments.
	directiveArgs bool
	// selectionSet marks a brace that opens a selection set (not an input
	// object value, which only stands inside parentheses).
	selectionSet bool
}

// scan is the token-level gate. It mirrors graphql-go's lexer (v0.8.1):
// whatever it refuses as a lexical error, graphql-go refuses too (a fuzz test
// holds it to that), so refusing here changes only the message.
func (l Limits) scan(query string) *PrepareError {
	var (
		stack     []gateFrame
		tokens    int
		fragments int
		// inArgs counts the open parentheses and brackets: a brace inside
		// them is an input object, not a selection set.
		inArgs int
		// prev and prev2 are the kinds of the two previous tokens; prevOn
		// says the previous token was the name "on".
		prev, prev2    byte
		prevOn         bool
		prevFragmentKw bool
		// directive state: run counts the directives in a row at one
		// location; endedAt is the stack depth at which one just ended
		// (-1: the previous token ended none); wantName follows an '@'.
		run, endedAt int
		wantName     bool
	)
	endedAt = -1
	for i := 0; ; {
		kind, start, end, problem := lex(query, i)
		if problem != "" {
			return syntaxError(query, end, "%s", problem)
		}
		if kind == 0 {
			break
		}
		i = end

		tokens++
		if l.MaxTokens > 0 && tokens > l.MaxTokens {
			return gateError("the document has more than %d tokens: split it into smaller requests", l.MaxTokens)
		}
		depth := len(stack)

		// directives in a row at one location
		switch {
		case kind == '@':
			if endedAt == depth {
				run++
			} else {
				run = 1
			}
			if l.MaxDirectives > 0 && run > l.MaxDirectives {
				return gateError("more than %d directives at one place in the document", l.MaxDirectives)
			}
			wantName, endedAt = true, -1
		case kind == tokName && wantName:
			wantName, endedAt = false, depth
		case kind == '(' && endedAt == depth:
			// the arguments of the directive just named; endedAt is set
			// again when they close
		default:
			wantName = false
			if kind != ')' {
				endedAt = -1
			}
		}

		// selections of the innermost selection set
		if depth > 0 && stack[depth-1].selectionSet {
			selection := kind == tokSpread ||
				kind == tokName && prev != ':' && prev != '@' && prev != tokSpread && !(prevOn && prev2 == tokSpread)
			if selection {
				top := &stack[depth-1]
				top.selections++
				if l.MaxSelections > 0 && top.selections > l.MaxSelections {
					return gateError("a selection set selects more than %d fields", l.MaxSelections)
				}
			}
		}

		// fragment definitions
		if depth == 0 && kind == tokName && query[start:end] == "fragment" && !prevFragmentKw {
			fragments++
			if l.MaxFragments > 0 && fragments > l.MaxFragments {
				return gateError("the document defines more than %d fragments", l.MaxFragments)
			}
		}

		// nesting
		switch kind {
		case '{', '[', '(':
			stack = append(stack, gateFrame{open: kind, selectionSet: kind == '{' && inArgs == 0, directiveArgs: kind == '(' && endedAt == depth})
			if kind != '{' {
				inArgs++
			}
			if l.MaxNesting > 0 && len(stack) > l.MaxNesting {
				return gateError("the document nests braces, brackets and parentheses deeper than %d levels", l.MaxNesting)
			}
			if kind == '(' {
				endedAt = -1
			}
		case '}', ']', ')':
			if depth == 0 || stack[depth-1].open != matching(kind) {
				// unbalanced: graphql-go refuses it; what follows is unchecked
				return syntaxError(query, start, "Unexpected %q.", kind)
			}
			top := stack[depth-1]
			stack = stack[:depth-1]
			if kind != '}' {
				inArgs--
			}
			endedAt = -1
			if top.directiveArgs {
				endedAt = len(stack)
			}
		}
		prev2, prev = prev, kind
		prevOn = kind == tokName && query[start:end] == "on"
		prevFragmentKw = depth == 0 && kind == tokName && query[start:end] == "fragment"
	}
	return nil
}

// lex reads the token at or after i, skipping what GraphQL ignores (white
// space, line terminators, commas, the byte order mark, comments). It
// returns the token's kind (0 at the end), where it starts and ends, or a
// lexical problem and where it is (end).
func lex(query string, i int) (kind byte, start, end int, problem string) {
	n := len(query)
	for i < n {
		c := query[i]
		if c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ',' {
			i++
			continue
		}
		if c == 0xEF && i+2 < n && query[i+1] == 0xBB && query[i+2] == 0xBF {
			i += 3
			continue
		}
		if c == '#' {
			i++
			for i < n {
				r, w := utf8.DecodeRuneInString(query[i:])
				if r == '\n' || r == '\r' || (r < 0x20 && r != '\t') {
					break
				}
				i += w
			}
			continue
		}
		break
	}
	if i >= n {
		return 0, i, i, ""
	}
	start = i
	c := query[i]
	switch {
	case c == '!' || c == '$' || c == '&' || c == '(' || c == ')' || c == ':' || c == '=' || c == '@' ||
		c == '[' || c == ']' || c == '{' || c == '|' || c == '}':
		return c, start, i + 1, ""
	case c == '.':
		if i+2 < n && query[i+1] == '.' && query[i+2] == '.' {
			return tokSpread, start, i + 3, ""
		}
		return 0, start, i, "Unexpected character \".\"."
	case c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'):
		i++
		for i < n && (query[i] == '_' || (query[i] >= '0' && query[i] <= '9') || (query[i] >= 'A' && query[i] <= 'Z') || (query[i] >= 'a' && query[i] <= 'z')) {
			i++
		}
		return tokName, start, i, ""
	case c == '-' || (c >= '0' && c <= '9'):
		end, err := scanNumber(query, i)
		return tokNumber, start, end, err
	case c == '"':
		end, err := scanString(query, i)
		return tokString, start, end, err
	}
	r, _ := utf8.DecodeRuneInString(query[i:])
	return 0, start, i, fmt.Sprintf("Unexpected character %q.", r)
}

func matching(close byte) byte {
	switch close {
	case '}':
		return '{'
	case ']':
		return '['
	}
	return '('
}

// scanNumber reads a number as graphql-go does: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
// It returns the end, or the position of the problem and its description.
func scanNumber(q string, i int) (int, string) {
	if q[i] == '-' {
		i++
	}
	digits := func() (int, string) {
		if i >= len(q) || q[i] < '0' || q[i] > '9' {
			return i, "Invalid number, expected digit."
		}
		for i < len(q) && q[i] >= '0' && q[i] <= '9' {
			i++
		}
		return i, ""
	}
	if i < len(q) && q[i] == '0' {
		i++
		if i < len(q) && q[i] >= '0' && q[i] <= '9' {
			return i, "Invalid number, unexpected digit after 0."
		}
	} else if _, err := digits(); err != "" {
		return i, err
	}
	if i < len(q) && q[i] == '.' {
		i++
		if _, err := digits(); err != "" {
			return i, err
		}
	}
	if i < len(q) && (q[i] == 'e' || q[i] == 'E') {
		i++
		if i < len(q) && (q[i] == '+' || q[i] == '-') {
			i++
		}
		if _, err := digits(); err != "" {
			return i, err
		}
	}
	return i, ""
}

// scanString reads a string or a block string starting at the quote at i.
func scanString(q string, i int) (int, string) {
	n := len(q)
	if i+2 < n && q[i+1] == '"' && q[i+2] == '"' {
		i += 3
		for i < n {
			c := q[i]
			if c == '"' && i+2 < n && q[i+1] == '"' && q[i+2] == '"' {
				return i + 3, ""
			}
			if c < 0x20 && c != '\t' && c != '\n' && c != '\r' {
				return i, "Invalid character within String."
			}
			if c == '\\' && i+3 < n && q[i+1] == '"' && q[i+2] == '"' && q[i+3] == '"' {
				i += 4
				continue
			}
			i++
		}
		return i, "Unterminated string."
	}
	i++
	for i < n {
		c := q[i]
		switch {
		case c == '"':
			return i + 1, ""
		case c == '\n' || c == '\r':
			return i, "Unterminated string."
		case c < 0x20 && c != '\t':
			return i, "Invalid character within String."
		case c == '\\':
			if i+1 >= n {
				return i, "Unterminated string."
			}
			switch q[i+1] {
			case '"', '/', '\\', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+5 >= n || !isHex(q[i+2]) || !isHex(q[i+3]) || !isHex(q[i+4]) || !isHex(q[i+5]) {
					return i, "Invalid character escape sequence."
				}
				i += 6
			default:
				return i, "Invalid character escape sequence."
			}
		default:
			i++
		}
	}
	return i, "Unterminated string."
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

// checkShape is the gate's second half, on the parsed document and before
// validation: no fragment spreads itself (graphql-go's overlapping-fields
// rule, which runs before its own cycle rule, recurses forever on one), no
// operation or fragment expands to more than MaxExpandedFields fields, and
// no selection set, fragments merged in, holds more than MaxFieldRepeats
// fields under one response name (graphql-go compares those pairwise).
// The recursion here is bounded by the nesting limit and the fragment count.
func (l Limits) checkShape(doc *ast.Document) *PrepareError {
	if pe := checkVariableTypes(doc); pe != nil {
		return pe
	}
	frags := fragments(doc)
	if pe := checkFragmentCycles(doc, frags); pe != nil {
		return pe
	}
	if l.MaxExpandedFields > 0 {
		memo := map[string]int{} // one count per fragment for the whole document
		for _, set := range definitionSets(doc) {
			if n := expandedFields(frags, memo, set, l.MaxExpandedFields); n > l.MaxExpandedFields {
				return gateError("the document expands to more than %d fields with its fragments followed", l.MaxExpandedFields)
			}
		}
	}
	// repeated response names, per selection set with fragments merged in,
	// and, as graphql-go compares them, in the sub-selections of every
	// field of one response name merged together
	if l.MaxFieldRepeats <= 0 {
		return nil
	}
	for _, set := range definitionSets(doc) {
		if over := l.repeated(frags, []*ast.SelectionSet{set}); over != "" {
			return gateError("a selection set holds more than %d fields named %q (fragments and fields of one name merged): give them aliases or ask once", l.MaxFieldRepeats, over)
		}
	}
	return nil
}

// checkVariableTypes refuses a variable definition without a type
// ("query($a:) {a}"): graphql-go parses one, and its validator then panics
// on it.
func checkVariableTypes(doc *ast.Document) *PrepareError {
	for _, def := range doc.Definitions {
		op, ok := def.(*ast.OperationDefinition)
		if !ok {
			continue
		}
		for _, v := range op.VariableDefinitions {
			if v.Type == nil || isNilType(v.Type) {
				name := "?"
				if v.Variable != nil && v.Variable.Name != nil {
					name = v.Variable.Name.Value
				}
				fe := gqlerrors.NewFormattedError(fmt.Sprintf("Syntax Error: the variable $%s has no type (write it as $%s: String, for example)", name, name))
				return &PrepareError{Stage: "parse", Errors: []gqlerrors.FormattedError{fe}}
			}
		}
	}
	return nil
}

// checkFragmentCycles refuses a fragment that spreads itself, directly or
// through others, naming the cycle as graphql-go's own rule would.
func checkFragmentCycles(doc *ast.Document, frags map[string]*ast.FragmentDefinition) *PrepareError {
	c := &cycleFinder{frags: frags, state: map[string]int{}}
	for _, def := range doc.Definitions {
		if f, ok := def.(*ast.FragmentDefinition); ok && f.Name != nil {
			if cyc := c.visit(f.Name.Value); cyc != nil {
				fe := gqlerrors.NewFormattedError(fmt.Sprintf("Cannot spread fragment %q within itself via %s.", cyc[0], joinArrow(cyc)))
				fe.Extensions = map[string]any{"code": graph.EINVALID}
				return &PrepareError{Stage: "validation", Errors: []gqlerrors.FormattedError{fe}}
			}
		}
	}
	return nil
}

// cycleFinder goes depth-first over fragment spreads, with the path for the
// message.
type cycleFinder struct {
	frags map[string]*ast.FragmentDefinition
	state map[string]int // 0 new, 1 on the path, 2 done
	path  []string
}

// visit returns the first cycle through the fragment name, from its first
// fragment back to it, or nil.
func (c *cycleFinder) visit(name string) []string {
	f := c.frags[name]
	if f == nil || c.state[name] == 2 {
		return nil
	}
	if c.state[name] == 1 {
		for i, p := range c.path {
			if p == name {
				return append(append([]string{}, c.path[i:]...), name)
			}
		}
	}
	c.state[name] = 1
	c.path = append(c.path, name)
	cyc := c.spreads(f.SelectionSet)
	c.path = c.path[:len(c.path)-1]
	c.state[name] = 2
	return cyc
}

// spreads visits the fragments set spreads, at any depth.
func (c *cycleFinder) spreads(set *ast.SelectionSet) []string {
	if set == nil {
		return nil
	}
	for _, sel := range set.Selections {
		var cyc []string
		switch s := sel.(type) {
		case *ast.Field:
			cyc = c.spreads(s.SelectionSet)
		case *ast.InlineFragment:
			cyc = c.spreads(s.SelectionSet)
		case *ast.FragmentSpread:
			if s.Name != nil {
				cyc = c.visit(s.Name.Value)
			}
		}
		if cyc != nil {
			return cyc
		}
	}
	return nil
}

// expandedFields counts the fields of set with every spread expanded,
// memoised per fragment in memo and saturating past stop, so that a fan-out
// of fragments costs one pass. Fragments have no cycles
// (checkFragmentCycles).
func expandedFields(frags map[string]*ast.FragmentDefinition, memo map[string]int, set *ast.SelectionSet, stop int) int {
	var size func(set *ast.SelectionSet) int
	size = func(set *ast.SelectionSet) int {
		if set == nil {
			return 0
		}
		total := 0
		for _, sel := range set.Selections {
			switch s := sel.(type) {
			case *ast.Field:
				total += 1 + size(s.SelectionSet)
			case *ast.InlineFragment:
				total += size(s.SelectionSet)
			case *ast.FragmentSpread:
				if s.Name == nil || frags[s.Name.Value] == nil {
					continue
				}
				name := s.Name.Value
				n, ok := memo[name]
				if !ok {
					n = size(frags[name].SelectionSet)
					memo[name] = n
				}
				total += n
			}
			if total > stop {
				return stop + 1
			}
		}
		return total
	}
	return size(set)
}

// definitionSets are the selection sets of the document's operations and
// fragment definitions.
func definitionSets(doc *ast.Document) []*ast.SelectionSet {
	var sets []*ast.SelectionSet
	for _, def := range doc.Definitions {
		switch d := def.(type) {
		case *ast.OperationDefinition:
			sets = append(sets, d.SelectionSet)
		case *ast.FragmentDefinition:
			sets = append(sets, d.SelectionSet)
		}
	}
	return sets
}

// repeated returns a response name that more than MaxFieldRepeats fields of
// the merged sets carry, looking into the merged sub-selections of each
// name; "" when there is none. Its recursion follows the document's
// nesting, which the gate has bounded.
func (l Limits) repeated(frags map[string]*ast.FragmentDefinition, sets []*ast.SelectionSet) string {
	counts := map[string]int{}
	var order []string
	subs := map[string][]*ast.SelectionSet{}
	visiting := map[string]bool{}
	var over string
	var collect func(set *ast.SelectionSet)
	collect = func(set *ast.SelectionSet) {
		if set == nil || over != "" {
			return
		}
		for _, sel := range set.Selections {
			switch s := sel.(type) {
			case *ast.Field:
				name := ""
				if s.Alias != nil {
					name = s.Alias.Value
				} else if s.Name != nil {
					name = s.Name.Value
				}
				if counts[name] == 0 {
					order = append(order, name)
				}
				counts[name]++
				if counts[name] > l.MaxFieldRepeats {
					over = name
					return
				}
				if s.SelectionSet != nil {
					subs[name] = append(subs[name], s.SelectionSet)
				}
			case *ast.InlineFragment:
				collect(s.SelectionSet)
			case *ast.FragmentSpread:
				if s.Name == nil || frags[s.Name.Value] == nil || visiting[s.Name.Value] {
					continue
				}
				visiting[s.Name.Value] = true
				collect(frags[s.Name.Value].SelectionSet)
				delete(visiting, s.Name.Value)
			}
		}
	}
	for _, set := range sets {
		collect(set)
	}
	if over != "" {
		return over
	}
	for _, name := range order {
		if len(subs[name]) > 0 {
			if o := l.repeated(frags, subs[name]); o != "" {
				return o
			}
		}
	}
	return ""
}

// isNilType reports an ast.Type interface holding a nil pointer, as
// graphql-go's parser leaves for a missing type.
func isNilType(t ast.Type) bool {
	switch t := t.(type) {
	case *ast.Named:
		return t == nil || t.Name == nil
	case *ast.List:
		return t == nil || t.Type == nil || isNilType(t.Type)
	case *ast.NonNull:
		return t == nil || t.Type == nil || isNilType(t.Type)
	}
	return false
}

func joinArrow(names []string) string {
	out := ""
	for i, n := range names[1:] {
		if i > 0 {
			out += " → "
		}
		out += n
	}
	return out
}

// locate gives errors located against an empty body (line 1, column =
// position + 1) their real line and column in body, as graphql-go's
// location.GetLocation would have: lines end at "\r\n", "\n" or "\r", and
// positions are offsets into body.
func locate(errs []gqlerrors.FormattedError, body []byte) []gqlerrors.FormattedError {
	var lineEnds []int // the offset just past each line terminator
	for i := 0; i < len(body); i++ {
		switch body[i] {
		case '\r':
			if i+1 < len(body) && body[i+1] == '\n' {
				i++
			}
			lineEnds = append(lineEnds, i+1)
		case '\n':
			lineEnds = append(lineEnds, i+1)
		}
	}
	for i := range errs {
		locs := make([]location.SourceLocation, len(errs[i].Locations))
		for j, l := range errs[i].Locations {
			pos := l.Column - 1
			// terminators that start before pos: GetLocation counts a match
			// whose start is below the position
			line, col := 1, pos+1
			n := sort.Search(len(lineEnds), func(k int) bool {
				start := lineEnds[k] - 1
				if lineEnds[k] >= 2 && body[lineEnds[k]-1] == '\n' && body[lineEnds[k]-2] == '\r' {
					start--
				}
				return start >= pos
			})
			if n > 0 {
				line, col = n+1, pos+1-lineEnds[n-1]
			}
			locs[j] = location.SourceLocation{Line: line, Column: col}
		}
		errs[i].Locations = locs
	}
	return errs
}

// token is a token's kind and place.
type token struct {
	kind       byte
	start, end int
}

// withoutNulls reads the null literal, which graphql-go's parser does not
// (graphql-go issue 178): an argument or input field given as null
// ("after: null") is left out, and a variable's "= null" default dropped,
// which is what null means for every argument of this schema. The text is
// blanked with spaces, so positions in errors stay true. A null inside a
// list cannot be left out; that is refused with a message that says what
// to do. Documents without the word null come back as they are.
func withoutNulls(query string) (string, *PrepareError) {
	if !strings.Contains(query, "null") {
		return query, nil
	}
	type frame struct {
		open          byte
		start         int
		args          bool // inside arguments or values, not a selection set
		items, nulled int
	}
	var (
		stack  []frame
		blank  [][2]int
		prev   [2]token // the two tokens before
		inArgs int
	)
	for i := 0; ; {
		kind, start, end, problem := lex(query, i)
		if problem != "" || kind == 0 {
			break // the gate's scan reports lexical problems
		}
		i = end
		isNull := kind == tokName && query[start:end] == "null"
		switch {
		case isNull && prev[1].kind == ':' && prev[0].kind == tokName && inArgs > 0 && len(stack) > 0 && stack[len(stack)-1].open != '[':
			blank = append(blank, [2]int{prev[0].start, end})
			stack[len(stack)-1].nulled++
		case isNull && prev[1].kind == '=':
			blank = append(blank, [2]int{prev[1].start, end})
		case isNull && inArgs > 0:
			return "", syntaxError(query, start, "graphql-go does not read the null literal here: leave the value out, or pass the list through a variable")
		}
		switch kind {
		case '(', '[', '{':
			args := kind != '{' || inArgs > 0
			if args {
				inArgs++
			}
			stack = append(stack, frame{open: kind, start: start, args: args})
		case ')', ']', '}':
			if len(stack) == 0 {
				break
			}
			top := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if top.args {
				inArgs--
			}
			if kind == ')' && top.items > 0 && top.items == top.nulled {
				// every argument was null: an empty list of arguments is
				// a syntax error, so the parentheses go too
				blank = append(blank, [2]int{top.start, top.start + 1}, [2]int{start, end})
			}
		case ':':
			if len(stack) > 0 && stack[len(stack)-1].open != '[' {
				stack[len(stack)-1].items++
			}
		}
		prev[0], prev[1] = prev[1], token{kind, start, end}
	}
	if len(blank) == 0 {
		return query, nil
	}
	b := []byte(query)
	for _, span := range blank {
		for j := span[0]; j < span[1]; j++ {
			if b[j] != '\n' && b[j] != '\r' {
				b[j] = ' '
			}
		}
	}
	return string(b), nil
}
