// Package nquads reads and writes emigraph's facts as RDF N-Triples and
// N-Quads.
//
// # Vocabulary

// Everything lives under https://emigraph.org/, in three namespaces:
//
//	id:   https://emigraph.org/id/          entities and relations: id:person/chulpan-khamatova, id:rel/georgia-visa-2022
//	ont:  https://emigraph.org/ontology/    classes and properties
//	pred: https://emigraph.org/predicate/   predicates: pred:fled-to
//
// with rdf: http://www.w3.org/1999/02/22-rdf-syntax-ns# and xsd:
// http://www.w3.org/2001/XMLSchema#. (The files themselves spell every IRI
// out in full: N-Triples has no prefixes.)
//
// An entity is the node id:ID with
//
//	rdf:type           ont:Person, ont:Country, ont:Law, ont:Event, ont:Organization, ont:Place or
//	                   ont:Group; ont:Entity for a correction that leaves the type as it is
//	ont:name           "..."
//	ont:aliases        "..."   one triple per alias, in order
//	ont:description    "..."
//	ont:removeAliases  "..."   one triple per alias to take away (corrections)
//
// A predicate is the node pred:ID with rdf:type ont:Predicate, ont:label,
// ont:inverseLabel, ont:subjectType and ont:objectType (an entity class, one
// triple per type), ont:objectOptional ("true"^^xsd:boolean) and
// ont:description.
//
// A relation is a node, id:rel/... when it has an id and a blank node
// otherwise, with
//
//	rdf:type           ont:Relation (ont:Retraction to withdraw the relation)
//	ont:subject        id:ENTITY, or a literal that is a name ("Chulpan Khamatova")
//	ont:predicate      pred:ID
//	ont:object         id:ENTITY or a name literal; left out when there is no object
//	ont:date, ont:endDate   "2022-09" (plain literals; xsd:date, xsd:gYear and xsd:gYearMonth are read too)
//	ont:timing         "SINCE" (left out when the dates say it: graph.Timing)
//	ont:hedge          "ALLEGED", ... one triple per hedge (graph.Hedge)
//	ont:amount, ont:lowerBound, ont:upperBound   "50000"^^xsd:int, "2.5"^^xsd:double (xsd:decimal, xsd:integer and the other numeric types are read too)
//	ont:unit, ont:approximation ("ABOUT", ...), ont:note
//	ont:source         a source node, one triple per source, in order
//
// and a source is a node (blank, as written) with an optional rdf:type
// ont:Source and ont:quote, ont:section, ont:title and ont:url (a literal;
// an IRI is read too), and ont:cites, the IRI of the source record it cites
// (id:source/NAME). A source record is a node id:source/NAME of rdf:type
// ont:SourceRecord with ont:title, ont:publisher, ont:author,
// ont:published, ont:retrieved, ont:url, ont:language, ont:kind and
// ont:note (plain literals); the writer writes the records first. That a relation has a source with a quote is checked
// by graph, as every other rule of the facts (ids, dates, lengths) is, at
// the file and line of the relation's first statement; a retraction needs
// no source.
//
// An entity reference (subject, object) that is a slug (graph.ValidID) is
// written as its id: IRI, anything else as a name literal; an id: IRI reads
// as the rest of the IRI. Characters an IRI may not hold are written as
// \uXXXX escapes, which read back as the character.
//
// With every relation that has a slug subject, a predicate and an object,
// the writer also states the plain triple
//
//	<https://emigraph.org/id/person/x> <https://emigraph.org/predicate/fled-to> <https://emigraph.org/id/country/georgia> .
//
// so that the file reads as a simple graph too. When reading, a plain triple
// (any triple whose predicate is in pred:) in the default graph is the
// shortcut of the relation node with the same subject, predicate and object,
// and adds nothing; without such a node it is a relation with no source,
// which graph refuses. A plain triple in a named graph is a relation of its own,
// sourced from its graph: the graph term is the source node, described by
// ont:quote (and ont:section, ont:title, ont:url) triples:
//
//	<https://emigraph.org/id/person/x> <https://emigraph.org/predicate/fled-to> <https://emigraph.org/id/country/georgia> _:src .
//	_:src <https://emigraph.org/ontology/quote> "X left for Georgia in 2022." .
//
// Graph terms are ignored on every other triple. A triple whose predicate is
// not rdf:type, an ont: property or a pred: predicate is refused, as are
// unknown ont: terms. Literals may carry a language tag, which is dropped.
// Single-valued properties given twice with different values are refused.
// Items come out in the order of their first line, so that the writer's
// output (predicates, entities, relations, retractions, each node's triples
// together) reads back in the order written.
//
// The writer uses the default graph only, so its output is N-Triples as well
// as N-Quads; the parser reads both alike (.nt and .nq). Errors read
// "facts.nq:LINE: column N: problem" for syntax and "facts.nq:LINE: field:
// problem" otherwise.
//
// # Dgraph
//
// The writer's output loads into Dgraph's live and bulk loaders as it is:
// its literals are plain (text and dates), "true"^^xsd:boolean, and numbers
// as "50000"^^xsd:int (whole, within 32 bits) or "2.5"^^xsd:double, all
// datatypes Dgraph documents (xsd:string, xsd:dateTime, xsd:date, xsd:int,
// xsd:boolean, xsd:double, xsd:float); its loaders refuse xsd:decimal, which
// older exports wrote and the reader still takes. Dates stay plain literals:
// Dgraph's datetime takes RFC 3339 only, not "2022" or "2022-09".
// WriteDgraphSchema (`emigraph export --format dgraph-schema`) writes the
// matching Dgraph schema: predicates are the IRIs of the file, names and
// aliases indexed exact, term and trigram, dates exact (ISO dates of any
// precision sort as text), numbers float, node references uid with @reverse,
// the plain triples' pred: predicates [uid] @reverse, xid (the loaders'
// record of each node's IRI) exact, and a type per class.
// DgraphSchema.WriteTypeUpserts (`emigraph export --format dgraph-types`)
// writes the upserts that give each class's nodes their Dgraph type.
// cmd/emigraph's TestNQuadsExportLoadsIntoDgraph holds the seed's export to
// that schema and to Dgraph's datatypes.
//
// # Streaming
//
// Write takes a whole changeset; a Writer takes one node at a time and
// writes the same bytes, and WriteSnapshot (with WriteDgraphSchemaSnapshot
// and WriteDgraphTypesSnapshot) writes a store read a node at a time
// (graph.SnapshotStreamer), so that an export's memory does not grow with
// the store.
//
// # Layout
//
// Package rdf (nquads/rdf) is the syntax of N-Triples and N-Quads and knows
// nothing of the vocabulary; read.go maps statements onto the vocabulary,
// write.go the vocabulary onto statements, stream.go a store onto the
// writers, dgraph.go the Dgraph schema and typing upserts.
package nquads
