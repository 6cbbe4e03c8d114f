package allocator

// The gate registry: every environment variable the allocator reads is
// declared here, once, with its kind, default, doc and the paths it guards.
// Nothing else in the module calls os.Getenv for a HAKMEM_* name; haktop's
// static audit (haktop gates --audit) checks that.

import (
	"fmt"
	"os"
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
	Paths   []PathID // the paths whose execution this gate switches or shapes
	Min     int64    // KindInt bounds
	Max     int64
	Bits    int      // KindMask width
	Values  []string // KindEnum choices

	// set stores a parsed value into a Config; off reports whether the
	// value switches the gate's paths off entirely.
	set func(c *Config, v int64, s string)
	off func(c *Config) bool
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
		v, err := strconv.ParseInt(s, 0, 64)
		if err != nil || v < 0 || v >= int64(1)<<g.Bits {
			return bad()
		}
		return v, fmt.Sprintf("0x%02X", v), nil
	default:
		for i, e := range g.Values {
			if strings.EqualFold(s, e) {
				return int64(i), e, nil
			}
		}
		return bad()
	}
}

// GateRegistry is the ordered list of every gate the allocator reads.
type GateRegistry []*Gate

// Gates is the allocator's gate registry.
var Gates = GateRegistry{
	{
		Env: "HAKMEM_PROFILE", Kind: KindEnum, Default: "default",
		Values: profileNames(),
		Doc:    "preset that sets several gates at once; an explicit variable wins",
		set:    func(c *Config, v int64, s string) { c.Profile = s },
	},
	{
		Env: "HAKMEM_TINY_CACHE_CAP", Kind: KindInt, Default: "512", Min: 8, Max: tinyCacheMax,
		Doc:   "blocks each heap caches per tiny class; a refill fills half of it",
		Paths: []PathID{PathTinyFast, PathTinyRefill, PathTinyFlush},
		set:   func(c *Config, v int64, s string) { c.TinyCacheCap = int(v) },
	},
	{
		Env: "HAKMEM_SS_MEM_LEAN", Kind: KindBool, Default: "0",
		Doc:   "return empty superslabs to the OS instead of keeping them for reuse",
		Paths: []PathID{PathSuperslabUnmap},
		set:   func(c *Config, v int64, s string) { c.SSMemLean = v == 1 },
		off:   func(c *Config) bool { return !c.SSMemLean },
	},
	{
		Env: "HAKMEM_SS_MAX", Kind: KindInt, Default: "0", Min: 0, Max: 1 << 20,
		Doc:   "cap on superslabs mapped at once (0: none); past it refills fail and fall back",
		Paths: []PathID{PathTinyFallback},
		set:   func(c *Config, v int64, s string) { c.SSMax = int(v) },
	},
	{
		Env: "HAKMEM_POOL_V2_ENABLED", Kind: KindBool, Default: "0",
		Doc:   "serve pool classes through the hotbox v2 cache",
		Paths: []PathID{PathPoolV2Alloc, PathPoolV2Free, PathPoolV2Fallback},
		set:   func(c *Config, v int64, s string) { c.PoolV2Enabled = v == 1 },
		off:   func(c *Config) bool { return !c.PoolV2Enabled },
	},
	{
		Env: "HAKMEM_POOL_V2_CLASSES", Kind: KindMask, Default: "0x7F", Bits: NumPoolClasses,
		Doc:   "pool classes (bit i = P_i) that hotbox v2 serves when enabled",
		Paths: []PathID{PathPoolV2Alloc, PathPoolV2Free, PathPoolV2Fallback},
		set:   func(c *Config, v int64, s string) { c.PoolV2Classes = uint8(v) },
		off:   func(c *Config) bool { return c.PoolV2Classes == 0 },
	},
	{
		Env: "HAKMEM_POOL_V2_PAGES", Kind: KindInt, Default: "64", Min: 0, Max: 1 << 20,
		Doc:   "64 KiB pages each heap's hotbox v2 may own; past it v2 falls back to v1",
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

// profiles are the HAKMEM_PROFILE presets: gate values applied before the
// environment, so an explicit variable wins.
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
// the HAKMEM_PROFILE preset, then each variable lookup finds.
func ConfigFrom(lookup func(string) (string, bool)) (Config, error) {
	c := DefaultConfig()
	prof := Gates.Lookup("HAKMEM_PROFILE")
	if raw, ok := lookup(prof.Env); ok {
		if err := c.set(prof, raw, SourceEnv); err != nil {
			return Config{}, err
		}
		for env, v := range profiles[c.Profile] {
			if err := c.set(Gates.Lookup(env), v, SourceProfile); err != nil {
				return Config{}, err
			}
		}
	}
	for _, g := range Gates {
		if g == prof {
			continue
		}
		if raw, ok := lookup(g.Env); ok {
			if err := c.set(g, raw, SourceEnv); err != nil {
				return Config{}, err
			}
		}
	}
	return c, nil
}
