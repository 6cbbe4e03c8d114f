package allocator

// Config is the allocator's settings, one field per gate, plus where each
// value came from. It is built by the gate registry (gates.go): DefaultConfig,
// ConfigFromEnv, or Set from code. The zero Config is not valid; start from
// DefaultConfig.

import "fmt"

// Config holds the effective value of every gate.
type Config struct {
	Profile       string
	TinyCacheCap  int
	SSMemLean     bool
	SSMax         int
	PoolV2Enabled bool
	PoolV2Classes uint8
	PoolV2Pages   int
	PoolV2Stats   bool

	values  [16]string // canonical text per gate, by registry index
	sources [16]Source
	ok      bool
}

// DefaultConfig returns every gate at its registry default.
func DefaultConfig() Config {
	var c Config
	for _, g := range Gates {
		if err := c.set(g, g.Default, SourceDefault); err != nil {
			panic("allocator: bad registry default: " + err.Error())
		}
	}
	c.ok = true
	return c
}

func (c *Config) set(g *Gate, raw string, src Source) error {
	v, canon, err := g.parse(raw)
	if err != nil {
		return err
	}
	i := gateIndex(g)
	g.set(c, v, canon)
	c.values[i], c.sources[i] = canon, src
	return nil
}

func gateIndex(g *Gate) int {
	for i, h := range Gates {
		if h == g {
			return i
		}
	}
	panic("allocator: gate not in registry")
}

// Set sets the gate named env from code. It returns an error naming the
// variable and the accepted forms when env is unknown or raw is malformed.
// A value equal to what the gate has when nothing sets it (its preset's
// value, else its default) keeps that source: it overrides nothing. Setting
// HAKMEM_PROFILE applies the preset exactly as the environment does: gates
// an earlier preset set return to their defaults, explicit values stay.
func (c *Config) Set(env, raw string) error {
	g := Gates.Lookup(env)
	if g == nil {
		return fmt.Errorf("%s is not a gate this allocator reads", env)
	}
	if !c.ok {
		*c = DefaultConfig()
	}
	_, canon, err := g.parse(raw)
	if err != nil {
		return err
	}
	src := SourceCode
	if v, s := c.unset(g); v == canon {
		src = s
	}
	if err := c.set(g, canon, src); err != nil {
		return err
	}
	if g == profileGate {
		return c.applyProfile()
	}
	return nil
}

// Value returns the canonical text of the gate named env and its source.
func (c Config) Value(env string) (string, Source) {
	g := Gates.Lookup(env)
	if g == nil {
		return "", SourceDefault
	}
	i := gateIndex(g)
	return c.values[i], c.sources[i]
}

// GateValue is one gate's effective value in a Config.
type GateValue struct {
	Env    string
	Value  string
	Source Source
	Paths  []PathID // the paths whose behaviour the gate changes
	// OffPaths are the paths in Paths this value switches off (the gate
	// registry decides, per gate and path); Off says that is every one.
	OffPaths []PathID
	Off      bool
}

// Gates returns every gate's effective value, in registry order.
func (c Config) Gates() []GateValue {
	out := make([]GateValue, len(Gates))
	for i, g := range Gates {
		gv := GateValue{Env: g.Env, Value: c.values[i], Source: c.sources[i], Paths: g.Paths}
		if g.off != nil {
			for _, p := range g.Paths {
				if g.off(&c, p) {
					gv.OffPaths = append(gv.OffPaths, p)
				}
			}
		}
		gv.Off = len(gv.Paths) > 0 && len(gv.OffPaths) == len(gv.Paths)
		out[i] = gv
	}
	return out
}

// PathOff reports whether g's value switches path p off.
func (g GateValue) PathOff(p PathID) bool {
	for _, q := range g.OffPaths {
		if q == p {
			return true
		}
	}
	return false
}

// Env returns NAME=VALUE for every gate set by the environment or by code
// (the profile brings its own), so a child process can be given the same Config.
func (c Config) Env() []string {
	var out []string
	for i, g := range Gates {
		if c.sources[i] == SourceEnv || c.sources[i] == SourceCode {
			out = append(out, g.Env+"="+c.values[i])
		}
	}
	return out
}

// poolV2 reports whether hotbox v2 serves pool class pc.
func (c *Config) poolV2(pc int) bool {
	return c.PoolV2Enabled && c.PoolV2Classes&(1<<pc) != 0
}
