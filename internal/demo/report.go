package demo

import (
	"fmt"
	"io"
	"strings"
)

// transcript prints the demo's lines as they happen and counts the ones that
// came out other than isolation requires.
type transcript struct {
	w        io.Writer
	failed   []string // the FAIL lines' descriptions, for the error
	checked  int      // lines judged
	attempts int      // cross-tenant attempts made
	refused  int      // of which refused
}

func (t *transcript) printf(format string, args ...any) {
	fmt.Fprintf(t.w, format, args...)
}

func (t *transcript) section(title string) {
	t.printf("\n%s\n", title)
}

// allowed records what an actor may do: got is what happened, pass whether
// it is what isolation requires (want, shown when not).
func (t *transcript) allowed(actor, what, got string, pass bool, want string) {
	t.line("✓", actor, what, got, pass, want)
}

// attack records a cross-tenant attempt: pass means it was refused or saw
// nothing, as it must.
func (t *transcript) attack(actor, what, got string, pass bool, want string) {
	t.attempts++
	if pass {
		t.refused++
	}
	t.line("✗", actor, what, got, pass, want)
}

func (t *transcript) line(mark, actor, what, got string, pass bool, want string) {
	t.checked++
	if !pass {
		t.failed = append(t.failed, fmt.Sprintf("%s %s: %s, want %s", actor, what, got, want))
		t.printf("  FAIL %-12s %s → %s (want %s)\n", actor, what, got, want)
		return
	}
	t.printf("  %s %-12s %s → %s\n", mark, actor, what, got)
}

// plural writes n thing(s).
func plural(n int, thing string) string {
	if n == 1 {
		return "1 " + thing
	}
	return fmt.Sprintf("%d %ss", n, thing)
}

// names lists names, or "none".
func names(list []string) string {
	if len(list) == 0 {
		return "none"
	}
	return strings.Join(list, ", ")
}

// spelled writes n thing(s) with n in words up to three, for prose.
func spelled(n int, thing string) string {
	if n >= 1 && n <= 3 {
		w := []string{"one", "two", "three"}[n-1]
		if n == 1 {
			return w + " " + thing
		}
		return w + " " + thing + "s"
	}
	return plural(n, thing)
}
