package main

import (
	"bytes"
	"encoding/json"
	"io"
	"regexp"
	"strings"
	"testing"

	"github.com/charmbracelet/x/exp/golden"

	"github.com/haktop/haktop/allocator"
	"github.com/haktop/haktop/profile"
)

// runCLI runs args through the real entry point and returns its output.
func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = exitCode(&errb, run(&out, &errb, args))
	return code, out.String(), errb.String()
}

// requireGolden runs haktop with args in dir ("" for the package's, else
// runIn) and wants exit 0, nothing on stderr, and stdout byte for byte as
// t's golden file.
func requireGolden(t *testing.T, dir string, args ...string) {
	t.Helper()
	var code int
	var out, errs string
	if dir == "" {
		code, out, errs = runCLI(t, args...)
	} else {
		code, out, errs = runIn(t, dir, args...)
	}
	if code != 0 || errs != "" {
		t.Fatalf("exit %d, stderr %q", code, errs)
	}
	golden.RequireEqual(t, out)
}

func TestHelpGolden(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"bench", "--help"}} {
		name := strings.Join(append([]string{"haktop"}, args...), "_")
		t.Run(name, func(t *testing.T) {
			requireGolden(t, "", args...)
		})
	}
}

func TestUsageErrors(t *testing.T) {
	cases := []struct {
		env  string // NAME=VALUE or ""
		args []string
		want string
	}{
		{"", []string{"bench", "--workload", "nope"}, `haktop: --workload "nope" is not valid: want one of random_mixed, tiny_hot, mid_pool, larson, large`},
		{"", []string{"bench", "--ws", "0"}, "haktop: --ws 0 is not valid: want an integer from 1 to 16777216"},
		{"", []string{"bench", "--workers", "-1"}, "haktop: --workers -1 is not valid: want an integer from 1 to 1024"},
		{"", []string{"bench", "--workload", "larson", "--workers", "1"}, "haktop: --workers 1 is not valid: want an integer from 2 to 1024 (larson hands blocks to a consumer on another worker's heap)"},
		{"", []string{"bench", "--workload", "tiny_hot", "--ws", "64"}, "haktop: --ws 64 is not valid: want 8192 (its default) or 0: tiny_hot does not use --ws"},
		{"", []string{"bench", "--cycles", "10", "--duration", "1s"}, "haktop: --cycles 10 and --duration 1s are exclusive: give one of them"},
		{"", []string{"bench", "--duration", "0s"}, "haktop: --duration 0s is not valid: want a positive duration like 500ms, 30s or 2m"},
		{"", []string{"bench", "--duration", "soon"}, `haktop: --duration "soon" is not valid: want a duration like 500ms, 30s or 2m`},
		{"", []string{"bench", "--seed", "-3"}, `haktop: --seed "-3" is not valid: want an integer from 0 to 4294967295`},
		{"", []string{"bench", "--bogus"}, "haktop: unknown flag: --bogus (see haktop bench --help)"},
		{"", []string{"bench", "extra"}, `haktop: unknown command "extra" for "haktop bench"`},
		{"", []string{"nosuch"}, `haktop: unknown command "nosuch": want one of ` + commandNames() + " (see haktop --help)"},
		{"HAKMEM_TINY_CACHE_CAP=abc", []string{"bench", "--cycles", "10"}, `haktop: HAKMEM_TINY_CACHE_CAP="abc" is not valid: want an integer from 8 to 4096`},
		{"HAKMEM_POOL_V2_ENABLED=yes", []string{"bench", "--cycles", "10"}, `haktop: HAKMEM_POOL_V2_ENABLED="yes" is not valid: want 0, 1, true or false`},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " ")+" "+tc.env, func(t *testing.T) {
			if name, value, ok := strings.Cut(tc.env, "="); ok {
				t.Setenv(name, value)
			}
			code, out, errs := runCLI(t, tc.args...)
			if code != 2 || out != "" || errs != tc.want+"\n" {
				t.Errorf("exit %d, stdout %q, stderr %q\nwant exit 2, stderr %q", code, out, errs, tc.want)
			}
		})
	}
}

