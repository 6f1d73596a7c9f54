package graph

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
)

// SourceChange adds a source record or corrects one: for a record that
// exists, empty fields keep their stored value. A record without an id is
// matched by its URL (or given a derived id, DeriveSourceID).
type SourceChange struct {
	Where  string
	Source SourceRecord
}

// SourceRetraction takes back a source: every relation that only it
// supports is retracted, its citations are taken from the relations that
// other sources support too, and the record is removed.
type SourceRetraction struct {
	Where string
	ID    string
}

// SourceWrite is the old and new state of a source record; New is nil for a
// retraction.
type SourceWrite struct{ Old, New *SourceRecord }

// sourcePlan is what planning a changeset knows of source records: those
// it writes, and what it looked up in the view (a million citations of one
// URL look it up once).
type sourcePlan struct {
	writes map[string]*sourceState // id -> the record's write
	order  []string                // ids of writes in first-seen order
	byURL  map[string]string       // URL -> id, of the writes and of the view ("" for none)
	// byTitle: title -> the id of the record a citation naming its source
	// by title alone cites (a million citations of one title derive it once)
	byTitle map[string]string
	stored  map[string]*SourceRecord
}

type sourceState struct {
	SourceWrite
	where string
}

func (s *sourcePlan) init() {
	if s.writes == nil {
		s.writes, s.byURL, s.stored = map[string]*sourceState{}, map[string]string{}, map[string]*SourceRecord{}
		s.byTitle = map[string]string{}
	}
}

// storedSource reads a record from the view (nil if absent or the view
// holds none), once.
func (p *planner) storedSource(id string) (*SourceRecord, error) {
	p.sources.init()
	if rec, ok := p.sources.stored[id]; ok {
		return rec, nil
	}
	var rec *SourceRecord
	if v, ok := p.view.(SourceView); ok {
		var err error
		if rec, err = v.SourceRecord(id); err != nil {
			return nil, err
		}
	}
	p.sources.stored[id] = rec
	return rec, nil
}

// sourceRecord is a record as this changeset leaves it: its write, or the
// stored one.
func (p *planner) sourceRecord(id string) (*SourceRecord, error) {
	p.sources.init()
	if w, ok := p.sources.writes[id]; ok {
		return w.New, nil
	}
	return p.storedSource(id)
}

// sourceIDByURL is the id of the record with the URL, in this changeset or
// the view; "" for none.
func (p *planner) sourceIDByURL(url string) (string, error) {
	p.sources.init()
	if id, ok := p.sources.byURL[url]; ok {
		return id, nil
	}
	id := ""
	if v, ok := p.view.(SourceView); ok {
		var err error
		if id, err = v.SourceIDByURL(url); err != nil {
			return "", err
		}
	}
	p.sources.byURL[url] = id
	return id, nil
}

// sourceRecords plans the records a changeset states.
func (p *planner) sourceRecords(changes []SourceChange) error {
	p.sources.init()
	for _, sc := range changes {
		in := sc.Source
		var ps Problems
		byURL := ""
		if in.URL != "" {
			var err error
			if byURL, err = p.sourceIDByURL(in.URL); err != nil {
				return err
			}
		}
		switch {
		case in.ID == "" && byURL != "":
			in.ID = byURL
		case in.ID == "" && (in.URL != "" || in.Title != ""):
			in.ID = DeriveSourceID(in.Title, in.URL)
		case byURL != "" && byURL != in.ID:
			where := "the store"
			if w, ok := p.sources.writes[byURL]; ok {
				where = w.where
			}
			ps.Add("url", "%q is the url of source %s (at %s): one source, one record; cite %s, or give this one its own url", in.URL, byURL, where, byURL)
		}
		if w, dup := p.sources.writes[in.ID]; dup && in.ID != "" {
			ps.Add("id", "duplicate source %q (first stated at %s)", in.ID, w.where)
		}
		if len(ps) > 0 {
			p.fail(sc.Where, ps)
			continue
		}
		old, err := p.storedSource(in.ID)
		if err != nil {
			return err
		}
		merged := in.Merge(old)
		if old != nil && old.URL != "" && merged.URL != old.URL {
			// the record moves to another URL: the old one no longer names it
			p.sources.byURL[old.URL] = ""
		}
		if ps = merged.Validate(); len(ps) > 0 {
			p.fail(sc.Where, ps)
			continue
		}
		p.addSourceWrite(&sourceState{SourceWrite: SourceWrite{Old: old, New: &merged}, where: sc.Where})
	}
	return nil
}

