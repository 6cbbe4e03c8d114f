package tui

// Run: the Bubble Tea program around a Model, for the CLI. It caps
// rendering at MaxFPS and closes the Source once the program has given the
// terminal back, so a recording is finalised however the screen ends; then
// it prints, on the normal screen, every file the session wrote.

import (
	"context"
	"errors"
	"fmt"
	"io"

	tea "charm.land/bubbletea/v2"

	"github.com/haktop/haktop/live"
)

// Run shows src on the terminal behind in and out until the user quits or
// ctx ends, then closes src. It returns the first error of the program or
// of closing src. After the screen it prints "haktop: wrote FILE" for each
// file src wrote (live.FileLister), so their paths outlive the screen.
func Run(ctx context.Context, src Source, opts Options, in io.Reader, out io.Writer) error {
	p := tea.NewProgram(New(src, opts),
		tea.WithContext(ctx),
		tea.WithInput(in),
		tea.WithOutput(out),
		tea.WithFPS(MaxFPS),
	)
	_, err := p.Run()
	if errors.Is(err, tea.ErrInterrupted) || (errors.Is(err, tea.ErrProgramKilled) && ctx.Err() != nil) {
		err = nil // SIGINT or the context ended the program: a normal way out
	}
	err = errors.Join(err, src.Close())
	if fl, ok := src.(live.FileLister); ok {
		for _, f := range fl.Files() {
			fmt.Fprintf(out, "haktop: wrote %s\n", f)
		}
	}
	return err
}
