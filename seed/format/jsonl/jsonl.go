package jsonl

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"

	"github.com/emigraph/emigraph/graph"
	"github.com/emigraph/emigraph/seed/format"
)

// The JSON Lines records. Field names are those of the graph types; "kind"
// says what a line is.
type (
	jsonlPredicate struct {
		Kind           string             `json:"kind"`
		ID             string             `json:"id,omitempty"`
		Label          string             `json:"label,omitempty"`
		InverseLabel   string             `json:"inverseLabel,omitempty"`
		SubjectTypes   []graph.EntityType `json:"subjectTypes,omitempty"`
		ObjectTypes    []graph.EntityType `json:"objectTypes,omitempty"`
		ObjectOptional bool               `json:"objectOptional,omitempty"`
		Description    string             `json:"description,omitempty"`
		Broader        string             `json:"broader,omitempty"`
	}
	jsonlEntity struct {
		Kind          string           `json:"kind"`
		ID            string           `json:"id,omitempty"`
		Name          string           `json:"name,omitempty"`
		Type          graph.EntityType `json:"type,omitempty"`
		Aliases       []string         `json:"aliases,omitempty"`
		Description   string           `json:"description,omitempty"`
		RemoveAliases []string         `json:"removeAliases,omitempty"`
	}
	jsonlRelation struct {
		Kind      string         `json:"kind"`
		ID        string         `json:"id,omitempty"`
		Subject   string         `json:"subject,omitempty"`
		Predicate string         `json:"predicate,omitempty"`
		Object    string         `json:"object,omitempty"`
		Date      string         `json:"date,omitempty"`
		EndDate   string         `json:"endDate,omitempty"`
		Timing    graph.Timing   `json:"timing,omitempty"`
		Quantity  *jsonlQuantity `json:"quantity,omitempty"`
		Hedges    []graph.Hedge  `json:"hedges,omitempty"`
		Note      string         `json:"note,omitempty"`
		Sources   []graph.Source `json:"sources,omitempty"`
	}
	// jsonlSource is a source record: its fields are nested under
	// "source", since a record has a "kind" of its own.
	jsonlSource struct {
		Kind   string              `json:"kind"`
		Source *graph.SourceRecord `json:"source"`
	}
	jsonlQuantity struct {
		Amount        *float64            `json:"amount"`
		LowerBound    *float64            `json:"lowerBound,omitempty"`
		UpperBound    *float64            `json:"upperBound,omitempty"`
		Unit          string              `json:"unit,omitempty"`
		Approximation graph.Approximation `json:"approximation,omitempty"`
	}
)

var (
	jsonlKinds          = []string{"source", "predicate", "entity", "relation", "retract"}
	jsonlRecordKeys     = jsonKeys(graph.SourceRecord{})
	jsonlPredicateKeys  = jsonKeys(jsonlPredicate{})
	jsonlEntityKeys     = jsonKeys(jsonlEntity{})
	jsonlRelationKeys   = jsonKeys(jsonlRelation{})
	jsonlQuantityKeys   = jsonKeys(jsonlQuantity{})
	jsonlSourceKeys     = jsonKeys(graph.Source{})
	jsonlKeysOfKind     = map[string]format.Keys{"source": jsonKeys(jsonlSource{}), "predicate": jsonlPredicateKeys, "entity": jsonlEntityKeys, "relation": jsonlRelationKeys, "retract": jsonlRelationKeys}
	errJSONLNotAnObject = errors.New("expected a JSON object")
)

// jsonKeys lists the JSON field names of a struct.
func jsonKeys(v any) format.Keys {
	m := format.Keys{}
	t := reflect.TypeOf(v)
	for i := 0; i < t.NumField(); i++ {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		m[name] = true
	}
	return m
}

