package sampler

// Header and Gate: what a recording says about itself before its first
// sample: the format, the machine and build, the workload and every gate.
// NewHeader is the one place these are gathered, so `haktop record` and the
// TUI's recorder describe sessions the same way.

import (
	"runtime"
	"runtime/debug"
	"time"

	"github.com/haktop/haktop/allocator"
	"github.com/haktop/haktop/workload"
)

// The recording format this package writes, and the newest it reads.
const (
	FormatName    = "haktop-session"
	FormatVersion = 1
)

// Header describes a recorded session.
type Header struct {
	Format        string // FormatName
	Version       int    // the format version the file was written with
	Start         time.Time
	Haktop        string // haktop's module version and VCS revision
	GoVersion     string
	OS, Arch      string
	CPUs          int // runtime.NumCPU
	GOMAXPROCS    int
	Interval      time.Duration // the sampling interval
	StatsCompiled bool          // false under the haktop_nostats build tag: every counter is 0
	Workload      workload.Spec
	Gates         []Gate // every gate's effective value at the start
}

// Gate is one gate's effective value, as a recording stores it.
type Gate struct {
	Env    string   `json:"env"`
	Value  string   `json:"value"`
	Source string   `json:"source"` // default, profile, env or code
	Paths  []string `json:"paths"`  // keys of the paths it guards
	Off    bool     `json:"off"`    // the value switches every one of Paths off
}

// GatesOf returns every gate's effective value in cfg, in registry order.
func GatesOf(cfg allocator.Config) []Gate {
	gv := cfg.Gates()
	out := make([]Gate, len(gv))
	for i, g := range gv {
		paths := make([]string, len(g.Paths))
		for j, p := range g.Paths {
			paths[j] = p.String()
		}
		out[i] = Gate{Env: g.Env, Value: g.Value, Source: g.Source.String(), Paths: paths, Off: g.Off}
	}
	return out
}

// NewHeader returns the header of a session of spec on a, starting now;
// the gates are a's configuration, the rest is read from the running process.
func NewHeader(spec workload.Spec, a *allocator.Allocator, interval time.Duration) Header {
	return Header{
		Format:        FormatName,
		Version:       FormatVersion,
		Start:         time.Now(),
		Haktop:        Version(),
		GoVersion:     runtime.Version(),
		OS:            runtime.GOOS,
		Arch:          runtime.GOARCH,
		CPUs:          runtime.NumCPU(),
		GOMAXPROCS:    runtime.GOMAXPROCS(0),
		Interval:      interval,
		StatsCompiled: a.Snapshot().StatsCompiled,
		Workload:      spec,
		Gates:         GatesOf(a.Config()),
	}
}

// Version returns haktop's version as the build recorded it: the main
// module's version, then the VCS revision (and "+dirty") when stamped.
func Version() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	v := bi.Main.Version
	if v == "" {
		v = "(devel)"
	}
	var rev, dirty string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				dirty = "+dirty"
			}
		}
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if rev != "" {
		v += " " + rev + dirty
	}
	return v
}
