package main

import (
	"flag"

	"github.com/emigraph/emigraph/schema"
)

// addLimitFlags binds serve's request limits to flags, each defaulting to
// schema.DefaultLimits. The gate's limits (tokens to repeats) are checked
// before a document is parsed or validated; the others before execution.
func addLimitFlags(fs *flag.FlagSet) *schema.Limits {
	l := schema.DefaultLimits()
	fs.IntVar(&l.MaxDepth, "max-depth", l.MaxDepth, "deepest query nesting (0: no limit)")
	fs.IntVar(&l.MaxCost, "max-cost", l.MaxCost, "largest estimated result size, lists multiplied by their page size (0: no limit)")
	fs.IntVar(&l.MaxAliases, "max-aliases", l.MaxAliases, "most aliases in one document (0: no limit)")
	fs.IntVar(&l.MaxRootFields, "max-root-fields", l.MaxRootFields, "most root fields in one operation (0: no limit)")
	fs.IntVar(&l.MaxFirst, "max-first", l.MaxFirst, "largest page of any list (first:), from 50 (the default page) to 500")
	fs.IntVar(&l.MaxWork, "max-work", l.MaxWork, "most records (relations and entities; 8 index entries or 64 keys count as one) one request may read, checked as it reads and, for counts, before (0: no limit)")
	fs.IntVar(&l.MaxHeavy, "max-heavy", l.MaxHeavy, "most heavy requests (reading over 1,000 records, or estimated over 10,000 items) running at once; the others wait their turn (0: no turns; default half the CPUs)")
	fs.IntVar(&l.MaxListItems, "max-list", l.MaxListItems, "most items in a list argument (predicates:, avoid:, types:), in the document or a variable (0: no limit)")
	fs.IntVar(&l.MaxTokens, "max-tokens", l.MaxTokens, "most tokens in one document, checked before parsing (0: no limit)")
	fs.IntVar(&l.MaxNesting, "max-nesting", l.MaxNesting, "deepest nesting of braces, brackets and parentheses, checked before parsing (0: no limit)")
	fs.IntVar(&l.MaxFragments, "max-fragments", l.MaxFragments, "most fragment definitions in one document (0: no limit)")
	fs.IntVar(&l.MaxSelections, "max-selections", l.MaxSelections, "most fields in one selection set (0: no limit)")
	fs.IntVar(&l.MaxDirectives, "max-directives", l.MaxDirectives, "most directives at one place (0: no limit)")
	fs.IntVar(&l.MaxExpandedFields, "max-expanded-fields", l.MaxExpandedFields, "most fields of a document with its fragments expanded (0: no limit)")
	fs.IntVar(&l.MaxFieldRepeats, "max-field-repeats", l.MaxFieldRepeats, "most fields under one response name in a selection set, fragments merged (0: no limit)")
	return &l
}
