package seed_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/emigraph/emigraph/graph"
)

// The seed states each fact once (issue 13): a fact is one relation, under
// its most precise predicate, with all its sources; asking for a broader
// predicate finds it through the hierarchy (predicates.yaml, broader:).

// seedRelations loads the seed into a store (so that names are resolved to
// ids) and returns every relation and every predicate by id.
func seedRelations(t *testing.T) ([]*graph.Relation, map[string]*graph.Predicate) {
	t.Helper()
	st, _ := loadSeed(t)
	ctx := context.Background()
	var rels []*graph.Relation
	after := ""
	for {
		page, err := st.Relations(ctx, graph.RelationFilter{First: graph.MaxPageSize, After: after})
		if err != nil {
			t.Fatal(err)
		}
		rels = append(rels, page.Relations...)
		if !page.HasNextPage {
			break
		}
		after = page.Cursors[len(page.Cursors)-1]
	}
	ps, err := st.Predicates(ctx)
	if err != nil {
		t.Fatal(err)
	}
	preds := map[string]*graph.Predicate{}
	for _, p := range ps {
		preds[p.ID] = p
	}
	return rels, preds
}

// within reports whether predicate p is q or lies below it (q broader,
// transitively).
func within(preds map[string]*graph.Predicate, p, q string) bool {
	for seen := 0; p != "" && seen <= len(preds); seen++ {
		if p == q {
			return true
		}
		pp := preds[p]
		if pp == nil {
			return false
		}
		p = pp.Broader
	}
	return false
}

// oneHierarchy: the same predicate, or one broader than the other.
func oneHierarchy(preds map[string]*graph.Predicate, p, q string) bool {
	return within(preds, p, q) || within(preds, q, p)
}

func sharedQuote(a, b *graph.Relation) string {
	for _, s := range a.Sources {
		for _, u := range b.Sources {
			if squash(s.Quote) == squash(u.Quote) {
				return s.Quote
			}
		}
	}
	return ""
}

func amount(r *graph.Relation) string {
	if r.Quantity == nil {
		return "none"
	}
	return fmt.Sprintf("%v %s", r.Quantity.Amount, r.Quantity.Unit)
}

func describe(r *graph.Relation) string {
	s := fmt.Sprintf("%s -%s-> %s", r.Subject, r.Predicate, r.Object)
	if r.Date != "" {
		s += " " + r.Date
	}
	if r.EndDate != "" {
		s += ".." + r.EndDate
	}
	if r.Quantity != nil {
		s += " " + amount(r)
	}
	return s
}

func quantityKey(r *graph.Relation) string {
	if r.Quantity == nil {
		return ""
	}
	q := *r.Quantity
	return fmt.Sprintf("%v|%v|%v|%s|%s", q.Amount, ptr(q.LowerBound), ptr(q.UpperBound), q.Unit, q.Approximation)
}

func ptr(f *float64) string {
	if f == nil {
		return "-"
	}
	return fmt.Sprint(*f)
}

// No two seed relations share subject, object, dates, quantity and a quote
// under predicates of one hierarchy: the broader one would find the fact
// twice.
func TestSeedStatesEachFactOnce(t *testing.T) {
	rels, preds := seedRelations(t)
	groups := map[string][]*graph.Relation{}
	for _, r := range rels {
		k := strings.Join([]string{r.Subject, r.Object, r.Date, r.EndDate, quantityKey(r)}, "\x00")
		groups[k] = append(groups[k], r)
	}
	for _, g := range groups {
		for i, a := range g {
			for _, b := range g[i+1:] {
				if !oneHierarchy(preds, a.Predicate, b.Predicate) {
					continue
				}
				if q := sharedQuote(a, b); q != "" {
					t.Errorf("one fact stated twice in one hierarchy: %s and %s, both quoting %q; keep the most precise predicate with all the sources", describe(a), describe(b), q)
				}
			}
		}
	}
}

