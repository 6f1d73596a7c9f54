// Package seed holds the seed knowledge of emigraph, the facts of the article
// "Russian emigration during the Russo-Ukrainian war (2022–present)", and the
// fact-file formats that `emigraph load` reads and `emigraph export` writes.
//
// # The native format
//
// One YAML document per file, with up to five lists. Every relation carries
// a verbatim quote of its source; section, title and url at the top of the
// file fill in every source that does not give its own.
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
//	    date: "2022"
//	    quote: Among the Russians who left Russia after the invasion ...
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
package seed
