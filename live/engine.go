package live

// Engine: the live Source. It owns the allocator, the running workload, the
// sampler, the CPU profile collector and any recording, and it alone changes
// them: pause, workers, workload, gate toggles (a restart on a new
// allocator), recording and export all go through Apply. A goroutine turns
// each sample into the next Frame; Frame hands out the latest one. The
// models never see any of this, only Frames.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/haktop/haktop/profile"
	"github.com/haktop/haktop/sampler"
	"github.com/haktop/haktop/target"
	"github.com/haktop/haktop/target/embedded"
	"github.com/haktop/haktop/workload"
)

// EngineConfig configures a live session.
type EngineConfig struct {
	Spec     workload.Spec    // the workload to run; Cycles and Duration 0 mean until quit
	Alloc    embedded.Config  // the allocator's gates
	Interval time.Duration    // sampling interval; 0 means sampler.DefaultInterval
	Profile  bool             // attribute CPU to paths with a rolling CPU profile
	Window   time.Duration    // CPU profile window; 0 means profile.DefaultWindow
	Dir      string           // where r and e write their files; "" means the current directory
	Now      func() time.Time // names the files r and e write; nil means time.Now
	Warnings []string         // shown in every frame's Status, e.g. HAKMEM_* variables no gate declares
	// StatsOut gets the last allocator's HAKMEM_POOL_V2_STATS dump at
	// Close, when the screen is gone (the command passes stderr); nil
	// appends it to the session's stats file like every earlier one.
	StatsOut io.Writer
}

// Engine runs a live session.
type Engine struct {
	cfg     EngineConfig
	started time.Time // wall clock at the start, for exported profiles
	ctx     context.Context
	cancel  context.CancelFunc
	smp     *sampler.Sampler
	coll    *profile.Collector // nil when profiling is off or unavailable
	unsub   func()
	loop    sync.WaitGroup

	cmdMu sync.Mutex // serialises Apply and Close: one command at a time

	mu       sync.Mutex // guards everything below; held briefly
	alloc    *embedded.Instance
	stats    *bytes.Buffer // alloc's HAKMEM_POOL_V2_STATS dump, written at its Close
	statsAt  string        // the session's stats file, once a dump was saved
	run      *workload.Run
	spec     workload.Spec
	paused   bool
	worker   int            // heap filter: worker index, or -1 for all
	epoch    int            // the sampler's counter epoch of alloc and run
	epochAt  time.Duration  // the sampler's elapsed time when the epoch began
	last     sampler.Sample // the epoch's latest sample
	frame    Frame
	history  []sampler.Rates // whole-allocator rates, oldest first
	wHistory []sampler.Rates // the filtered worker's rates
	wPrev    sampler.Sample  // the filtered worker's previous heap sample
	// ranRates are the rates last shown while the run was running, for the
	// current view (all heaps or the filtered worker): a finished run keeps
	// showing them instead of the zeros of its idle allocator.
	ranRates *sampler.Rates
	cpu      []int64 // CPU samples per path in the epoch, in layout's path order
	windows  int     // profile windows already seen
	cpuAfter int     // windows up to this one began before the epoch: cpu leaves them out
	rec      *sampler.Recorder
	recPath  string
	written  fileLog // every file the session wrote, for Files
	unsink   func()
	recErr   error
	note     string // e.g. why profiling is off, or that the run finished
	closed   bool
}

// NewEngine starts cfg's workload on a new allocator with the sampler and,
// when asked, the profiler running. The first frame arrives after one
// sampling interval.
func NewEngine(cfg EngineConfig) (*Engine, error) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Window == 0 {
		cfg.Window = profile.DefaultWindow
	}
	if err := cfg.Spec.Validate(); err != nil {
		return nil, err
	}
	a, stats, err := newAllocator(cfg.Alloc)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	run, err := a.Start(ctx, cfg.Spec)
	if err != nil {
		cancel()
		a.Close()
		return nil, err
	}
	smp, err := sampler.New(cfg.Alloc.Schema(), a.Source(), run.Cycles, sampler.Options{Interval: cfg.Interval, History: HistoryLen, InProcess: true})
	if err != nil {
		cancel()
		run.Stop()
		run.Wait()
		a.Close()
		return nil, err
	}
	e := &Engine{cfg: cfg, started: cfg.Now(), ctx: ctx, cancel: cancel, smp: smp, alloc: a, stats: stats, run: run, spec: cfg.Spec, worker: -1,
		cpu: make([]int64, len(layout.Paths))}
	if cfg.Profile {
		coll, err := profile.NewCollector(cfg.Window, &layout)
		if err == nil {
			err = coll.Start()
		}
		if err != nil {
			e.note = "no CPU attribution: " + err.Error()
		} else {
			e.coll = coll
		}
	}
	e.frame = e.build(sampler.Sample{}, sampler.Rates{}, nil, nil)
	ch, unsub := smp.Subscribe(4)
	e.unsub = unsub
	e.loop.Add(2)
	go func() { defer e.loop.Done(); smp.Run(ctx) }()
	go func() {
		defer e.loop.Done()
		for s := range ch {
			e.onSample(s)
		}
	}()
	return e, nil
}

