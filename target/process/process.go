// Package process runs a program (CMD) under haktop's preload shim as a target:
// it starts, pauses and stops it, and reads its counters and /proc figures.
package process

// process.go owns CMD's life: finding it, starting it with the shim (the
// build Library picks) first in LD_PRELOAD and the segment named in its
// environment, its output sent to a file, pausing (SIGSTOP/SIGCONT),
// stopping (SIGTERM, then SIGKILL after a grace period), and the exit
// status it ends with. CMD runs in a process group of its own, so the
// terminal's Ctrl-C reaches haktop only, and the signals go to the whole
// group (CMD and any children it forked).
//
// CMD never outlives haktop: it is started through tether, so when
// haktop's process ends without stopping it (SIGKILL, a crash, the OOM
// killer) the kernel SIGKILLs CMD, paused or not, whatever it does with
// SIGTERM. haktop's orderly exits (q, Ctrl-C, SIGTERM, a hang-up) go
// through Stop instead. The parent-death signal reaches CMD alone: its
// children are orphaned and run on in CMD's process group, which Stop
// signals while CMD runs (SIGTERM; SIGKILL after the grace only if CMD
// itself still runs), and which nothing signals once CMD has ended.
//
// Children: CMD's forked children inherit the environment, so the shim in
// each counts into tables of its own, tagged with the child's pid; haktop
// ignores them (only tables of CMD's pid count, and a fork copy of a table,
// tagged with its parent's pid, is the child's). A program CMD execs in
// place (same pid) is followed: its tables count from then on.

import (
	"debug/elf"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/haktop/haktop/target"
	"github.com/haktop/haktop/target/process/tether"
	"github.com/haktop/haktop/target/segment"
	"github.com/haktop/haktop/target/shim"
	"golang.org/x/sys/unix"
)

// DefaultGrace is how long Stop waits after SIGTERM before SIGKILL.
const DefaultGrace = 2 * time.Second

// MapWait is how long CMD has to publish its counters in the segment
// before haktop says the preload had no effect.
const MapWait = time.Second

// Options configure Start.
type Options struct {
	Preload string   // a library to preload after the shim (e.g. libjemalloc.so.2); "" for none
	Output  string   // the file CMD's stdout and stderr go to (created or truncated); required
	Env     []string // entries added to haktop's environment for CMD
	Table   string   // the segment table to show: "" picks (see pickTable)
	Shim    string   // the shim library; "" builds the one Library picks into the user's cache
	Grace   time.Duration
}

// CommandError says that CMD cannot be run: it is not found or not
// executable. The CLI exits with status 2 for it.
type CommandError struct {
	Cmd string
	Err error
}

func (e *CommandError) Error() string {
	return fmt.Sprintf("command %s: %v (want a program on PATH or a path to an executable file)", e.Cmd, e.Err)
}

func (e *CommandError) Unwrap() error { return e.Err }

// Exit is how CMD ended.
type Exit struct {
	Code   int            // the exit code, when it exited
	Signal syscall.Signal // the signal that killed it, else 0
	Core   bool           // it dumped core
}

// String says how CMD ended: "exit 0", "killed by SIGSEGV (core dumped)".
func (e Exit) String() string {
	if e.Signal == 0 {
		return fmt.Sprintf("exit %d", e.Code)
	}
	s := "killed by " + SignalName(e.Signal)
	if e.Core {
		s += " (core dumped)"
	}
	return s
}

// Status is the exit status a shell would give CMD: its code, or 128 plus
// the signal's number.
func (e Exit) Status() int {
	if e.Signal != 0 {
		return 128 + int(e.Signal)
	}
	return e.Code
}

// SignalName returns a signal's name as kill -l spells it, e.g. "SIGSEGV".
func SignalName(s syscall.Signal) string {
	if n := unix.SignalName(s); n != "" {
		return n
	}
	return fmt.Sprintf("signal %d", int(s))
}