// Parse reads JSON Lines (the package documentation describes the
// records). name is used in error positions ("facts.jsonl:12").
func Parse(name string, r io.Reader) (*graph.Changeset, error) {
	var data []byte
	var err error
	if sized, ok := r.(interface{ Len() int }); ok {
		// one allocation of the right size, not a slice grown by doubling
		data = make([]byte, sized.Len())
		_, err = io.ReadFull(r, data)
	} else {
		data, err = io.ReadAll(r)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return ParseData(name, data)
}

// jsonlLine holds any line: json.Unmarshal fills it in one pass, and the
// keys of the line, checked beforehand against its kind, say which fields
// count.
type jsonlLine struct {
	Kind           string              `json:"kind"`
	ID             string              `json:"id"`
	Name           string              `json:"name"`
	Type           graph.EntityType    `json:"type"`
	Aliases        []string            `json:"aliases"`
	RemoveAliases  []string            `json:"removeAliases"`
	Description    string              `json:"description"`
	Label          string              `json:"label"`
	InverseLabel   string              `json:"inverseLabel"`
	SubjectTypes   []graph.EntityType  `json:"subjectTypes"`
	ObjectTypes    []graph.EntityType  `json:"objectTypes"`
	ObjectOptional bool                `json:"objectOptional"`
	Broader        string              `json:"broader"`
	Subject        string              `json:"subject"`
	Predicate      string              `json:"predicate"`
	Object         string              `json:"object"`
	Date           string              `json:"date"`
	EndDate        string              `json:"endDate"`
	Timing         graph.Timing        `json:"timing"`
	Quantity       *jsonlQuantity      `json:"quantity"`
	Hedges         []graph.Hedge       `json:"hedges"`
	Note           string              `json:"note"`
	Sources        []graph.Source      `json:"sources"`
	Source         *graph.SourceRecord `json:"source"`
}

func parseJSONLine(c *graph.Changeset, line []byte, where string, probs *format.Problems) {
	var l jsonlLine
	decodeErr := json.Unmarshal(line, &l)
	var syn *json.SyntaxError
	if errors.As(decodeErr, &syn) {
		field, msg := jsonProblem(decodeErr, nil)
		probs.Add(where, field, "%s", msg)
		return
	}
	// The JSON is well formed: check its keys, exactly (encoding/json
	// matches names ignoring case, and does not say where a nested unknown
	// field is).
	sc := jsonKeyScan{b: line}
	sc.ws()
	if sc.i >= len(line) || line[sc.i] != '{' {
		err := decodeErr
		if err == nil {
			err = errJSONLNotAnObject
		}
		field, msg := jsonProblem(err, nil)
		probs.Add(where, field, "%s", msg)
		return
	}
	sc.value("", true)
	hasKind := false
	for _, k := range sc.keys {
		if k.path == "" && string(k.name) == "kind" {
			hasKind = true
		}
	}
	var typ *json.UnmarshalTypeError
	switch {
	case !hasKind:
		probs.Add(where, "kind", "is required: one of %s", strings.Join(jsonlKinds, ", "))
		return
	case errors.As(decodeErr, &typ) && typ.Field == "kind":
		probs.Add(where, "kind", "expected a string: one of %s", strings.Join(jsonlKinds, ", "))
		return
	}
	kind := l.Kind
	allowed, ok := jsonlKeysOfKind[kind]
	if !ok {
		probs.Add(where, "kind", "%q is not one of %s", kind, strings.Join(jsonlKinds, ", "))
		return
	}
	bad := false
	for _, k := range sc.keys {
		known := allowed
		switch {
		case k.path == "":
		case k.path == "quantity." && allowed["quantity"]:
			known = jsonlQuantityKeys
		case strings.HasPrefix(k.path, "sources[") && allowed["sources"]:
			known = jsonlSourceKeys
		case k.path == "source." && allowed["source"]:
			known = jsonlRecordKeys
		default:
			continue
		}
		if !known[string(k.name)] {
			probs.Add(where, k.path+string(k.name), "unknown field (known: %s)", known)
			bad = true
		}
	}
	if bad {
		return
	}
	if decodeErr != nil {
		field, msg := jsonProblem(decodeErr, allowed)
		probs.Add(where, field, "%s", msg)
		return
	}
	emitJSONL(c, &l, where, probs)
}

// emitJSONL adds a decoded line of a known kind to the changeset, or its
// problems to probs.
func emitJSONL(c *graph.Changeset, l *jsonlLine, where string, probs *format.Problems) {
	switch kind := l.Kind; kind {
	case "source":
		if l.Source == nil {
			probs.Add(where, "source", "is required: the record, as an object")
			return
		}
		c.Sources = append(c.Sources, graph.SourceChange{Where: where, Source: *l.Source})
	case "predicate":
		c.Predicates = append(c.Predicates, graph.PredicateChange{Where: where, Predicate: graph.Predicate{ID: l.ID, Label: l.Label,
			InverseLabel: l.InverseLabel, SubjectTypes: format.NilIfEmpty(l.SubjectTypes), ObjectTypes: format.NilIfEmpty(l.ObjectTypes),
			ObjectOptional: l.ObjectOptional, Description: l.Description, Broader: l.Broader}})
	case "entity":
		c.Entities = append(c.Entities, graph.EntityChange{Where: where, Entity: graph.Entity{ID: l.ID, Name: l.Name, Type: l.Type,
			Aliases: format.NilIfEmpty(l.Aliases), Description: l.Description}, RemoveAliases: format.NilIfEmpty(l.RemoveAliases)})
	case "relation", "retract":
		r := graph.Relation{ID: l.ID, Subject: l.Subject, Predicate: l.Predicate, Object: l.Object, Date: l.Date,
			EndDate: l.EndDate, Timing: l.Timing, Hedges: format.NilIfEmpty(l.Hedges), Note: l.Note, Sources: format.NilIfEmpty(l.Sources)}
		ok := true
		if q := l.Quantity; q != nil {
			if q.Amount == nil {
				probs.Add(where, "quantity.amount", "is required in a quantity")
				ok = false
			} else {
				r.Quantity = &graph.Quantity{Amount: *q.Amount, LowerBound: q.LowerBound, UpperBound: q.UpperBound, Unit: q.Unit, Approximation: q.Approximation}
			}
		}
		switch {
		case !ok:
		case kind == "retract":
			c.Retractions = append(c.Retractions, graph.Retraction{Where: where, Relation: r})
		default:
			c.Relations = append(c.Relations, graph.RelationChange{Where: where, Relation: r})
		}
	}
}

// jsonKeyScan lists the keys of well-formed JSON: those of the top object
// and, under quantity and sources, those of the objects there, each with its
// path ("", "quantity.", "sources[1].").
type jsonKeyScan struct {
	b    []byte
	i    int
	keys []jsonKey
}

type jsonKey struct {
	path string
	name []byte // unescaped
}

func (s *jsonKeyScan) ws() { s.i = skipJSONSpace(s.b, s.i) }

// skipJSONSpace returns the first position from i that is not JSON white space.
func skipJSONSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// value skips one value, collecting the keys of its objects if collect.
func (s *jsonKeyScan) value(path string, collect bool) {
	s.ws()
	if s.i >= len(s.b) {
		return
	}
	switch s.b[s.i] {
	case '{':
		s.i++
		for {
			s.ws()
			if s.i >= len(s.b) || s.b[s.i] == '}' {
				s.i++
				return
			}
			if s.b[s.i] == ',' {
				s.i++
				continue
			}
			k := s.str()
			if collect {
				s.keys = append(s.keys, jsonKey{path, k})
			}
			s.ws()
			s.i++ // ':'
			if collect && path == "" && (string(k) == "quantity" || string(k) == "sources" || string(k) == "source") {
				s.value(string(k)+".", true)
			} else {
				s.value("", false)
			}
		}
	case '[':
		s.i++
		for n := 0; ; {
			s.ws()
			if s.i >= len(s.b) || s.b[s.i] == ']' {
				s.i++
				return
			}
			if s.b[s.i] == ',' {
				s.i++
				continue
			}
			if collect {
				s.value(strings.TrimSuffix(path, ".")+"["+strconv.Itoa(n)+"].", true)
			} else {
				s.value("", false)
			}
			n++
		}
	case '"':
		s.str()
	default: // a number, true, false or null
		for s.i < len(s.b) && strings.IndexByte(",}] \t\r\n", s.b[s.i]) < 0 {
			s.i++
		}
	}
}

// str reads a string and returns its value.
func (s *jsonKeyScan) str() []byte {
	start := s.i
	s.i++ // '"'
	escaped := false
	for s.i < len(s.b) && s.b[s.i] != '"' {
		if s.b[s.i] == '\\' {
			escaped = true
			s.i++
		}
		s.i++
	}
	s.i++ // '"'
	if s.i > len(s.b) {
		return nil
	}
	raw := s.b[start:s.i]
	if !escaped {
		return raw[1 : len(raw)-1]
	}
	var v string
	_ = json.Unmarshal(raw, &v)
	return []byte(v)
}

// jsonProblem turns a decoding error into a field and a message.
func jsonProblem(err error, allowed format.Keys) (field, msg string) {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return "json", fmt.Sprintf("invalid JSON at character %d: %v", syn.Offset, err)
	case errors.As(err, &typ):
		if typ.Field == "" {
			return "json", "expected a JSON object, got " + typ.Value
		}
		if strings.HasPrefix(typ.Value, "number ") && typ.Type.Kind() == reflect.Float64 {
			return typ.Field, fmt.Sprintf("%s is out of range for a number", strings.TrimPrefix(typ.Value, "number "))
		}
		return typ.Field, fmt.Sprintf("expected %s, got %s", jsonTypeName(typ.Type), typ.Value)
	case errors.Is(err, errJSONLNotAnObject):
		return "json", err.Error()
	}
	if f, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		if u, e := strconv.Unquote(f); e == nil {
			f = u
		}
		return f, "unknown field (known: " + allowed.String() + ")"
	}
	return "json", err.Error()
}

