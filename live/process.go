package live

// Process: the live Source of a program haktop runs under its preload shim
// (`haktop run -- CMD`, target/process). A goroutine samples CMD's counters
// and /proc figures every interval into a TargetView (the frames), and into
// a recording while r is on: the same session file `haktop record -- CMD`
// writes (header with the schema and the command, CMD's cumulative counters
// and elapsed time from its start, the footer with how it ended), so
// report, diff, replay and export read it alike. space pauses CMD
// (SIGSTOP/SIGCONT); Close stops it (SIGTERM, SIGKILL after the grace
// period). Commands that change a workload or gates haktop does not own
// are ErrNotSupported. Once CMD ends the last frame stays, with how it ended.
// Headless (ProcessConfig.Record) it is `haktop record -- CMD` itself: the
// one sampling loop, final sample and footer rule for a command.

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	pprofile "github.com/google/pprof/profile"

	"github.com/haktop/haktop/profile"
	"github.com/haktop/haktop/sampler"
	"github.com/haktop/haktop/target"
	"github.com/haktop/haktop/target/process"
)

// ProcessConfig configures NewProcess.
type ProcessConfig struct {
	Process  *process.Process // CMD, started by the caller; the Source stops it on Close
	Interval time.Duration    // between samples; 0 means sampler.DefaultInterval
	Dir      string           // where r's recordings and e's exports go; "" is the current directory
	Now      func() time.Time // the clock files are named by; nil means time.Now
	// Manual leaves sampling to the caller (Sample), for tests; the
	// Source then starts no goroutine.
	Manual bool
	// Elapsed is the clock samples are timed by: CMD's run time so far;
	// nil means Process.Elapsed. Tests fix it, so rates are exact.
	Elapsed func() time.Duration
	// Record, when set, records every sample from the first on (haktop
	// record -- CMD); like r's recording it closes when CMD ends, its
	// footer saying how. Done and Recorded tell the caller how it went.
	Record *sampler.Recorder
	// StopReason is the footer's reason when Close stops CMD; "" means
	// "stopped" (q).
	StopReason string
}

// Process is the Source of a program haktop runs.
type Process struct {
	cfg    ProcessConfig
	p      *process.Process
	schema target.Schema
	view   *TargetView
	done   chan struct{} // closed when the sampling goroutine returns

	mu       sync.Mutex // guards what follows, and sampling
	rec      *sampler.Recorder
	recPath  string
	recSeq   int
	recErr   error
	recEnd   string // the last closed recording's footer reason
	recFail  error  // the first error of the last closed recording
	written  fileLog
	lastCPU  time.Duration
	lastAt   time.Duration
	sampled  bool
	ended    bool
	stopped  bool // Close stopped CMD (q), rather than CMD ending by itself
	refresh  bool // the counters shown are republished on request (jemalloc's)
	closeErr error
	closed   bool
}

