package process

// read.go owns turning CMD's segment tables into a target.Schema and
// target.Snapshots: which table is shown, its schema in the target's terms,
// and the sum of CMD's tables of that schema (the one its pid published,
// and the ones a program it exec'd in place published after it). Tables of
// forked children are ignored (see process.go). Figures from /proc are in
// figures.go.

import (
	"fmt"
	"math"
	"reflect"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/haktop/haktop/target"
	"github.com/haktop/haktop/target/segment"
)

// The tables the shim publishes itself; any other table is the allocator's
// own (haktop.h).
const (
	TableRequests = "requests"    // the shim's per-request-class counts
	TableJemalloc = "jemalloc"    // jemalloc's per-bin stats, through mallctl
	tableShim     = "haktop-shim" // the shim's own diagnostics, never shown
)

// settle is how long Schema waits, once the shim's tables are there, for
// the allocator's own table before it picks the shim's.
const settle = 100 * time.Millisecond

type reader struct {
	once       sync.Once
	table      *segment.Schema // the segment's schema of the shown table; nil when unmeasured
	schema     target.Schema
	unmeasured string
}

// Schema waits until CMD has published its counters (at most MapWait
// after it started, or until it ends) and returns the target it is. The
// table shown is Options.Table when given; otherwise the allocator's own
// table (published through haktop.h) when there is one, else jemalloc's
// stats when CMD runs on jemalloc, else the shim's request classes. When
// nothing is measured the schema has no classes, counters or paths and
// Unmeasured says why.
func (p *Process) Schema() target.Schema {
	p.reader.once.Do(p.attach)
	return p.reader.schema
}

// Unmeasured says why CMD's counters are not measured, "" when they are.
func (p *Process) Unmeasured() string {
	p.reader.once.Do(p.attach)
	return p.reader.unmeasured
}

// Static reports whether CMD is a statically linked ELF program.
func (p *Process) Static() bool { return p.static }

func (p *Process) attach() {
	r := &p.reader
	name := p.argv[0]
	if p.static {
		r.unmeasured = fmt.Sprintf("%s is statically linked: LD_PRELOAD has no effect, its allocator's counters are not measured (RSS and CPU are)", name)
		r.schema = unmeasuredSchema()
		return
	}
	deadline := p.started.Add(MapWait)
	var firstSeen time.Time
	var tables []string
	for {
		ended := false
		select {
		case <-p.done:
			ended = true
		default:
		}
		snap, err := p.seg.Snapshot()
		if err != nil {
			r.unmeasured = fmt.Sprintf("%s's counters cannot be read: %v", name, err)
			r.schema = unmeasuredSchema()
			return
		}
		tables = tables[:0]
		var own, jm, req *segment.Schema
		for _, t := range p.mine(snap) {
			n := t.Schema.Name
			tables = append(tables, n)
			switch {
			case p.table != "":
				if n == p.table {
					own = t.Schema
				}
			case n == TableRequests:
				req = t.Schema
			case n == TableJemalloc:
				jm = t.Schema
			case n != tableShim && own == nil:
				own = t.Schema
			}
		}
		if (req != nil || jm != nil) && firstSeen.IsZero() {
			firstSeen = time.Now()
		}
		var pick *segment.Schema
		switch {
		case own != nil:
			pick = own
		case p.table != "":
			// wait for the table asked for
		case ended || (!firstSeen.IsZero() && time.Since(firstSeen) >= settle):
			pick = jm
			if pick == nil {
				pick = req
			}
		}
		if pick != nil {
			r.table = pick
			r.schema = p.schemaOf(pick)
			return
		}
		if ended || time.Now().After(deadline) {
			switch {
			case p.table != "" && len(tables) > 0:
				r.unmeasured = fmt.Sprintf("%s published no table %q (it published %s)", name, p.table, strings.Join(slices.Compact(slices.Sorted(slices.Values(tables))), ", "))
			case ended:
				r.unmeasured = fmt.Sprintf("%s ended before it published any counters: LD_PRELOAD had no effect (a static or setuid program, or one that clears its environment)", name)
			default:
				r.unmeasured = fmt.Sprintf("%s published no counters within %v: LD_PRELOAD had no effect (a static or setuid program, or one that clears its environment); RSS and CPU are still measured", name, MapWait)
			}
			r.schema = unmeasuredSchema()
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// mine returns the tables CMD itself published: its pid's, not fork copies.
func (p *Process) mine(snap *segment.Snapshot) []*segment.Table {
	var out []*segment.Table
	for i := range snap.Tables {
		t := &snap.Tables[i]
		if t.PID == p.PID() && t.PPID == 0 {
			out = append(out, t)
		}
	}
	return out
}

func unmeasuredSchema() target.Schema {
	return target.Schema{Target: "process", Classes: []target.Class{}, Counters: []target.Counter{}, Paths: []target.Path{},
		Gates: []target.Gate{}, Invalid: []string{}, Gauges: []string{}}
}

// schemaOf describes a segment table as a target. A gate's guarded paths
// are the ids (pathID) of the paths the table declares by number, and Off
// is the table's word on whether the value in force switches them off.
// Segment tables declare no tiers or gate kinds, so those stay empty.
func (p *Process) schemaOf(t *segment.Schema) target.Schema {
	s := target.Schema{Target: t.Name, Classes: []target.Class{}, Counters: []target.Counter{}, Paths: []target.Path{},
		Gates: []target.Gate{}, Invalid: []string{}, Gauges: []string{}, Counted: true}
	for _, c := range t.Classes {
		max := 0
		if c.Max <= math.MaxInt32 {
			max = int(c.Max)
		}
		s.Classes = append(s.Classes, target.Class{Name: c.Name, Min: int(min(c.Min, math.MaxInt32)), Max: max})
	}
	for _, c := range t.Counters {
		s.Counters = append(s.Counters, target.Counter{Name: c.Name, Role: c.Role})
	}
	ids := map[uint32]string{}
	for _, q := range t.Paths {
		s.Paths = append(s.Paths, target.Path{ID: pathID(q.Name), Name: q.Name})
		ids[q.ID] = pathID(q.Name)
	}
	for _, g := range t.Gates {
		src := target.SourceDefault
		if slices.ContainsFunc(p.env, func(kv string) bool { return strings.HasPrefix(kv, g.Env+"=") }) {
			src = target.SourceEnv
		}
		guarded := []string{}
		for _, id := range g.Paths {
			guarded = append(guarded, ids[id]) // segment's reader checked every id is declared
		}
		s.Gates = append(s.Gates, target.Gate{Env: g.Env, Value: g.Value, Source: src, Paths: guarded, Off: g.Off})
	}
	return s
}

// pathID makes a path's name a machine name: "pool v2 alloc" is pool_v2_alloc.
func pathID(name string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			return r
		}
		return '_'
	}, name)
}