func (p *planner) addSourceWrite(w *sourceState) {
	p.sources.writes[w.New.ID] = w
	p.sources.order = append(p.sources.order, w.New.ID)
	if w.New.URL != "" {
		p.sources.byURL[w.New.URL] = w.New.ID
	}
	s := &p.plan.Summary
	switch {
	case w.Old == nil:
		s.SourcesAdded++
	case w.Old.Equal(w.New):
		s.SourcesUnchanged++
	default:
		s.SourcesUpdated++
	}
}

// cite turns the relation's citations into citations of records: one that
// names a record by id must name one that exists; one that names its source
// inline, by URL or title, cites the record with that URL (or the record
// made of it). A stored citation holds the record's id, the quote and the
// section; the title and URL are the record's. The relation's sources are
// copied before they change: they may be the caller's.
func (p *planner) cite(r *Relation, ps *Problems) error {
	copied := false
	for i := range r.Sources {
		s := r.Sources[i]
		if s.URL == "" && s.Title == "" {
			if s.SourceID != "" {
				rec, err := p.sourceRecord(s.SourceID)
				if err != nil {
					return err
				}
				if rec == nil {
					ps.Add("sources["+strconv.Itoa(i)+"].source", "unknown source %q: no source record has this id%s", s.SourceID, p.suggestSources(s.SourceID))
				}
			}
			continue
		}
		at := "sources[" + strconv.Itoa(i) + "]."
		id, err := p.citedRecord(s, at, ps)
		if err != nil {
			return err
		}
		if id == "" {
			continue
		}
		if !copied {
			r.Sources, copied = slices.Clone(r.Sources), true
		}
		r.Sources[i].SourceID, r.Sources[i].Title, r.Sources[i].URL = id, "", ""
	}
	if copied && len(r.Sources) > 1 {
		// two inline citations of one record with one quote are one citation
		merged := r.Sources[:0:0]
		for _, s := range r.Sources {
			if !slices.Contains(merged, s) {
				merged = append(merged, s)
			}
		}
		r.Sources = merged
	}
	return nil
}

// citedRecord is the id of the record a citation with a title or URL
// cites, made if there is none; "" with a problem added if it cannot be.
func (p *planner) citedRecord(s Source, at string, ps *Problems) (string, error) {
	if s.SourceID != "" {
		rec, err := p.sourceRecord(s.SourceID)
		if err != nil {
			return "", err
		}
		switch {
		case rec == nil:
			ps.Add(at+"source", "unknown source %q: no source record has this id%s", s.SourceID, p.suggestSources(s.SourceID))
			return "", nil
		case s.URL != "" && rec.URL != "" && s.URL != rec.URL:
			ps.Add(at+"url", "%q is not the url of source %s (%q): leave the url to the record", s.URL, s.SourceID, rec.URL)
			return "", nil
		}
		return s.SourceID, nil
	}
	if s.URL != "" {
		id, err := p.sourceIDByURL(s.URL)
		if id != "" || err != nil {
			return id, err
		}
	} else if id, ok := p.sources.byTitle[s.Title]; ok {
		return id, nil
	}
	id := DeriveSourceID(s.Title, s.URL)
	rec, err := p.sourceRecord(id)
	if err != nil {
		return "", err
	}
	if rec != nil {
		if s.URL != "" && rec.URL != s.URL {
			ps.Add(at+"url", "the source record %s that this url would make exists with another url (%q); give the record an id of your own", id, rec.URL)
			return "", nil
		}
	} else {
		made := &SourceRecord{ID: id, Title: s.Title, URL: s.URL}
		p.addSourceWrite(&sourceState{SourceWrite: SourceWrite{New: made}, where: "a citation"})
	}
	if s.URL == "" {
		p.sources.byTitle[s.Title] = id
	}
	return id, nil
}

// SourceSuggester is a View that can offer the stored source records
// nearest a mistyped id.
type SourceSuggester interface {
	SuggestSources(id string, n int) ([]string, error)
}

// NearSourceID reports whether have is near enough id to suggest it.
func NearSourceID(have, id string) bool { return editDistance(have, id) <= max(2, len(id)/4) }

// suggestSources offers the ids of records, in the changeset or stored,
// near a mistyped one.
func (p *planner) suggestSources(id string) string {
	var near []string
	for _, have := range p.sources.order {
		if NearSourceID(have, id) {
			near = append(near, have)
		}
	}
	if s, ok := p.view.(SourceSuggester); ok {
		if stored, err := s.SuggestSources(id, 3); err == nil {
			for _, have := range stored {
				if !slices.Contains(near, have) {
					near = append(near, have)
				}
			}
		}
	}
	sort.Strings(near)
	if len(near) > 3 {
		near = near[:3]
	}
	return didYouMean(near)
}

