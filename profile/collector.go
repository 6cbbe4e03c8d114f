package profile

// Collector owns the process's CPU profiler (runtime/pprof allows one CPU
// profile per process) while a session runs: it profiles in rolling windows
// into memory, attributes each window as it closes, and merges the windows
// into one session profile for export. Its goroutine alone starts and stops
// the profiler; every other method reads under mu.
//
// Between two windows the profiler is off for as long as StopCPUProfile
// takes to finish the closing window's protobuf (a few milliseconds); those
// moments are not sampled.

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"runtime/pprof"
	"sync"
	"time"

	pprofile "github.com/google/pprof/profile"

	"github.com/haktop/haktop/target"
)

// Window bounds and default for NewCollector.
const (
	MinWindow     = 100 * time.Millisecond
	MaxWindow     = 5 * time.Second
	DefaultWindow = time.Second
)

// ErrProfilerBusy is returned by Start when CPU profiling is already on in
// this process (another Collector, go test -cpuprofile, or a direct
// runtime/pprof.StartCPUProfile).
var ErrProfilerBusy = errors.New("profile: CPU profiling is already on in this process (another Collector, go test -cpuprofile or pprof.StartCPUProfile); stop it first")

// Collector profiles the process in rolling windows.
type Collector struct {
	window time.Duration
	rules  *classifier // the target's bucket rules, fixed at NewCollector

	mu      sync.Mutex
	started bool
	latest  Attribution
	merged  *pprofile.Profile
	windows int
	err     error
	stop    chan struct{}
	done    chan struct{}
}

// NewCollector returns a stopped Collector with windows of length window
// whose windows are attributed to the paths of the target s describes
// (Attribute), or an error naming window and the accepted range. s nil
// suits a caller that reads only the merged profile: every sample then
// goes to a catch-all row.
func NewCollector(window time.Duration, s *target.Schema) (*Collector, error) {
	if window < MinWindow || window > MaxWindow {
		return nil, fmt.Errorf("profile: window %v is not valid: want a duration from %v to %v", window, MinWindow, MaxWindow)
	}
	return &Collector{window: window, rules: newClassifier(s)}, nil
}

// Start turns the CPU profiler on and returns nil, ErrProfilerBusy when
// profiling is already on, or an error when the Collector was started before.
func (c *Collector) Start() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.started {
		return errors.New("profile: Collector already started; a Collector runs once")
	}
	buf := new(bytes.Buffer)
	if err := pprof.StartCPUProfile(buf); err != nil {
		return ErrProfilerBusy
	}
	c.started = true
	c.stop, c.done = make(chan struct{}), make(chan struct{})
	go c.run(buf, c.stop, c.done)
	return nil
}

// run closes a window every c.window until Stop, then closes the last one.
func (c *Collector) run(buf *bytes.Buffer, stop <-chan struct{}, done chan<- struct{}) {
	defer close(done)
	t := time.NewTicker(c.window)
	defer t.Stop()
	for {
		select {
		case <-stop:
			pprof.StopCPUProfile()
			c.absorb(buf.Bytes())
			return
		case <-t.C:
			pprof.StopCPUProfile()
			next := new(bytes.Buffer)
			err := pprof.StartCPUProfile(next)
			c.absorb(buf.Bytes())
			if err != nil {
				c.fail(fmt.Errorf("profile: restarting the CPU profiler for the next window: %w", ErrProfilerBusy))
				<-stop
				return
			}
			buf = next
		}
	}
}

// absorb parses one window, makes it the latest and merges it into the session.
func (c *Collector) absorb(data []byte) {
	p, err := pprofile.ParseData(data)
	if err != nil {
		c.fail(fmt.Errorf("profile: parsing a CPU profile window: %w", err))
		return
	}
	a := c.rules.attribute(p)
	c.mu.Lock()
	defer c.mu.Unlock()
	merged := p
	if c.merged != nil {
		if merged, err = pprofile.Merge([]*pprofile.Profile{c.merged, p}); err != nil {
			c.err = cmpErr(c.err, fmt.Errorf("profile: merging a CPU profile window: %w", err))
			return
		}
	}
	c.merged = merged
	c.latest = a
	c.windows++
}

func (c *Collector) fail(err error) {
	c.mu.Lock()
	c.err = cmpErr(c.err, err)
	c.mu.Unlock()
}

// cmpErr keeps the first error.
func cmpErr(old, err error) error {
	if old != nil {
		return old
	}
	return err
}

// Stop closes the current window, turns the profiler off and returns the
// first error met while collecting. It is a no-op on a stopped Collector.
func (c *Collector) Stop() error {
	c.mu.Lock()
	stop, done := c.stop, c.done
	c.stop = nil
	c.mu.Unlock()
	if stop != nil {
		close(stop)
		<-done
	}
	return c.Err()
}

// Err returns the first error met while collecting, or nil.
func (c *Collector) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// Windows returns how many windows have closed.
func (c *Collector) Windows() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.windows
}

// Latest returns the attribution of the last closed window, and false
// before the first window closes.
func (c *Collector) Latest() (Attribution, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.latest, c.windows > 0
}

// Total returns the attribution of every window so far, merged.
func (c *Collector) Total() Attribution {
	c.mu.Lock()
	p := c.merged
	c.mu.Unlock()
	if p == nil {
		return c.rules.attribute(&pprofile.Profile{})
	}
	return c.rules.attribute(p)
}

// Merged returns a copy of the session profile (every window merged), or
// nil before the first window closes.
func (c *Collector) Merged() *pprofile.Profile {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.merged == nil {
		return nil
	}
	return c.merged.Copy()
}

// WriteMerged writes the session profile, gzipped protobuf as go tool pprof
// reads it, and returns an error when no window has closed yet.
func (c *Collector) WriteMerged(w io.Writer) error {
	p := c.Merged()
	if p == nil {
		return errors.New("profile: no CPU profile window has closed yet; nothing to write")
	}
	return p.Write(w)
}
