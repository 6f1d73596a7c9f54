package graph

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"reflect"
	"slices"
	"strings"
)

// SourceKind says what kind of text a source is.
type SourceKind string

// The kinds of source: a closed set, so that sources can be compared by kind
// (a ministry's count against a survey's estimate).
const (
	KindEncyclopedia       SourceKind = "encyclopedia"
	KindOfficialStatistics SourceKind = "official-statistics"
	KindSurvey             SourceKind = "survey"
	KindNews               SourceKind = "news"
	KindInterview          SourceKind = "interview"
	KindReport             SourceKind = "report"
	KindLawText            SourceKind = "law-text"
	KindOther              SourceKind = "other"
)

// SourceKinds lists every kind of source in a fixed order.
var SourceKinds = []SourceKind{KindEncyclopedia, KindOfficialStatistics, KindSurvey, KindNews, KindInterview, KindReport, KindLawText, KindOther}

// Valid reports whether k is one of SourceKinds.
func (k SourceKind) Valid() bool { return slices.Contains(SourceKinds, k) }

// SourceRecord is a source as a record of its own: a text the graph's facts
// come from, which relations cite by ID with their own quote and section
// (Source.SourceID). Published and Retrieved are dates of the graph's form
// (YYYY, YYYY-MM or YYYY-MM-DD); Language is a BCP 47 tag ("en", "ru",
// "pt-BR").
type SourceRecord struct {
	ID        string     `json:"id" yaml:"id"`
	Title     string     `json:"title,omitempty" yaml:"title,omitempty"`
	Publisher string     `json:"publisher,omitempty" yaml:"publisher,omitempty"`
	Author    string     `json:"author,omitempty" yaml:"author,omitempty"`
	Published string     `json:"published,omitempty" yaml:"published,omitempty"`
	Retrieved string     `json:"retrieved,omitempty" yaml:"retrieved,omitempty"`
	URL       string     `json:"url,omitempty" yaml:"url,omitempty"`
	Language  string     `json:"language,omitempty" yaml:"language,omitempty"`
	Kind      SourceKind `json:"kind,omitempty" yaml:"kind,omitempty"`
	Note      string     `json:"note,omitempty" yaml:"note,omitempty"`
}

// SourcePrefix starts the id of every source record ("source/novaya-gazeta-2023").
const SourcePrefix = "source/"

// MaxLanguageLength bounds a language tag (BCP 47 allows long ones; 35
// letters is what RFC 5646 asks a parser to take).
const MaxLanguageLength = 35

// Equal reports whether two records carry the same data, every field.
func (s *SourceRecord) Equal(o *SourceRecord) bool { return reflect.DeepEqual(*s, *o) }

// Merge is what the stored record old becomes when s states it again:
// the fields s gives replace old's, the others keep their stored value
// (as an entity's correction names only what changes).
func (s SourceRecord) Merge(old *SourceRecord) SourceRecord {
	if old == nil {
		return s
	}
	out := *old
	for _, f := range []struct {
		dst *string
		v   string
	}{
		{&out.Title, s.Title}, {&out.Publisher, s.Publisher}, {&out.Author, s.Author},
		{&out.Published, s.Published}, {&out.Retrieved, s.Retrieved}, {&out.URL, s.URL},
		{&out.Language, s.Language}, {&out.Note, s.Note},
	} {
		if f.v != "" {
			*f.dst = f.v
		}
	}
	if s.Kind != "" {
		out.Kind = s.Kind
	}
	return out
}

// Validate checks the record on its own and returns every problem found.
func (s *SourceRecord) Validate() Problems {
	var ps Problems
	switch {
	case s.ID == "":
		ps.Add("id", "is required")
	case len(s.ID) > MaxIDLength:
		ps.Add("id", "is %d bytes long, more than the %d an id may have", len(s.ID), MaxIDLength)
	case !ValidID(s.ID) || !strings.HasPrefix(s.ID, SourcePrefix):
		ps.Add("id", "%q is not a slug like source/novaya-gazeta-2023 (source/, then lower-case letters, digits and hyphens)", s.ID)
	}
	if strings.TrimSpace(s.Title) == "" && s.URL == "" {
		ps.Add("title", "is required when the source has no url: a reader must be able to find it")
	}
	checkLength(&ps, "title", s.Title, MaxTitleLength, "a title")
	checkLength(&ps, "publisher", s.Publisher, MaxNameLength, "a publisher")
	checkLength(&ps, "author", s.Author, MaxNameLength, "an author")
	checkLength(&ps, "url", s.URL, MaxURLLength, "a URL")
	checkLength(&ps, "note", s.Note, MaxNoteLength, "a note")
	for field, d := range map[string]string{"published": s.Published, "retrieved": s.Retrieved} {
		if d != "" {
			if _, err := ParseDate(d); err != nil {
				ps.Add(field, "%v", err)
			}
		}
	}
	if s.Language != "" && !ValidLanguageTag(s.Language) {
		ps.Add("language", "%q is not a BCP 47 language tag like en, ru or pt-BR", s.Language)
	}
	if s.Kind != "" && !s.Kind.Valid() {
		ps.Add("kind", "%q is not one of %s%s", s.Kind, joinKinds(), didYouMean(nearestKinds(string(s.Kind))))
	}
	return ps
}