// onSample folds one sample into the history and builds the next frame;
// while paused the frame stays frozen.
func (e *Engine) onSample(s sampler.Sample) {
	var a profile.Attribution
	n := 0
	if e.coll != nil {
		n = e.coll.Windows()
		a, _ = e.coll.Latest()
	}

	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return
	}
	// Only windows that began in this epoch count: one that straddles a
	// restart would blame the new gates for the old allocator's paths.
	var attr *profile.Attribution
	if n > e.cpuAfter {
		attr = &a
		if n != e.windows {
			for p, v := range a.PathSamples() {
				if p < len(e.cpu) {
					e.cpu[p] += v
				}
			}
		}
	}
	e.windows = n
	ended := e.run.Ended()
	if s.Epoch == e.epoch { // a sample queued before a restart belongs to the old history
		e.last = s
		if !ended { // an ended run's idle intervals are not its history
			e.history = appendRing(e.history, s.Rates)
		}
	}
	if ended && e.note == "" {
		e.note = fmt.Sprintf("run finished: %d cycles; w, + or - starts another", e.run.Cycles())
	}
	if e.paused {
		return
	}
	if s.Epoch != e.epoch {
		return // queued before a restart: the gates and heaps it would be shown with are gone
	}
	rates, history := s.Rates, e.history
	cur := s
	if e.worker >= 0 {
		cur.Snap, _ = e.alloc.HeapSnapshot(e.run.HeapID(e.worker))
		cur.Snap.Ops, cur.Snap.Proc = e.run.WorkerCycles(e.worker), s.Snap.Proc
		rates = sampler.RatesBetween(&layout, e.wPrev, cur)
		e.wPrev = cur
		if !ended {
			e.wHistory = appendRing(e.wHistory, rates)
		}
		history = e.wHistory
	}
	switch {
	case !ended:
		// Not an interval without ops: the last one before the end may be
		// the workers' final drain, after their loops stopped.
		if active(rates, layout.Counted) {
			e.ranRates = &rates
		}
	case e.ranRates != nil:
		rates = *e.ranRates
	default: // it ended before this view showed a rate: the run's own mean
		res := e.run.Wait()
		cur.Elapsed = cur.EpochStart + res.Elapsed
		rates = sampler.RatesBetween(&layout, sampler.Sample{}, cur)
		e.ranRates = &rates
	}
	if attr != nil {
		attr = workerAttribution(*attr, e.spec.Name, e.worker)
	}
	seq := e.frame.Seq + 1
	e.frame = e.build(s, rates, history, attr)
	e.frame.Seq = seq
}

// active reports whether rates saw the workload run: ops, and allocator
// calls where counters are compiled in (the two are published apart).
func active(r sampler.Rates, statsCompiled bool) bool {
	if r.OpsPerSec == 0 {
		return false
	}
	calls, n := layout.CounterOf(target.RoleCalls), len(layout.Counters)
	for c := range layout.Classes {
		if r.Rate(c, calls, n) > 0 {
			return true
		}
	}
	return !statsCompiled
}

// appendRing appends r, keeping the last HistoryLen entries.
func appendRing(h []sampler.Rates, r sampler.Rates) []sampler.Rates {
	if len(h) >= HistoryLen {
		h = slices.Delete(h, 0, len(h)-HistoryLen+1)
	}
	return append(h, r)
}

// workerAttribution returns the share of a's samples taken on workload
// name's goroutines (worker i's, or every worker's when i < 0), so the hot
// paths describe the workload and not this screen, the sampler or the
// profiler, which run unlabelled. It returns nil when the window caught
// none of those goroutines.
func workerAttribution(a profile.Attribution, name string, i int) *profile.Attribution {
	worker := ""
	if i >= 0 {
		worker = strconv.Itoa(i)
	}
	return a.ForWorker(name, worker)
}

