package native

import (
	"bytes"
	"fmt"
	"io"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/emigraph/emigraph/graph"
	"github.com/emigraph/emigraph/seed/format"
)

// nativeDoc is the native fact format: YAML with up to six lists. Defaults
// at the top fill in every citation that leaves them out: section, and the
// source cited, by record id (source) or inline (title, url: the record
// with that url, or one made of them). sources lists source records.
type nativeDoc struct {
	Section    string               `yaml:"section,omitempty"`
	Source     string               `yaml:"source,omitempty"`
	Title      string               `yaml:"title,omitempty"`
	URL        string               `yaml:"url,omitempty"`
	Sources    []graph.SourceRecord `yaml:"sources,omitempty"`
	Predicates []graph.Predicate    `yaml:"predicates,omitempty"`
	Entities   []nativeEntity       `yaml:"entities,omitempty"`
	Relations  []nativeRelation     `yaml:"relations,omitempty"`
	Retract    []nativeRelation     `yaml:"retract,omitempty"`
}

type nativeEntity struct {
	graph.Entity  `yaml:",inline"`
	RemoveAliases []string `yaml:"removeAliases,omitempty"`
}

// nativeRelation is a relation with a one-source shorthand: `quote:` (with
// optional `section:`) instead of a `sources:` list.
type nativeRelation struct {
	ID        string          `yaml:"id,omitempty"`
	Subject   string          `yaml:"subject,omitempty"`
	Predicate string          `yaml:"predicate,omitempty"`
	Object    string          `yaml:"object,omitempty"`
	Date      string          `yaml:"date,omitempty"`
	EndDate   string          `yaml:"endDate,omitempty"`
	Timing    graph.Timing    `yaml:"timing,omitempty"`
	Quantity  *graph.Quantity `yaml:"quantity,omitempty"`
	Hedges    []graph.Hedge   `yaml:"hedges,omitempty,flow"`
	Note      string          `yaml:"note,omitempty"`
	Source    string          `yaml:"source,omitempty"`
	Quote     string          `yaml:"quote,omitempty"`
	Section   string          `yaml:"section,omitempty"`
	Sources   []graph.Source  `yaml:"sources,omitempty"`
}

var (
	docKeys       = format.KeySet("section", "source", "title", "url", "sources", "predicates", "entities", "relations", "retract")
	recordKeys    = format.KeySet("id", "title", "publisher", "author", "published", "retrieved", "url", "language", "kind", "note")
	predicateKeys = format.KeySet("id", "label", "inverseLabel", "subjectTypes", "objectTypes", "objectOptional", "description", "broader")
	entityKeys    = format.KeySet("id", "name", "type", "aliases", "description", "removeAliases")
	relationKeys  = format.KeySet("id", "subject", "predicate", "object", "date", "endDate", "timing", "quantity", "hedges", "note", "source", "quote", "section", "sources")
	quantityKeys  = format.KeySet("amount", "lowerBound", "upperBound", "unit", "approximation")
	sourceKeys    = format.KeySet("source", "quote", "section", "title", "url")
)

// Parse reads the native YAML fact format. name is used in error
// positions ("seed/facts/georgia.yaml:12").
func Parse(name string, r io.Reader) (*graph.Changeset, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if err := cutOff(name, data); err != nil {
		return nil, err
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		line, msg := yamlProblem(data, err)
		where := name
		if line > 0 {
			where = fmt.Sprintf("%s:%d", name, line)
		}
		return nil, &graph.ValidationError{Items: []graph.ItemError{{Where: where, Problems: graph.Problems{{Field: "yaml", Message: msg}}}}}
	}
	c := &graph.Changeset{}
	if len(root.Content) == 0 {
		return c, nil // an empty file states nothing
	}
	doc := root.Content[0]
	p := &parser{name: name}
	if doc.Kind != yaml.MappingNode {
		p.fail(doc, "document", "expected a mapping with keys %s", docKeys)
		return nil, &graph.ValidationError{Items: p.failed}
	}
	if !p.checkKeys(doc, docKeys, "document") {
		return nil, &graph.ValidationError{Items: p.failed}
	}
	list := p.readDocument(doc)
	p.items(c, list)
	if len(p.failed) > 0 {
		return nil, &graph.ValidationError{Items: p.failed}
	}
	return c, nil
}