// ValidLanguageTag reports whether tag has the shape of a BCP 47 tag: a
// primary language of 2 to 3 letters (or 4 to 8, or i/x), then subtags of
// 1 to 8 letters or digits, joined by hyphens. It checks the shape, not the
// registry: "en", "ru", "zh-Hant-TW", "sr-Latn" pass; "english", "en_US" do not.
func ValidLanguageTag(tag string) bool {
	if len(tag) > MaxLanguageLength {
		return false
	}
	parts := strings.Split(tag, "-")
	first := parts[0]
	if !(len(first) >= 2 && len(first) <= 3 || first == "i" || first == "x") || !isAlpha(first) {
		return false
	}
	for _, p := range parts[1:] {
		if len(p) < 1 || len(p) > 8 || !isAlnum(p) {
			return false
		}
	}
	return true
}

func isAlpha(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i] | 0x20; c < 'a' || c > 'z' {
			return false
		}
	}
	return true
}

func isAlnum(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9') && !isAlpha(s[i:i+1]) {
			return false
		}
	}
	return true
}

func joinKinds() string {
	s := make([]string, len(SourceKinds))
	for i, k := range SourceKinds {
		s[i] = string(k)
	}
	return strings.Join(s, ", ")
}

// nearestKinds are the kinds near a mistyped one ("statistics",
// "official statistics", "encyclopaedia").
func nearestKinds(s string) []string {
	fold := func(x string) string {
		return strings.Map(func(r rune) rune {
			if r == '-' || r == '_' || r == ' ' {
				return -1
			}
			return r
		}, strings.ToLower(x))
	}
	target := fold(s)
	var out []string
	for _, k := range SourceKinds {
		f := fold(string(k))
		if f == target || editDistance(f, target) <= max(1, len(target)/3) ||
			len(target) >= 4 && strings.Contains(f, target) {
			out = append(out, string(k))
		}
	}
	return out
}

// DeriveSourceID is the id of a source record made from a citation that
// names its source by URL or title alone (the inline form of Source): the
// URL's host and a hash of the URL, or a slug of the title and its hash, so
// that the same URL (or title) makes the same record in every load.
func DeriveSourceID(title, url string) string {
	text, base := url, ""
	if url != "" {
		host := url
		if i := strings.Index(host, "://"); i >= 0 {
			host = host[i+3:]
		}
		if i := strings.IndexAny(host, "/?#"); i >= 0 {
			host = host[:i]
		}
		base = slug(strings.TrimPrefix(host, "www."), 40)
	} else {
		text, base = title, slug(title, 40)
	}
	h := sha256.Sum256([]byte(text))
	if base == "" {
		return SourcePrefix + hex.EncodeToString(h[:6])
	}
	return SourcePrefix + base + "-" + hex.EncodeToString(h[:4])
}

// slug keeps the ASCII letters and digits of s, lower-cased, runs of
// anything else as one hyphen, at most n bytes.
func slug(s string, n int) string {
	var b strings.Builder
	hyphen := false
	for _, r := range Normalize(s) {
		if b.Len() >= n {
			break
		}
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			if hyphen && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			hyphen = false
		} else {
			hyphen = true
		}
	}
	return b.String()
}

// SourceIDs returns the ids of the source records a relation cites, each
// once, in the order of its sources.
func (r *Relation) SourceIDs() []string {
	var ids []string
	for _, s := range r.Sources {
		if s.SourceID != "" && !slices.Contains(ids, s.SourceID) {
			ids = append(ids, s.SourceID)
		}
	}
	return ids
}

// Cites reports whether the relation cites the source record id.
func (r *Relation) Cites(id string) bool {
	for _, s := range r.Sources {
		if s.SourceID == id {
			return true
		}
	}
	return false
}

// SourceFilter selects a page of source records.
type SourceFilter struct {
	Kind  SourceKind // empty for every kind
	First int
	After string // an opaque cursor from a previous page
}

// SourcePage is one page of source records.
type SourcePage struct {
	Sources     []*SourceRecord
	Cursors     []string
	HasNextPage bool
}

// SourceStore is what a store offers of source records. Each read is
// charged to the request's budget like the other reads.
type SourceStore interface {
	// SourceRecord returns the record with the id, or ErrNotFound.
	SourceRecord(ctx context.Context, id string) (*SourceRecord, error)
	// SourceRecordsByID returns the records that exist among ids, keyed by id.
	SourceRecordsByID(ctx context.Context, ids []string) (map[string]*SourceRecord, error)
	// SourceRecords returns a page of records in id order.
	SourceRecords(ctx context.Context, f SourceFilter) (*SourcePage, error)
	// CountCitations returns how many relations cite each of ids, from a
	// counter each (not a scan of the relations).
	CountCitations(ctx context.Context, ids []string) (map[string]int, error)
	// CitingRelations returns a page of the relations that cite the source
	// record id, in relation id order.
	CitingRelations(ctx context.Context, id string, first int, after string) (*RelationPage, error)
}

// SourceView is what planning a changeset with source records reads from a
// store, beyond View: a record by id, the id of the record with a URL, and
// the ids of the relations citing a record (for a SourceRetraction). A view
// without it holds no source records.
type SourceView interface {
	SourceRecord(id string) (*SourceRecord, error)
	SourceIDByURL(url string) (string, error)
	CitingRelationIDs(id string) ([]string, error)
}
