package sampler

import (
	"runtime/debug"
	"testing"
)

// TestVersionOf: the version names the build exactly once: the module
// version Go stamped (a pseudo-version already holds the revision), else
// one made from the VCS revision and time, never "(devel)" when a revision
// is known; "+dirty" when the tree had changes.
func TestVersionOf(t *testing.T) {
	settings := func(kv ...string) []debug.BuildSetting {
		var s []debug.BuildSetting
		for i := 0; i < len(kv); i += 2 {
			s = append(s, debug.BuildSetting{Key: kv[i], Value: kv[i+1]})
		}
		return s
	}
	const rev = "0828fb860f25c4d2fee4ff5cfc637b9249fd4d1e"
	for _, tc := range []struct {
		name    string
		version string
		set     []debug.BuildSetting
		want    string
	}{
		{"go build, clean", "v0.0.0-20261201184310-0828fb860f25", settings("vcs.revision", rev, "vcs.time", "2026-12-01T18:43:10Z", "vcs.modified", "false"), "v0.0.0-20261201184310-0828fb860f25"},
		{"go build, dirty", "v0.0.0-20261201184310-0828fb860f25+dirty", settings("vcs.revision", rev, "vcs.time", "2026-12-01T18:43:10Z", "vcs.modified", "true"), "v0.0.0-20261201184310-0828fb860f25+dirty"},
		{"tagged", "v1.2.0", settings("vcs.revision", rev, "vcs.modified", "false"), "v1.2.0 (0828fb860f25)"},
		{"devel with a revision", "(devel)", settings("vcs.revision", rev, "vcs.time", "2026-12-01T18:43:10Z", "vcs.modified", "true"), "v0.0.0-20261201184310-0828fb860f25+dirty"},
		{"devel, revision without time", "(devel)", settings("vcs.revision", rev), "0828fb860f25"},
		{"no VCS stamp", "(devel)", nil, "(devel)"},
		{"go install module@version", "v1.3.0", nil, "v1.3.0"},
	} {
		bi := &debug.BuildInfo{Main: debug.Module{Path: "github.com/haktop/haktop", Version: tc.version}, Settings: tc.set}
		if got := versionOf(bi, true); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
	if got := versionOf(nil, false); got != "unknown" {
		t.Errorf("no build info: %q", got)
	}
}
