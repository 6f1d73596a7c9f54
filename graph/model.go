package graph

import (
	"crypto/sha256"
	"encoding/hex"
	"math"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// EntityType is the kind of thing an entity is.
type EntityType string

// The entity types. Bands and parties are organizations, cities are places,
// and an unnamed collective ("eight Russian nationals") is a group.
const (
	Person       EntityType = "PERSON"
	Country      EntityType = "COUNTRY"
	Law          EntityType = "LAW"
	Event        EntityType = "EVENT"
	Organization EntityType = "ORGANIZATION"
	Place        EntityType = "PLACE"
	Group        EntityType = "GROUP"
)

// EntityTypes lists every entity type in a fixed order.
var EntityTypes = []EntityType{Person, Country, Law, Event, Organization, Place, Group}

// Valid reports whether t is one of EntityTypes.
func (t EntityType) Valid() bool { return slices.Contains(EntityTypes, t) }

// IDPrefix is the lower-case prefix of slugs of this type ("person" for PERSON).
func (t EntityType) IDPrefix() string { return strings.ToLower(string(t)) }

// Entity is a node of the graph: a person, country, law, event, organization,
// place or group.
type Entity struct {
	ID          string     `json:"id" yaml:"id"`
	Name        string     `json:"name" yaml:"name"`
	Type        EntityType `json:"type" yaml:"type"`
	Aliases     []string   `json:"aliases,omitempty" yaml:"aliases,omitempty"`
	Description string     `json:"description,omitempty" yaml:"description,omitempty"`
}

// Names returns the name followed by the aliases.
func (e *Entity) Names() []string {
	return append([]string{e.Name}, e.Aliases...)
}

// Equal reports whether two entities carry the same data: every field,
// compared by reflect.DeepEqual, so that a field added to Entity is compared
// without being named here (fields_test.go sets every field and checks).
// No aliases, as an empty list or none, are the same.
func (e *Entity) Equal(o *Entity) bool {
	a, b := *e, *o
	a.Aliases, b.Aliases = nilIfEmpty(a.Aliases), nilIfEmpty(b.Aliases)
	return reflect.DeepEqual(a, b)
}

// nilIfEmpty returns s, or nil when it is empty: a list JSON's omitempty
// drops and a parser may give as empty is the same either way.
func nilIfEmpty[T any](s []T) []T {
	if len(s) == 0 {
		return nil
	}
	return s
}

// Ids and names go into the store's keys, which Badger bounds (65,000 bytes),
// several at a time and a name transliterated, so they are bounded well below.
const (
	MaxIDLength   = 200
	MaxNameLength = 1000
)

// The other texts are bounded so that one entity or relation stays a small
// value and a write of many stays within a transaction. The bounds are
// generous for journalism: a quote may be a long verbatim paragraph (the
// seed's longest is about 700 bytes), a description a few paragraphs.
// Lengths are in bytes of UTF-8 (Cyrillic takes two bytes a letter).
const (
	MaxAliases           = 100    // aliases of one entity
	MaxDescriptionLength = 10_000 // an entity's or a predicate's description
	MaxQuoteLength       = 10_000 // a source's verbatim quote
	MaxNoteLength        = 10_000 // a relation's note
	MaxSectionLength     = 1000   // a source's section ("Reactions > Kyrgyzstan")
	MaxTitleLength       = 1000   // a source's title
	MaxURLLength         = 2000   // a source's URL
	MaxUnitLength        = 100    // a quantity's unit ("people", "years")
	MaxSources           = 100    // sources of one relation, also once merged with the stored ones
)

// checkLength adds a problem if v is longer than max bytes; what names the
// thing in the message ("a quote").
func checkLength(ps *Problems, field, v string, max int, what string) {
	if len(v) > max {
		ps.Add(field, "is %d bytes long, more than the %d %s may have", len(v), max, what)
	}
}

// ValidID reports whether id is a readable slug such as
// "person/chulpan-khamatova": ^[a-z]+/[a-z0-9]+(?:[-.][a-z0-9]+)*$, matched
// by hand because a load checks a million of them (model_test.go holds it to
// that expression).
func ValidID(id string) bool {
	kind, rest, ok := strings.Cut(id, "/")
	if !ok || kind == "" || rest == "" {
		return false
	}
	for i := 0; i < len(kind); i++ {
		if kind[i] < 'a' || kind[i] > 'z' {
			return false
		}
	}
	// runs of [a-z0-9] joined by single '-' or '.', neither first nor last
	prevSep := true
	for i := 0; i < len(rest); i++ {
		switch c := rest[i]; {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
			prevSep = false
		case c == '-' || c == '.':
			if prevSep {
				return false
			}
			prevSep = true
		default:
			return false
		}
	}
	return !prevSep
}

// Validate checks the entity on its own and returns every problem found.
func (e *Entity) Validate() Problems {
	var ps Problems
	switch {
	case e.ID == "":
		ps.Add("id", "is required")
	case len(e.ID) > MaxIDLength:
		ps.Add("id", "is %d bytes long, more than the %d an id may have", len(e.ID), MaxIDLength)
	case !ValidID(e.ID):
		ps.Add("id", "%q is not a slug like person/chulpan-khamatova (lower-case letters, digits and hyphens after one slash)", e.ID)
	}
	if strings.TrimSpace(e.Name) == "" {
		ps.Add("name", "is required")
	} else if len(e.Name) > MaxNameLength {
		ps.Add("name", "is %d bytes long, more than the %d a name may have", len(e.Name), MaxNameLength)
	}
	if !e.Type.Valid() {
		ps.Add("type", "%q is not one of %s", e.Type, joinTypes(EntityTypes))
	}
	if len(e.Aliases) > MaxAliases {
		ps.Add("aliases", "has %d aliases, more than the %d an entity may have", len(e.Aliases), MaxAliases)
	}
	checkLength(&ps, "description", e.Description, MaxDescriptionLength, "a description")
	for i, a := range e.Aliases {
		if strings.TrimSpace(a) == "" {
			ps.Add("aliases["+strconv.Itoa(i)+"]", "is empty")
		} else if len(a) > MaxNameLength {
			ps.Add("aliases["+strconv.Itoa(i)+"]", "is %d bytes long, more than the %d a name may have", len(a), MaxNameLength)
		}
	}
	return ps
}

// Approximation says how a quantity's amount relates to the true figure.
type Approximation string

// The approximations a source may state.
const (
	Exact    Approximation = "EXACT"
	About    Approximation = "ABOUT"
	AtLeast  Approximation = "AT_LEAST"
	MoreThan Approximation = "MORE_THAN"
	Nearly   Approximation = "NEARLY"
	UpTo     Approximation = "UP_TO"
)

// Approximations lists every approximation in a fixed order.
var Approximations = []Approximation{Exact, About, AtLeast, MoreThan, Nearly, UpTo}

// Valid reports whether a is one of Approximations.
func (a Approximation) Valid() bool { return slices.Contains(Approximations, a) }

// Quantity is a figure a relation states: a count, a percentage, a term.
type Quantity struct {
	Amount        float64       `json:"amount" yaml:"amount"`
	LowerBound    *float64      `json:"lowerBound,omitempty" yaml:"lowerBound,omitempty"`
	UpperBound    *float64      `json:"upperBound,omitempty" yaml:"upperBound,omitempty"`
	Unit          string        `json:"unit,omitempty" yaml:"unit,omitempty"`
	Approximation Approximation `json:"approximation" yaml:"approximation"`
}

// Validate checks that the approximation is known and the bounds hold.
func (q *Quantity) Validate() Problems {
	var ps Problems
	if !q.Approximation.Valid() {
		ps.Add("quantity.approximation", "%q is not one of %s", q.Approximation, joinApprox())
	}
	checkLength(&ps, "quantity.unit", q.Unit, MaxUnitLength, "a unit")
	if math.IsNaN(q.Amount) || math.IsInf(q.Amount, 0) {
		ps.Add("quantity.amount", "must be a finite number")
	}
	if q.LowerBound != nil && *q.LowerBound > q.Amount {
		ps.Add("quantity.lowerBound", "%v is greater than the amount %v", *q.LowerBound, q.Amount)
	}
	if q.UpperBound != nil && *q.UpperBound < q.Amount {
		ps.Add("quantity.upperBound", "%v is less than the amount %v", *q.UpperBound, q.Amount)
	}
	return ps
}

func (q *Quantity) canonical() string {
	if q == nil {
		return ""
	}
	f := func(p *float64) string {
		if p == nil {
			return ""
		}
		return strconv.FormatFloat(*p, 'g', -1, 64)
	}
	return strings.Join([]string{strconv.FormatFloat(q.Amount, 'g', -1, 64), f(q.LowerBound), f(q.UpperBound), q.Unit, string(q.Approximation)}, "|")
}

// Source is where a fact comes from: a citation. Quote is verbatim text of
// the source. SourceID names the source record cited (SourceRecord); a
// citation may instead name its source inline by Title and URL, which
// planning a write turns into a record (matched by URL, or made), so that a
// stored citation holds SourceID, Quote and Section.
type Source struct {
	SourceID string `json:"source,omitempty" yaml:"source,omitempty"`
	Quote    string `json:"quote" yaml:"quote"`
	Section  string `json:"section,omitempty" yaml:"section,omitempty"`
	Title    string `json:"title,omitempty" yaml:"title,omitempty"`
	URL      string `json:"url,omitempty" yaml:"url,omitempty"`
}

// Relation is a statement: subject, predicate, optional object, when, how
// many, and the sources that say so.
type Relation struct {
	ID        string `json:"id,omitempty" yaml:"id,omitempty"`
	Subject   string `json:"subject" yaml:"subject"`
	Predicate string `json:"predicate" yaml:"predicate"`
	Object    string `json:"object,omitempty" yaml:"object,omitempty"`
	Date      string `json:"date,omitempty" yaml:"date,omitempty"`
	EndDate   string `json:"endDate,omitempty" yaml:"endDate,omitempty"`
	// Timing says how the dates bound the fact (see Timing): empty for what
	// the dates say alone (a point, or a period with an end date); Since for
	// a period open at its end.
	Timing   Timing    `json:"timing,omitempty" yaml:"timing,omitempty"`
	Quantity *Quantity `json:"quantity,omitempty" yaml:"quantity,omitempty"`
	// Hedges are the reserves the source states the fact with (alleged,
	// estimated, ...), as a set in the order of Hedges.
	Hedges  []Hedge  `json:"hedges,omitempty" yaml:"hedges,omitempty"`
	Note    string   `json:"note,omitempty" yaml:"note,omitempty"`
	Sources []Source `json:"sources" yaml:"sources"`
}

// DeriveID returns the identity of a relation stated without an explicit id:
// a hash of subject, predicate, object, dates, timing and quantity. Note,
// hedges and sources are not part of the identity, so stating the same fact
// again with another quote adds a source to it instead of making a second
// relation. A timing the dates imply adds nothing to the hash (ids derived
// before timings existed stay the same); Since does: "since September" is
// another fact than "in September".
func (r *Relation) DeriveID() string {
	h := sha256.New()
	parts := []string{r.Subject, r.Predicate, r.Object, r.Date, r.EndDate, r.Quantity.canonical()}
	if r.Timing == Since {
		parts = append(parts, string(Since))
	}
	for _, part := range parts {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	return "rel/" + hex.EncodeToString(h.Sum(nil)[:10])
}

// SameFact reports whether two relations state the same fact: the same
// subject, predicate, object, dates, timing and quantity (what DeriveID
// hashes), whatever their notes, hedges and sources.
func (r *Relation) SameFact(o *Relation) bool {
	return r.Subject == o.Subject && r.Predicate == o.Predicate && r.Object == o.Object &&
		r.Date == o.Date && r.EndDate == o.EndDate && r.TimingOf() == o.TimingOf() &&
		r.Quantity.canonical() == o.Quantity.canonical()
}

// Normalize puts the relation's timing and hedges in their one stored
// form: a timing the dates imply is left empty, and hedges are a sorted
// set. Planning a write normalizes every relation, so that the same fact
// stated with "timing: POINT" or without is one relation, unchanged.
func (r *Relation) Normalize() {
	if r.Timing == Point && r.Date != "" && r.EndDate == "" || r.Timing == Period && r.Date != "" && r.EndDate != "" {
		r.Timing = ""
	}
	r.Hedges = SortHedges(r.Hedges)
}

// Validate checks the relation on its own: ids, dates, quantity and sources.
// Checks that need the predicate registry and the entities are in Check.
func (r *Relation) Validate() Problems {
	var ps Problems
	if len(r.ID) > MaxIDLength {
		ps.Add("id", "is %d bytes long, more than the %d an id may have", len(r.ID), MaxIDLength)
	} else if r.ID != "" && !ValidID(r.ID) {
		ps.Add("id", "%q is not a slug like rel/georgia-visa-2022", r.ID)
	}
	if r.Subject == "" {
		ps.Add("subject", "is required")
	} else {
		checkLength(&ps, "subject", r.Subject, MaxNameLength, "an id or name")
	}
	if r.Predicate == "" {
		ps.Add("predicate", "is required")
	} else {
		checkLength(&ps, "predicate", r.Predicate, MaxIDLength, "an id")
	}
	checkLength(&ps, "object", r.Object, MaxNameLength, "an id or name")
	checkLength(&ps, "note", r.Note, MaxNoteLength, "a note")
	if r.Date != "" {
		if _, err := ParseDate(r.Date); err != nil {
			ps.Add("date", "%v", err)
		}
	}
	if r.EndDate != "" {
		end, err := ParseDate(r.EndDate)
		switch {
		case err != nil:
			ps.Add("endDate", "%v", err)
		case r.Date == "":
			ps.Add("endDate", "is set but date is not")
		default:
			if start, err := ParseDate(r.Date); err == nil && end.Last() < start.First() {
				ps.Add("endDate", "%s is before date %s", r.EndDate, r.Date)
			}
		}
	}
	switch {
	case r.Timing == "":
	case !r.Timing.Valid():
		ps.Add("timing", "%q is not one of %s", r.Timing, joinTimings())
	case r.Date == "":
		ps.Add("timing", "%s needs a date", r.Timing)
	case r.Timing == Period && r.EndDate == "":
		ps.Add("timing", "PERIOD needs an endDate (for a period open at its end, say SINCE)")
	case r.Timing != Period && r.EndDate != "":
		ps.Add("timing", "%s takes no endDate (a date and an endDate are a PERIOD)", r.Timing)
	}
	for i, h := range r.Hedges {
		if !h.Valid() {
			ps.Add("hedges["+strconv.Itoa(i)+"]", "%q is not one of %s", h, joinHedges())
		}
	}
	if r.Quantity != nil {
		ps = append(ps, r.Quantity.Validate()...)
	}
	if len(r.Sources) == 0 {
		ps.Add("sources", "at least one source with a verbatim quote is required")
	}
	if len(r.Sources) > MaxSources {
		ps.Add("sources", "has %d sources, more than the %d a relation may have", len(r.Sources), MaxSources)
	}
	for i, s := range r.Sources {
		at := "sources[" + strconv.Itoa(i) + "]."
		if strings.TrimSpace(s.Quote) == "" {
			ps.Add(at+"quote", "is required: every fact carries a verbatim quote of its source")
		} else if IsPlaceholderQuote(s.Quote) {
			ps.Add(at+"quote", "%s", PlaceholderQuoteMessage(s.Quote))
		}
		checkLength(&ps, at+"quote", s.Quote, MaxQuoteLength, "a quote")
		checkLength(&ps, at+"section", s.Section, MaxSectionLength, "a section")
		checkLength(&ps, at+"title", s.Title, MaxTitleLength, "a title")
		checkLength(&ps, at+"url", s.URL, MaxURLLength, "a URL")
		if s.SourceID != "" && (!ValidID(s.SourceID) || !strings.HasPrefix(s.SourceID, SourcePrefix)) {
			ps.Add(at+"source", "%q is not the id of a source record (source/, then a slug like novaya-gazeta-2023)", s.SourceID)
		}
	}
	return ps
}

// MergeSources adds to r the sources of other that r lacks and reports
// whether anything was added. A citation is the same as one r has when it
// quotes the same text and neither names a different source record (two
// sources may quote the same words: a news story quoting a ministry).
func (r *Relation) MergeSources(other []Source) bool {
	changed := false
	for _, s := range other {
		found := false
		for i, have := range r.Sources {
			if have.Quote == s.Quote && (have.SourceID == "" || s.SourceID == "" || have.SourceID == s.SourceID) {
				found = true
				if have.SourceID == "" && s.SourceID != "" {
					r.Sources[i].SourceID, changed = s.SourceID, true
				}
				// fill in provenance that the first statement lacked
				if have.Section == "" && s.Section != "" {
					r.Sources[i].Section, changed = s.Section, true
				}
				if have.Title == "" && s.Title != "" {
					r.Sources[i].Title, changed = s.Title, true
				}
				if have.URL == "" && s.URL != "" {
					r.Sources[i].URL, changed = s.URL, true
				}
				break
			}
		}
		if !found {
			r.Sources = append(r.Sources, s)
			changed = true
		}
	}
	return changed
}

// Predicate describes a kind of relation. Predicates are data: loading a new
// one extends the graph and the API without a code change.
type Predicate struct {
	ID           string       `json:"id" yaml:"id"`
	Label        string       `json:"label" yaml:"label"`
	InverseLabel string       `json:"inverseLabel" yaml:"inverseLabel"`
	SubjectTypes []EntityType `json:"subjectTypes" yaml:"subjectTypes"`
	ObjectTypes  []EntityType `json:"objectTypes" yaml:"objectTypes"`
	// ObjectOptional allows statements that are only a figure about their
	// subject ("about 50,000 IT workers fled").
	ObjectOptional bool   `json:"objectOptional,omitempty" yaml:"objectOptional,omitempty"`
	Description    string `json:"description,omitempty" yaml:"description,omitempty"`
	// Broader is the id of a predicate this one narrows ("deported-to" is
	// a kind of "moved-to"): asking for the broader predicate includes this
	// one's relations, so a fact is stated once, under its most precise
	// predicate. Its subject and object types lie within the broader's.
	Broader string `json:"broader,omitempty" yaml:"broader,omitempty"`
}

var kebabPattern = regexp.MustCompile(`^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$`)

// Validate checks the predicate definition.
func (p *Predicate) Validate() Problems {
	var ps Problems
	if len(p.ID) > MaxIDLength {
		ps.Add("id", "is %d bytes long, more than the %d an id may have", len(p.ID), MaxIDLength)
	} else if !kebabPattern.MatchString(p.ID) {
		ps.Add("id", "%q is not kebab-case like fled-to", p.ID)
	}
	if strings.TrimSpace(p.Label) == "" {
		ps.Add("label", "is required")
	}
	if strings.TrimSpace(p.InverseLabel) == "" {
		ps.Add("inverseLabel", "is required")
	}
	checkLength(&ps, "label", p.Label, MaxNameLength, "a label")
	checkLength(&ps, "inverseLabel", p.InverseLabel, MaxNameLength, "a label")
	checkLength(&ps, "description", p.Description, MaxDescriptionLength, "a description")
	if p.Broader != "" && !kebabPattern.MatchString(p.Broader) {
		ps.Add("broader", "%q is not a predicate id (kebab-case like fled-to)", p.Broader)
	} else if p.Broader == p.ID && p.ID != "" {
		ps.Add("broader", "a predicate cannot narrow itself")
	}
	if len(p.SubjectTypes) == 0 {
		ps.Add("subjectTypes", "at least one type is required")
	}
	if len(p.ObjectTypes) == 0 && !p.ObjectOptional {
		ps.Add("objectTypes", "at least one type is required unless objectOptional is true")
	}
	for i, t := range p.SubjectTypes {
		if !t.Valid() {
			ps.Add("subjectTypes["+strconv.Itoa(i)+"]", "%q is not one of %s", t, joinTypes(EntityTypes))
		}
	}
	for i, t := range p.ObjectTypes {
		if !t.Valid() {
			ps.Add("objectTypes["+strconv.Itoa(i)+"]", "%q is not one of %s", t, joinTypes(EntityTypes))
		}
	}
	return ps
}

// AllowsSubject reports whether an entity of type t may be the subject.
func (p *Predicate) AllowsSubject(t EntityType) bool { return slices.Contains(p.SubjectTypes, t) }

// AllowsObject reports whether an entity of type t may be the object.
func (p *Predicate) AllowsObject(t EntityType) bool { return slices.Contains(p.ObjectTypes, t) }

func joinTypes(ts []EntityType) string {
	s := make([]string, len(ts))
	for i, t := range ts {
		s[i] = string(t)
	}
	return strings.Join(s, ", ")
}

func joinApprox() string {
	s := make([]string, len(Approximations))
	for i, a := range Approximations {
		s[i] = string(a)
	}
	return strings.Join(s, ", ")
}

// SortedTypes returns the types sorted in the order of EntityTypes.
func SortedTypes(ts []EntityType) []EntityType {
	out := append([]EntityType(nil), ts...)
	order := map[EntityType]int{}
	for i, t := range EntityTypes {
		order[t] = i
	}
	sort.SliceStable(out, func(i, j int) bool { return order[out[i]] < order[out[j]] })
	return out
}