// commandNames lists the registered commands as the unknown-command error does.
func commandNames() string {
	var names []string
	for _, c := range newApp(io.Discard, io.Discard).rootCommand().Commands() {
		if c.IsAvailableCommand() {
			names = append(names, c.Name())
		}
	}
	return strings.Join(names, ", ")
}

// statsCompiled reports whether the allocator counts (no haktop_nostats tag).
func statsCompiled(t *testing.T) bool {
	a, err := allocator.New(allocator.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	return a.Snapshot().StatsCompiled
}

var timing = regexp.MustCompile(`in [0-9.]+ s: [0-9]+ ops/s`)

// TestBenchTextGolden pins the human output; only the timing is masked.
// 123457 cycles, ws 1000, seed 42 make 61971 allocs and 61486 frees, as
// ../shared/bench/random_mixed.c 123457 1000 42 prints.
func TestBenchTextGolden(t *testing.T) {
	for name, args := range map[string][]string{
		"random_mixed": {"bench", "--cycles", "123457", "--ws", "1000", "--seed", "42"},
		"tiny_hot":     {"bench", "--workload", "tiny_hot", "--size", "200", "--cycles", "100000"},
	} {
		if !statsCompiled(t) {
			name = "nostats_" + name // -tags haktop_nostats prints no table
		}
		t.Run(name, func(t *testing.T) {
			t.Setenv("HAKMEM_TINY_CACHE_CAP", "64")
			code, out, errs := runCLI(t, args...)
			if code != 0 || errs != "" {
				t.Fatalf("exit %d, stderr %q", code, errs)
			}
			if !timing.MatchString(out) {
				t.Fatalf("no timing in %q", out)
			}
			golden.RequireEqual(t, timing.ReplaceAllString(out, "in X s: X ops/s"))
		})
	}
}

// TestBenchJSON checks the --json document: exactly one object, every field
// issue 3 names, and the deterministic counts exactly.
func TestBenchJSON(t *testing.T) {
	code, out, errs := runCLI(t, "bench", "--json", "--cycles", "123457", "--ws", "1000", "--seed", "42")
	if code != 0 || errs != "" {
		t.Fatalf("exit %d, stderr %q", code, errs)
	}
	dec := json.NewDecoder(strings.NewReader(out))
	var raw map[string]any
	if err := dec.Decode(&raw); err != nil {
		t.Fatal(err)
	}
	if dec.More() {
		t.Fatalf("more than one JSON value in %q", out)
	}
	for _, k := range []string{"workload", "workers", "cycles", "seconds", "ops_per_sec", "allocs", "frees", "classes", "paths", "gates"} {
		if _, ok := raw[k]; !ok {
			t.Errorf("missing field %q", k)
		}
	}
	class := raw["classes"].([]any)[0].(map[string]any)
	for _, k := range []string{"class", "size", "alloc_calls", "alloc_fast", "alloc_refill", "alloc_refill_fail", "alloc_fallback", "free_calls", "free_fast", "free_remote", "free_fallback"} {
		if _, ok := class[k]; !ok {
			t.Errorf("classes[0] lacks %q", k)
		}
	}
	for field, keys := range map[string][]string{"paths": {"id", "name", "hits"}, "gates": {"env", "value", "source", "paths"}} {
		row := raw[field].([]any)[0].(map[string]any)
		for _, k := range keys {
			if _, ok := row[k]; !ok {
				t.Errorf("%s[0] lacks %q", field, k)
			}
		}
	}

	var rep profile.RunReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Workload != "random_mixed" || rep.Workers != 1 || rep.Cycles != 123457 || rep.Allocs != 61971 || rep.Frees != 61486 || rep.Drained != 485 {
		t.Errorf("report %s/%d workers/%d cycles/%d allocs/%d frees/%d drained, want random_mixed/1/123457/61971/61486/485",
			rep.Workload, rep.Workers, rep.Cycles, rep.Allocs, rep.Frees, rep.Drained)
	}
	if rep.Seconds <= 0 || rep.OpsPerSec <= 0 {
		t.Errorf("seconds %v, ops_per_sec %v", rep.Seconds, rep.OpsPerSec)
	}
	if !rep.StatsCompiled {
		return
	}
	// Exact per-class totals of that run, from an independent replay of
	// random_mixed.c that maps each size to the smallest class holding it.
	// Every block is drained, so free_calls equals alloc_calls.
	want := map[string]uint64{"C1": 62, "C2": 970, "C3": 1915, "C4": 3964, "C5": 7786, "C6": 15481, "C7": 30853, "P0": 940}
	var sum uint64
	for _, c := range rep.Classes {
		if c.Count("alloc_calls") != want[c.Class] || c.Count("free_calls") != want[c.Class] {
			t.Errorf("%s: alloc_calls %d free_calls %d, want %d", c.Class, c.Count("alloc_calls"), c.Count("free_calls"), want[c.Class])
		}
		sum += c.Count("alloc_calls")
	}
	if sum != uint64(rep.Allocs) {
		t.Errorf("class alloc_calls sum %d != allocs %d", sum, rep.Allocs)
	}
	if len(rep.Paths) == 0 || rep.Paths[0].ID != "tiny_fast" || rep.Paths[0].Hits == 0 {
		t.Errorf("paths[0] = %+v, want tiny_fast with hits", rep.Paths[0])
	}
}

// TestBenchProgress checks the bar goes to stderr only on a terminal and
// never with --json.
func TestBenchProgress(t *testing.T) {
	for _, tc := range []struct {
		tty, json, bar bool
	}{{true, false, true}, {true, true, false}, {false, false, false}} {
		var out, errb bytes.Buffer
		a := newApp(&out, &errb)
		a.stderrIsTTY = func() bool { return tc.tty }
		args := []string{"bench", "--workload", "tiny_hot", "--duration", "350ms"}
		if tc.json {
			args = append(args, "--json")
		}
		if code := exitCode(&errb, a.run(args)); code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, errb.String())
		}
		gotBar := strings.Contains(errb.String(), "/350ms") && strings.Contains(errb.String(), "%")
		if gotBar != tc.bar || (!tc.bar && errb.Len() != 0) {
			t.Errorf("tty %v json %v: stderr %q, want bar %v", tc.tty, tc.json, errb.String(), tc.bar)
		}
		if tc.bar && !strings.HasSuffix(errb.String(), "\r\x1b[2K") {
			t.Errorf("bar not cleared: %q", errb.String())
		}
	}
}

