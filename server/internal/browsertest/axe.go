package browsertest

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/chromedp/chromedp"
)

// AxeVersion is the version of axe-core vendored in axe/ (see axe/README.md
// for how to refresh it).
const AxeVersion = "4.14.1"

//go:embed axe/axe-4.14.1.min.js
var axeSource string

// AxeViolation is one rule that axe-core found broken on the page, with the
// elements that break it (their CSS selectors).
type AxeViolation struct {
	ID     string   `json:"id"`
	Impact string   `json:"impact"` // minor, moderate, serious or critical
	Help   string   `json:"help"`
	Nodes  []string `json:"nodes"`
}

// String gives the violation on one line, with at most three of its elements.
func (v AxeViolation) String() string {
	n := v.Nodes
	more := ""
	if len(n) > 3 {
		more = fmt.Sprintf(" and %d more", len(n)-3)
		n = n[:3]
	}
	return fmt.Sprintf("%s (%s): %s at %s%s", v.ID, v.Impact, v.Help, strings.Join(n, ", "), more)
}

// Axe runs axe-core on the page the tab shows and returns the violations of
// the given impacts (all when none is given). The script is evaluated
// through the DevTools protocol, which the page's Content-Security-Policy
// does not govern, and is never served by the application: the page under
// test stays as it is shipped. axe-core asks nothing of the network.
func (b *Browser) Axe(impacts ...string) ([]AxeViolation, error) {
	ctx, cancel := context.WithTimeout(b.ctx, b.Timeout)
	defer cancel()
	loaded, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`typeof window.axe === 'object'`))
	if err != nil {
		return nil, fmt.Errorf("axe: %w", err)
	}
	if !loaded {
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](axeSource+"\n;true")); err != nil {
			return nil, fmt.Errorf("axe: load axe-core %s: %w", AxeVersion, err)
		}
	}
	js := `axe.run(document, { resultTypes: ['violations'] }).then((r) => JSON.stringify(r.violations.map((v) => ({
		id: v.id, impact: v.impact || '', help: v.help, nodes: v.nodes.map((n) => n.target.join(' ')) }))))`
	out, err := chromedp.Run(ctx, chromedp.Evaluate[string](js, chromedp.EvalAwaitPromise))
	if err != nil {
		return nil, fmt.Errorf("axe: run: %w", err)
	}
	var all []AxeViolation
	if err := json.Unmarshal([]byte(out), &all); err != nil {
		return nil, fmt.Errorf("axe: decode %q: %w", out, err)
	}
	if len(impacts) == 0 {
		return all, nil
	}
	var kept []AxeViolation
	for _, v := range all {
		for _, want := range impacts {
			if v.Impact == want {
				kept = append(kept, v)
				break
			}
		}
	}
	return kept, nil
}
