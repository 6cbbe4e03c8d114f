package expose

// The profile endpoints, in pprof format (gzipped protobuf, Mappings
// filled) as Parca and Grafana Alloy scrape them:
//
//   - /debug/pprof/profile?seconds=N: the CPU profile of the next N
//     seconds. runtime/pprof allows one CPU profile per process, and the
//     session's profile.Collector owns it while it runs, so this never
//     starts a second one: it takes the collector's merged windows before
//     and after (waiting for the window open at the end to close) and
//     returns the difference. Without a session collector (--no-profile,
//     or record without --cpuprofile) it runs a collector of its own for
//     the N seconds; if anything else holds the profiler it answers 503.
//   - /debug/pprof/counters: the counter profile of the current epoch
//     (profile.CounterProfile, what `haktop export` and the e key write).

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	pprofile "github.com/google/pprof/profile"

	"github.com/haktop/haktop/profile"
)

// Bounds of the CPU profile endpoint's seconds parameter.
const (
	DefaultProfileSeconds = 30
	MaxProfileSeconds     = 300
)

// windowWait bounds the wait for the session collector's open window to
// close after the requested span (windows are at most profile.MaxWindow).
const windowWait = profile.MaxWindow + time.Second

// ErrProfilerBusy says the process's CPU profiler is held by something
// other than the session's collector.
var ErrProfilerBusy = errors.New("the CPU profiler is in use by something other than this session (another request for a CPU profile?); try again when it is done")

// CPUProfile returns the CPU profile of the next d: from coll's windows
// when coll is not nil, else from a collector run for d.
func CPUProfile(ctx context.Context, coll *profile.Collector, d time.Duration) (*pprofile.Profile, error) {
	t0 := time.Now()
	if coll == nil {
		own, err := profile.NewCollector(profile.DefaultWindow, nil) // merged only, not attributed
		if err != nil {
			return nil, err
		}
		if err := own.Start(); err != nil {
			return nil, ErrProfilerBusy
		}
		sleep(ctx, d)
		if err := own.Stop(); err != nil {
			return nil, err
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		p := own.Merged()
		if p == nil {
			return nil, errors.New("the CPU profiler closed no window")
		}
		return stamp(p, t0), nil
	}
	before := coll.Merged()
	if !sleep(ctx, d) {
		return nil, ctx.Err()
	}
	// The window open now holds the span's last moments: wait for it.
	n := coll.Windows()
	deadline := time.Now().Add(windowWait)
	for coll.Windows() == n && time.Now().Before(deadline) {
		if !sleep(ctx, 20*time.Millisecond) {
			return nil, ctx.Err()
		}
	}
	after := coll.Merged()
	if after == nil {
		if err := coll.Err(); err != nil {
			return nil, err
		}
		return nil, errors.New("the session's CPU profiler has closed no window yet")
	}
	if before == nil {
		return stamp(after, t0), nil
	}
	before.Scale(-1)
	diff, err := pprofile.Merge([]*pprofile.Profile{after, before})
	if err != nil {
		return nil, fmt.Errorf("taking the span's windows: %w", err)
	}
	return stamp(diff, t0), nil
}

// stamp dates p from t0 to now.
func stamp(p *pprofile.Profile, t0 time.Time) *pprofile.Profile {
	p.TimeNanos = t0.UnixNano()
	p.DurationNanos = time.Since(t0).Nanoseconds()
	return p
}

// sleep waits d or until ctx is done, and reports whether d passed.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// profileSeconds reads the seconds parameter: DefaultProfileSeconds when
// absent, else an integer from 1 to MaxProfileSeconds.
func profileSeconds(r *http.Request) (time.Duration, error) {
	v := r.URL.Query().Get("seconds")
	if v == "" {
		return DefaultProfileSeconds * time.Second, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > MaxProfileSeconds {
		return 0, fmt.Errorf("seconds=%q is not valid: want an integer from 1 to %d", v, MaxProfileSeconds)
	}
	return time.Duration(n) * time.Second, nil
}

func (s *server) cpuProfile(w http.ResponseWriter, r *http.Request) {
	d, err := profileSeconds(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	cpu, ok := s.src.(CPUSource)
	if !ok {
		http.Error(w, "no CPU profile of this target: it runs in another process, and haktop profiles only its own", http.StatusNotFound)
		return
	}
	p, err := CPUProfile(r.Context(), cpu.Collector(), d)
	switch {
	case errors.Is(err, ErrProfilerBusy):
		http.Error(w, err.Error(), http.StatusServiceUnavailable)
		return
	case err != nil:
		http.Error(w, "CPU profile: "+err.Error(), http.StatusInternalServerError)
		return
	}
	writeProfile(w, p, "cpu.pb.gz")
}

func (s *server) counterProfile(w http.ResponseWriter, r *http.Request) {
	p := s.src.CounterProfile()
	if p == nil {
		http.Error(w, "no counter profile of this target: it is built for haktop's own allocator", http.StatusNotFound)
		return
	}
	writeProfile(w, p, "counters.pb.gz")
}

// writeProfile writes p gzipped, as go tool pprof reads it.
func writeProfile(w http.ResponseWriter, p *pprofile.Profile, name string) {
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	if err := p.Write(w); err != nil {
		// Headers are gone: the client sees a cut-short body.
		return
	}
}