// build returns the frame of sample s showing rates; e.mu is held.
func (e *Engine) build(s sampler.Sample, rates sampler.Rates, history []sampler.Rates, attr *profile.Attribution) Frame {
	return buildFrame(frameInput{
		spec:    e.spec,
		sample:  s,
		rates:   rates,
		history: slices.Clone(history),
		attr:    attr,
		cpu:     e.cpu,
		gates:   e.alloc.Config().Gates(),
		ended:   e.run.Ended(),
	})
}

// Wait returns the running workload's result once it finishes (a run
// with Cycles or Duration set ends by itself); a restart starts another run.
func (e *Engine) Wait() workload.Result {
	e.mu.Lock()
	run := e.run
	e.mu.Unlock()
	return run.Wait()
}

// Frame returns the latest frame with the current status.
func (e *Engine) Frame() Frame {
	e.mu.Lock()
	defer e.mu.Unlock()
	f := e.frame
	f.Status = Status{
		Recording: e.recPath,
		Paused:    e.paused,
		Worker:    e.worker,
		Profiling: e.coll != nil,
		Note:      e.note,
		Warnings:  e.cfg.Warnings,
	}
	if e.recErr != nil {
		f.Status.Note = "recording failed: " + e.recErr.Error()
	}
	return f
}

// Apply carries out a live command and returns its outcome.
func (e *Engine) Apply(c Command) (string, error) {
	e.cmdMu.Lock()
	defer e.cmdMu.Unlock()
	if e.isClosed() {
		return "", errors.New("the session has ended")
	}
	switch c.Kind {
	case CmdTogglePause:
		return e.togglePause()
	case CmdWorkers:
		spec := e.currentSpec()
		spec.Workers += c.Arg
		if spec.Workers < 1 {
			return "", fmt.Errorf("workers: at least 1 (larson 2)")
		}
		return e.restart(e.currentConfig(), spec, fmt.Sprintf("workers %d -> %d", spec.Workers-c.Arg, spec.Workers))
	case CmdCycleWorkload:
		old := e.currentSpec()
		spec, kept := nextWorkload(old)
		why := fmt.Sprintf("workload %s -> %s", old.Name, spec.Name)
		if kept {
			why += fmt.Sprintf(" on the %d workers you chose", spec.Workers)
		}
		return e.restart(e.currentConfig(), spec, why)
	case CmdWorkerFilter:
		return e.cycleWorker(), nil
	case CmdRecord:
		return e.toggleRecording()
	case CmdExport:
		return e.export()
	case CmdToggleGate:
		cfg := e.currentConfig()
		old := cfg.Value(c.Env)
		g := layout.Gate(c.Env) // its cycle is the registry's (target.Gate.Next)
		if g == nil {
			return "", fmt.Errorf("no gate %q", c.Env)
		}
		next := g.Next(old)
		if err := cfg.Set(c.Env, next); err != nil {
			return "", err
		}
		return e.restart(cfg, e.currentSpec(), fmt.Sprintf("%s %s -> %s", c.Env, old, next))
	case CmdSetGate:
		cfg := e.currentConfig()
		old := cfg.Value(c.Env)
		if err := cfg.Set(c.Env, c.Value); err != nil {
			return "", err
		}
		next := cfg.Value(c.Env)
		return e.restart(cfg, e.currentSpec(), fmt.Sprintf("%s %s -> %s", c.Env, old, next))
	}
	return "", ErrNotSupported("that key in a live session")
}

// CheckGate returns the error setting gate env to value would give, naming
// the accepted forms, or nil.
func (e *Engine) CheckGate(env, value string) error {
	cfg := e.currentConfig()
	return cfg.Set(env, value)
}

func (e *Engine) isClosed() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.closed
}

func (e *Engine) currentSpec() workload.Spec {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.spec
}

func (e *Engine) currentConfig() embedded.Config {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.alloc.Config()
}

// event notes e in the recording, if one is running; e.mu is held.
func (e *Engine) event(ev sampler.Event) {
	if e.rec == nil {
		return
	}
	if err := e.rec.Event(ev); err != nil && e.recErr == nil {
		e.recErr = err
	}
}

func (e *Engine) togglePause() (string, error) {
	e.mu.Lock()
	run, paused := e.run, e.paused
	e.paused = true // freeze the view now, on the last full interval's rates
	e.mu.Unlock()
	// Pause waits for every worker to park; do it without e.mu so the
	// sampler's goroutine is never held up.
	if paused {
		run.Resume()
	} else {
		run.Pause()
	}
	last := e.smp.SampleNow() // exact counters at the pause, and the event's timestamp
	e.mu.Lock()
	defer e.mu.Unlock()
	e.paused = !paused
	if e.paused {
		e.event(sampler.Event{Kind: sampler.EventPause, Epoch: last.Epoch, Elapsed: last.Elapsed})
		return "paused: workload parked, view frozen", nil
	}
	e.event(sampler.Event{Kind: sampler.EventResume, Epoch: last.Epoch, Elapsed: last.Elapsed})
	return "resumed", nil
}

