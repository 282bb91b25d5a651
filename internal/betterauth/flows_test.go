package betterauth

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// The flow table: every flow run through flow (or runFlows) is one row —
// flow, direction, PASS/FAIL/SKIP, its time and the refusals it expected
// (Better Auth's answer, Go's error) — printed by TestMain after the tests,
// so a run shows what was proven, not only "ok".
//
// go test prints a passing package's stdout only with -v, and `go test ./...`
// (the README's test command, which .ci/run runs) has no -v: when
// TENANTC_FLOW_TABLE names a file, the table is also written there, and
// .ci/run prints that file after the run. A fresh file name per run also
// keeps go test from replaying a cached result instead of running the flows
// (go test keys its cache on the environment variables a test reads).

// flowCase is one flow and direction: name is "<flow>/<direction>", e.g.
// "delete/BA→Go" (BA→Go: made by Better Auth, checked in Go; Go→BA the
// reverse).
type flowCase struct {
	name string
	run  func(t *testing.T)
}

type flowRow struct {
	test, flow, direction, result string
	took                          time.Duration
	notes                         []string
}

var flows struct {
	sync.Mutex
	rows  []flowRow
	notes map[string][]string // by the subtest's t.Name()
	// file is TENANTC_FLOW_TABLE, read by the first flow: go test records
	// (for its cache key) only what the tests read while m.Run runs.
	file string
}

// runFlows runs each flow as a subtest of t, recording each in the table.
func runFlows(t *testing.T, cases []flowCase) {
	t.Helper()
	for _, c := range cases {
		flow(t, c.name, c.run)
	}
}

// flow runs fn as the subtest name of t and records its result in the
// table; it returns what t.Run returns.
func flow(t *testing.T, name string, fn func(t *testing.T)) bool {
	t.Helper()
	start := time.Now()
	var sub string
	var ran, skipped bool
	ok := t.Run(name, func(t *testing.T) {
		ran, sub = true, t.Name()
		// Deferred: it runs after FailNow and SkipNow too.
		defer func() { skipped = t.Skipped() }()
		fn(t)
	})
	if !ran { // -run left it out
		return ok
	}
	result := "PASS"
	switch {
	case !ok:
		result = "FAIL"
	case skipped:
		result = "SKIP"
	}
	f, dir := name, "—"
	if i := strings.LastIndex(name, "/"); i >= 0 {
		f, dir = name[:i], name[i+1:]
	}
	test, _, _ := strings.Cut(t.Name(), "/")
	flows.Lock()
	defer flows.Unlock()
	if flows.rows == nil {
		flows.file = os.Getenv("TENANTC_FLOW_TABLE")
	}
	flows.rows = append(flows.rows, flowRow{test: test, flow: f, direction: dir, result: result,
		took: time.Since(start), notes: flows.notes[sub]})
	delete(flows.notes, sub)
	return ok
}

// note adds a line to the table row of the flow t runs (t is the flow's
// own *testing.T), e.g. the refusal the flow expected.
func note(t *testing.T, format string, args ...any) {
	t.Helper()
	line := fmt.Sprintf(format, args...)
	t.Log(line)
	flows.Lock()
	defer flows.Unlock()
	if flows.notes == nil {
		flows.notes = map[string][]string{}
	}
	flows.notes[t.Name()] = append(flows.notes[t.Name()], line)
}

// printFlows writes the table to stdout and, when TENANTC_FLOW_TABLE is
// set, to that file.
func printFlows() {
	flows.Lock()
	defer flows.Unlock()
	if len(flows.rows) == 0 {
		return
	}
	// TestInterop's flows first, the other tests' after, each in run order.
	rows := slices.Clone(flows.rows)
	slices.SortStableFunc(rows, func(a, b flowRow) int {
		return cmp.Compare(boolInt(a.test != "TestInterop"), boolInt(b.test != "TestInterop"))
	})
	var b strings.Builder
	writeFlows(&b, rows)
	fmt.Print(b.String())
	if path := flows.file; path != "" {
		if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
			fmt.Fprintf(os.Stderr, "betterauth: writing the flow table to TENANTC_FLOW_TABLE=%s: %v\n", path, err)
		}
	}
}

func writeFlows(w io.Writer, rows []flowRow) {
	wf, wd := len("flow"), len("direction")
	pass := 0
	for _, r := range rows {
		wf = max(wf, len([]rune(r.flow)))
		wd = max(wd, len([]rune(r.direction)))
		if r.result == "PASS" {
			pass++
		}
	}
	pad := func(s string, n int) string { return s + strings.Repeat(" ", n-len([]rune(s))) }
	fmt.Fprintf(w, "\nBetter Auth interop flows (better-auth %s, internal/betterauth): %d of %d pass\n", baVersion(), pass, len(rows))
	fmt.Fprintf(w, "%s  %s  result  %6s  test; notes: the refusals the flow expected, what it saw\n", pad("flow", wf), pad("direction", wd), "time")
	for _, r := range rows {
		fmt.Fprintf(w, "%s  %s  %-6s  %5.1fs  %s\n", pad(r.flow, wf), pad(r.direction, wd), r.result, r.took.Seconds(), r.test)
		for _, n := range r.notes {
			fmt.Fprintf(w, "%s  %s  %-6s  %6s    %s\n", pad("", wf), pad("", wd), "", "", n)
		}
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// baVersion is the better-auth installed in js/node_modules.
func baVersion() string {
	b, err := os.ReadFile(filepath.Join(jsDir, "node_modules", "better-auth", "package.json"))
	if err != nil {
		return "not installed"
	}
	var p struct{ Version string }
	if json.Unmarshal(b, &p) != nil || p.Version == "" {
		return "unknown version"
	}
	return p.Version
}