// TestBenchLargeRow: every large block is an mmap, so the large row has no
// fast % (not 100.0), and its JSON size is the smallest request it serves.
func TestBenchLargeRow(t *testing.T) {
	if !statsCompiled(t) {
		t.Skip("counters compiled out")
	}
	code, out, errs := runCLI(t, "bench", "--workload", "large", "--cycles", "2000")
	if code != 0 || errs != "" {
		t.Fatalf("exit %d, stderr %q", code, errs)
	}
	row := regexp.MustCompile(`│ L +│ +>64K │ +\d+ │ +(\S+) │`).FindStringSubmatch(out)
	if row == nil || row[1] != "-" {
		t.Errorf("large row's fast %%: %q, want -:\n%s", row, out)
	}
	code, out, errs = runCLI(t, "bench", "--json", "--workload", "large", "--cycles", "2000")
	var rep profile.RunReport
	if err := json.Unmarshal([]byte(out), &rep); code != 0 || errs != "" || err != nil {
		t.Fatalf("exit %d, stderr %q, %v", code, errs, err)
	}
	l := rep.Classes[allocator.LargeClass]
	if l.Class != "L" || l.Size != allocator.MaxPoolSize+1 || l.Count("alloc_calls") == 0 || l.Count("alloc_fast") != 0 || l.Count("alloc_refill") != l.Count("alloc_calls") {
		t.Errorf("large row %+v, want size %d, no fast allocs, every alloc a refill (mmap)", l, allocator.MaxPoolSize+1)
	}
}
