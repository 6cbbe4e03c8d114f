package sampler

// Header: what a recording says about itself before its first sample: the
// format, the machine and build, the workload, the target's schema and
// every gate's value (a target.Gate, the one gate-value type).
// NewHeader is the one place these are gathered, so `haktop record` and the
// TUI's recorder describe sessions the same way.

import (
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"github.com/haktop/haktop/target"
	"github.com/haktop/haktop/target/embedded"
	"github.com/haktop/haktop/workload"
)

// The recording format this package writes, and the newest it reads.
const (
	FormatName    = "haktop-session"
	FormatVersion = 2 // 2: the header holds the target's schema; 1 listed names only
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
	Gates         []target.Gate // every gate's effective value at the start
	// Schema describes the target the session observed: its classes,
	// counters, paths and gates (with the values in Gates). A format-1 file
	// has none; the reader builds it from the names the file lists.
	Schema target.Schema
	// Command is the command line of a recorded command (record -- CMD),
	// whose target is Schema; nil for a session of a workload.
	Command []string
}

// GateValues returns gates as events and Header.Gates hold them: values
// only (env, value, source, paths, off; the header's schema describes each
// gate), e.g. GateValues(embedded.Gates(cfg)).
func GateValues(gates []target.Gate) []target.Gate { return valuesOf(gates) }

// NewHeader returns the header of a session of spec on the target schema
// describes, starting now; the gates are schema's, the rest is read from
// the running process.
func NewHeader(spec workload.Spec, schema target.Schema, interval time.Duration) Header {
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
		StatsCompiled: schema.Counted,
		Workload:      spec,
		Gates:         valuesOf(schema.Gates),
		Schema:        schema,
	}
}

// schema returns the schema h's recording describes itself with: h.Schema,
// or, when the caller left it empty, the embedded allocator's with h.Gates'
// values.
func (h Header) schema() target.Schema {
	if h.Schema.Target != "" {
		return h.Schema
	}
	s := embedded.DefaultSchema()
	s.Counted = h.StatsCompiled
	for i := range s.Gates {
		for _, g := range h.Gates {
			if g.Env == s.Gates[i].Env {
				s.Gates[i].Value, s.Gates[i].Source, s.Gates[i].Off = g.Value, g.Source, g.Off
			}
		}
	}
	return s
}

// gatesOfSchema returns the gates of s as a recording's Gates.
func gatesOfSchema(s target.Schema) []target.Gate { return valuesOf(s.Gates) }

// valuesOf returns gs without their descriptions: env, value, source, paths, off.
func valuesOf(gs []target.Gate) []target.Gate {
	out := make([]target.Gate, len(gs))
	for i, g := range gs {
		out[i] = target.Gate{Env: g.Env, Value: g.Value, Source: g.Source, Paths: append([]string{}, g.Paths...), Off: g.Off, OffPaths: g.OffPaths}
	}
	return out
}

// schemaOfV1 returns the schema of a format-1 header, which named its
// classes, counters and paths and recorded the embedded allocator's gates:
// what this build's embedded schema knows of each name, and a bare entry
// (role "other") for a name it does not, which it reports to unknown
// ("class", "counter" or "path", and the name).
func schemaOfV1(classes, counters, paths []string, gates []target.Gate, counted bool, unknown func(what, name string)) target.Schema {
	local := embedded.DefaultSchema()
	s := target.Schema{Target: local.Target, Package: local.Package, Invalid: local.Invalid, Gauges: local.Gauges, Counted: counted}
	for _, n := range classes {
		c := target.Class{Name: n}
		if i := slices.IndexFunc(local.Classes, func(l target.Class) bool { return l.Name == n }); i >= 0 {
			c = local.Classes[i]
		} else {
			unknown("class", n)
		}
		s.Classes = append(s.Classes, c)
	}
	for _, n := range counters {
		c := target.Counter{Name: n, Role: target.RoleOther}
		if i := local.CounterNamed(n); i >= 0 {
			c = local.Counters[i]
		} else {
			unknown("counter", n)
		}
		s.Counters = append(s.Counters, c)
	}
	for _, n := range paths {
		p := target.Path{ID: n, Name: n}
		if i := local.PathIndex(n); i >= 0 {
			p = local.Paths[i]
		} else {
			unknown("path", n)
		}
		s.Paths = append(s.Paths, p)
	}
	for _, g := range gates {
		tg := target.Gate{Env: g.Env}
		if l := local.Gate(g.Env); l != nil {
			tg = *l
		}
		tg.Value, tg.Source, tg.Paths, tg.Off, tg.OffPaths = g.Value, g.Source, append([]string{}, g.Paths...), g.Off, g.OffPaths
		s.Gates = append(s.Gates, tg)
	}
	return s
}

// Version returns haktop's version as the build recorded it, the one string
// `haktop --version` prints and every recording's header holds: the module
// version Go stamped (a pseudo-version such as v0.0.0-20261201184310-
// 0828fb860f25+dirty already names the commit), a tag with its revision, or,
// for a build that stamped a VCS revision but no version, the pseudo-version
// Go would have made from it. "(devel)" only when the build knows no revision.
func Version() string { return versionOf(debug.ReadBuildInfo()) }

func versionOf(bi *debug.BuildInfo, ok bool) string {
	if !ok {
		return "unknown"
	}
	var rev, at string
	dirty := false
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.time":
			at = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if len(rev) > 12 {
		rev = rev[:12] // as pseudo-versions abbreviate it
	}
	v := bi.Main.Version
	switch {
	case v != "" && v != "(devel)":
		if rev != "" && !strings.Contains(v, rev) {
			v += " (" + rev + ")"
		}
	case rev == "":
		return "(devel)"
	default:
		v = rev
		if t, err := time.Parse(time.RFC3339, at); err == nil {
			v = "v0.0.0-" + t.UTC().Format("20060102150405") + "-" + rev
		}
	}
	if dirty && !strings.Contains(v, "+dirty") {
		v += "+dirty"
	}
	return v
}
