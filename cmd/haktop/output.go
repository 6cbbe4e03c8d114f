package main

// A command's result goes to stdout one of two ways: indented JSON of its
// document with --json, else the text for people, written through
// colorprofile so a pipe or a file gets no styles. bench, report, diff and
// gates print through writeResult. (ab's JSON keeps ">=" unescaped in its
// reasons, and gates --audit's list carries no styles: both write their own.)

import (
	"encoding/json"
	"io"

	"github.com/charmbracelet/colorprofile"
)

// writeResult writes doc as JSON when asJSON, else text(), to stdout.
func (a *app) writeResult(asJSON bool, doc any, text func() string) error {
	if asJSON {
		enc := json.NewEncoder(a.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(doc)
	}
	_, err := io.WriteString(colorprofile.NewWriter(a.stdout, a.environ()), text())
	return err
}
