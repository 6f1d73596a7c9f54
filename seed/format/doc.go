// Package format is the registry of emigraph's fact-file formats and what
// their parsers and writers share.
//
// A format is a package of its own beside this one (seed/format/csv and
// the others), whose doc.go is the format's specification. Each exports a
// Format value: its name, title, media type, extensions, parser and writer.
// Package seed lists them in one Registry, from which `emigraph load` and
// `emigraph export`, their help, and the server's importFacts and
// /admin/export take what they say of a format. Format packages import
// this package and graph, and never each other. A new format is its
// package, a line in seed's registry, and a section of seed/README.md
// (TestEveryFormatIsDescribed holds the README to naming it).
//
// # What a parser checks
//
// A parser checks the shape of its input: syntax, known fields or columns,
// types of values, numbers that are numbers, and what its own encoding
// needs (a quantity has an amount). Domain rules, such as "every relation
// needs a source with a quote", the lengths of texts, the form of ids and
// dates, are graph's: graph.Relation.Validate and the rest state each rule
// once, when the changeset is planned, and report it at the item's Where
// ("facts.csv:12"), so that its errors name the file and line as a
// parser's do.
//
// # Encoding
//
// Every format is UTF-8. Registry.Parse refuses a document in UTF-16 or
// UTF-32 before its parser sees it (CheckEncoding), with a message that
// names the encoding and says to convert it; `emigraph load` calls
// CheckEncoding itself on each file it reads.
//
// # What a writer promises
//
// A writer is deterministic and writes everything its parser needs to
// rebuild the changeset, so export → load → export gives the same bytes. A
// model field that a format cannot carry is listed in its Format's
// Unsupported with the reason; seed's TestEveryFieldRoundTrips sets every
// field of the model by reflection and holds each format to carrying it or
// listing it.
package format