// NewProcess returns the Source of cfg.Process. It waits until CMD has
// published its counters, at most process.MapWait; when it publishes none
// (a static program, say) the frames say so and show RSS and CPU only.
func NewProcess(cfg ProcessConfig) (*Process, error) {
	if cfg.Process == nil {
		return nil, errors.New("live: no process")
	}
	if cfg.Interval == 0 {
		cfg.Interval = sampler.DefaultInterval
	}
	if cfg.Interval < sampler.MinInterval {
		return nil, fmt.Errorf("--interval %v is not valid: want %v or more", cfg.Interval, sampler.MinInterval)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	p := cfg.Process
	if cfg.Elapsed == nil {
		cfg.Elapsed = p.Elapsed
	}
	s := &Process{cfg: cfg, p: p, schema: p.Schema(), done: make(chan struct{})}
	s.view = NewTargetView(s.schema, s.schema.Target)
	s.view.callsAsOps = true
	s.refresh = s.schema.Target == process.TableJemalloc
	info := &ProcessInfo{Command: strings.Join(p.Argv(), " "), PID: p.PID(), CPUPercent: math.NaN(), Target: s.schema.Target,
		Unmeasured: p.Unmeasured()}
	s.view.update(func(st *Status, pi **ProcessInfo) {
		*pi = info
		if info.Unmeasured != "" {
			st.Warnings = append(st.Warnings, info.Unmeasured)
		}
	})
	if cfg.Record != nil {
		s.rec, s.recPath = cfg.Record, cfg.Record.Path()
		s.wrote(s.recPath)
		s.view.update(func(st *Status, _ **ProcessInfo) { st.Recording = s.recPath })
	}
	s.Sample()
	if cfg.Manual {
		close(s.done)
	} else {
		go s.run()
	}
	return s, nil
}

// run samples every interval until CMD ends (by itself, or stopped by Close).
func (s *Process) run() {
	defer close(s.done)
	tick := time.NewTicker(s.cfg.Interval)
	defer tick.Stop()
	for {
		select {
		case <-tick.C:
			s.Sample()
		case <-s.p.Done(): // Close stops CMD, so this is the way out
			s.Sample() // the final counters and how it ended
			return
		}
	}
}

// Sample reads CMD's counters and figures now and makes them the latest
// frame (and the recording's next sample). While CMD is paused the frame
// stays as it was. Once CMD has ended, the first call takes the final
// counters and closes any recording with how CMD ended; later calls do
// nothing.
func (s *Process) Sample() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ended {
		return
	}
	exit, ended := s.p.Exit()
	snap, err := s.p.Snapshot()
	at := max(s.cfg.Elapsed(), s.lastAt) // samples never go back in time
	if err != nil {                      // a segment CMD broke: say so, and still say how CMD ended
		if s.rec != nil { // it ends the recording: its samples would have a gap
			s.recordFailed(err)
		}
		if ended {
			s.ended = true
			s.finishRecording(exit)
		}
		s.view.update(func(st *Status, pi **ProcessInfo) {
			st.Note = err.Error()
			if ended {
				p := **pi
				p.Ended, p.Failed, p.CPUPercent = exit.String(), exit.Status() != 0, math.NaN()
				*pi = &p
			}
		})
		return
	}
	cpuPct := math.NaN()
	if s.sampled && at > s.lastAt {
		cpuPct = 100 * float64(snap.Proc.CPU-s.lastCPU) / float64(at-s.lastAt)
	}
	s.lastCPU, s.lastAt, s.sampled = snap.Proc.CPU, at, true
	if s.refresh && !ended {
		// The jemalloc table is republished when asked: ask now for the
		// next sample, so every sample has counters from its interval.
		s.p.RequestRefresh()
	}
	if s.rec != nil {
		s.record(at, snap)
	}
	paused := s.p.Paused() && !ended
	if paused {
		s.view.rebase(at, snap) // the rates after resuming start from here
	} else {
		s.view.Add(at, snap)
	}
	s.ended = ended
	var note string
	if ended {
		note = s.finishRecording(exit)
	}
	s.view.update(func(st *Status, pi **ProcessInfo) {
		p := **pi
		p.CPU = snap.Proc.CPU
		if !paused {
			p.CPUPercent = cpuPct
		}
		if ended {
			p.Ended, p.Failed = exit.String(), exit.Status() != 0
			p.CPUPercent = math.NaN() // it runs no more
			st.Paused = false
			st.Note = strings.TrimSpace(fmt.Sprintf("%s %s; q quits. %s", s.p.Argv()[0], endedHow(exit), note))
		}
		*pi = &p
	})
	if ended {
		s.view.finish()
	}
}

// endedHow says how CMD ended in a sentence: "exited with status 3".
func endedHow(e process.Exit) string {
	if e.Signal == 0 {
		return fmt.Sprintf("exited with status %d", e.Code)
	}
	return "was " + e.String()
}

// Frame returns the latest frame.
func (s *Process) Frame() Frame { return s.view.Frame() }