// retractSource plans taking back a source (SourceRetraction).
func (p *planner) retractSource(sr SourceRetraction) error {
	var ps Problems
	if w, ok := p.sources.writes[sr.ID]; ok {
		ps.Add("source", "source %s is both stated (at %s) and retracted", sr.ID, w.where)
		p.fail(sr.Where, ps)
		return nil
	}
	rec, err := p.storedSource(sr.ID)
	if err != nil {
		return err
	}
	v, ok := p.view.(SourceView)
	if rec == nil || !ok {
		ps.Add("source", "unknown source %q: no source record has this id", sr.ID)
		p.fail(sr.Where, ps)
		return nil
	}
	ids, err := v.CitingRelationIDs(sr.ID)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if w, ok := p.relations[id]; ok {
			ps.Add("source", "relation %s, which source %s supports, is also written at %s: write one or the other", id, sr.ID, w.where)
			continue
		}
		old, err := p.view.Relation(id)
		if err != nil {
			return err
		}
		if old == nil {
			continue
		}
		w := &relationState{RelationWrite: RelationWrite{Old: old}, where: sr.Where}
		kept := make([]Source, 0, len(old.Sources))
		for _, s := range old.Sources {
			if s.SourceID != sr.ID {
				kept = append(kept, s)
			}
		}
		if len(kept) > 0 {
			nr := *old
			nr.Sources = kept
			w.New = &nr
		}
		p.relations[id] = w
		p.order = append(p.order, id)
		p.recount(-1, &w.RelationWrite)
	}
	if len(ps) > 0 {
		p.fail(sr.Where, ps)
		return nil
	}
	p.sources.writes[sr.ID] = &sourceState{SourceWrite: SourceWrite{Old: rec}, where: sr.Where}
	p.sources.order = append(p.sources.order, sr.ID)
	p.plan.Summary.SourcesRetracted++
	return nil
}

// finishSources lists the records' writes in the plan, in first-seen
// order, leaving out those that change nothing. It may run again once more
// relations are planned (RelationStream.Finish).
func (p *planner) finishSources() {
	p.plan.Sources = p.plan.Sources[:0]
	for _, id := range p.sources.order {
		w := p.sources.writes[id]
		if w.Old != nil && w.New != nil && w.Old.Equal(w.New) {
			continue
		}
		p.plan.Sources = append(p.plan.Sources, w.SourceWrite)
	}
}

// sourcesPart is what Summary.String says of source records: nothing when
// the write touched none.
func (s Summary) sourcesPart() string {
	if s.SourcesAdded+s.SourcesUpdated+s.SourcesUnchanged+s.SourcesRetracted == 0 {
		return ""
	}
	return fmt.Sprintf("; sources: %d added, %d updated, %d unchanged, %d retracted",
		s.SourcesAdded, s.SourcesUpdated, s.SourcesUnchanged, s.SourcesRetracted)
}

// sourceChanges are the diff lines of the plan's source records.
func (p *Plan) sourceChanges() []Change {
	var out []Change
	for _, w := range p.Sources {
		switch {
		case w.New == nil:
			out = append(out, Change{Op: "retract", Kind: "source", ID: w.Old.ID, About: w.Old.Title})
		case w.Old == nil:
			out = append(out, Change{Op: "add", Kind: "source", ID: w.New.ID, About: w.New.Title})
		case !w.Old.Equal(w.New):
			out = append(out, Change{Op: "change", Kind: "source", ID: w.New.ID, About: w.New.Title, Fields: sourceDiff(w.Old, w.New)})
		}
	}
	return out
}

func sourceDiff(a, b *SourceRecord) []string {
	var f []string
	changed(&f, "title", a.Title, b.Title)
	changed(&f, "publisher", a.Publisher, b.Publisher)
	changed(&f, "author", a.Author, b.Author)
	changed(&f, "published", a.Published, b.Published)
	changed(&f, "retrieved", a.Retrieved, b.Retrieved)
	changed(&f, "url", a.URL, b.URL)
	changed(&f, "language", a.Language, b.Language)
	changed(&f, "kind", a.Kind, b.Kind)
	changed(&f, "note", a.Note, b.Note)
	if len(f) == 0 {
		f = append(f, "changed")
	}
	return f
}

// citationLabel names a citation in a diff: its record and quote.
func citationLabel(s Source) string {
	if s.SourceID == "" {
		return s.Quote
	}
	return s.SourceID + ": " + s.Quote
}