// parser is the state of one Parse.
type parser struct {
	name   string
	failed []graph.ItemError
	// doc holds the document's section, title and url, which its sources
	// take unless they give their own
	doc nativeDoc
}

func (p *parser) where(n *yaml.Node) string { return fmt.Sprintf("%s:%d", p.name, n.Line) }

func (p *parser) fail(n *yaml.Node, field, format string, args ...any) {
	p.failed = append(p.failed, graph.ItemError{Where: p.where(n), Problems: graph.Problems{{Field: field, Message: fmt.Sprintf(format, args...)}}})
}

// checkKeys reports the fields of a mapping that what does not have, and
// those of a relation's quantity and sources.
func (p *parser) checkKeys(n *yaml.Node, allowed format.Keys, what string) bool {
	if n.Kind != yaml.MappingNode {
		p.fail(n, what, "expected a mapping")
		return false
	}
	ok := true
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		if !allowed[k.Value] {
			p.fail(k, what+"."+k.Value, "unknown field (known: %s)", allowed)
			ok = false
		}
		if what == "relation" && k.Value == "quantity" {
			ok = checkNested(n.Content[i+1], quantityKeys, "quantity", p.fail) && ok
		}
		if what == "relation" && k.Value == "sources" && n.Content[i+1].Kind == yaml.SequenceNode {
			for _, s := range n.Content[i+1].Content {
				ok = checkNested(s, sourceKeys, "sources", p.fail) && ok
			}
		}
	}
	return ok
}

// readDocument reads the document's section, title and url, and returns
// its lists (predicates, entities, relations, retract) by key.
func (p *parser) readDocument(doc *yaml.Node) map[string]*yaml.Node {
	list := map[string]*yaml.Node{}
	for i := 0; i+1 < len(doc.Content); i += 2 {
		k, v := doc.Content[i], doc.Content[i+1]
		switch k.Value {
		case "section", "source", "title", "url":
			if v.Kind != yaml.ScalarNode {
				p.fail(v, k.Value, "expected text")
				continue
			}
			*map[string]*string{"section": &p.doc.Section, "source": &p.doc.Source, "title": &p.doc.Title, "url": &p.doc.URL}[k.Value] = v.Value
		default:
			if v.Kind != yaml.SequenceNode && !(v.Kind == yaml.ScalarNode && v.Tag == "!!null") {
				p.fail(v, k.Value, "expected a list")
				continue
			}
			list[k.Value] = v
		}
	}
	return list
}

// decode checks the fields of an item, then decodes it into into.
func (p *parser) decode(n *yaml.Node, allowed format.Keys, what string, into any) bool {
	if !p.checkKeys(n, allowed, what) {
		return false
	}
	if err := n.Decode(into); err != nil {
		p.fail(n, what, "%s", yamlDecodeMessage(err))
		return false
	}
	return true
}