// Process is a running (or ended) CMD.
type Process struct {
	argv    []string
	path    string // the executable LookPath found
	static  bool   // an ELF with no program interpreter
	cmd     *exec.Cmd
	out     *os.File
	seg     *segment.Segment
	started time.Time
	grace   time.Duration
	table   string
	env     []string // what Options.Env set, for gate sources

	done chan struct{} // closed once CMD is reaped
	mu   sync.Mutex
	exit Exit
	wall time.Duration // start to reap
	cpu  time.Duration // user+system time from the reaped rusage
	rss  uint64        // the largest RSS seen, for after the end
	last target.Proc   // the last figures read from /proc while it ran
	// paused is set between Pause and Resume.
	paused bool

	reader reader
}

// Find returns the executable argv0 names (as exec.LookPath finds it), or
// a *CommandError when there is none.
func Find(argv0 string) (string, error) {
	if argv0 == "" {
		return "", &CommandError{Cmd: `""`, Err: errors.New("no command given")}
	}
	path, err := exec.LookPath(argv0)
	if err != nil {
		var ee *exec.Error
		if errors.As(err, &ee) {
			err = ee.Err
		}
		return "", &CommandError{Cmd: argv0, Err: err}
	}
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return "", &CommandError{Cmd: argv0, Err: errors.New("is a directory")}
	}
	return path, nil
}

// Start starts argv[0] with argv[1:] under the shim. Its stdin is
// /dev/null and its stdout and stderr go to o.Output.
func Start(argv []string, o Options) (*Process, error) {
	if len(argv) == 0 {
		argv = []string{""}
	}
	path, err := Find(argv[0])
	if err != nil {
		return nil, err
	}
	if o.Output == "" {
		return nil, errors.New("process: no output file for the command's stdout and stderr")
	}
	if o.Preload != "" {
		if _, err := os.Stat(o.Preload); err != nil {
			return nil, fmt.Errorf("--preload %s: %w (want a shared library, e.g. /usr/lib/x86_64-linux-gnu/libjemalloc.so.2)", o.Preload, errors.Unwrap(err))
		}
	}
	lib := o.Shim
	if lib == "" {
		if lib, err = Library(path, o).Build(); err != nil {
			return nil, err
		}
	}
	if o.Preload != "" {
		lib += " " + o.Preload
	}
	out, err := os.OpenFile(o.Output, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return nil, fmt.Errorf("the command's output: %w", err)
	}
	seg, err := segment.Create(0)
	if err != nil {
		out.Close()
		return nil, err
	}
	cmd := exec.Command(path, argv[1:]...)
	cmd.Args[0] = argv[0]
	cmd.Env = childEnv(os.Environ(), o.Env, lib, seg.Env())
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // tether adds the parent-death signal
	p := &Process{argv: append([]string(nil), argv...), path: path, static: isStatic(path), cmd: cmd, out: out,
		seg: seg, grace: o.Grace, table: o.Table, env: cmd.Env, done: make(chan struct{})}
	if p.grace <= 0 {
		p.grace = DefaultGrace
	}
	waited, err := tether.Start(cmd)
	if err != nil {
		out.Close()
		seg.Close()
		return nil, &CommandError{Cmd: argv[0], Err: unwrapPath(err)}
	}
	p.started = time.Now()
	go p.wait(waited)
	return p, nil
}

// Library is the build of the shim the program at path runs with. The shim
// interposes every allocation call to count it per request class, and that
// costs each call (target/shim's BenchmarkShimOverhead measures it); so it
// is preloaded only when those counts may be the table shown. When that is
// an allocator's own table (any Table but "requests" and "jemalloc", or by
// default when the program or the --preload library publishes one: it has
// haktop.h's section) or jemalloc's bins (Table "jemalloc", or by default
// with a preloaded library that has mallctl), the stats-only build is
// preloaded: it interposes nothing and publishes jemalloc's stats, and the
// program runs at its own speed. The preloaded libraries are --preload's
// and those of an LD_PRELOAD in haktop's environment or o.Env, which CMD
// gets after them.
func Library(path string, o Options) shim.Library {
	switch {
	case o.Table == TableRequests:
		return shim.Shim
	case o.Table != "" || publishesOwn(path):
		return shim.StatsOnly
	}
	for _, lib := range preloaded(o) {
		if publishesOwn(lib) || hasSymbol(lib, "mallctl") {
			return shim.StatsOnly
		}
	}
	return shim.Shim
}

