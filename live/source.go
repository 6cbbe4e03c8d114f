package live

// Source: the boundary between rendering and doing. The models read frames
// from a Source and hand it Commands; the live Engine, the Replay and the
// Process (haktop run) implement it. Nothing in the models mutates a
// target, workload or sampler state except through Apply.

import "slices"

// Source feeds the screen and carries out what the keys ask for.
type Source interface {
	// Frame returns the latest frame. It must be cheap and never wait on
	// the workload: the models call it on every tick.
	Frame() Frame
	// Apply carries out c and returns a one-line outcome for the status
	// line. It may take a while (a gate toggle restarts the allocator), so
	// the models call it from a tea.Cmd, never from Update.
	Apply(c Command) (string, error)
	// Close stops the workload, finalises any recording and releases
	// resources. It is called once, when the program ends.
	Close() error
}

// CommandKind says what a Command asks the Source to do.
type CommandKind int

// Commands the keys can send. Live sources handle the first group, replays
// the second; a source answers the others with ErrNotSupported.
const (
	CmdTogglePause   CommandKind = iota // space: pause/resume workload (live) or playback (replay)
	CmdCycleWorkload                    // w
	CmdWorkers                          // + / -: Arg is the change in workers
	CmdWorkerFilter                     // t: show the next worker's heap, then all
	CmdRecord                           // r: start or stop recording
	CmdExport                           // e: write a CPU profile and a counter profile
	CmdToggleGate                       // g: Env names the gate
	CmdSetGate                          // v: Env names the gate, Value is the typed value
	CmdSeek                             // ←/→: Arg is the change in samples
	CmdSpeed                            // 1/2/4/8: Arg is the speed
)

// Command is one request from the keys to the Source.
type Command struct {
	Kind  CommandKind
	Arg   int
	Env   string
	Value string
}

// FileLister is implemented by sources that write files (recordings,
// exports): Files returns their paths, in the order they were first
// written, so the CLI can name them once the screen is gone.
type FileLister interface {
	Files() []string
}

// GateChecker is implemented by sources whose gates can be set to a typed
// value (CmdSetGate): CheckGate returns the gate parser's error for value,
// naming the accepted forms, or nil. The screen checks as the user types.
type GateChecker interface {
	CheckGate(env, value string) error
}

// fileLog lists the files a source wrote, each once, in the order they were
// first written: what its Files returns. Its owner's mutex guards it.
type fileLog struct{ paths []string }

func (l *fileLog) add(path string) {
	if !slices.Contains(l.paths, path) {
		l.paths = append(l.paths, path)
	}
}

func (l *fileLog) list() []string { return slices.Clone(l.paths) }

// errNotSupported is what a source answers to a command it has no meaning for.
type errNotSupported struct{ what string }

func (e errNotSupported) Error() string { return e.what + " is not available here" }

// ErrNotSupported returns the error a source gives for a command it cannot
// carry out, naming what was asked.
func ErrNotSupported(what string) error { return errNotSupported{what} }