// items decodes the items of each list into c, in the order predicates,
// entities, relations, retractions.
func (p *parser) items(c *graph.Changeset, list map[string]*yaml.Node) {
	for _, item := range contentOf(list["sources"]) {
		var rec graph.SourceRecord
		if p.decode(item, recordKeys, "source", &rec) {
			c.Sources = append(c.Sources, graph.SourceChange{Where: p.where(item), Source: rec})
		}
	}
	for _, item := range contentOf(list["predicates"]) {
		var pr graph.Predicate
		if p.decode(item, predicateKeys, "predicate", &pr) {
			c.Predicates = append(c.Predicates, graph.PredicateChange{Where: p.where(item), Predicate: pr})
		}
	}
	for _, item := range contentOf(list["entities"]) {
		var e nativeEntity
		if p.decode(item, entityKeys, "entity", &e) {
			c.Entities = append(c.Entities, graph.EntityChange{Where: p.where(item), Entity: e.Entity, RemoveAliases: e.RemoveAliases})
		}
	}
	for _, item := range contentOf(list["relations"]) {
		var nr nativeRelation
		if p.decode(item, relationKeys, "relation", &nr) {
			c.Relations = append(c.Relations, graph.RelationChange{Where: p.where(item), Relation: p.toRelation(nr)})
		}
	}
	for _, item := range contentOf(list["retract"]) {
		var nr nativeRelation
		if p.decode(item, relationKeys, "relation", &nr) {
			c.Retractions = append(c.Retractions, graph.Retraction{Where: p.where(item), Relation: p.toRelation(nr)})
		}
	}
}

// contentOf is the items of a list node (none for a missing list).
func contentOf(n *yaml.Node) []*yaml.Node {
	if n == nil {
		return nil
	}
	return n.Content
}

// toRelation makes a relation of a native one: its quote and section are
// its first source, and its sources take the document's section, title and
// url unless they give their own.
func (p *parser) toRelation(nr nativeRelation) graph.Relation {
	r := graph.Relation{ID: nr.ID, Subject: nr.Subject, Predicate: nr.Predicate, Object: nr.Object,
		Date: nr.Date, EndDate: nr.EndDate, Timing: nr.Timing, Quantity: nr.Quantity, Hedges: nr.Hedges, Note: nr.Note, Sources: nr.Sources}
	if nr.Quote != "" {
		r.Sources = append([]graph.Source{{SourceID: nr.Source, Quote: nr.Quote, Section: nr.Section}}, r.Sources...)
	}
	for i := range r.Sources {
		s := &r.Sources[i]
		s.Quote = strings.TrimSpace(s.Quote)
		if s.Section == "" {
			s.Section = p.doc.Section
		}
		switch {
		case s.SourceID != "": // it names its record
		case s.Title == "" && s.URL == "" && p.doc.Source != "":
			s.SourceID = p.doc.Source
		default:
			if s.Title == "" {
				s.Title = p.doc.Title
			}
			if s.URL == "" {
				s.URL = p.doc.URL
			}
		}
	}
	return r
}

// cutOff refuses a file whose last line has something on it and no newline:
// a download or copy cut off there would otherwise load a plain value cut
// short ("quote: Russians fled to Geo") as if it were whole. White space
// after the last newline is allowed; an empty file states nothing.
func cutOff(name string, data []byte) error {
	last := data[bytes.LastIndexByte(data, '\n')+1:]
	if len(bytes.Trim(last, " \t\r")) == 0 {
		return nil
	}
	line := bytes.Count(data, []byte{'\n'}) + 1
	return &graph.ValidationError{Items: []graph.ItemError{{Where: fmt.Sprintf("%s:%d", name, line), Problems: graph.Problems{{Field: "file",
		Message: "ends in the middle of a line (the last line has no newline): was it cut off? If the file is whole, end it with a newline"}}}}}
}

func checkNested(n *yaml.Node, allowed format.Keys, what string, fail func(*yaml.Node, string, string, ...any)) bool {
	if n.Kind != yaml.MappingNode {
		fail(n, what, "expected a mapping")
		return false
	}
	ok := true
	for i := 0; i+1 < len(n.Content); i += 2 {
		if k := n.Content[i]; !allowed[k.Value] {
			fail(k, what+"."+k.Value, "unknown field (known: %s)", allowed)
			ok = false
		}
	}
	return ok
}

