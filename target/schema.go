package target

// Schema: what a target is made of. It is plain data (it round-trips
// through JSON in a recording's header), with lookups by role, id and env
// name. Roles are what the screen and the reports compute with ("fast %" is
// fast/calls), so a target without a refill counter has no refill column:
// nothing is shown as 0 that was never measured.

import "slices"

// Role says what a per-class counter counts.
type Role string

// The roles a counter can have. A schema has at most one counter per role,
// except RoleOther.
const (
	RoleCalls        Role = "calls"         // allocation calls
	RoleFast         Role = "fast"          // allocations served by the fast path
	RoleRefill       Role = "refill"        // allocations that refilled a cache
	RoleRefillFail   Role = "refill_fail"   // refills that failed
	RoleFallback     Role = "fallback"      // allocations served by a fallback tier
	RoleFree         Role = "free"          // free calls
	RoleFreeFast     Role = "free_fast"     // frees taken by the fast path
	RoleRemote       Role = "remote"        // frees of another heap's block
	RoleFreeFallback Role = "free_fallback" // frees handed to a fallback tier
	RoleOther        Role = "other"         // anything else: shown by name only
)

// Roles lists every role, in the order tables show them.
var Roles = []Role{RoleCalls, RoleFast, RoleRefill, RoleRefillFail, RoleFallback, RoleFree, RoleFreeFast, RoleRemote, RoleFreeFallback, RoleOther}

// Class is one size class: requests of Min..Max bytes (Max 0: no upper bound).
type Class struct {
	Name string `json:"name"` // e.g. "C3", "P0", "L"
	Min  int    `json:"min"`  // smallest request the class serves
	Max  int    `json:"max"`  // largest request, the block size; 0 when unbounded
	Tier string `json:"tier"` // e.g. "tiny", "pool", "large"
	// Paths gives, per counter role, the path this class's counts of that
	// role belong to under the gates in force (alloc_refill of C3 is
	// tiny_refill's): the stacks of the counter profile. A role it does not
	// name has its counts on the class alone. The calls of RoleCalls and
	// RoleFree are split the way their parts are (see profile/export.go).
	Paths map[Role]string `json:"paths,omitempty"`
	// NoFast is set for a class without a fast path (every block of the
	// embedded allocator's large class is an mmap): its fast ratio is not
	// 0%, it does not exist, and is not shown.
	NoFast bool `json:"no_fast,omitempty"`
}

// Counter is one per-class counter column.
type Counter struct {
	Name string `json:"name"` // e.g. "alloc_calls"
	Role Role   `json:"role"`
}

// Path is one code path the target counts hits of.
type Path struct {
	ID    string   `json:"id"`              // stable machine name, e.g. "pool_v2_alloc"; recordings store it
	Name  string   `json:"name"`            // human name, e.g. "pool v2 alloc"
	Tier  string   `json:"tier,omitempty"`  // the tier it belongs to, when it belongs to one
	Funcs []string `json:"funcs,omitempty"` // fully qualified functions implementing it, as pprof names them
}

// Schema describes a target.
type Schema struct {
	Target  string `json:"target"`  // e.g. "embedded"
	Package string `json:"package"` // import path of the target's code, for CPU attribution; "" when none
	// Entry are the functions every call runs whatever its path (entry and
	// size dispatch), as pprof names them: CPU spent in them is evidence
	// of no one path. Empty when the target names none.
	Entry    []string  `json:"entry,omitempty"`
	Classes  []Class   `json:"classes"`
	Counters []Counter `json:"counters"`
	Paths    []Path    `json:"paths"`
	Gates    []Gate    `json:"gates"`
	Invalid  []string  `json:"invalid"` // kinds of invalid free, e.g. "page_of_fail_misaligned"
	Gauges   []string  `json:"gauges"`  // figures read as they stand, e.g. "superslabs_mapped"
	// Counting names the gauges that count events since the target
	// started (e.g. "superslab_maps") rather than a level now: a recording
	// started partway counts them from its start, as it does the counters.
	Counting []string `json:"counting,omitempty"`
	Counted  bool     `json:"counted"` // false when the target's counters are compiled out (all 0)
	// Notes are one-line facts about the configuration that a reader of
	// the target's exported profiles needs (e.g. which classes a gated
	// cache serves); they become the counter profile's comments.
	Notes []string `json:"notes,omitempty"`
}

