package allocator

// The gate registry: every environment variable the allocator reads is
// declared here, once, with its kind, default, doc and the paths it guards.
// Nothing else in the module calls os.Getenv for a HAKMEM_* name; haktop's
// static audit (haktop gates --audit) checks that. It also owns how values
// parse, how presets apply, the cycle of values each gate steps through
// (Next), and the scan for HAKMEM_* names no gate declares (UnknownGates).

import (
	"fmt"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// GateKind says which values a gate accepts.
type GateKind int

const (
	KindBool GateKind = iota // 0, 1, true, false
	KindInt                  // a decimal integer within [Min, Max]
	KindMask                 // a bitmask, hex (0x7F) or decimal, of Bits bits
	KindEnum                 // one of Values
)

func (k GateKind) String() string {
	return [...]string{"bool", "int", "mask", "enum"}[k]
}

// Source says where a gate's effective value came from.
type Source int

const (
	SourceDefault Source = iota // the registry default
	SourceProfile               // set by the HAKMEM_PROFILE preset
	SourceEnv                   // set by its own environment variable
	SourceCode                  // set through Config.Set
)

func (s Source) String() string {
	return [...]string{"default", "profile", "env", "code"}[s]
}

// Gate declares one environment variable.
type Gate struct {
	Env     string
	Kind    GateKind
	Default string
	Doc     string
	Paths   []PathID // the paths whose behaviour this gate's value changes
	Min     int64    // KindInt bounds
	Max     int64
	Bits    int      // KindMask width
	Values  []string // KindEnum choices

	// set stores a parsed value into a Config. off reports whether the
	// value switches path p (one of Paths) off: turns the path itself off,
	// or the trigger that would run it. nil: no value switches any of
	// Paths off; the gate only shapes how they behave when they run.
	set func(c *Config, v int64, s string)
	off func(c *Config, p PathID) bool
}

// Accepted returns the accepted forms of the gate's value, for error messages.
func (g *Gate) Accepted() string {
	switch g.Kind {
	case KindBool:
		return "0, 1, true or false"
	case KindInt:
		return fmt.Sprintf("an integer from %d to %d", g.Min, g.Max)
	case KindMask:
		return fmt.Sprintf("a %d-bit mask, hex like 0x%X or decimal", g.Bits, int64(1)<<g.Bits-1)
	default:
		return "one of " + strings.Join(g.Values, ", ")
	}
}

// parse returns the value's integer form (enum: index) and canonical text.
func (g *Gate) parse(raw string) (int64, string, error) {
	s := strings.TrimSpace(raw)
	bad := func() (int64, string, error) {
		return 0, "", fmt.Errorf("%s=%q is not valid: want %s", g.Env, raw, g.Accepted())
	}
	switch g.Kind {
	case KindBool:
		switch strings.ToLower(s) {
		case "1", "true":
			return 1, "1", nil
		case "0", "false":
			return 0, "0", nil
		}
		return bad()
	case KindInt:
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil || v < g.Min || v > g.Max {
			return bad()
		}
		return v, strconv.FormatInt(v, 10), nil
	case KindMask:
		// Exactly what Accepted says: 0x and hex digits, or decimal digits
		// (a leading zero is still decimal, not Go's octal).
		digits, base := s, 10
		if len(s) > 2 && (s[:2] == "0x" || s[:2] == "0X") {
			digits, base = s[2:], 16
		}
		v, err := strconv.ParseUint(digits, base, 64)
		if err != nil || v >= uint64(1)<<g.Bits {
			return bad()
		}
		return int64(v), maskText(v), nil
	default:
		for i, e := range g.Values {
			if strings.EqualFold(s, e) {
				return int64(i), e, nil
			}
		}
		return bad()
	}
}

// maskText is a mask's canonical text.
func maskText(v uint64) string { return fmt.Sprintf("0x%02X", v) }

// Next returns the value after current in the gate's cycle, the values the
// live view's g key steps through (current is canonical text; one the gate
// does not accept gives the default):
//   - bool: the other value;
//   - enum: the next of Values, wrapping;
//   - mask: the default, every bit, none, then each single bit from bit 0
//     up, then the default again (a value off that cycle goes to the
//     default), so each pool class can be tried alone;
//   - int: the next power of two above current within [Min, Max], then Min
//     again.
func (g *Gate) Next(current string) string {
	v, canon, err := g.parse(current)
	if err != nil {
		_, def, _ := g.parse(g.Default)
		return def
	}
	switch g.Kind {
	case KindBool:
		return strconv.FormatInt(1-v, 10)
	case KindEnum:
		return g.Values[(int(v)+1)%len(g.Values)]
	case KindMask:
		_, def, _ := g.parse(g.Default)
		cycle := []string{def}
		for _, m := range append([]uint64{1<<g.Bits - 1, 0}, singleBits(g.Bits)...) {
			if t := maskText(m); !slices.Contains(cycle, t) {
				cycle = append(cycle, t)
			}
		}
		i := slices.Index(cycle, canon) // -1 off the cycle: 0, the default
		return cycle[(i+1)%len(cycle)]
	default: // KindInt
		next := int64(1)
		for next <= v {
			next *= 2
		}
		if next < g.Min {
			next = g.Min
		}
		if next > g.Max {
			next = g.Min
		}
		return strconv.FormatInt(next, 10)
	}
}

func singleBits(n int) []uint64 {
	out := make([]uint64, n)
	for i := range out {
		out[i] = 1 << i
	}
	return out
}

// GateRegistry is the ordered list of every gate the allocator reads.
type GateRegistry []*Gate

// Gates is the allocator's gate registry.
var Gates = GateRegistry{
	{
		Env: ProfileEnv, Kind: KindEnum, Default: "default",
		Values: profileNames(),
		Doc:    "preset that sets several gates at once; an explicit variable wins",
		set:    func(c *Config, v int64, s string) { c.Profile = s },
	},
	{
		Env: "HAKMEM_TINY_CACHE_CAP", Kind: KindInt, Default: "512", Min: 8, Max: tinyCacheMax,
		Doc: "blocks each heap caches per tiny class; a refill fills half of it",
		// The cap sets a refill's batch and the fill at which a free
		// flushes; the inline fast path's code is the same at any cap.
		// Every cap lets both run: it shapes them, it switches neither off.
		Paths: []PathID{PathTinyRefill, PathTinyFlush},
		set:   func(c *Config, v int64, s string) { c.TinyCacheCap = int(v) },
	},
	{
		Env: "HAKMEM_SS_MEM_LEAN", Kind: KindBool, Default: "0",
		Doc:   "return empty superslabs to the OS instead of keeping them for reuse",
		Paths: []PathID{PathSuperslabUnmap},
		set:   func(c *Config, v int64, s string) { c.SSMemLean = v == 1 },
		off:   func(c *Config, p PathID) bool { return !c.SSMemLean },
	},
	{
		Env: "HAKMEM_SS_MAX", Kind: KindInt, Default: "0", Min: 0, Max: 1 << 20,
		Doc:   "cap on superslabs mapped at once (0: none); past it refills fail and fall back",
		Paths: []PathID{PathTinyFallback},
		set:   func(c *Config, v int64, s string) { c.SSMax = int(v) },
		// 0 is no cap, so the cap never makes a refill fail: the
		// fallback's trigger is off (only a full 64 GiB arena or the OS
		// refusing memory could still fall back).
		off: func(c *Config, p PathID) bool { return c.SSMax == 0 },
	},
	{
		Env: "HAKMEM_POOL_V2_ENABLED", Kind: KindBool, Default: "0",
		Doc:   "serve pool classes through the hotbox v2 cache",
		Paths: []PathID{PathPoolV2Alloc, PathPoolV2Free, PathPoolV2Fallback},
		set:   func(c *Config, v int64, s string) { c.PoolV2Enabled = v == 1 },
		off:   func(c *Config, p PathID) bool { return !c.PoolV2Enabled },
	},
	{
		Env: "HAKMEM_POOL_V2_CLASSES", Kind: KindMask, Default: "0x7F", Bits: NumPoolClasses,
		Doc:   "pool classes (bit i = P_i) that hotbox v2 serves when enabled",
		Paths: []PathID{PathPoolV2Alloc, PathPoolV2Free, PathPoolV2Fallback},
		set:   func(c *Config, v int64, s string) { c.PoolV2Classes = uint8(v) },
		off:   func(c *Config, p PathID) bool { return c.PoolV2Classes == 0 },
	},
	{
		Env: "HAKMEM_POOL_V2_PAGES", Kind: KindInt, Default: "64", Min: 0, Max: 1 << 20,
		Doc: "64 KiB pages each heap's hotbox v2 may own; past it v2 falls back to v1",
		// Every budget lets the fallback run, 0 on every v2 alloc.
		Paths: []PathID{PathPoolV2Fallback},
		set:   func(c *Config, v int64, s string) { c.PoolV2Pages = int(v) },
	},
	{
		Env: "HAKMEM_POOL_V2_STATS", Kind: KindBool, Default: "0",
		Doc: "print hotbox v2 counters to stderr at Close",
		set: func(c *Config, v int64, s string) { c.PoolV2Stats = v == 1 },
	},
}

// Lookup returns the gate named env, or nil.
func (r GateRegistry) Lookup(env string) *Gate {
	for _, g := range r {
		if g.Env == env {
			return g
		}
	}
	return nil
}

// Guarding returns the gates that guard path p.
func (r GateRegistry) Guarding(p PathID) []*Gate {
	var out []*Gate
	for _, g := range r {
		for _, q := range g.Paths {
			if q == p {
				out = append(out, g)
				break
			}
		}
	}
	return out
}

// profiles are the HAKMEM_PROFILE presets: values for the gates that no
// variable (or Set) gives a value, so an explicit variable wins.
var profiles = map[string]map[string]string{
	"default": {},
	"lean":    {"HAKMEM_SS_MEM_LEAN": "1", "HAKMEM_TINY_CACHE_CAP": "64"},
	"speed":   {"HAKMEM_TINY_CACHE_CAP": "2048"},
	"pool_v2": {"HAKMEM_POOL_V2_ENABLED": "1", "HAKMEM_POOL_V2_CLASSES": "0x7F", "HAKMEM_POOL_V2_PAGES": "256"},
}

func profileNames() []string {
	names := make([]string, 0, len(profiles))
	for n := range profiles {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// ConfigFromEnv returns the Config the process environment selects. A
// malformed value is an error naming the variable, the value and the
// accepted forms.
func ConfigFromEnv() (Config, error) {
	return ConfigFrom(os.LookupEnv)
}

// ConfigFrom returns the Config that lookup selects: registry defaults, then
// each variable lookup finds, then the HAKMEM_PROFILE preset for the gates
// still at their defaults (an explicit variable wins).
func ConfigFrom(lookup func(string) (string, bool)) (Config, error) {
	c := DefaultConfig()
	for _, g := range Gates {
		if raw, ok := lookup(g.Env); ok {
			if err := c.set(g, raw, SourceEnv); err != nil {
				return Config{}, err
			}
		}
	}
	if err := c.applyProfile(); err != nil {
		return Config{}, err
	}
	return c, nil
}

// ProfileEnv is the gate that names a preset of other gates' values.
const ProfileEnv = EnvPrefix + "PROFILE"

// profileGate is the gate that names the preset.
var profileGate = Gates.Lookup(ProfileEnv)

// applyProfile makes the gates follow c.Profile's preset: a gate an earlier
// preset set returns to its default, then the preset sets every gate still
// at its default. Gates set by the environment or by code keep their values.
func (c *Config) applyProfile() error {
	for i, g := range Gates {
		if c.sources[i] == SourceProfile {
			if err := c.set(g, g.Default, SourceDefault); err != nil {
				return err
			}
		}
	}
	for env, v := range profiles[c.Profile] {
		g := Gates.Lookup(env)
		if c.sources[gateIndex(g)] == SourceDefault {
			if err := c.set(g, v, SourceProfile); err != nil {
				return err
			}
		}
	}
	return nil
}

// unset returns the canonical value gate g has when nothing sets it
// explicitly, under c's preset, and where that value comes from.
func (c *Config) unset(g *Gate) (string, Source) {
	raw, src := g.Default, SourceDefault
	if v, ok := profiles[c.Profile][g.Env]; ok && g != profileGate {
		raw, src = v, SourceProfile
	}
	_, canon, _ := g.parse(raw)
	return canon, src
}

// The unknown-name scan: a HAKMEM_* variable no gate declares is never
// read, so a misspelt or retired name would silently test nothing.

// EnvPrefix begins every gate's environment variable: the gates' namespace.
const EnvPrefix = "HAKMEM_"

// LooksLikeGate reports whether an environment variable's name is in the
// gates' namespace: it starts with EnvPrefix, in any case.
func LooksLikeGate(name string) bool {
	return len(name) >= len(EnvPrefix) && strings.EqualFold(name[:len(EnvPrefix)], EnvPrefix)
}

// UnknownGate is an environment variable that looks like a gate but is not
// one the registry declares, so the allocator ignores it.
type UnknownGate struct {
	Name    string // as the environment spells it
	Closest string // the declared gate nearest to Name
}

// String names the variable and the gate it likely meant.
func (u UnknownGate) String() string {
	return u.Name + " is not a gate the allocator reads: " + u.hint()
}

// Short is String for a status line: the variable is ignored, and why.
func (u UnknownGate) Short() string { return u.Name + " ignored: " + u.hint() }

func (u UnknownGate) hint() string {
	s := "did you mean " + u.Closest + "?"
	if strings.EqualFold(u.Name, u.Closest) {
		s += " (gate names are upper case)"
	}
	return s
}

// UnknownGates returns, in environ's order, every variable of environ
// (NAME=VALUE entries, as os.Environ gives them) that LooksLikeGate but is
// not declared, each with the declared name closest to it (Closest).
func UnknownGates(environ []string) []UnknownGate {
	var out []UnknownGate
	for _, kv := range environ {
		name, _, _ := strings.Cut(kv, "=")
		if LooksLikeGate(name) && Gates.Lookup(name) == nil {
			out = append(out, UnknownGate{Name: name, Closest: Gates.Closest(name)})
		}
	}
	return out
}

// Closest returns the declared name nearest to name, case ignored: the
// same name in another case, else the one at the smallest edit distance
// (the first in registry order on a tie).
func (r GateRegistry) Closest(name string) string {
	upper := strings.ToUpper(name)
	best, bestD := "", -1
	for _, g := range r {
		if d := editDistance(upper, g.Env); bestD < 0 || d < bestD {
			best, bestD = g.Env, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b, in bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