// preloaded lists the libraries CMD is to preload after the shim: o.Preload
// and the LD_PRELOAD entries (space- or colon-separated, as ld.so takes
// them) of haktop's environment, or of o.Env when it sets one.
func preloaded(o Options) []string {
	libs := []string{}
	if o.Preload != "" {
		libs = append(libs, o.Preload)
	}
	v := os.Getenv("LD_PRELOAD")
	for _, kv := range o.Env {
		if e, ok := strings.CutPrefix(kv, "LD_PRELOAD="); ok {
			v = e
		}
	}
	return append(libs, strings.FieldsFunc(v, func(r rune) bool { return r == ' ' || r == ':' })...)
}

// publishesOwn reports whether the ELF object at path has haktop.h's
// section, which every table it defines puts its name in.
func publishesOwn(path string) bool {
	f, err := elf.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	return f.Section(shim.Section) != nil
}

// hasSymbol reports whether the ELF shared library at path exports the
// function name.
func hasSymbol(path, name string) bool {
	f, err := elf.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	syms, err := f.DynamicSymbols()
	if err != nil {
		return false
	}
	for _, s := range syms {
		if s.Name == name && elf.ST_TYPE(s.Info) == elf.STT_FUNC && s.Section != elf.SHN_UNDEF {
			return true
		}
	}
	return false
}

// childEnv is env with extra added and LD_PRELOAD set to lib followed by
// whatever LD_PRELOAD env already had.
func childEnv(env, extra []string, lib, segEnv string) []string {
	var out []string
	preload := lib
	for _, kv := range append(append([]string{}, env...), extra...) {
		if v, ok := strings.CutPrefix(kv, "LD_PRELOAD="); ok {
			if v != "" {
				preload = lib + " " + v
			}
			continue
		}
		if strings.HasPrefix(kv, segment.EnvVar+"=") {
			continue
		}
		out = append(out, kv)
	}
	return append(out, "LD_PRELOAD="+preload, segEnv)
}

func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// isStatic reports whether path is an ELF executable with no program
// interpreter: ld.so never runs for it, so LD_PRELOAD has no effect.
func isStatic(path string) bool {
	f, err := elf.Open(path)
	if err != nil {
		return false // a script, or not ELF: the segment tells
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return false
		}
	}
	return true
}

// wait records how CMD ended once tether says (on waited) it was reaped.
func (p *Process) wait(waited <-chan error) {
	err := <-waited
	st := p.cmd.ProcessState
	p.mu.Lock()
	p.wall = time.Since(p.started)
	if st != nil {
		p.cpu = st.UserTime() + st.SystemTime()
		if ws, ok := st.Sys().(syscall.WaitStatus); ok {
			switch {
			case ws.Signaled():
				p.exit = Exit{Signal: ws.Signal(), Core: ws.CoreDump()}
			default:
				p.exit = Exit{Code: ws.ExitStatus()}
			}
		}
		if ru, ok := st.SysUsage().(*syscall.Rusage); ok && uint64(ru.Maxrss)*1024 > p.rss {
			p.rss = uint64(ru.Maxrss) * 1024
		}
	} else if err != nil {
		p.exit = Exit{Code: -1}
	}
	p.mu.Unlock()
	p.out.Close()
	close(p.done)
}

// Argv is the command line CMD was started with.
func (p *Process) Argv() []string { return append([]string(nil), p.argv...) }

// PID is CMD's process id.
func (p *Process) PID() int { return p.cmd.Process.Pid }