// yamlProblem locates a YAML syntax error and says how to fix the common
// ones. The YAML library reports some errors at the line where the block
// around them began (a bad indent on line 17 reported at line 11), so the
// line is found again: the first prefix of the file, cut after a whole line,
// that fails with the same message (a prefix of good YAML is good YAML, so
// the search halves the file each step).
func yamlProblem(data []byte, err error) (int, string) {
	reported, msg := splitYAMLError(err)
	var ends []int // the offset after each line
	for i, c := range data {
		if c == '\n' {
			ends = append(ends, i+1)
		}
	}
	if len(data) > 0 && data[len(data)-1] != '\n' {
		ends = append(ends, len(data))
	}
	failsAt := func(k int) bool { // the first k lines fail as the file does
		var n yaml.Node
		e := yaml.Unmarshal(data[:ends[k-1]], &n)
		if e == nil {
			return false
		}
		_, m := splitYAMLError(e)
		return m == msg
	}
	line := reported
	if lo, hi := 1, len(ends); hi > 0 && failsAt(hi) {
		for lo < hi {
			mid := (lo + hi) / 2
			if failsAt(mid) {
				hi = mid
			} else {
				lo = mid + 1
			}
		}
		line = lo
	}
	text := ""
	if line > 0 && line <= len(ends) {
		start := 0
		if line > 1 {
			start = ends[line-2]
		}
		text = string(data[start:ends[line-1]])
	}
	switch {
	case strings.Contains(text, "\t") && strings.TrimLeft(text, " \t") != strings.TrimLeft(text, " "):
		msg += ": YAML does not allow tabs for indentation; indent with spaces"
	case strings.Contains(msg, "mapping values are not allowed"):
		msg += ": a value that contains \": \" must be quoted, as in quote: 'He said: \"we left\"' (double any ' inside)"
	case strings.Contains(msg, "did not find expected") || strings.Contains(msg, "found character that cannot start any token"):
		msg += ": check the indentation of this line against the lines above it (the items of a list and the keys of an item line up)"
	}
	return line, msg
}

// splitYAMLError splits "yaml: line 3: message" into 3 and "message".
func splitYAMLError(err error) (int, string) {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	line := 0
	if strings.HasPrefix(msg, "line ") {
		fmt.Sscanf(msg[5:], "%d", &line)
		if j := strings.Index(msg, ": "); j > 0 {
			msg = msg[j+2:]
		}
	}
	return line, msg
}

// Write writes a changeset in the native format, in the order given.
// Sources are written out in full, so the output needs no defaults.
func Write(w io.Writer, c *graph.Changeset) error {
	var d nativeDoc
	for _, s := range c.Sources {
		d.Sources = append(d.Sources, s.Source)
	}
	for _, p := range c.Predicates {
		d.Predicates = append(d.Predicates, p.Predicate)
	}
	for _, e := range c.Entities {
		d.Entities = append(d.Entities, nativeEntity{Entity: e.Entity, RemoveAliases: e.RemoveAliases})
	}
	toNative := func(rel graph.Relation) nativeRelation {
		return nativeRelation{ID: rel.ID, Subject: rel.Subject, Predicate: rel.Predicate,
			Object: rel.Object, Date: rel.Date, EndDate: rel.EndDate, Timing: rel.Timing, Quantity: rel.Quantity, Hedges: rel.Hedges, Note: rel.Note, Sources: rel.Sources}
	}
	for _, r := range c.Relations {
		d.Relations = append(d.Relations, toNative(r.Relation))
	}
	for _, r := range c.Retractions {
		d.Retract = append(d.Retract, toNative(r.Relation))
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(&d); err != nil {
		return err
	}
	if err := enc.Close(); err != nil {
		return err
	}
	_, err := w.Write(buf.Bytes())
	return err
}

// Format is the native format, for the registry.
var Format = format.Format{Name: "native", Title: "native YAML", MediaType: "application/yaml", Extensions: []string{".yaml", ".yml"}, Parse: Parse, Write: Write}

// yamlDecodeMessage is a decoding error without the library's prefixes.
func yamlDecodeMessage(err error) string {
	_, msg := splitYAMLError(err)
	return msg
}
