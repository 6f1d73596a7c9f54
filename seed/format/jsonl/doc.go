// Package jsonl reads and writes emigraph's JSON Lines fact format: one JSON
// object per line, the format of `emigraph gen` and of large loads.
//
// # Specification
//
// One JSON object per line; blank lines are skipped, and a byte order mark
// at the start of the file is dropped. Each object has a "kind", and the
// fields of the GraphQL type of that kind:
//
//	{"kind":"source","source":{"id":"source/georgia-mia-2022","title":"...","publisher":"...","published":"2023-01","url":"...","language":"ka","kind":"official-statistics"}}
//	{"kind":"predicate","id":"fled-to","label":"fled to","inverseLabel":"received emigrants","subjectTypes":["PERSON"],"objectTypes":["COUNTRY"],"objectOptional":false,"description":"..."}
//	{"kind":"entity","id":"person/alla-pugacheva","name":"Alla Pugacheva","type":"PERSON","aliases":["Алла Пугачёва"],"description":"...","removeAliases":["Pugachova"]}
//	{"kind":"relation","id":"rel/...","subject":"person/alla-pugacheva","predicate":"fled-to","object":"country/israel","date":"2022","endDate":"2023","timing":"PERIOD","quantity":{"amount":50000,"lowerBound":40000,"upperBound":60000,"unit":"people","approximation":"ABOUT"},"hedges":["ESTIMATED"],"note":"...","sources":[{"source":"source/georgia-mia-2022","quote":"...","section":"..."},{"quote":"...","title":"...","url":"..."}]}
//	{"kind":"retract","id":"rel/..."}
//
// Field names are matched exactly; unknown fields, and fields of another
// kind, are errors; a quantity needs an amount. A retraction names the
// relation by id or by the fields of the fact, and its sources are
// optional. What the facts must satisfy (every relation has a source with
// a quote, ids, dates, lengths) is checked by graph when the changeset is
// planned, at the file and line of the item. Errors read
// "facts.jsonl:LINE: field: problem".
//
// A source record's fields (graph.SourceRecord) are under "source", since
// the record has a "kind" of its own.
//
// The writer writes source records, predicates, entities, relations and retractions, one
// per line, in the order of the changeset, with the fields that carry a
// value.
//
// # Speed
//
// A large file is parsed in parallel pieces (ParseData, which reads a file
// held in memory, such as a memory-mapped one, without copying it), and
// each line first by a decoder written for the shape of these records. That
// decoder takes only plain lines (no escapes, nulls, repeated or unknown
// keys) and leaves the rest to encoding/json, whose result is the
// reference; FuzzJSONLFastDecoder holds the two to the same result.
package jsonl