// restart stops the running workload and starts spec on a new allocator
// built from cfg: a new counter epoch. The old allocator is closed only
// after the sampler has switched away from it.
func (e *Engine) restart(cfg embedded.Config, spec workload.Spec, why string) (string, error) {
	if err := spec.Validate(); err != nil {
		return "", err
	}
	a, stats, err := newAllocator(cfg)
	if err != nil {
		return "", err
	}
	e.mu.Lock()
	oldRun, oldAlloc, oldStats := e.run, e.alloc, e.stats
	e.mu.Unlock()
	oldRun.Stop()
	oldRun.Wait()
	run, err := a.Start(e.ctx, spec)
	if err != nil {
		a.Close()
		return "", err
	}
	epoch, at := e.smp.Restart(cfg.Schema(), a.Source(), run.Cycles)

	e.mu.Lock()
	e.alloc, e.stats, e.run, e.spec, e.epoch, e.epochAt = a, stats, run, spec, epoch, at
	e.paused = false
	e.cpu = make([]int64, len(layout.Paths))
	if e.coll != nil {
		e.cpuAfter = e.coll.Windows() + 1 // the open window straddles the restart
	}
	e.worker, e.wHistory, e.wPrev, e.ranRates = -1, nil, sampler.Sample{}, nil
	e.history = nil // a new epoch: the old workload's bars would describe classes it no longer runs
	e.note = ""
	// The workload goes with the gates, so a reader splits the session
	// where w, + or - changed it (sampler.SegmentsOf).
	e.event(sampler.Event{Kind: sampler.EventRestart, Epoch: epoch, Elapsed: at, Message: why, Gates: sampler.GateValues(cfg.Gates()), Workload: &spec})
	e.mu.Unlock()

	oldAlloc.Close()
	msg := "restarted: " + why
	if oldStats.Len() > 0 {
		path, err := e.saveStats(oldStats, "the allocator before "+why)
		if err != nil {
			return msg, fmt.Errorf("%s, but the old allocator's HAKMEM_POOL_V2_STATS dump is lost: %w", msg, err)
		}
		msg += "; HAKMEM_POOL_V2_STATS dump of the old allocator in " + path
	}
	return msg, nil
}

// newAllocator returns an allocator whose HAKMEM_POOL_V2_STATS dump goes
// to the returned buffer: nothing may write to the terminal under the
// screen, and the engine decides where the dump goes.
func newAllocator(cfg embedded.Config) (*embedded.Instance, *bytes.Buffer, error) {
	var buf bytes.Buffer
	a, err := embedded.New(cfg, &buf)
	if err != nil {
		return nil, nil, err
	}
	return a, &buf, nil
}

// saveStats appends a closed allocator's stats dump, under a line saying
// which allocator it was, to the session's stats file
// (haktop-poolv2-stats-TIME.txt, one per session) and returns its path.
func (e *Engine) saveStats(dump *bytes.Buffer, which string) (string, error) {
	e.mu.Lock()
	if e.statsAt == "" {
		e.statsAt = e.stamp("poolv2-stats", ".txt")
	}
	path := e.statsAt
	e.wrote(path)
	e.mu.Unlock()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return "", err
	}
	_, err = fmt.Fprintf(f, "# %s\n%s", which, dump.Bytes())
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return path, err
}

// nextWorkload returns spec moved to the next workload in workload.Names,
// with that workload's defaults, running until quit. A worker count the
// user chose (one that is not the old workload's default) is kept, at
// least the new workload's own; kept reports that, so the screen says so.
func nextWorkload(spec workload.Spec) (next workload.Spec, kept bool) {
	names := workload.Names()
	i := slices.Index(names, spec.Name)
	next = workload.DefaultSpec(names[(i+1)%len(names)])
	next.Cycles, next.Duration = 0, 0
	if spec.Workers != workload.DefaultSpec(spec.Name).Workers {
		next.Workers = max(spec.Workers, next.Workers)
		kept = true
	}
	return next, kept
}

func (e *Engine) cycleWorker() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.worker++
	if e.worker >= e.spec.Workers {
		e.worker = -1
	}
	e.wHistory, e.wPrev, e.ranRates = nil, sampler.Sample{}, nil
	return "" // the header's "showing worker N" says it
}

