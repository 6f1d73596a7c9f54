package graph

import "context"

// Direction selects which relations of an entity to follow.
type Direction string

// The directions: relations where the entity is the subject (OUT), the
// object (IN), or either (BOTH).
const (
	Out  Direction = "OUT"
	In   Direction = "IN"
	Both Direction = "BOTH"
)

// MaxPageSize caps `first` on every list.
const MaxPageSize = 500

// EntityFilter selects a page of entities.
type EntityFilter struct {
	Type  EntityType // empty for every type
	First int
	After string // an opaque cursor from a previous page
}

// EntityPage is one page of entities.
type EntityPage struct {
	Entities    []*Entity
	Cursors     []string
	HasNextPage bool
}

// RelationFilter selects a page of relations. Subject and Object are entity
// ids; Entity with Direction selects the relations of one entity.
type RelationFilter struct {
	Predicates []string // any of these; empty for every predicate
	Subject    string
	Object     string
	Entity     string
	Direction  Direction
	// Dates keeps relations whose date overlaps the range (see Date).
	Dates DateRange
	// Within keeps only relations whose whole period lies within Dates
	// (DateRange.Contains), not those that only overlap it; with Dates
	// open, every dated relation.
	Within bool
	// HasQuantity, when set, keeps relations with (true) or without (false) a quantity.
	HasQuantity *bool
	// OtherType keeps relations whose other end (the end that is not Entity,
	// or the object when no entity is given) has this type.
	OtherType EntityType
	// OrderByDate lists dated relations in date order (ties by id), then the
	// undated ones unless Dates excludes them.
	OrderByDate bool
	// DatedOnly leaves out undated relations (a timeline has no place for them).
	DatedOnly bool
	First     int
	After     string
}

// RelationPage is one page of relations. Counting every match can cost far
// more than a page, so it is a separate call (Store.CountRelations).
type RelationPage struct {
	Relations   []*Relation
	Cursors     []string
	HasNextPage bool
}

// Stats counts entities per type and relations per predicate.
type Stats struct {
	Entities  map[EntityType]int
	Relations map[string]int
}

// SearchHit is one entity found by Search, with how well it matched.
type SearchHit struct {
	Entity  *Entity
	Score   float64 // 1 for an exact match of a name or alias, less for weaker matches
	Matched string  // the name or alias that matched
	Kind    string  // EXACT, PREFIX, WORD or FUZZY
}

// Store is the knowledge graph's storage. Reads take a context so that a
// request that is cancelled or timed out stops scanning.
type Store interface {
	// Entity returns the entity with the id, or ErrNotFound.
	Entity(ctx context.Context, id string) (*Entity, error)
	// EntitiesByID returns the entities that exist among ids, keyed by id.
	EntitiesByID(ctx context.Context, ids []string) (map[string]*Entity, error)
	// EntitiesByName returns the entities whose name or an alias normalises
	// like name (see Normalize), in id order, at most limit of them (every
	// one when limit is 0), and how many there are: a name thousands share
	// reads only the entities asked for.
	EntitiesByName(ctx context.Context, name string, limit int) (found []*Entity, total int, err error)
	// Entities returns a page of entities in id order.
	Entities(ctx context.Context, f EntityFilter) (*EntityPage, error)
	// CountEntities counts the entities of a type (every entity for "").
	CountEntities(ctx context.Context, t EntityType) (int, error)
	// Stats returns the counts of entities per type and relations per predicate.
	Stats(ctx context.Context) (*Stats, error)
	// Relation returns the relation with the id, or ErrNotFound.
	Relation(ctx context.Context, id string) (*Relation, error)
	// Relations returns a page of relations matching f.
	Relations(ctx context.Context, f RelationFilter) (*RelationPage, error)
	// CountRelations counts every relation matching f (First and After are ignored).
	CountRelations(ctx context.Context, f RelationFilter) (int, error)
	// RelationsByID returns the relations that exist among ids, keyed by id.
	RelationsByID(ctx context.Context, ids []string) (map[string]*Relation, error)
	// Predicates returns every predicate in id order.
	Predicates(ctx context.Context) ([]*Predicate, error)
	// Search finds entities by name or alias, best first.
	Search(ctx context.Context, text string, types []EntityType, first int) ([]SearchHit, error)
	Walker
	Figures
	SourceStore
	// Apply checks a changeset and writes it atomically. With dryRun it only
	// checks and counts. A refused changeset returns a *ValidationError and
	// writes nothing.
	Apply(ctx context.Context, c *Changeset, dryRun bool) (Summary, error)
	// Close releases the store.
	Close() error
}
