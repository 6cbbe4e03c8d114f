package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestUnknownGateWarning: a HAKMEM_* variable that no gate declares is
// named on stderr, with the gate it likely meant, by every command that
// configures an allocator; --strict-gates makes it a usage error that runs
// nothing. Declared gates and a clean environment warn about nothing.
func TestUnknownGateWarning(t *testing.T) {
	dir := t.TempDir()
	commands := map[string][]string{
		"bench":  {"bench", "--workload", "tiny_hot", "--cycles", "1000"},
		"gates":  {"gates", "--workload", "tiny_hot", "--cycles", "1000"},
		"record": {"record", "--workload", "tiny_hot", "--cycles", "1000", "-o", filepath.Join(dir, "s.jsonl")},
		"live":   {"--workload", "tiny_hot"}, // no terminal in tests: warns, then refuses to start
	}
	for _, env := range []struct{ name, want string }{
		{"HAKMEM_POOL_V2_ENABLE", "HAKMEM_POOL_V2_ENABLE is not a gate the allocator reads: did you mean HAKMEM_POOL_V2_ENABLED?"},
		{"hakmem_pool_v2_enabled", "hakmem_pool_v2_enabled is not a gate the allocator reads: did you mean HAKMEM_POOL_V2_ENABLED? (gate names are upper case)"},
	} {
		for name, args := range commands {
			t.Run(env.name+"/"+name, func(t *testing.T) {
				t.Setenv(env.name, "1")
				t.Setenv("HAKMEM_TINY_CACHE_CAP", "64") // declared: no warning
				os.Remove(filepath.Join(dir, "s.jsonl"))
				code, _, errs := runCLI(t, args...)
				warning := "haktop: warning: " + env.want + " (ignored; --strict-gates refuses it)\n"
				if name == "live" {
					if code != 2 || !strings.HasPrefix(errs, warning) || strings.Count(errs, "\n") != 2 {
						t.Errorf("exit %d, stderr %q; want the warning, then the terminal error", code, errs)
					}
				} else if code != 0 || errs != warning {
					t.Errorf("exit %d, stderr %q\nwant exit 0, stderr %q", code, errs, warning)
				}

				os.Remove(filepath.Join(dir, "s.jsonl"))
				code, out, errs := runCLI(t, append([]string{"--strict-gates"}, args...)...)
				if want := "haktop: " + env.want + " (--strict-gates)\n"; code != 2 || out != "" || errs != want {
					t.Errorf("--strict-gates: exit %d, stdout %q, stderr %q\nwant exit 2, stderr %q", code, out, errs, want)
				}
				if _, err := os.Stat(filepath.Join(dir, "s.jsonl")); err == nil {
					t.Error("--strict-gates: record wrote its file anyway")
				}
			})
		}
	}
	t.Run("clean", func(t *testing.T) {
		t.Setenv("HAKMEM_POOL_V2_ENABLED", "1")
		if code, _, errs := runCLI(t, "--strict-gates", "bench", "--workload", "tiny_hot", "--cycles", "1000"); code != 0 || errs != "" {
			t.Errorf("declared gate under --strict-gates: exit %d, stderr %q", code, errs)
		}
	})
}

// TestABNamesDroppedGates: ab's children get no HAKMEM_* from the shell,
// and ab says which it dropped, lower-case look-alikes included.
func TestABNamesDroppedGates(t *testing.T) {
	useFixedRunner(t)
	t.Setenv("HAKMEM_POOL_V2_ENABLED", "1")
	t.Setenv("hakmem_ss_max", "4")
	code, _, errs := runCLI(t, "ab", "--workload", "tiny_hot", "--cycles", "1000", "--runs", "5")
	want := "haktop: ab: children get no HAKMEM_* from this shell, only --a and --b: dropped HAKMEM_POOL_V2_ENABLED, hakmem_ss_max\n"
	if code != 0 || !strings.HasPrefix(errs, want) {
		t.Errorf("exit %d, stderr %q\nwant it to start with %q", code, errs, want)
	}
}