// stamp returns a file name in the session's directory: haktop-KIND-TIME.EXT.
func (e *Engine) stamp(kind, ext string) string {
	name := "haktop-" + kind + "-" + e.cfg.Now().Format("20060102-150405") + ext
	return filepath.Join(e.cfg.Dir, name)
}

func (e *Engine) toggleRecording() (string, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.rec != nil {
		return e.stopRecording("stopped")
	}
	path := e.stamp("session", ".jsonl")
	rec, err := sampler.Create(path, sampler.NewHeader(e.spec, e.alloc.Schema(), e.smp.Interval()))
	if err != nil {
		return "", err
	}
	e.rec, e.recPath, e.recErr = rec, path, nil
	e.wrote(path)
	// The recording starts at zero now: its clock and counters are
	// measured from this moment, not from the session's start.
	e.unsink = e.smp.AddRecorder(rec, func(err error) {
		e.mu.Lock()
		if e.recErr == nil {
			e.recErr = err
		}
		e.mu.Unlock()
	})
	return "recording to " + path, nil
}

// stopRecording writes the footer and closes the file; e.mu is held. The
// sink is removed first, so no sample arrives after the footer.
func (e *Engine) stopRecording(reason string) (string, error) {
	unsink, rec, path := e.unsink, e.rec, e.recPath
	e.rec, e.recPath, e.unsink = nil, "", nil
	e.mu.Unlock()
	unsink() // waits for a sample in flight, which may take e.mu
	e.mu.Lock()
	err := rec.Close(sampler.Footer{Reason: reason, Drops: e.smp.Drops()})
	if err == nil {
		err = e.recErr
	}
	if err != nil {
		return "", fmt.Errorf("recording %s: %w", path, err)
	}
	return fmt.Sprintf("saved %s (%d records)", path, rec.Records()), nil
}

// export writes the session's CPU profile, when profiling is on, and a
// counter profile (profile.CounterProfile) of the current epoch, without
// stopping anything.
func (e *Engine) export() (string, error) {
	e.mu.Lock()
	now, cfg, last := e.alloc.Snapshot(), e.alloc.Config(), e.latest() // exact counters now, over the epoch's time so far
	e.mu.Unlock()
	now.Ops, now.Proc = last.Snap.Ops, last.Snap.Proc
	last.Snap = now
	counters := e.stamp("counters", ".pb.gz")
	if err := profile.WriteFile(counters, CounterProfileOf(last, cfg, e.started)); err != nil {
		return "", err
	}
	e.mu.Lock()
	e.wrote(counters)
	e.mu.Unlock()
	if e.coll == nil {
		return "wrote " + counters + " (no CPU profile: profiling is off)", nil
	}
	cpuPath := e.stamp("cpu", ".pb.gz")
	f, err := os.Create(cpuPath)
	if err != nil {
		return "", err
	}
	err = e.coll.WriteMerged(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(cpuPath)
		return "", fmt.Errorf("exporting the CPU profile: %w (wrote %s)", err, counters)
	}
	e.mu.Lock()
	e.wrote(cpuPath)
	e.mu.Unlock()
	return "wrote " + cpuPath + " and " + counters, nil
}

// wrote notes path among the files the session wrote; e.mu is held.
func (e *Engine) wrote(path string) { e.written.add(path) }

// Files returns every file the session wrote (recordings, exports), in the
// order they were first written; the CLI names them after the screen.
func (e *Engine) Files() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.written.list()
}

// Close ends the session: it finalises any recording, stops the profiler
// and the workload, and gives the allocator's memory back.
func (e *Engine) Close() error {
	e.cmdMu.Lock()
	defer e.cmdMu.Unlock()
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return nil
	}
	var errs []error
	if e.rec != nil {
		if _, err := e.stopRecording("quit"); err != nil {
			errs = append(errs, err)
		}
	}
	e.closed = true
	run, a, stats := e.run, e.alloc, e.stats
	e.mu.Unlock()

	if e.coll != nil {
		if err := e.coll.Stop(); err != nil {
			errs = append(errs, err)
		}
	}
	run.Stop()
	run.Wait()
	e.cancel()
	e.unsub()
	e.loop.Wait()
	errs = append(errs, a.Close())
	if stats.Len() > 0 {
		var err error
		if e.cfg.StatsOut != nil {
			_, err = e.cfg.StatsOut.Write(stats.Bytes())
		} else {
			_, err = e.saveStats(stats, "the allocator at quit")
		}
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}
