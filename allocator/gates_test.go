package allocator

import (
	"fmt"
	"strings"
	"testing"
)

func lookupMap(env map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := env[k]; return v, ok }
}

func TestConfigDefaults(t *testing.T) {
	c := DefaultConfig()
	for _, g := range c.Gates() {
		gate := Gates.Lookup(g.Env)
		if g.Source != SourceDefault {
			t.Errorf("%s: source %s, want default", g.Env, g.Source)
		}
		if _, canon, _ := gate.parse(gate.Default); g.Value != canon {
			t.Errorf("%s = %q, want default %q", g.Env, g.Value, canon)
		}
	}
	if c.PoolV2Enabled || c.PoolV2Classes != 0x7F || c.TinyCacheCap != 512 || c.SSMemLean {
		t.Fatalf("defaults %+v", c)
	}
	// The seed's trap: pool v2 is off by default.
	for _, g := range c.Gates() {
		if g.Env == "HAKMEM_POOL_V2_ENABLED" && !g.Off {
			t.Fatal("pool v2 should be off by default")
		}
	}
}

func TestConfigSources(t *testing.T) {
	c, err := ConfigFrom(lookupMap(map[string]string{
		"HAKMEM_PROFILE":         "lean",
		"HAKMEM_TINY_CACHE_CAP":  "128", // explicit beats the preset's 64
		"HAKMEM_POOL_V2_CLASSES": "5",
		"HAKMEM_UNRELATED":       "x",
	}))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]struct {
		v string
		s Source
	}{
		"HAKMEM_PROFILE":         {"lean", SourceEnv},
		"HAKMEM_TINY_CACHE_CAP":  {"128", SourceEnv},
		"HAKMEM_SS_MEM_LEAN":     {"1", SourceProfile},
		"HAKMEM_POOL_V2_CLASSES": {"0x05", SourceEnv},
		"HAKMEM_POOL_V2_ENABLED": {"0", SourceDefault},
	}
	for env, w := range want {
		if v, s := c.Value(env); v != w.v || s != w.s {
			t.Errorf("%s = %s (%s), want %s (%s)", env, v, s, w.v, w.s)
		}
	}
	if c.TinyCacheCap != 128 || !c.SSMemLean || c.PoolV2Classes != 5 {
		t.Fatalf("typed fields %+v", c)
	}
	if err := c.Set("HAKMEM_POOL_V2_ENABLED", "true"); err != nil {
		t.Fatal(err)
	}
	if v, s := c.Value("HAKMEM_POOL_V2_ENABLED"); v != "1" || s != SourceCode || !c.PoolV2Enabled {
		t.Fatalf("after Set: %s (%s)", v, s)
	}
	got := strings.Join(c.Env(), " ")
	if got != "HAKMEM_PROFILE=lean HAKMEM_TINY_CACHE_CAP=128 HAKMEM_POOL_V2_ENABLED=1 HAKMEM_POOL_V2_CLASSES=0x05" {
		t.Fatalf("Env() = %s", got)
	}
	// Env() round-trips to the same effective values.
	back, err := ConfigFrom(func(k string) (string, bool) {
		for _, kv := range c.Env() {
			if name, v, _ := strings.Cut(kv, "="); name == k {
				return v, true
			}
		}
		return "", false
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range c.Gates() {
		if v, _ := back.Value(g.Env); v != g.Value {
			t.Errorf("%s: %s after the round trip, want %s", g.Env, v, g.Value)
		}
	}
}

func TestConfigErrors(t *testing.T) {
	tests := []struct{ env, value, want string }{
		{"HAKMEM_TINY_CACHE_CAP", "abc", `HAKMEM_TINY_CACHE_CAP="abc" is not valid: want an integer from 8 to 4096`},
		{"HAKMEM_TINY_CACHE_CAP", "5", `HAKMEM_TINY_CACHE_CAP="5" is not valid: want an integer from 8 to 4096`},
		{"HAKMEM_POOL_V2_ENABLED", "yes", `HAKMEM_POOL_V2_ENABLED="yes" is not valid: want 0, 1, true or false`},
		{"HAKMEM_POOL_V2_CLASSES", "0x80", `HAKMEM_POOL_V2_CLASSES="0x80" is not valid: want a 7-bit mask, hex like 0x7F or decimal`},
		{"HAKMEM_PROFILE", "turbo", `HAKMEM_PROFILE="turbo" is not valid: want one of default, lean, pool_v2, speed`},
	}
	for _, tc := range tests {
		_, err := ConfigFrom(lookupMap(map[string]string{tc.env: tc.value}))
		if err == nil || err.Error() != tc.want {
			t.Errorf("%s=%s: err %v\nwant %s", tc.env, tc.value, err, tc.want)
		}
	}
	var c Config
	if err := c.Set("HAKMEM_NOPE", "1"); err == nil || !strings.Contains(err.Error(), "HAKMEM_NOPE") {
		t.Errorf("Set of an unknown gate: %v", err)
	}
}

func TestRegistriesConsistent(t *testing.T) {
	for i, p := range Paths {
		// tiny_fast alone has no function of its own: it is inlined into
		// the shared entry code (EntryFuncs).
		if p.ID != PathID(i) || p.Key == "" || (len(p.Funcs) == 0) != (p.ID == PathTinyFast) {
			t.Errorf("path %d: %+v", i, p)
		}
	}
	if len(Gates) > len(Config{}.values) {
		t.Fatalf("%d gates, Config holds %d", len(Gates), len(Config{}.values))
	}
	for _, g := range Gates {
		if !strings.HasPrefix(g.Env, "HAKMEM_") || g.Doc == "" {
			t.Errorf("gate %s: needs a HAKMEM_ name and a doc", g.Env)
		}
	}
	if len(Gates.Guarding(PathPoolV2Alloc)) != 2 {
		t.Errorf("pool v2 alloc guarded by %d gates, want 2", len(Gates.Guarding(PathPoolV2Alloc)))
	}
}

// TestMaskIsHexOrDecimal: a mask is what its message says, hex with 0x or
// decimal, so a leading zero is decimal (017 is 17, not octal 15) and Go's
// other prefixes (0o, 0b) and underscores are refused.
func TestMaskIsHexOrDecimal(t *testing.T) {
	for raw, want := range map[string]string{
		"017": "0x11", "0x0F": "0x0F", "0X7f": "0x7F", "7": "0x07", "0": "0x00", "00": "0x00", " 5 ": "0x05", "0x00": "0x00",
	} {
		c, err := ConfigFrom(lookupMap(map[string]string{"HAKMEM_POOL_V2_CLASSES": raw}))
		if err != nil {
			t.Errorf("%q: %v", raw, err)
			continue
		}
		if v, _ := c.Value("HAKMEM_POOL_V2_CLASSES"); v != want {
			t.Errorf("%q reads as %s, want %s", raw, v, want)
		}
	}
	for _, raw := range []string{"0o17", "0b101", "0x_7F", "1_0", "-1", "+5", "0x", "128", "0x80", ""} {
		if _, err := ConfigFrom(lookupMap(map[string]string{"HAKMEM_POOL_V2_CLASSES": raw})); err == nil {
			t.Errorf("%q accepted as a mask", raw)
		}
	}
}

// configState returns every gate's value and source, and the typed fields.
func configState(c Config) string {
	var b strings.Builder
	for _, g := range c.Gates() {
		b.WriteString(g.Env + "=" + g.Value + "(" + g.Source.String() + ") ")
	}
	return b.String() + fmt.Sprintf("%+v", struct {
		Profile           string
		Cap, SSMax, Pages int
		Lean, V2, Stats   bool
		Classes           uint8
	}{c.Profile, c.TinyCacheCap, c.SSMax, c.PoolV2Pages, c.SSMemLean, c.PoolV2Enabled, c.PoolV2Stats, c.PoolV2Classes})
}

// TestSetProfileAppliesPreset: Set("HAKMEM_PROFILE", p) gives the Config
// the environment gives with HAKMEM_PROFILE=p, gate by gate, values and
// sources, whatever was set before: a previous preset's values go, explicit
// values stay. Only HAKMEM_PROFILE's own source differs (code, not env).
func TestSetProfileAppliesPreset(t *testing.T) {
	bases := []map[string]string{
		{},
		{"HAKMEM_TINY_CACHE_CAP": "128"},
		{"HAKMEM_PROFILE": "lean"},
		{"HAKMEM_PROFILE": "pool_v2", "HAKMEM_POOL_V2_CLASSES": "3"},
	}
	for _, base := range bases {
		for _, p := range Gates.Lookup("HAKMEM_PROFILE").Values {
			c, err := ConfigFrom(lookupMap(base))
			if err != nil {
				t.Fatal(err)
			}
			if err := c.Set("HAKMEM_PROFILE", p); err != nil {
				t.Fatal(err)
			}
			env := map[string]string{"HAKMEM_PROFILE": p}
			for k, v := range base {
				if k != "HAKMEM_PROFILE" {
					env[k] = v
				}
			}
			want, err := ConfigFrom(lookupMap(env))
			if err != nil {
				t.Fatal(err)
			}
			if v, s := c.Value("HAKMEM_PROFILE"); v != p || s != SourceCode && !(s == SourceDefault && p == "default") {
				t.Errorf("%v, Set %s: HAKMEM_PROFILE %s (%s)", base, p, v, s)
			}
			i := gateIndex(Gates.Lookup("HAKMEM_PROFILE"))
			c.sources[i], want.sources[i] = SourceEnv, SourceEnv
			if got, w := configState(c), configState(want); got != w {
				t.Errorf("%v, then Set HAKMEM_PROFILE=%s:\n got %s\nwant %s", base, p, got, w)
			}
		}
	}
}

// TestSetSourceTellsTheTruth: a value set from code that equals what the
// gate would have without it (the preset's value, else the registry
// default) is not an override: its source says where it comes from.
func TestSetSourceTellsTheTruth(t *testing.T) {
	c := DefaultConfig()
	steps := []struct {
		env, raw, value string
		src             Source
	}{
		{"HAKMEM_POOL_V2_CLASSES", "0", "0x00", SourceCode},
		{"HAKMEM_POOL_V2_CLASSES", "127", "0x7F", SourceDefault},
		{"HAKMEM_POOL_V2_ENABLED", "1", "1", SourceCode},
		{"HAKMEM_POOL_V2_ENABLED", "false", "0", SourceDefault},
		{"HAKMEM_PROFILE", "pool_v2", "pool_v2", SourceCode},
		{"HAKMEM_POOL_V2_PAGES", "64", "64", SourceCode}, // the registry default, but the preset says 256
		{"HAKMEM_POOL_V2_PAGES", "256", "256", SourceProfile},
		{"HAKMEM_POOL_V2_ENABLED", "0", "0", SourceCode},
		{"HAKMEM_POOL_V2_ENABLED", "1", "1", SourceProfile},
	}
	for i, s := range steps {
		if err := c.Set(s.env, s.raw); err != nil {
			t.Fatal(err)
		}
		if v, src := c.Value(s.env); v != s.value || src != s.src {
			t.Errorf("step %d: Set %s=%s: %s (%s), want %s (%s)", i, s.env, s.raw, v, src, s.value, s.src)
		}
	}
	if got := strings.Join(c.Env(), " "); got != "HAKMEM_PROFILE=pool_v2" {
		t.Errorf("Env() = %s", got)
	}
}

// TestGateNext pins the values g steps through, per kind.
func TestGateNext(t *testing.T) {
	walk := func(env, from string, n int) string {
		g := Gates.Lookup(env)
		out := []string{from}
		for v := from; len(out) <= n; {
			v = g.Next(v)
			if _, canon, err := g.parse(v); err != nil || canon != v {
				t.Errorf("%s: Next gave %q, not a canonical value (%v)", env, v, err)
			}
			out = append(out, v)
		}
		return strings.Join(out, " ")
	}
	for _, tc := range []struct {
		env, from string
		n         int
		want      string
	}{
		{"HAKMEM_SS_MEM_LEAN", "0", 2, "0 1 0"},
		{"HAKMEM_POOL_V2_CLASSES", "0x7F", 9, "0x7F 0x00 0x01 0x02 0x04 0x08 0x10 0x20 0x40 0x7F"},
		{"HAKMEM_POOL_V2_CLASSES", "0x05", 1, "0x05 0x7F"}, // off the cycle: back to the default
		{"HAKMEM_PROFILE", "default", 4, "default lean pool_v2 speed default"},
		{"HAKMEM_TINY_CACHE_CAP", "512", 5, "512 1024 2048 4096 8 16"},
		{"HAKMEM_TINY_CACHE_CAP", "100", 1, "100 128"},
		{"HAKMEM_SS_MAX", "524288", 3, "524288 1048576 0 1"},
		{"HAKMEM_POOL_V2_PAGES", "bogus", 1, "bogus 64"},
	} {
		if got := walk(tc.env, tc.from, tc.n); got != tc.want {
			t.Errorf("%s from %s: %s, want %s", tc.env, tc.from, got, tc.want)
		}
	}
}

// TestUnknownGates: every HAKMEM_* name the registry does not declare, in
// any case, with the closest declared name; declared names and other
// variables are not reported.
func TestUnknownGates(t *testing.T) {
	environ := []string{
		"PATH=/bin",
		"HAKMEM_POOL_V2_ENABLED=1",
		"HAKMEM_POOL_V2_ENABLE=1",
		"hakmem_pool_v2_enabled=1",
		"HAKMEM_TINY_MAG_CAP=64",
		"HAKMEM_SS_MAX",
		"HAKMEM_PROFIL=lean",
		"MY_HAKMEM_X=1",
	}
	var got []string
	for _, u := range UnknownGates(environ) {
		got = append(got, u.Name+">"+u.Closest)
	}
	want := "HAKMEM_POOL_V2_ENABLE>HAKMEM_POOL_V2_ENABLED hakmem_pool_v2_enabled>HAKMEM_POOL_V2_ENABLED HAKMEM_TINY_MAG_CAP>HAKMEM_TINY_CACHE_CAP HAKMEM_PROFIL>HAKMEM_PROFILE"
	if strings.Join(got, " ") != want {
		t.Errorf("UnknownGates = %s\nwant %s", strings.Join(got, " "), want)
	}
	if u := UnknownGates([]string{"hakmem_ss_max=4"}); len(u) != 1 || u[0].String() != "hakmem_ss_max is not a gate the allocator reads: did you mean HAKMEM_SS_MAX? (gate names are upper case)" {
		t.Errorf("lower case: %v", u)
	}
	if u := UnknownGates([]string{"HAKMEM_POOL_V2_ENABLE=1"}); len(u) != 1 || u[0].String() != "HAKMEM_POOL_V2_ENABLE is not a gate the allocator reads: did you mean HAKMEM_POOL_V2_ENABLED?" ||
		u[0].Short() != "HAKMEM_POOL_V2_ENABLE ignored: did you mean HAKMEM_POOL_V2_ENABLED?" {
		t.Errorf("misspelt: %v", u)
	}
	if n := len(UnknownGates(nil)); n != 0 {
		t.Errorf("%d unknown gates in an empty environment", n)
	}
}