// Apply carries out c: space pauses and resumes CMD, r starts and stops a
// recording, e exports a counter profile; the rest have no meaning for a
// program haktop does not control and are ErrNotSupported.
func (s *Process) Apply(c Command) (string, error) {
	switch c.Kind {
	case CmdTogglePause:
		return s.togglePause()
	case CmdRecord:
		return s.toggleRecording()
	case CmdExport:
		return s.export()
	}
	return "", ErrNotSupported(commandName(c.Kind) + " with a command haktop runs")
}

func (s *Process) togglePause() (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ended {
		return "", errors.New("the command has ended: there is nothing to pause")
	}
	name := s.p.Argv()[0]
	if s.p.Paused() {
		if err := s.p.Resume(); err != nil {
			return "", err
		}
		s.view.update(func(st *Status, _ **ProcessInfo) { st.Paused = false })
		return fmt.Sprintf("resumed %s (SIGCONT)", name), nil
	}
	if err := s.p.Pause(); err != nil {
		return "", err
	}
	s.view.update(func(st *Status, _ **ProcessInfo) { st.Paused = true })
	return fmt.Sprintf("paused %s (SIGSTOP): space resumes it", name), nil
}

// CommandHeader returns the header of a recording of p's counters in schema, as
// `haktop record -- CMD` writes it.
func CommandHeader(p *process.Process, schema target.Schema, interval time.Duration) sampler.Header {
	return sampler.Header{Start: p.Started(), Haktop: sampler.Version(), GoVersion: runtime.Version(), OS: runtime.GOOS, Arch: runtime.GOARCH,
		CPUs: runtime.NumCPU(), GOMAXPROCS: runtime.GOMAXPROCS(0), Interval: interval, StatsCompiled: schema.Counted,
		Schema: schema, Command: p.Argv()}
}

// stamp returns a new file's path in the configured directory.
func (s *Process) stamp(kind, ext string) string {
	return filepath.Join(s.cfg.Dir, "haktop-"+kind+"-"+s.cfg.Now().Format("20060102-150405")+ext)
}

func (s *Process) toggleRecording() (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.rec != nil {
		path := s.recPath
		if err := s.closeRecording(sampler.Footer{Reason: "stopped"}); err != nil {
			return "", err
		}
		return "stopped recording " + path, nil
	}
	if s.ended {
		return "", errors.New("the command has ended: there is nothing more to record")
	}
	path := s.stamp("session", ".jsonl")
	rec, err := sampler.Create(path, CommandHeader(s.p, s.schema, s.cfg.Interval))
	if err != nil {
		return "", err
	}
	s.rec, s.recPath, s.recSeq, s.recErr = rec, path, 0, nil
	s.wrote(path)
	s.view.update(func(st *Status, _ **ProcessInfo) { st.Recording = path })
	return "recording to " + path, nil
}

// record writes one sample; s.mu is held. The first error is kept for the
// status line and ends the recording.
func (s *Process) record(at time.Duration, snap target.Snapshot) {
	if err := s.rec.Record(sampler.Sample{Seq: s.recSeq, Elapsed: at, Snap: snap}); err != nil {
		s.recordFailed(err)
		return
	}
	s.recSeq++
}

// recordFailed ends the recording at its first error, kept for the status
// line and Recorded; s.mu is held.
func (s *Process) recordFailed(err error) {
	s.recErr = err
	s.closeRecording(sampler.Footer{Reason: "error"})
	s.view.update(func(st *Status, _ **ProcessInfo) { st.Note = "recording failed: " + err.Error() })
}

// finishRecording closes the recording once CMD has ended, its footer
// saying how; s.mu is held. It returns what to tell the user.
func (s *Process) finishRecording(exit process.Exit) string {
	if s.rec == nil {
		return ""
	}
	path := s.recPath
	reason := "done"
	if s.stopped {
		reason = cmp.Or(s.cfg.StopReason, "stopped")
	}
	fe := &sampler.Exit{Code: exit.Code, Core: exit.Core}
	if exit.Signal != 0 {
		fe.Signal = process.SignalName(exit.Signal)
	}
	if err := s.closeRecording(sampler.Footer{Reason: reason, Exit: fe}); err != nil {
		return "The recording failed: " + err.Error()
	}
	return "Recorded to " + path + "."
}