// A figure is stated once: no two seed relations share what the figure is
// about (the object, or the subject of a figure with no object), dates, an
// amount and a quote, whatever their subjects and predicates. This is the
// case issue 13 names (98,000 to Kazakhstan as Russia's migration-to, a
// group's fled-to and a has-figure), and the figures query would show such
// a pair as two figures.
func TestSeedStatesEachFigureOnce(t *testing.T) {
	rels, _ := seedRelations(t)
	groups := map[string][]*graph.Relation{}
	for _, r := range rels {
		if r.Quantity == nil {
			continue
		}
		about := r.Object
		if about == "" {
			about = r.Subject // a figure with no object is about its subject
		}
		k := strings.Join([]string{about, r.Date, r.EndDate, amount(r)}, "\x00")
		groups[k] = append(groups[k], r)
	}
	for _, g := range groups {
		for i, a := range g {
			for _, b := range g[i+1:] {
				if q := sharedQuote(a, b); q != "" {
					t.Errorf("one figure stated twice: %s and %s, both quoting %q; keep one relation, under the most precise predicate, with all the sources", describe(a), describe(b), q)
				}
			}
		}
	}
}

// A movement is stated once, by who moved: a country's migration-to (a flow
// with no one named) never repeats, with the same object, dates, amount (or
// none) and quote, what a person's or group's fled-to, returned-to or
// deported-to (narrower than migration-to) says.
func TestSeedStatesEachMovementOnce(t *testing.T) {
	rels, preds := seedRelations(t)
	if p := preds["fled-to"]; p == nil || !within(preds, "fled-to", "migration-to") {
		t.Fatalf("fled-to is not narrower than migration-to: %+v", p)
	}
	var flows, moves []*graph.Relation
	for _, r := range rels {
		switch {
		case r.Predicate == "migration-to" && strings.HasPrefix(r.Subject, "country/"):
			flows = append(flows, r)
		case r.Predicate != "migration-to" && within(preds, r.Predicate, "migration-to"):
			moves = append(moves, r)
		}
	}
	for _, f := range flows {
		for _, m := range moves {
			if f.Object != m.Object || f.Date != m.Date || f.EndDate != m.EndDate || amount(f) != amount(m) {
				continue
			}
			if q := sharedQuote(f, m); q != "" {
				t.Errorf("one movement stated twice: %s and %s, both quoting %q; keep who moved (%s), with all the sources", describe(f), describe(m), q, m.Predicate)
			}
		}
	}
}

// distinctFacts are the pairs of predicates that one sentence may state
// between the same two entities as two facts, not one fact twice: with the
// reason. TestSeedStatesEachPairOnce allows them and nothing else.
var distinctFacts = map[[2]string]string{
	{"left", "works-for"}: "whom one works for and leaving a country are two facts, even when one phrase gives both: " +
		"\"diplomat Boris Bondarev\" named among \"the Russians who left Russia after the invasion\" worked for Russia and left it",
	// "exiled Russian rapper ... Morgenshtern": "Russian" says his nationality,
	// "exiled" that he left; either can hold without the other.
	{"citizen-of", "fled-from"}:         "a nationality and a departure named by one phrase (\"exiled Russian rapper\")",
	{"denied-entry-by", "entered"}:      "\"only two Russian passengers were allowed entry\": two entered and the others were not allowed, two facts about two parts of one group",
	{"entered", "granted-residence-by"}: "\"37,700 Russians entered Argentina ...; with 3,750 of them gaining residence\": the entries and the residence some of those who entered gained are two facts, two figures",
	{"left", "returned-to"}:             "\"some people continued to emigrate ..., while some decided to returned home\": some left Russia and others came back, two facts about two parts of one group",
	{"occurred-in", "opposed"}:          "\"the United States ... has warned against the increased trend of unauthorized entry\": where the trend happens and who warned against it are two facts, even when the country is both",
}

