package allocator

// FuzzGateValue gives every gate arbitrary text, through the environment
// (ConfigFrom) and from code (Config.Set), and checks the parser's promise:
// both ways agree; an accepted value is stored in canonical form, which
// parses back to itself and builds the same Config; a rejected one is an
// error, on one line, naming the variable and the accepted forms.

import (
	"strings"
	"testing"
)

func FuzzGateValue(f *testing.F) {
	for i, g := range Gates {
		f.Add(uint8(i), g.Default)
		f.Add(uint8(i), " "+g.Default+"\t")
		f.Add(uint8(i), "x"+g.Default)
	}
	for _, v := range []string{"0x7F", "0X05", "0b101", "0o17", "1_0", "-0", "+8", "true", "FALSE", "lean", "Pool_V2", "9223372036854775808", "", "\n", "0x"} {
		f.Add(uint8(0), v)
		f.Add(uint8(len(Gates)-1), v)
	}
	f.Fuzz(func(t *testing.T, gi uint8, raw string) {
		g := Gates[int(gi)%len(Gates)]
		fromEnv, envErr := ConfigFrom(lookupMap(map[string]string{g.Env: raw}))
		fromCode := DefaultConfig()
		codeErr := fromCode.Set(g.Env, raw)
		if (envErr == nil) != (codeErr == nil) {
			t.Fatalf("%s=%q: from the environment %v, from code %v", g.Env, raw, envErr, codeErr)
		}
		if envErr != nil {
			for _, err := range []error{envErr, codeErr} {
				msg := err.Error()
				if !strings.Contains(msg, g.Env) || !strings.Contains(msg, g.Accepted()) || strings.Contains(msg, "\n") {
					t.Fatalf("%s=%q: error %q does not name the variable and %q on one line", g.Env, raw, msg, g.Accepted())
				}
			}
			return
		}
		canon, src := fromEnv.Value(g.Env)
		if src != SourceEnv {
			t.Fatalf("%s=%q: source %s, want env", g.Env, raw, src)
		}
		if c, _ := fromCode.Value(g.Env); c != canon {
			t.Fatalf("%s=%q: canonical %q from the environment, %q from code", g.Env, raw, canon, c)
		}
		_, again, err := g.parse(canon)
		if err != nil || again != canon {
			t.Fatalf("%s=%q: canonical %q parses to %q, %v", g.Env, raw, canon, again, err)
		}
		back, err := ConfigFrom(lookupMap(map[string]string{g.Env: canon}))
		if err != nil || !sameSettings(back, fromEnv) {
			t.Fatalf("%s=%q: the canonical %q builds %+v, the raw value %+v (%v)", g.Env, raw, canon, back, fromEnv, err)
		}
		if env := fromEnv.Env(); !containsString(env, g.Env+"="+canon) {
			t.Fatalf("%s=%q: Env() = %q, want %s=%s in it", g.Env, raw, env, g.Env, canon)
		}
	})
}

// sameSettings compares the typed settings and the canonical text of two Configs.
func sameSettings(a, b Config) bool {
	return a.Profile == b.Profile && a.TinyCacheCap == b.TinyCacheCap && a.SSMemLean == b.SSMemLean && a.SSMax == b.SSMax &&
		a.PoolV2Enabled == b.PoolV2Enabled && a.PoolV2Classes == b.PoolV2Classes && a.PoolV2Pages == b.PoolV2Pages &&
		a.PoolV2Stats == b.PoolV2Stats && a.values == b.values
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
