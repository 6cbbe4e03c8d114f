package tui

// Run: the Bubble Tea program around a Model, for the CLI. It caps
// rendering at MaxFPS and closes the Source once the program has given the
// terminal back, so a recording is finalised however the screen ends.

import (
	"context"
	"errors"
	"io"

	tea "charm.land/bubbletea/v2"
)

// Run shows src on the terminal behind in and out until the user quits or
// ctx ends, then closes src. It returns the first error of the program or
// of closing src.
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
	return errors.Join(err, src.Close())
}
