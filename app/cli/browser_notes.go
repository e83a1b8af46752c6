package cli

import (
	"fmt"
	"io"

	"github.com/ramsso/ramsso/internal/browsers"
)

// printNotes shows a browser target's notes for `ramsso install`: "i"
// explains, "!" asks for a fix.
func printNotes(out io.Writer, notes []browsers.Note) {
	for _, n := range notes {
		if n.Warn {
			fmt.Fprintf(out, "! %s: %s\n", n.Text, n.Fix)
		} else {
			fmt.Fprintf(out, "i %s\n", n.Text)
		}
	}
}

// addNotes reports a browser target's notes as doctor checks: warnings
// with their fix, explanations as passing checks.
func (d *doctor) addNotes(name string, notes []browsers.Note) {
	for _, n := range notes {
		if n.Warn {
			d.add(name, CheckWarn, n.Text, n.Fix)
		} else {
			d.add(name, CheckOK, n.Text, "")
		}
	}
}