// No two seed relations share a pair of entities and a quote under two
// predicates, unless distinctFacts says why one sentence states both:
// "announced" and "enacted" of one act from one sentence, or a deportation
// stated twice under two predicates, is one fact twice. The pair is the
// pair whichever way the relations run: "93% of Georgians" is the poll's
// has-figure about the Georgians, not also the Georgians' participant-in
// the poll.
func TestSeedStatesEachPairOnce(t *testing.T) {
	rels, _ := seedRelations(t)
	groups := map[string][]*graph.Relation{}
	for _, r := range rels {
		if r.Object == "" {
			continue
		}
		ends := []string{r.Subject, r.Object}
		if ends[0] > ends[1] {
			ends[0], ends[1] = ends[1], ends[0]
		}
		k := ends[0] + "\x00" + ends[1]
		groups[k] = append(groups[k], r)
	}
	for _, g := range groups {
		for i, a := range g {
			for _, b := range g[i+1:] {
				if a.Predicate == b.Predicate {
					continue // the same predicate: TestSeedStatesEachFactOnce
				}
				pair := [2]string{a.Predicate, b.Predicate}
				if pair[0] > pair[1] {
					pair[0], pair[1] = pair[1], pair[0]
				}
				if _, ok := distinctFacts[pair]; ok {
					continue
				}
				if q := sharedQuote(a, b); q != "" {
					t.Errorf("one pair stated twice from one quote: %s and %s, both quoting %q; keep the predicate the quote says, with all the sources (or list the pair in distinctFacts, with why the sentence states two facts)", describe(a), describe(b), q)
				}
			}
		}
	}
}

// No figure is stated twice under two subjects or objects: two relations
// with the same amount, unit and approximation and a quote in common are
// one figure (the figures query would show it twice), whoever they name.
func TestSeedStatesEachAmountOnce(t *testing.T) {
	rels, _ := seedRelations(t)
	groups := map[string][]*graph.Relation{}
	for _, r := range rels {
		if r.Quantity != nil {
			groups[quantityKey(r)] = append(groups[quantityKey(r)], r)
		}
	}
	for _, g := range groups {
		for i, a := range g {
			for _, b := range g[i+1:] {
				if q := sharedQuote(a, b); q != "" {
					t.Errorf("one amount stated twice from one quote: %s and %s, both quoting %q; keep one relation, with who and what the quote names, and all the sources", describe(a), describe(b), q)
				}
			}
		}
	}
}

// What happened to a subject is not stated again as its taking part in the
// event that is that happening: "Azerbaijani authorities arrested eight
// Russian nationals" is the eight's arrested-by, not also their
// participant-in the arrest; "a maritime incursion by Russian nationals ...
// in Key West" is their entered, not also their participant-in the
// incursion; "politicians ... fled the country" in the first wave is their
// fled-from, not also their participant-in the wave. An arrest, an entry,
// a deportation or a departure and a participant-in of the same subject
// from one quote are one act twice.
func TestSeedStatesEachUndergoneActOnce(t *testing.T) {
	rels, preds := seedRelations(t)
	bySubject := map[string][]*graph.Relation{}
	for _, r := range rels {
		bySubject[r.Subject] = append(bySubject[r.Subject], r)
	}
	undergone := func(p string) bool {
		return p == "arrested-by" || p == "entered" || within(preds, p, "faced-deportation-by")
	}
	// the emigration and its waves (part-of it) are made of departures:
	// taking part in one is the subject's left or fled-from again
	departures := map[string]bool{"event/russian-emigration-2022": true}
	for _, r := range rels {
		if r.Predicate == "part-of" && r.Object == "event/russian-emigration-2022" {
			departures[r.Subject] = true
		}
	}
	for _, r := range rels {
		if r.Predicate != "participant-in" {
			continue
		}
		for _, o := range bySubject[r.Subject] {
			if !undergone(o.Predicate) && !(departures[r.Object] && within(preds, o.Predicate, "left")) {
				continue
			}
			if q := sharedQuote(r, o); q != "" {
				t.Errorf("one act stated twice: %s and %s, both quoting %q; keep %s (what happened to them), with all the sources", describe(r), describe(o), q, o.Predicate)
			}
		}
	}
}

// attributes are predicates that say what an entity is or where it
// belongs, not an act: a sentence may name them beside the act it states
// ("Czech President Petr Pavel signed a bill").
var attributes = map[string]bool{"holds-office": true, "citizen-of": true, "part-of": true, "member-of": true,
	"located-in": true, "occurred-in": true, "works-for": true}

