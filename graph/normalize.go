package graph

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// translit spells Cyrillic (Russian, Ukrainian, Belarusian) and Georgian
// letters in Latin, the way English-language press usually does, so that
// "Алла Пугачёва" and "Alla Pugacheva" normalise to the same words.
var translit = map[rune]string{
	'а': "a", 'б': "b", 'в': "v", 'г': "g", 'д': "d", 'е': "e", 'ё': "e", 'ж': "zh",
	'з': "z", 'и': "i", 'й': "y", 'к': "k", 'л': "l", 'м': "m", 'н': "n", 'о': "o",
	'п': "p", 'р': "r", 'с': "s", 'т': "t", 'у': "u", 'ф': "f", 'х': "kh", 'ц': "ts",
	'ч': "ch", 'ш': "sh", 'щ': "shch", 'ъ': "", 'ы': "y", 'ь': "", 'э': "e", 'ю': "yu",
	'я': "ya", 'і': "i", 'ї': "yi", 'є': "ye", 'ґ': "g", 'ў': "u",
	'ა': "a", 'ბ': "b", 'გ': "g", 'დ': "d", 'ე': "e", 'ვ': "v", 'ზ': "z", 'თ': "t",
	'ი': "i", 'კ': "k", 'ლ': "l", 'მ': "m", 'ნ': "n", 'ო': "o", 'პ': "p", 'ჟ': "zh",
	'რ': "r", 'ს': "s", 'ტ': "t", 'უ': "u", 'ფ': "p", 'ქ': "k", 'ღ': "gh", 'ყ': "q",
	'შ': "sh", 'ჩ': "ch", 'ც': "ts", 'ძ': "dz", 'წ': "ts", 'ჭ': "ch", 'ხ': "kh", 'ჯ': "j",
	'ჰ': "h",
}

// Normalize folds a name for matching: lower case, Cyrillic and Georgian
// transliterated to Latin, diacritics removed, punctuation turned into single
// spaces. "Pugachёva", "PUGACHEVA" and "Пугачёва" all become "pugacheva".
func Normalize(s string) string {
	s = norm.NFC.String(strings.ToLower(s))
	var b strings.Builder
	for _, r := range s {
		if t, ok := translit[r]; ok {
			b.WriteString(t)
		} else {
			b.WriteRune(r)
		}
	}
	decomposed := norm.NFKD.String(b.String())
	b.Reset()
	space := true // suppress leading spaces
	for _, r := range decomposed {
		r = unicode.ToLower(r) // compatibility decomposition can yield capitals ("ϒ" is "Υ")
		switch {
		case unicode.Is(unicode.Mn, r):
			// a combining mark: the diacritic of the previous letter
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			// a letter freed of its mark may be Cyrillic still ("ѐ" is "е" and a grave)
			if t, ok := translit[r]; ok {
				b.WriteString(t)
			} else {
				b.WriteRune(r)
			}
			space = false
		case r == '\'' || r == '’' || r == 'ʼ':
			// apostrophes join: "O'Brien" is "obrien"
		default:
			if !space {
				b.WriteByte(' ')
				space = true
			}
		}
	}
	return strings.TrimRight(b.String(), " ")
}

// Words splits a normalised string into its words.
func Words(normalized string) []string { return strings.Fields(normalized) }

// Trigrams returns the distinct trigrams of a normalised string, each word
// padded with a space on both sides so that beginnings and ends count.
func Trigrams(normalized string) []string {
	seen := map[string]bool{}
	var out []string
	for _, w := range Words(normalized) {
		rs := []rune(" " + w + " ")
		for i := 0; i+3 <= len(rs); i++ {
			g := string(rs[i : i+3])
			if !seen[g] {
				seen[g] = true
				out = append(out, g)
			}
		}
	}
	return out
}
