package graph

import (
	"fmt"
	"strings"
	"unicode"
)

// placeholderQuotes are the quotes of fact templates, folded
// (placeholderFold): a template written as it is must not become a fact.
var placeholderQuotes = map[string]bool{
	"thesentenceofthesourceverbatim": true, // the explorer's templates
	"verbatimquoteofthesource":       true,
	"verbatimquote":                  true,
	"thequoteofthesource":            true,
	"quotethesourcehere":             true,
	"pastethequotehere":              true,
	"yourquotehere":                  true,
	"quotehere":                      true,
	"loremipsumdolorsitamet":         true,
}

// maxPlaceholder is longer than any placeholder quote, in bytes: a longer
// quote is not folded at all.
const maxPlaceholder = 80

// placeholderFold keeps the letters and digits of s, in lower case.
func placeholderFold(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return unicode.ToLower(r)
		}
		return -1
	}, s)
}

// IsPlaceholderQuote reports whether q is a template's placeholder ("The
// sentence of the source, verbatim.", "your quote here", ...), whatever its
// case and punctuation, rather than the words of a source.
func IsPlaceholderQuote(q string) bool {
	return len(q) <= maxPlaceholder && placeholderQuotes[placeholderFold(q)]
}

// PlaceholderQuoteMessage is the problem of a quote that IsPlaceholderQuote
// finds, as every way of writing a fact words it.
func PlaceholderQuoteMessage(q string) string {
	return fmt.Sprintf("%q is a template's placeholder, not the words of a source: put the sentence of the source that states the fact, verbatim", q)
}