// An act is stated once: directly, between who did it and whom it
// concerns, or through a measure (a law, decree, order, agreement), not
// both from one quote. "Kazakhstan agreed to share the personal data of
// exiled anti-war Russians with the Russian government" is Kazakhstan's
// shared-data-with, not also its enacted of an agreement; "were asked to
// leave the country within two weeks" is the nationals' faced-deportation-by,
// not also an order that Sri Lanka enacted and that targets them. A measure
// keeps what no direct relation can say (whom the data is about, a deadline
// that others cite), never the act again.
func TestSeedStatesEachActOnceNotAgainThroughAMeasure(t *testing.T) {
	rels, preds := seedRelations(t)
	byEntity := map[string][]*graph.Relation{}
	makers := map[string]map[string]bool{} // measure: who enacted, announced or proposed it
	for _, r := range rels {
		byEntity[r.Subject] = append(byEntity[r.Subject], r)
		if r.Object != "" && r.Object != r.Subject {
			byEntity[r.Object] = append(byEntity[r.Object], r)
		}
		if r.Predicate == "enacted" || r.Predicate == "announced" || r.Predicate == "proposed" {
			if makers[r.Object] == nil {
				makers[r.Object] = map[string]bool{}
			}
			makers[r.Object][r.Subject] = true
		}
	}
	// doneTo are the acts a relation states as done to its subject
	doneTo := func(p string) bool {
		return p == "designated-by" || p == "arrested-by" || p == "denied-entry-by" || within(preds, p, "faced-deportation-by")
	}
	for _, m := range rels {
		for _, o := range byEntity[m.Subject] {
			// the maker's own act, stated again as its enacting of a measure
			if m.Predicate != "enacted" || o == m || o.Object == m.Object || attributes[o.Predicate] || o.Predicate == "enacted" || o.Predicate == "targets" {
				continue
			}
			if q := sharedQuote(m, o); q != "" {
				t.Errorf("one act stated twice, directly and through a measure: %s and %s, both quoting %q; keep the direct relation, and of the measure only what it alone says", describe(m), describe(o), q)
			}
		}
		if m.Predicate != "targets" {
			continue
		}
		for _, o := range byEntity[m.Object] {
			// what the measure does to its targets, stated again as done to them
			other := o.Object
			if other == m.Object {
				other = o.Subject
			}
			if o == m || o.Subject == m.Subject || o.Object == m.Subject || !(makers[m.Subject][other] || o.Subject == m.Object && doneTo(o.Predicate)) {
				continue
			}
			if q := sharedQuote(m, o); q != "" {
				t.Errorf("one act stated twice, directly and through a measure: %s and %s, both quoting %q; keep the direct relation, and of the measure only what it alone says", describe(m), describe(o), q)
			}
		}
	}
}

// An act is not stated again as an event entity that carries nothing but
// its place: "members of ... Bi-2 ... were arrested in Thailand" is the
// members' arrested-by (and faced-deportation-by) Thailand, not also an
// "arrest of Bi-2 members" that occurred in Thailand and takes part in no
// other fact. An event that other facts need (a cause, a comment, a trend
// it is an example of) keeps its place: that is an attribute.
func TestSeedStatesEachActOnceNotAgainAsABareEvent(t *testing.T) {
	rels, preds := seedRelations(t)
	uses := map[string]int{}
	for _, r := range rels {
		uses[r.Subject]++
		if r.Object != "" && r.Object != r.Subject {
			uses[r.Object]++
		}
	}
	done := func(p string) bool {
		return p == "arrested-by" || p == "entered" || p == "denied-entry-by" || within(preds, p, "faced-deportation-by")
	}
	for _, e := range rels {
		if !strings.HasPrefix(e.Subject, "event/") || e.Predicate != "occurred-in" || uses[e.Subject] != 1 {
			continue
		}
		for _, o := range rels {
			if o.Subject == e.Subject || o.Object != e.Object || !done(o.Predicate) {
				continue
			}
			if q := sharedQuote(e, o); q != "" {
				t.Errorf("one act stated twice: %s and %s, both quoting %q; the event takes part in no other fact, so keep %s (what happened to them) and drop the event", describe(e), describe(o), q, o.Predicate)
			}
		}
	}
}