// Started is when CMD was started.
func (p *Process) Started() time.Time { return p.started }

// Done is closed once CMD has ended.
func (p *Process) Done() <-chan struct{} { return p.done }

// Exit returns how CMD ended, and false while it runs.
func (p *Process) Exit() (Exit, bool) {
	select {
	case <-p.done:
		p.mu.Lock()
		defer p.mu.Unlock()
		return p.exit, true
	default:
		return Exit{}, false
	}
}

// Wait waits for CMD to end and returns how it ended.
func (p *Process) Wait() Exit {
	<-p.done
	e, _ := p.Exit()
	return e
}

// Elapsed is the time since CMD started, or its run time once it ended.
func (p *Process) Elapsed() time.Duration {
	select {
	case <-p.done:
		p.mu.Lock()
		defer p.mu.Unlock()
		return p.wall
	default:
		return time.Since(p.started)
	}
}

// signal sends sig to CMD's process group; an ended CMD is not an error.
func (p *Process) signal(sig syscall.Signal) error {
	select {
	case <-p.done:
		return nil
	default:
	}
	if err := syscall.Kill(-p.PID(), sig); err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("%s %d: %w", SignalName(sig), p.PID(), err)
	}
	return nil
}

// Pause stops CMD (SIGSTOP) until Resume.
func (p *Process) Pause() error {
	p.mu.Lock()
	p.paused = true
	p.mu.Unlock()
	return p.signal(syscall.SIGSTOP)
}

// Resume continues a paused CMD (SIGCONT).
func (p *Process) Resume() error {
	p.mu.Lock()
	p.paused = false
	p.mu.Unlock()
	return p.signal(syscall.SIGCONT)
}

// Paused reports whether CMD is paused by Pause.
func (p *Process) Paused() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.paused
}

// RefreshWait is how long Stop waits for CMD's last refresh (see Stop).
const RefreshWait = 500 * time.Millisecond

// Stop ends CMD: SIGTERM (and SIGCONT, so a paused CMD receives it), then
// SIGKILL if it has not ended after the grace period. It returns how CMD ended.
// When CMD publishes jemalloc's stats, which its refresher copies from
// jemalloc at intervals, Stop first asks for a last refresh and waits (at
// most RefreshWait, resuming a paused CMD) for the answer, so what CMD
// counted since the previous refresh is not lost to the signal.
func (p *Process) Stop() Exit {
	p.lastRefresh()
	if err := p.signal(syscall.SIGTERM); err == nil {
		p.signal(syscall.SIGCONT)
	}
	select {
	case <-p.done:
	case <-time.After(p.grace):
		p.signal(syscall.SIGKILL)
	}
	return p.Wait()
}

// lastRefresh asks CMD's jemalloc refresher for a refresh and waits for
// its answer (the table's refreshed word reaching the request), for CMD
// to end, or RefreshWait.
func (p *Process) lastRefresh() {
	select {
	case <-p.done:
		return
	default:
	}
	refreshed := func() (answered, any bool) {
		snap, err := p.seg.Snapshot()
		if err != nil {
			return false, false
		}
		answered = true
		for _, t := range p.mine(snap) {
			if t.Schema.Name == TableJemalloc {
				any = true
				// the words wrap: Refreshed is at or past Request
				answered = answered && int32(t.Refreshed-snap.Request) >= 0
			}
		}
		return answered, any
	}
	if _, any := refreshed(); !any {
		return
	}
	if p.Paused() {
		p.Resume()
	}
	if p.seg.RequestRefresh() != nil {
		return
	}
	for deadline := time.Now().Add(RefreshWait); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		select {
		case <-p.done:
			return
		default:
		}
		if answered, _ := refreshed(); answered {
			return
		}
	}
}

// Close stops CMD if it still runs and removes the segment.
func (p *Process) Close() error {
	select {
	case <-p.done:
	default:
		p.Stop()
	}
	return p.seg.Close()
}
