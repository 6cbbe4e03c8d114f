package main

// The root command, the list of subcommands and the error-to-exit-code
// policy. Every subcommand lives in its own file; subcommands lists them
// all, and the bare `haktop` runs the live view (tui.go). main wraps
// run(w, wErr, args) error; exitCode prints its error and picks the exit
// status: 0 ok, 1 a failure while running, 2 bad input (one line on stderr
// naming the input and the accepted forms).

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"golang.org/x/term"

	"github.com/haktop/haktop/sampler"
)

// app is what commands may touch of the outside world; tests replace it.
type app struct {
	stdout, stderr io.Writer
	lookupEnv      func(string) (string, bool)
	environ        func() []string // for color-profile detection of stdout/stderr
	stderrIsTTY    func() bool
	// ran is set once a command's RunE starts: an error before that came
	// from parsing the command line, so it is a usage error.
	ran bool
	// strictGates (--strict-gates) makes an undeclared HAKMEM_* variable
	// an error instead of a warning.
	strictGates bool
}

// newApp returns an app over the real process environment.
func newApp(stdout, stderr io.Writer) *app {
	return &app{
		stdout:      stdout,
		stderr:      stderr,
		lookupEnv:   os.LookupEnv,
		environ:     os.Environ,
		stderrIsTTY: func() bool { return isTerminal(stderr) },
	}
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// run executes the command line args with w as stdout and wErr as stderr.
// The error, if any, is what exitCode prints and maps to the exit status.
func run(w, wErr io.Writer, args []string) error {
	return newApp(w, wErr).run(args)
}

func (a *app) run(args []string) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	root := a.rootCommand()
	if args == nil {
		args = []string{} // nil would make cobra read os.Args
	}
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	var ue *usageError
	if err != nil && !a.ran && !errors.As(err, &ue) {
		err = &usageError{err} // it came from parsing the command line
	}
	return err
}

// exitCode writes err, if any, as one line on wErr and returns the exit
// status: 0 for nil, 2 for bad input (a usageError), 1 for a failure while
// running.
func exitCode(wErr io.Writer, err error) int {
	if err == nil {
		return 0
	}
	var es *exitStatusError
	if errors.As(err, &es) {
		return es.status // a recorded command's own status: it was reported
	}
	msg := strings.ReplaceAll(strings.TrimSpace(err.Error()), "\n", "; ")
	fmt.Fprintf(wErr, "haktop: %s\n", msg)
	var ue *usageError
	if errors.As(err, &ue) {
		return 2
	}
	return 1
}

// usageError marks bad input: exit code 2.
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

// usagef returns a usage error; its text names the input and the accepted forms.
func usagef(format string, args ...any) error {
	return &usageError{fmt.Errorf(format, args...)}
}

func (a *app) rootCommand() *cobra.Command {
	var live liveFlags
	root := &cobra.Command{
		Use:   "haktop",
		Short: "Watch an allocator's code paths and env gates live under load",
		Long: "haktop drives the haktop allocator with workloads and shows, per size class and\n" +
			"per code path, what actually runs, so you can check a path is active before you\n" +
			"A/B-test it. With no command it starts the interactive view; haktop run -- CMD\n" +
			"shows the same for another program and the allocator it runs on.",
		Example: "  haktop                      # interactive view\n" +
			"  haktop bench --json         # one headless run, as JSON\n" +
			"  haktop run -- ./prog ARGS   # the view on another program's allocator",
		Args:          unknownCommand,
		SilenceUsage:  true,
		SilenceErrors: true,
		// --version prints sampler.Version, the string every recording's
		// header holds.
		Version: sampler.Version(),
		RunE: func(cmd *cobra.Command, args []string) error {
			a.ran = true
			return a.runLive(cmd, &live)
		},
	}
	root.CompletionOptions.DisableDefaultCmd = true
	root.SetVersionTemplate("haktop {{.Version}}\n")
	root.Flags().Bool("version", false, "print haktop's version (module version and VCS revision) and exit")
	root.PersistentFlags().BoolVar(&a.strictGates, "strict-gates", false,
		"bench, gates, record, serve and the live view: refuse to run (exit 2), instead of warning, when the environment has a HAKMEM_* variable no gate declares")
	live.register(root.Flags())
	root.SetOut(a.stdout)
	root.SetErr(a.stderr)
	root.SetFlagErrorFunc(flagError)
	subs := a.subcommands()
	for _, sub := range subs {
		a.wrap(sub)
	}
	sort.Slice(subs, func(i, j int) bool { return subs[i].Name() < subs[j].Name() })
	root.AddCommand(subs...)
	return root
}

// subcommands returns every subcommand; help lists them by name.
func (a *app) subcommands() []*cobra.Command {
	return []*cobra.Command{
		newABCommand(a), newBenchCommand(a), newDiffCommand(a), newExportCommand(a),
		newGatesCommand(a), newRecordCommand(a), newReplayCommand(a), newReportCommand(a), newRunCommand(a), newServeCommand(a),
	}
}

// unknownCommand rejects `haktop WORD` when WORD is no command.
func unknownCommand(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	var names []string
	for _, c := range cmd.Commands() {
		if c.IsAvailableCommand() {
			names = append(names, c.Name())
		}
	}
	return usagef("unknown command %q: want one of %s (see haktop --help)", args[0], strings.Join(names, ", "))
}

// wrap marks the moment a command's RunE starts, so the exit-code policy
// can tell parse errors from run errors, and names the command's help in
// its usage errors.
func (a *app) wrap(cmd *cobra.Command) *cobra.Command {
	if inner := cmd.RunE; inner != nil {
		cmd.RunE = func(c *cobra.Command, args []string) error {
			a.ran = true
			return inner(c, args)
		}
	}
	for _, sub := range cmd.Commands() {
		a.wrap(sub)
	}
	return cmd
}

// flagError rewrites pflag's parse errors into one line naming the flag,
// the value and the accepted forms.
func flagError(cmd *cobra.Command, err error) error {
	var ive *pflag.InvalidValueError
	if errors.As(err, &ive) {
		f := ive.GetFlag()
		return usagef("--%s %q is not valid: want %s", f.Name, ive.GetValue(), acceptedForms(f))
	}
	return usagef("%v (see %s --help)", err, cmd.CommandPath())
}

// acceptedForms describes the values a flag of f's type accepts.
func acceptedForms(f *pflag.Flag) string {
	switch f.Value.Type() {
	case "int", "int64":
		return "an integer"
	case "uint32":
		return "an integer from 0 to 4294967295"
	case "duration":
		return "a duration like 500ms, 30s or 2m"
	case "bool":
		return "true or false"
	case "float64":
		return "a number"
	}
	return "a " + f.Value.Type()
}
