// Package native reads and writes emigraph's native fact format, the YAML
// of the embedded seed (seed/facts/*.yaml) and of `emigraph load
// facts.yaml`.
//
// # Specification
//
// One YAML document per file, with up to six lists. Every relation carries
// a verbatim quote of its source; section, title and url at the top of the
// file fill in every source that does not give its own (or source:, the id
// of a source record, instead of title and url). sources: lists source
// records (id, title, publisher, author, published, retrieved, url,
// language, kind, note: graph.SourceRecord); a citation names one by id
// with source: (in a sources: item, or beside the quote: shorthand), and
// one named inline by title and url cites the record with that url, or one
// made of them.
//
//	section: Reactions > Kyrgyzstan
//	title: Russian emigration during the Russo-Ukrainian war (2022–present)
//	url: https://en.wikipedia.org/wiki/...
//	entities:
//	  - id: person/alla-pugacheva
//	    name: Alla Pugacheva
//	    type: PERSON
//	    aliases: [Pugachova, Алла Пугачёва]
//	    description: Pop musician who left Russia after the invasion.
//	relations:
//	  - subject: person/alla-pugacheva
//	    predicate: fled-from
//	    object: country/russia
//	    date: "2022-02"
//	    timing: SINCE
//	    quote: Among the Russians who left Russia after the invasion ...
//	  - subject: group/russian-emigrants
//	    predicate: fled-to
//	    object: country/georgia
//	    date: "2022-02"
//	    endDate: "2022-04"
//	    quantity: {amount: 100000, unit: people, approximation: ABOUT}
//	    hedges: [ESTIMATED]
//	    quote: By early April, an estimated 100,000 Russians had fled to Georgia ...
//	retract:
//	  - id: rel/0123456789abcdef0123
//
// Subjects and objects are entity ids or names (any name or alias, matched
// ignoring case and diacritics). A relation states one fact: loading it again
// changes nothing, and loading it with another quote adds that source. An
// entry under entities for an id that exists corrects it: fields given
// replace the stored ones, aliases are added, removeAliases are taken away.
// Quantities are {amount, lowerBound, upperBound, unit, approximation} with
// approximation one of EXACT, ABOUT, AT_LEAST, MORE_THAN, NEARLY, UP_TO.
//
// When a fact holds is date (YYYY, YYYY-MM or YYYY-MM-DD, as precise as the
// source and no more), endDate and timing (graph.Timing): a date alone is a
// point, some time within it; date and endDate a period, over which a figure
// counts ("by early April" from the start the source gives); timing: SINCE
// with a date and no endDate a period open at its end ("since the
// outbreak"). hedges lists the reserves the source states the fact with:
// ALLEGED, ESTIMATED, EXPECTED, DISPUTED, PARTIAL (graph.Hedge).
//
// A native file ends with a newline (white space after the last newline is
// allowed; an empty file states nothing). A file whose last line has no
// newline is refused as a whole, standard input (-) and importFacts
// documents too, with
//
//	FILE:LINE: file: ends in the middle of a line (the last line has no newline): was it cut off? ...
//
// because a download or copy cut off in the middle of a line can still be
// valid YAML and would otherwise load its last plain value cut short
// ("quote: Russians fled to Geo"). A file cut off exactly at the end of a
// line cannot be told from a shorter file: it loads the items before the
// cut, and the last of them without the keys (or list entries) after the
// cut; a source cut before its own section takes the file's. Check the size
// or a checksum of a file that travelled.
//
// Texts are bounded (graph.MaxAliases and the like): ids up to 200 bytes,
// names and aliases up to 1,000 and 100 aliases an entity, descriptions,
// quotes and notes up to 10,000, sections and titles up to 1,000, urls up to
// 2,000, units up to 100, and 100 sources a relation.
//
// The parser checks the shape of a file (known keys, lists and mappings
// where they belong, the last newline); what the facts must satisfy (a
// quote on every relation, ids, dates, lengths) is checked by graph when
// the changeset is planned, at the file and line of the item.
package native
