package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/haktop/haktop/workload"
)

func TestReportGolden(t *testing.T) {
	for _, tc := range []struct {
		name string
		args func(a, b string) []string
	}{
		{"text", func(a, b string) []string { return []string{"report", a} }},
		{"restart_gz", func(a, b string) []string { return []string{"report", b} }},
		{"json", func(a, b string) []string { return []string{"report", a, "--json"} }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir, a, b := fixtures(t)
			requireGolden(t, dir, tc.args(a, b)...)
		})
	}
}

// TestReportJSONTotals checks the JSON against the fixture's arithmetic:
// 8 ticks of 4,000,000*c/8 calls for class c, doubled in tick 3.
func TestReportJSONTotals(t *testing.T) {
	dir, a, _ := fixtures(t)
	code, out, _ := runIn(t, dir, "report", a, "--json")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	var doc reportJSON
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	c7 := doc.Classes[7]
	if c7["class"] != "C7" || c7.n("alloc_calls") != 9*3_500_000 || c7.f("mean", "alloc_calls") != 9*3_500_000/2.0 || c7.f("peak", "alloc_calls") != 2*3_500_000*4 {
		t.Errorf("C7 = %d calls, mean %v, peak %v", c7.n("alloc_calls"), c7.f("mean", "alloc_calls"), c7.f("peak", "alloc_calls"))
	}
	if doc.Samples != 8 || doc.Seconds != 2 || !doc.Complete || doc.Ended != "done" || doc.Workload.Name != workload.RandomMixed {
		t.Errorf("doc = %d samples over %vs, complete %v (%s), workload %q", doc.Samples, doc.Seconds, doc.Complete, doc.Ended, doc.Workload.Name)
	}
	if len(doc.Gates) != 8 || doc.Gates[4].Env != "HAKMEM_POOL_V2_ENABLED" || doc.Gates[4].Value != "0" || doc.Gates[4].Source != "default" {
		t.Errorf("gates = %+v", doc.Gates)
	}
}

func TestReportCutShortWarns(t *testing.T) {
	dir := t.TempDir()
	writeFixture(t, dir, "cut.jsonl", fixture{spec: workload.DefaultSpec(workload.TinyHot), samples: 3, pool: "v1", scale: 1000, cutShort: true})
	code, out, errs := runIn(t, dir, "report", "cut.jsonl")
	want := "haktop: warning: cut.jsonl: record 5: truncated (the recording was cut short): using the 4 records before it\n" +
		"haktop: warning: cut.jsonl: record 5: no footer: the session was cut short after record 4; its totals come from the last sample\n"
	if code != 0 || errs != want {
		t.Fatalf("exit %d, stderr\n%s\nwant\n%s", code, errs, want)
	}
	if !strings.HasPrefix(out, "session   cut.jsonl (format 2, cut short: no footer)\n") || !strings.Contains(out, "3 samples every 250ms covering 750ms") {
		t.Errorf("stdout:\n%s", out)
	}
}

// TestRecordingCommandErrors checks every bad input gets one line on
// stderr: exit 2 for a bad command line, 1 for a file that is not a session.
func TestRecordingCommandErrors(t *testing.T) {
	dir, a, _ := fixtures(t)
	if err := writeFile(filepath.Join(dir, "junk.txt"), "hello\n"); err != nil {
		t.Fatal(err)
	}
	if err := writeFile(filepath.Join(dir, "newer.jsonl"), `{"type":"header","format":"haktop-session","version":9}`+"\n"); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"report"}, 2, "haktop: report takes one session FILE: haktop report FILE [--json] (got 0 arguments)"},
		{[]string{"report", a, a}, 2, "haktop: report takes one session FILE: haktop report FILE [--json] (got 2 arguments)"},
		{[]string{"report", "--jsn", a}, 2, "haktop: unknown flag: --jsn (see haktop report --help)"},
		{[]string{"diff", a}, 2, "haktop: diff takes two session files: haktop diff A B [--json] (got 1 argument)"},
		{[]string{"report", "missing.jsonl"}, 1, "haktop: missing.jsonl: cannot open: no such file or directory"},
		{[]string{"report", "junk.txt"}, 1, `haktop: junk.txt: not a haktop session recording (its first line is not a "haktop-session" header)`},
		{[]string{"diff", a, "junk.txt"}, 1, `haktop: junk.txt: not a haktop session recording (its first line is not a "haktop-session" header)`},
		{[]string{"report", "newer.jsonl"}, 1, "haktop: newer.jsonl: record 1: written in format version 9; this haktop reads versions 1 to 2: use a newer haktop"},
		{[]string{"record"}, 2, "haktop: --out is required: give the session file to write, e.g. -o session.jsonl (a .gz name compresses), or - for stdout"},
		{[]string{"record", "-o", "x.jsonl", "--interval", "5ms"}, 2, "haktop: --interval 5ms is not valid: want a duration of at least 10ms, like 100ms or 1s"},
		{[]string{"record", "-o", "x.jsonl", "--ws", "0"}, 2, "haktop: --ws 0 is not valid: want an integer from 1 to 16777216"},
		{[]string{"record", "-o", "no/such/dir/x.jsonl", "--cycles", "10"}, 1, "haktop: recording: open no/such/dir/x.jsonl: no such file or directory"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			code, out, errs := runIn(t, dir, tc.args...)
			if code != tc.code || out != "" || errs != tc.want+"\n" {
				t.Errorf("exit %d, stdout %q, stderr %q\nwant exit %d, stderr %q", code, out, errs, tc.code, tc.want)
			}
		})
	}
}

func TestRecordingCommandsHelpGolden(t *testing.T) {
	for _, name := range []string{"record", "report", "diff"} {
		t.Run(name, func(t *testing.T) {
			requireGolden(t, "", name, "--help")
		})
	}
}
