package graph

import (
	"context"
	"time"
)

// The history of the graph: every write a store commits is a Commit, with
// a sequence number, a time, where it came from and why, and, for each
// item it changed, the item's state before. What a write is told about
// itself (the files it loads, the token's name, the message) travels in
// its context (WithChangeInfo), so that every way of writing (Apply, a
// load, a build) records it without a parameter of its own.

// ChangeFile is a file a write loaded: its name and the SHA-256 of its
// bytes, as hex.
type ChangeFile struct {
	Name   string `json:"name"`
	SHA256 string `json:"sha256,omitempty"`
}

// ChangeInfo is what a write says of itself: the files it loads, the name
// of the token that allowed it (never the token), and a message, like a
// commit message.
type ChangeInfo struct {
	Files   []ChangeFile `json:"files,omitempty"`
	Token   string       `json:"token,omitempty"`
	Message string       `json:"message,omitempty"`
}

// MaxChangeMessage bounds a change's message (CheckChangeMessage), and
// MaxChangeFiles the files it names; a store cuts a longer message, and
// leaves out the files past those, when it records them.
const (
	MaxChangeMessage = 10_000
	MaxChangeFiles   = 100
)

// CheckChangeMessage refuses a message longer than MaxChangeMessage.
func CheckChangeMessage(message string) error {
	if len(message) > MaxChangeMessage {
		return Errorf(EINVALID, "message: %d bytes, more than the %d a change's message may have", len(message), MaxChangeMessage)
	}
	return nil
}

type changeInfoKey struct{}

// WithChangeInfo returns ctx carrying what the writes made with it say of
// themselves.
func WithChangeInfo(ctx context.Context, info ChangeInfo) context.Context {
	return context.WithValue(ctx, changeInfoKey{}, info)
}

// ChangeInfoOf returns what ctx's writes say of themselves (nothing, when
// it carries none).
func ChangeInfoOf(ctx context.Context) ChangeInfo {
	info, _ := ctx.Value(changeInfoKey{}).(ChangeInfo)
	return info
}

// The ways a change was written, as Commit.Method says.
const (
	ChangeWritten  = "write"    // a write through transactions (Apply, a load)
	ChangeBuilt    = "build"    // a new store built whole
	ChangeRebuilt  = "rebuild"  // a store written anew with a load
	ChangeBaseline = "baseline" // what a store written before history held when history began
)

// Commit is one write the store committed: a change of the graph.
type Commit struct {
	Seq    uint64    `json:"seq"`
	Time   time.Time `json:"time"`
	Method string    `json:"method"`
	ChangeInfo
	Summary Summary `json:"summary"`
}

// ItemKind is what kind of item a history is of.
type ItemKind string

// The kinds of items with a history.
const (
	ItemEntity    ItemKind = "ENTITY"
	ItemRelation  ItemKind = "RELATION"
	ItemPredicate ItemKind = "PREDICATE"
)

// ChangeKind is what a change did to an item.
type ChangeKind string

// What a change did to an item: added it (also: it was there when its
// store was built, or when history began), changed it, or removed it.
const (
	ChangeAdded   ChangeKind = "ADDED"
	ChangeUpdated ChangeKind = "UPDATED"
	ChangeRemoved ChangeKind = "REMOVED"
)

// ItemChange is what one change did to one item: its state before and
// after, of the item's kind (nil where it was absent).
type ItemChange struct {
	Commit *Commit
	Kind   ChangeKind
	Item   ItemKind
	ID     string

	EntityBefore, EntityAfter       *Entity
	RelationBefore, RelationAfter   *Relation
	PredicateBefore, PredicateAfter *Predicate
}

// HistoryPage is a page of an item's history, oldest first.
type HistoryPage struct {
	Changes     []*ItemChange
	Cursors     []string
	HasNextPage bool
}

// CommitPage is a page of changes, oldest first.
type CommitPage struct {
	Commits     []*Commit
	Cursors     []string
	HasNextPage bool
}

// Historian is a store that keeps the history of its writes and reads the
// graph as it was at a past time. Times are compared as the store
// recorded them (UTC); a time before the first change reads an empty
// graph.
type Historian interface {
	// History lists the changes of the entity, relation or predicate with
	// the id (the relation's, if an entity and a relation share it),
	// oldest first; an id nothing ever had lists nothing.
	History(ctx context.Context, id string, first int, after string) (*HistoryPage, error)
	// Changes lists the changes made at or after since, oldest first.
	Changes(ctx context.Context, since time.Time, first int, after string) (*CommitPage, error)
	// EntityAsOf and RelationAsOf read an item as it was at a time, or
	// ErrNotFound.
	EntityAsOf(ctx context.Context, id string, at time.Time) (*Entity, error)
	RelationAsOf(ctx context.Context, id string, at time.Time) (*Relation, error)
	// RelationsAsOf lists the relations of f.Entity as they were at a
	// time, in f.Direction, of f.Predicates (exact ids), a page of
	// f.First after f.After; other filters are refused.
	RelationsAsOf(ctx context.Context, f RelationFilter, at time.Time) (*RelationPage, error)
}
