package graph

import (
	"context"
	"strings"
	"testing"
)

func TestBudget(t *testing.T) {
	b := NewBudget(10)
	if b.Left() != 10 {
		t.Fatalf("a new budget of 10 has %d left", b.Left())
	}
	// 9 records, 7 entries (56 units) and 7 keys: a key short of 10 records
	if b.Records(9) != nil || b.Entries(7) != nil || b.Keys(7) != nil {
		t.Fatal("refused within the budget")
	}
	if b.Left() != 0 {
		t.Errorf("%d left after 9 records, 7 entries and 7 keys; want 0 (a key of the tenth)", b.Left())
	}
	if err := b.Afford(1, "reading one more", "less"); ErrorCode(err) != ELIMIT ||
		!strings.Contains(err.Error(), "reading one more, more than the 0 records this request may still read (one request may read 10): narrow it (less)") {
		t.Errorf("Afford(1) = %v", err)
	}
	if err := b.Keys(1); err != nil {
		t.Errorf("the last key of the budget: %v", err)
	}
	err := b.Keys(1)
	if ErrorCode(err) != ELIMIT || !strings.Contains(err.Error(), "this request read more than one request may: 10 records") {
		t.Errorf("past the budget: %v", err)
	}

	// none: no limit
	var none *Budget
	unlimited := NewBudget(0)
	if none.Records(1<<40) != nil || none.Afford(1<<40, "", "") != nil || BudgetOf(context.Background()) != nil ||
		unlimited.Records(1<<40) != nil || unlimited.Afford(1<<40, "", "") != nil {
		t.Error("no budget refused")
	}

	// the gate is passed once, past its records
	gated := NewBudget(100)
	passed := 0
	gated.Gate(10, func() error { passed++; return nil })
	for range 50 {
		if err := gated.Records(1); err != nil {
			t.Fatal(err)
		}
		if want := map[bool]int{true: 1}[gated.used.Load() > 10*RecordCost]; passed != want {
			t.Fatalf("after %d units the gate was passed %d times; want %d", gated.used.Load(), passed, want)
		}
	}
	if got := BudgetOf(WithBudget(context.Background(), b)); got != b {
		t.Error("the context does not carry the budget")
	}
}
