// Package csv reads and writes emigraph's CSV fact format, for
// spreadsheets.
//
// # Specification
//
// The CSV format is for spreadsheets: one relation per row, under a header
// row that names the columns. Columns may come in any order; names are
// matched ignoring case; an unknown column is an error. The header must have
// a name for every column. The columns are:
//
//	action         empty or "add" (a relation), "retract", "entity", "predicate" or "source"
//	id             relation id (rel/...), or the id of the entity or predicate
//	subject        entity id or name (ids and names are resolved by the store)
//	predicate      predicate id, e.g. fled-to
//	object         entity id or name; empty for a figure about the subject
//	date, endDate  YYYY, YYYY-MM or YYYY-MM-DD
//	timing         empty (what the dates say: a point, or a period with an endDate), POINT, PERIOD or SINCE (open at the end)
//	amount         the quantity: a number like 50000 or 2.5 (no thousands separators)
//	lowerBound, upperBound, unit, approximation (EXACT, ABOUT, AT_LEAST, MORE_THAN, NEARLY, UP_TO)
//	hedges         how the source qualifies the fact: ALLEGED, ESTIMATED, EXPECTED, DISPUTED, PARTIAL, separated by "|"
//	note
//	source         the id of the source record the quote is from (source/...), or empty
//	quote          verbatim quote of the source: required on every relation row
//	section, title, url    where the quote is from (title and url name a source inline)
//	publisher, author, published, retrieved, language, kind   source rows, with id, title, url and note
//	name, type, aliases, removeAliases, description        entity rows
//	label, inverseLabel, subjectTypes, objectTypes, objectOptional, description   predicate rows
//
// A relation needs subject, predicate and quote (graph checks that, at the
// file and line of the row, as it checks ids, dates and lengths: the parser
// checks only the shape of the file). A relation with more
// than one source is written as consecutive rows that repeat the relation's
// columns (id through note) with another quote: such rows are read as one
// relation with several sources. (Rows of the same fact that are not
// consecutive are separate statements, which the store merges anyway.)
//
// A row with action "retract" withdraws a relation, named by id or by subject,
// predicate and the other columns of the fact; quote is optional there.
//
// Rows with action "source" state a source record (graph.SourceRecord) with
// id, title, publisher, author, published, retrieved, url, language, kind
// (encyclopedia, official-statistics, ...) and note; a full export writes
// them first. Rows with action "entity" define or correct an entity with id, name, type,
// aliases, removeAliases and description; rows with action "predicate" define
// a predicate with id, label, inverseLabel, subjectTypes, objectTypes,
// objectOptional (true or false) and description. The list columns (hedges, aliases,
// removeAliases, subjectTypes, objectTypes) separate their items with "|";
// spaces around an item are dropped. A column that a row's action does not
// use must be empty. A full export (Write) writes predicate rows, then
// entity rows, then relation rows, then retract rows, with only the columns
// that carry a value (and always subject, predicate and quote).
//
// Cells are read as they are, spaces included, except action, the numbers,
// objectOptional and the list items, and the escape of formulas below. Line
// endings inside a quoted cell are read as "\n" (encoding/csv turns "\r\n"
// into "\n").
//
// # Formulas
//
// A spreadsheet runs a cell that starts with =, +, -, @, a tab or a carriage
// return as a formula (=HYPERLINK(...) sends a click anywhere; some formulas
// run programs). Write makes such a cell text as OWASP recommends, with a
// single quote in front: a quote "=HYPERLINK(...)" is written '=HYPERLINK(...).
// Parse takes that quote off, so an export reads back as it was. To keep the
// escape reversible, a cell that starts with a single quote followed by one
// of those characters or by another single quote gets a quote in front too
// (a cell '=x is written with two quotes before the =). The rule when reading: a cell that starts with a
// single quote followed by =, +, -, @, a tab, a carriage return or a single
// quote is read without its first character; every other cell is read as
// it is ('Tis stays 'Tis). A cell that is a plain number (-0.5, +3,
// -1e+25) is written as it is: a spreadsheet reads it as that number.
//
// Errors read "facts.csv:LINE: column: problem", with the line where the
// row starts.
package csv
