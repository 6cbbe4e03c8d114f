package allocator

import (
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
		if p.ID != PathID(i) || p.Key == "" || len(p.Funcs) == 0 {
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
