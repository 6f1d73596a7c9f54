package csv

// Spreadsheets run a cell that starts with =, +, -, @, a tab or a carriage
// return as a formula (=HYPERLINK(...) links anywhere, and some formulas run
// programs), so Write makes such a cell text the way OWASP recommends: with a
// single quote in front. Parse takes that quote off again, so what Write
// wrote reads back unchanged; to keep that reversible, a cell that starts
// with a single quote followed by one of those characters or by another
// single quote gets a quote in front too. Every other cell, including one
// that starts with a single quote followed by anything else ("'Tis"), is
// written and read as it is.
//
// A cell that is a plain number (-0.5, +3, -1e+25) is left as it is: a
// spreadsheet reads it as the number it is, and a quote would turn negative
// amounts into text.

// startsFormula reports whether a spreadsheet reads a cell starting with c
// as a formula.
func startsFormula(c byte) bool {
	switch c {
	case '=', '+', '-', '@', '\t', '\r':
		return true
	}
	return false
}

// quoted reports whether a cell starts with the quote that escapes it:
// a single quote followed by a formula character or another single quote.
func quoted(cell string) bool {
	return len(cell) > 1 && cell[0] == '\'' && (startsFormula(cell[1]) || cell[1] == '\'')
}

// escapeCell is the cell as Write writes it.
func escapeCell(cell string) string {
	if cell == "" {
		return cell
	}
	if startsFormula(cell[0]) && !plainNumber(cell) || quoted(cell) {
		return "'" + cell
	}
	return cell
}

// unescapeCell is the cell as Parse reads it: without the quote escapeCell
// put in front.
func unescapeCell(cell string) string {
	if quoted(cell) {
		return cell[1:]
	}
	return cell
}

// plainNumber reports whether s is a decimal number and nothing else:
// [+-]digits[.digits][e[+-]digits], with digits on at least one side of
// the point.
func plainNumber(s string) bool {
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	digits := func() int {
		n := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
			n++
		}
		return n
	}
	n := digits()
	if i < len(s) && s[i] == '.' {
		i++
		n += digits()
	}
	if n == 0 {
		return false
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if digits() == 0 {
			return false
		}
	}
	return i == len(s)
}