// Snapshot reads CMD's counters (summed over its tables of the shown
// schema) and its process figures (see Figures) now. Before CMD
// publishes, it waits as Schema does. Once CMD has ended it returns the
// final counters.
func (p *Process) Snapshot() (target.Snapshot, error) {
	schema := p.Schema()
	snap := schema.NewSnapshot()
	snap.Proc = p.Figures()
	if p.reader.table == nil {
		snap.Unmeasured = p.reader.unmeasured
		return snap, nil
	}
	seg, err := p.seg.Snapshot()
	if err != nil {
		return snap, fmt.Errorf("%s's counters: %w", p.argv[0], err)
	}
	nk := len(schema.Counters)
	for _, t := range p.mine(seg) {
		if !reflect.DeepEqual(t.Schema, p.reader.table) {
			continue
		}
		for c, row := range t.Counts {
			for k, v := range row {
				snap.Counters[c*nk+k] += v
			}
		}
		for i, v := range t.PathHits {
			snap.Paths[i] += v
		}
		snap.Heaps += t.Threads
	}
	return snap, nil
}

// Figures returns CMD's RSS, CPU time and threads now. Once CMD has ended
// they are its totals: the CPU time and peak RSS of its rusage, no threads.
func (p *Process) Figures() target.Proc {
	select {
	case <-p.done:
		p.mu.Lock()
		defer p.mu.Unlock()
		return target.Proc{RSSBytes: p.rss, CPU: p.cpu}
	default:
	}
	f, err := readFigures(p.PID())
	p.mu.Lock()
	defer p.mu.Unlock()
	if err == nil {
		p.last = f
		p.rss = max(p.rss, f.RSSBytes)
	}
	return target.Proc{RSSBytes: p.last.RSSBytes, CPU: p.last.CPU, Threads: p.last.Threads}
}

// RequestRefresh asks CMD's refreshers (the shim's jemalloc stats thread)
// to republish their counters now rather than on their own period, so the
// next Snapshot holds counters at most one sampling interval old. A CMD
// that has ended, or publishes no refreshed table, is not an error.
func (p *Process) RequestRefresh() error {
	select {
	case <-p.done:
		return nil
	default:
	}
	return p.seg.RequestRefresh()
}