// CounterOf returns the column of the counter with role r, or -1 when the
// target has none.
func (s *Schema) CounterOf(r Role) int {
	return slices.IndexFunc(s.Counters, func(c Counter) bool { return c.Role == r })
}

// CounterNamed returns the column of the counter called name, or -1.
func (s *Schema) CounterNamed(name string) int {
	return slices.IndexFunc(s.Counters, func(c Counter) bool { return c.Name == name })
}

// Has reports whether the target has a counter with role r.
func (s *Schema) Has(r Role) bool { return s.CounterOf(r) >= 0 }

// CounterNames returns the counters' names in column order.
func (s *Schema) CounterNames() []string {
	out := make([]string, len(s.Counters))
	for i, c := range s.Counters {
		out[i] = c.Name
	}
	return out
}

// ClassNames returns the classes' names in row order.
func (s *Schema) ClassNames() []string {
	out := make([]string, len(s.Classes))
	for i, c := range s.Classes {
		out[i] = c.Name
	}
	return out
}

// ClassIndex returns the row of the class called name, or -1.
func (s *Schema) ClassIndex(name string) int {
	return slices.IndexFunc(s.Classes, func(c Class) bool { return c.Name == name })
}

// PathIDs returns the paths' ids in order.
func (s *Schema) PathIDs() []string {
	out := make([]string, len(s.Paths))
	for i, p := range s.Paths {
		out[i] = p.ID
	}
	return out
}

// PathIndex returns the index of the path with id, or -1.
func (s *Schema) PathIndex(id string) int {
	return slices.IndexFunc(s.Paths, func(p Path) bool { return p.ID == id })
}

// Gate returns the gate named env, or nil.
func (s *Schema) Gate(env string) *Gate {
	for i := range s.Gates {
		if s.Gates[i].Env == env {
			return &s.Gates[i]
		}
	}
	return nil
}

// Guarding returns the env names of the gates that guard path id, in gate order.
func (s *Schema) Guarding(id string) []string {
	var out []string
	for _, g := range s.Gates {
		if slices.Contains(g.Paths, id) {
			out = append(out, g.Env)
		}
	}
	return out
}

// WithGates returns a copy of s whose gates are values (a recording's
// gates in force: env, value, source, paths, off), each with the
// declaration (kind, default, accepted forms, cycle) of s's gate of the
// same env, when s has one.
func (s Schema) WithGates(values []Gate) Schema {
	gates := make([]Gate, len(values))
	for i, v := range values {
		g := Gate{Env: v.Env}
		if d := s.Gate(v.Env); d != nil {
			g = *d
		}
		g.Value, g.Source, g.Paths, g.Off, g.OffPaths = v.Value, v.Source, v.Paths, v.Off, v.OffPaths
		gates[i] = g
	}
	s.Gates = gates
	return s
}

// NewSnapshot returns a zero Snapshot shaped for s. Its four slices share
// one allocation: a sampler takes a snapshot every tick.
func (s *Schema) NewSnapshot() Snapshot {
	nc, np, ni := len(s.Classes)*len(s.Counters), len(s.Paths), len(s.Invalid)
	buf := make([]uint64, nc+np+ni+len(s.Gauges))
	return Snapshot{
		Counters: buf[:nc:nc],
		Paths:    buf[nc : nc+np : nc+np],
		Invalid:  buf[nc+np : nc+np+ni : nc+np+ni],
		Gauges:   buf[nc+np+ni:],
	}
}

// Fits reports whether snap is shaped for s: a counter per class and
// counter column, a hit per path, a count per invalid kind.
func (s *Schema) Fits(snap *Snapshot) bool {
	return len(snap.Counters) == len(s.Classes)*len(s.Counters) && len(snap.Paths) == len(s.Paths) && len(snap.Invalid) == len(s.Invalid)
}

// SameShape reports whether snapshots of s and t line up column for
// column: the same classes, counters, paths and invalid kinds, by name, in
// the same order. Gates may differ (a restart with a toggled gate keeps the shape).
func (s *Schema) SameShape(t *Schema) bool {
	return slices.EqualFunc(s.Classes, t.Classes, func(a, b Class) bool { return a.Name == b.Name }) &&
		slices.Equal(s.Counters, t.Counters) &&
		slices.EqualFunc(s.Paths, t.Paths, func(a, b Path) bool { return a.ID == b.ID }) &&
		slices.Equal(s.Invalid, t.Invalid)
}
