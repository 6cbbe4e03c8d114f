package ab

import (
	"slices"
	"testing"
)

func TestParseArm(t *testing.T) {
	a, err := ParseArm("B", "  HAKMEM_POOL_V2_CLASSES=127 HAKMEM_POOL_V2_ENABLED=true ", "haktop_nostats, foo,haktop_nostats")
	if err != nil {
		t.Fatal(err)
	}
	// Registry order and canonical values, so equal settings compare equal.
	if want := []string{"HAKMEM_POOL_V2_ENABLED=1", "HAKMEM_POOL_V2_CLASSES=0x7F"}; !slices.Equal(a.Env, want) {
		t.Errorf("env %q, want %q", a.Env, want)
	}
	if a.Tags != "foo,haktop_nostats" {
		t.Errorf("tags %q", a.Tags)
	}
	if a.Label() != "HAKMEM_POOL_V2_ENABLED=1 HAKMEM_POOL_V2_CLASSES=0x7F tags=foo,haktop_nostats" {
		t.Errorf("label %q", a.Label())
	}
	if d := mustArm(t, "A", "", ""); d.Label() != "defaults" || d.Env != nil {
		t.Errorf("empty arm: %+v", d)
	}
}

func TestParseArmErrors(t *testing.T) {
	cases := []struct{ name, spec, tags, want string }{
		{"A", "HAKMEM_POOL_V2_ENABLED", "", `--a: "HAKMEM_POOL_V2_ENABLED" is not NAME=VALUE: want space-separated HAKMEM_NAME=VALUE pairs, e.g. 'HAKMEM_POOL_V2_ENABLED=1 HAKMEM_POOL_V2_CLASSES=0x7F'`},
		{"B", "=1", "", `--b: "=1" is not NAME=VALUE: want space-separated HAKMEM_NAME=VALUE pairs, e.g. 'HAKMEM_POOL_V2_ENABLED=1 HAKMEM_POOL_V2_CLASSES=0x7F'`},
		{"B", "HAKMEM_POOL_V2_ENABLE=1", "", "--b: HAKMEM_POOL_V2_ENABLE is not a gate the allocator reads: did you mean HAKMEM_POOL_V2_ENABLED? (want one of HAKMEM_PROFILE, HAKMEM_TINY_CACHE_CAP, HAKMEM_SS_MEM_LEAN, HAKMEM_SS_MAX, HAKMEM_POOL_V2_ENABLED, HAKMEM_POOL_V2_CLASSES, HAKMEM_POOL_V2_PAGES, HAKMEM_POOL_V2_STATS)"},
		{"A", "GOGC=off", "", "--a: GOGC is not a gate the allocator reads: want one of HAKMEM_PROFILE, HAKMEM_TINY_CACHE_CAP, HAKMEM_SS_MEM_LEAN, HAKMEM_SS_MAX, HAKMEM_POOL_V2_ENABLED, HAKMEM_POOL_V2_CLASSES, HAKMEM_POOL_V2_PAGES, HAKMEM_POOL_V2_STATS"},
		{"A", "HAKMEM_POOL_V2_ENABLED=yes", "", `--a: HAKMEM_POOL_V2_ENABLED="yes" is not valid: want 0, 1, true or false`},
		{"A", "HAKMEM_POOL_V2_CLASSES=0x80", "", `--a: HAKMEM_POOL_V2_CLASSES="0x80" is not valid: want a 7-bit mask, hex like 0x7F or decimal`},
		{"B", "HAKMEM_SS_MAX=1 HAKMEM_SS_MAX=2", "", "--b: HAKMEM_SS_MAX is set twice: give each gate once"},
		{"B", "", "haktop-nostats", `--tags-b: "haktop-nostats" is not a build tag: want comma-separated tags of letters, digits, _ and ., e.g. haktop_nostats`},
	}
	for _, c := range cases {
		_, err := ParseArm(c.name, c.spec, c.tags)
		if err == nil || err.Error() != c.want {
			t.Errorf("ParseArm(%q, %q, %q):\n got %v\nwant %s", c.name, c.spec, c.tags, err, c.want)
		}
	}
}