func jsonTypeName(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Float64, reflect.Float32, reflect.Int, reflect.Int64:
		return "a number"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice:
		return "a list"
	case reflect.Struct, reflect.Map, reflect.Pointer:
		return "an object"
	}
	return t.String()
}

// Write writes a changeset as JSON Lines: source records, predicates,
// entities, relations, retractions, one per line, in the order of the
// changeset.
func Write(w io.Writer, c *graph.Changeset) error {
	if err := format.CheckWritable(c); err != nil {
		return fmt.Errorf("jsonl: %w", err)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	for _, sc := range c.Sources {
		s := sc.Source
		if err := enc.Encode(jsonlSource{Kind: "source", Source: &s}); err != nil {
			return err
		}
	}
	for _, pc := range c.Predicates {
		p := pc.Predicate
		if err := enc.Encode(jsonlPredicate{Kind: "predicate", ID: p.ID, Label: p.Label, InverseLabel: p.InverseLabel,
			SubjectTypes: p.SubjectTypes, ObjectTypes: p.ObjectTypes, ObjectOptional: p.ObjectOptional, Description: p.Description, Broader: p.Broader}); err != nil {
			return err
		}
	}
	for _, ec := range c.Entities {
		e := ec.Entity
		if err := enc.Encode(jsonlEntity{Kind: "entity", ID: e.ID, Name: e.Name, Type: e.Type, Aliases: e.Aliases,
			Description: e.Description, RemoveAliases: ec.RemoveAliases}); err != nil {
			return err
		}
	}
	rel := func(kind string, r *graph.Relation) error {
		jr := jsonlRelation{Kind: kind, ID: r.ID, Subject: r.Subject, Predicate: r.Predicate, Object: r.Object,
			Date: r.Date, EndDate: r.EndDate, Timing: r.Timing, Hedges: r.Hedges, Note: r.Note, Sources: r.Sources}
		if q := r.Quantity; q != nil {
			amount := q.Amount
			jr.Quantity = &jsonlQuantity{Amount: &amount, LowerBound: q.LowerBound, UpperBound: q.UpperBound, Unit: q.Unit, Approximation: q.Approximation}
		}
		return enc.Encode(jr)
	}
	for _, rc := range c.Relations {
		if err := rel("relation", &rc.Relation); err != nil {
			return err
		}
	}
	for _, rt := range c.Retractions {
		if err := rel("retract", &rt.Relation); err != nil {
			return err
		}
	}
	_, err := w.Write(buf.Bytes())
	return err
}

// Format is the JSON Lines format, for the registry.
var Format = format.Format{Name: "jsonl", Title: "JSON Lines", MediaType: "application/x-ndjson", Extensions: []string{".jsonl", ".ndjson"},
	Parse: Parse, Write: Write, ParseData: ParseData}