// closeRecording writes the footer and closes the file; s.mu is held.
func (s *Process) closeRecording(f sampler.Footer) error {
	err := errors.Join(s.recErr, s.rec.Close(f))
	s.rec, s.recPath, s.recEnd, s.recFail = nil, "", f.Reason, err
	s.view.update(func(st *Status, _ **ProcessInfo) { st.Recording = "" })
	return err
}

// export writes the counter profile (profile.CounterProfile) of CMD's
// counters now, since it started.
func (s *Process) export() (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.schema.Classes) == 0 {
		return "", errors.New("nothing to export: " + s.p.Unmeasured())
	}
	snap, err := s.p.Snapshot()
	if err != nil {
		return "", err
	}
	path := s.stamp("counters", ".pb.gz")
	if err := profile.WriteFile(path, profile.CounterProfile(&s.schema, snap, s.p.Started(), s.cfg.Elapsed())); err != nil {
		return "", err
	}
	s.wrote(path)
	return "wrote " + path, nil
}

// wrote notes path among the files the session wrote; s.mu is held.
func (s *Process) wrote(path string) { s.written.add(path) }

// Files returns the recordings and exports the session wrote, in the order
// they were first written.
func (s *Process) Files() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.written.list()
}

// Done is closed once CMD has ended and its final sample is taken (and
// at once when Manual).
func (s *Process) Done() <-chan struct{} { return s.done }

// Recorded returns the last closed recording's samples, the elapsed time
// of the last sample, its footer's reason and its first error.
func (s *Process) Recorded() (samples int, last time.Duration, reason string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.recSeq, s.lastAt, s.recEnd, s.recFail
}

// Exit returns how CMD ended, and false while it runs.
func (s *Process) Exit() (process.Exit, bool) { return s.p.Exit() }

// Close stops CMD if it still runs (SIGTERM, then SIGKILL after the grace
// period), takes its final sample, closes any recording with how CMD ended
// and removes the segment. It is safe to call more than once.
func (s *Process) Close() error {
	s.mu.Lock()
	if s.closed {
		err := s.closeErr
		s.mu.Unlock()
		return err
	}
	s.closed = true
	if _, ended := s.p.Exit(); !ended {
		s.stopped = true
	}
	s.mu.Unlock()
	s.p.Stop()
	<-s.done // the goroutine took the final sample (or was never started)
	s.Sample()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closeErr = s.p.Close()
	return s.closeErr
}

// Reading returns CMD's latest counters, for --listen's /metrics. A
// command has no per-worker counters: workers is ignored.
func (s *Process) Reading(bool) Reading {
	s.view.mu.Lock()
	snap := s.view.last.Snap.Clone()
	ended := s.view.ended
	s.view.mu.Unlock()
	if len(snap.Counters) != len(s.schema.Classes)*len(s.schema.Counters) {
		snap = s.schema.NewSnapshot()
	}
	r := Reading{Schema: s.schema, Snap: snap, EpochStart: s.p.Started(), Command: strings.Join(s.p.Argv(), " ")}
	r.Verdicts = profile.Verdicts(&r.Schema, profile.Evidence{Hits: snap.Paths, Counted: s.schema.Counted,
		Settled: profile.Settled(ended, s.cfg.Elapsed())})
	return r
}

// CounterProfile returns the counter profile of CMD's latest counters, as
// e writes it; nil when they are not measured.
func (s *Process) CounterProfile() *pprofile.Profile {
	if len(s.schema.Classes) == 0 {
		return nil
	}
	r := s.Reading(false)
	return profile.CounterProfile(&s.schema, r.Snap, s.p.Started(), s.cfg.Elapsed())
}
