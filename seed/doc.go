// Package seed holds the seed knowledge of emigraph, the facts of the article
// "Russian emigration during the Russo-Ukrainian war (2022–present)" in the
// native format (package seed/format/native), and the registry of the
// fact-file formats that `emigraph load` reads and `emigraph export` writes
// (Formats: native, csv, jsonl, nquads, each a package under seed/format
// with its specification in its package documentation).
package seed
