package live

// The process Source on real programs under the preload shim
// (target/process/testdata/ending.c, which ends as it is told): the frames
// count exactly what the program did, space stops and continues it, r
// writes the recording record -- CMD writes (read back by sampler), e a
// counter profile whose totals are the counters, and Close stops it and
// closes the recording with how it ended.

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	pprofile "github.com/google/pprof/profile"

	"github.com/haktop/haktop/profile"
	"github.com/haktop/haktop/sampler"
	"github.com/haktop/haktop/target"
	"github.com/haktop/haktop/target/ctest"
	"github.com/haktop/haktop/target/process"
	"github.com/haktop/haktop/target/process/processtest"
)

func TestMain(m *testing.M) { ctest.Main(m) }

// startProcess runs argv under the shim and returns its Source.
func startProcess(t *testing.T, cfg ProcessConfig, argv ...string) *Process {
	t.Helper()
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
	p, err := process.Start(argv, process.Options{Shim: processtest.Shim(t), Output: filepath.Join(t.TempDir(), "out"), Grace: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	cfg.Process = p
	if cfg.Dir == "" {
		cfg.Dir = t.TempDir()
	}
	src, err := NewProcess(cfg)
	if err != nil {
		p.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() { src.Close() })
	return src
}

// classOf returns the row of f's class serving requests of size bytes.
func classOf(t *testing.T, f Frame, size int) int {
	t.Helper()
	for i, r := range f.Classes {
		if r.Size >= size && (i == 0 || f.Classes[i-1].Size < size) {
			return i
		}
	}
	t.Fatalf("no class serves %d bytes", size)
	return -1
}

// TestProcessFrameOfAnEndedProgram: ending.c makes 1000 mallocs of 100
// bytes and exits 3; sampled once it ended, at 2 s, the 65..128 row shows
// 500 alloc/s, and the frame says how it ended.
func TestProcessFrameOfAnEndedProgram(t *testing.T) {
	prog := processtest.Program(t, ctest.EndingC)
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
	p, err := process.Start([]string{prog, "exit3"}, process.Options{Shim: processtest.Shim(t), Output: filepath.Join(t.TempDir(), "out")})
	if err != nil {
		t.Fatal(err)
	}
	p.Wait()
	src, err := NewProcess(ProcessConfig{Process: p, Manual: true, Elapsed: func() time.Duration { return 2 * time.Second }})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	f := src.Frame()
	if f.Process == nil || f.Process.Ended != "exit 3" || !f.Process.Failed || f.Process.PID != p.PID() || f.Process.Target != process.TableRequests {
		t.Fatalf("process info %+v", f.Process)
	}
	if f.Live { // the shim counts frees by block size: a class's calls - frees is not its blocks in use
		t.Error("live blocks shown for request-size classes")
	}
	c := classOf(t, f, 100)
	if v, _ := f.Value(c, target.RoleCalls); v != 500 {
		t.Errorf("class %s: %v alloc/s, want 1000 mallocs over 2 s = 500", f.Classes[c].Class, v)
	}
	if !strings.Contains(f.Status.Note, "exited with status 3") {
		t.Errorf("note %q", f.Status.Note)
	}
	if _, err := src.Apply(Command{Kind: CmdTogglePause}); err == nil {
		t.Error("pausing an ended program: no error")
	}
	// e: the counter profile holds the final counters exactly.
	src.cfg.Dir = t.TempDir()
	if _, err := src.Apply(Command{Kind: CmdExport}); err != nil {
		t.Fatal(err)
	}
	prof := readProfile(t, src.Files()[0])
	want := map[string]int64{}
	snap, _ := p.Snapshot()
	s := p.Schema()
	for c, cl := range s.Classes {
		want[cl.Name] = int64(snap.At(c, s.CounterOf(target.RoleCalls), len(s.Counters)))
	}
	got := map[string]int64{}
	for _, smp := range prof.Sample {
		name, _, _ := strings.Cut(smp.Location[0].Line[0].Function.Name, "/")
		got[name] += smp.Value[0]
	}
	for name, n := range want {
		if got[name] != n {
			t.Errorf("export: class %s alloc_calls %d, counters %d", name, got[name], n)
		}
	}
	if got[f.Classes[c].Class] != 1000 {
		t.Errorf("export: class %s alloc_calls %d, want its 1000 mallocs", f.Classes[c].Class, got[f.Classes[c].Class])
	}
}

func readProfile(t *testing.T, path string) *pprofile.Profile {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	prof, err := pprofile.Parse(f)
	if err != nil {
		t.Fatal(err)
	}
	return prof
}

// TestProcessKeys: a spinning program is paused (kernel state T) and
// resumed by space, recorded by r and exported by e, and Close stops it:
// the recording reads back with CMD's schema, its samples and the footer's
// SIGTERM, and the export's alloc_calls total is the counters'.
func TestProcessKeys(t *testing.T) {
	prog := processtest.Program(t, ctest.EndingC)
	src := startProcess(t, ProcessConfig{Interval: 20 * time.Millisecond}, prog, "spin")
	waitProcess(t, src, "the spin loop counted", func(f Frame) bool { return !f.Classes[classOf(t, f, 64)].Idle() })

	if _, err := src.Apply(Command{Kind: CmdRecord}); err != nil {
		t.Fatal(err)
	}
	msg, err := src.Apply(Command{Kind: CmdTogglePause})
	if err != nil || !strings.Contains(msg, "SIGSTOP") || !src.Frame().Status.Paused {
		t.Fatalf("space: %q, %v, paused %v", msg, err, src.Frame().Status.Paused)
	}
	waitProcess(t, src, "the kernel's stopped state", func(Frame) bool { return procStopped(src.Frame().Process.PID) })
	if msg, err := src.Apply(Command{Kind: CmdTogglePause}); err != nil || !strings.Contains(msg, "SIGCONT") || src.Frame().Status.Paused {
		t.Fatalf("space again: %q, %v", msg, err)
	}
	seq := src.Frame().Seq
	waitProcess(t, src, "calls after resuming", func(f Frame) bool { return f.Seq > seq+1 && !f.Classes[classOf(t, f, 64)].Idle() })

	msg, err = src.Apply(Command{Kind: CmdExport})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := src.Apply(Command{Kind: CmdToggleGate, Env: "X"}); err == nil || !strings.Contains(err.Error(), "not available") {
		t.Errorf("g: %v", err)
	}
	if err := src.Close(); err != nil {
		t.Fatal(err)
	}
	files := src.Files()
	if len(files) != 2 || !strings.HasSuffix(files[0], ".jsonl") || !strings.HasSuffix(files[1], ".pb.gz") || !strings.Contains(msg, files[1]) {
		t.Fatalf("files %v, export said %q", files, msg)
	}
	rec, err := sampler.Load(files[0])
	if err != nil {
		t.Fatal(err)
	}
	if rec.Footer == nil || rec.Footer.Exit == nil || rec.Footer.Exit.Signal != "SIGTERM" || rec.Footer.Reason != "stopped" ||
		len(rec.Samples) < 3 || rec.Header.Schema.Target != process.TableRequests || rec.Header.Command[1] != "spin" {
		t.Fatalf("recording: footer %+v, %d samples, schema %s, command %v", rec.Footer, len(rec.Samples), rec.Header.Schema.Target, rec.Header.Command)
	}
	prof := readProfile(t, files[1])
	var calls int64
	for _, s := range prof.Sample {
		calls += s.Value[0]
	}
	if prof.SampleType[0].Type != "alloc_calls" || calls == 0 {
		t.Errorf("export: %s total %d", prof.SampleType[0].Type, calls)
	}
}

func waitProcess(t *testing.T, s *Process, what string, ok func(Frame) bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if ok(s.Frame()) {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("no %s within 20s", what)
}

// procStopped reports whether pid is in the kernel's stopped state (T).
func procStopped(pid int) bool {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return false
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i > 0 && i+2 < len(s) && s[i+2] == 'T'
}

// corrupter.c counts a malloc, then overwrites the segment's magic number
// and exits 4: the frame says the counters cannot be read and how CMD ended.
const corrupter = `#define _DEFAULT_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
int main(void) {
	void *p = malloc(100);
	usleep(500 * 1000);
	FILE *f = fopen(getenv("HAKTOP_SEGMENT"), "r+");
	if (!f) return 1;
	fwrite("XXXXXXXX", 1, 8, f);
	fclose(f);
	free(p);
	return 4;
}
`

func TestProcessEndsWithABrokenSegment(t *testing.T) {
	src := filepath.Join(t.TempDir(), "corrupter.c")
	if err := os.WriteFile(src, []byte(corrupter), 0o644); err != nil {
		t.Fatal(err)
	}
	prog := processtest.Program(t, src)
	s := startProcess(t, ProcessConfig{Interval: 20 * time.Millisecond}, prog)
	waitProcess(t, s, "the end of a program that broke its segment", func(f Frame) bool { return f.Process.Ended != "" })
	f := s.Frame()
	if f.Process.Ended != "exit 4" || !f.Process.Failed || !strings.Contains(f.Status.Note, "counters") {
		t.Errorf("ended %q (failed %v), note %q; want exit 4 and the reader's error", f.Process.Ended, f.Process.Failed, f.Status.Note)
	}
}

// TestProcessGateVerdicts: the hakmem-shaped test allocator declares that
// HAKMEM_POOL_V2_ENABLED guards its pool v2 paths and is off at 0. Sampled
// once it ended, at 2 s, the frame's gate row says OFF with the gate at 0,
// NEVER EXECUTED at 1 with only tiny requests (the v2 paths' exact
// counters read 0), and ACTIVE at 1 with pool-sized requests, at a hit
// rate of the driver's pool requests over 2 s.
func TestProcessGateVerdicts(t *testing.T) {
	prog := processtest.Program(t, ctest.HakmemC)
	for _, c := range []struct {
		v2, sizes string
		want      profile.Verdict
	}{
		{"0", "mixed", profile.Off},
		{"1", "tiny", profile.NeverExecuted},
		{"1", "mixed", profile.Active},
	} {
		t.Run(c.v2+"-"+c.sizes, func(t *testing.T) {
			t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
			out := filepath.Join(t.TempDir(), "out")
			p, err := process.Start([]string{prog, "100000", "256", "2", c.sizes},
				process.Options{Shim: processtest.Shim(t), Output: out, Env: []string{"HAKMEM_POOL_V2_ENABLED=" + c.v2}})
			if err != nil {
				t.Fatal(err)
			}
			p.Wait()
			src, err := NewProcess(ProcessConfig{Process: p, Manual: true, Elapsed: func() time.Duration { return 2 * time.Second }})
			if err != nil {
				p.Close()
				t.Fatal(err)
			}
			defer src.Close()
			h := ctest.HakmemIn(t, out)
			f := src.Frame()
			if len(f.Gates) != 1 {
				t.Fatalf("gates %+v, want HAKMEM_POOL_V2_ENABLED's", f.Gates)
			}
			g := f.Gates[0]
			if g.Env != "HAKMEM_POOL_V2_ENABLED" || g.Value != c.v2 || g.Verdict != c.want || strings.Join(g.Paths, ",") != "pool_v2_alloc,pool_v2_free" {
				t.Errorf("gate row %+v, want HAKMEM_POOL_V2_ENABLED=%s %s guarding pool_v2_alloc,pool_v2_free", g, c.v2, c.want)
			}
			rate := 0.0
			if c.want == profile.Active {
				rate = float64(h.Pool) / 2
			}
			seen := 0
			for _, r := range f.Paths {
				if r.Key != "pool_v2_alloc" && r.Key != "pool_v2_free" {
					continue
				}
				seen++
				if r.Verdict != c.want || r.HitsPerSec != rate {
					t.Errorf("path %s: %s at %v hits/s, want %s at %v (%d pool requests over 2 s)", r.Key, r.Verdict, r.HitsPerSec, c.want, rate, h.Pool)
				}
			}
			if seen != 2 {
				t.Errorf("%d pool v2 path rows, want 2", seen)
			}
		})
	}
}

// startRecording starts argv headless, recording to a file from the first
// sample on (record -- CMD), and returns the Source and the file.
func startRecording(t *testing.T, stopReason string, argv ...string) (*Process, string) {
	t.Helper()
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
	p, err := process.Start(argv, process.Options{Shim: processtest.Shim(t), Output: filepath.Join(t.TempDir(), "out"), Grace: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "s.jsonl")
	f, err := os.Create(path)
	if err != nil {
		p.Close()
		t.Fatal(err)
	}
	interval := 20 * time.Millisecond
	rec, err := sampler.NewRecorder(path, f, false, CommandHeader(p, p.Schema(), interval))
	if err != nil {
		p.Close()
		t.Fatal(err)
	}
	src, err := NewProcess(ProcessConfig{Process: p, Interval: interval, Record: rec, StopReason: stopReason})
	if err != nil {
		p.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() { src.Close() })
	return src, path
}

// Headless, the recording starts with the first sample, Done is closed
// once CMD ended and its final sample is written, and the footer says how
// it ended: ending.c exits 3, "done"; stopped by Close, StopReason.
func TestProcessRecordsHeadless(t *testing.T) {
	prog := processtest.Program(t, ctest.EndingC)
	for _, tc := range []struct {
		arg, reason string
		exit        sampler.Exit
	}{
		{"exit3", "done", sampler.Exit{Code: 3}},
		{"spin", "interrupted", sampler.Exit{Signal: "SIGTERM"}},
	} {
		argv := []string{prog, tc.arg}
		src, path := startRecording(t, "interrupted", argv...)
		if tc.arg == "spin" {
			waitProcess(t, src, "three samples", func(f Frame) bool { return f.Seq >= 3 })
		} else {
			select {
			case <-src.Done():
			case <-time.After(20 * time.Second):
				t.Fatal("Done not closed 20 s after ending.c started")
			}
		}
		if err := src.Close(); err != nil {
			t.Fatal(err)
		}
		samples, last, reason, err := src.Recorded()
		rec, lerr := sampler.Load(path)
		if err != nil || lerr != nil {
			t.Fatalf("%v: recorded %v, load %v", argv, err, lerr)
		}
		if reason != tc.reason || rec.Footer == nil || rec.Footer.Reason != tc.reason || rec.Footer.Exit == nil || *rec.Footer.Exit != tc.exit {
			t.Fatalf("%v: reason %q, footer %+v; want %q and %+v", argv, reason, rec.Footer, tc.reason, tc.exit)
		}
		if len(rec.Samples) != samples || samples < 1 || rec.Samples[0].Seq != 0 || rec.Samples[samples-1].Elapsed != last {
			t.Fatalf("%v: %d samples in the file, Recorded says %d, last at %v", argv, len(rec.Samples), samples, last)
		}
		for i := 1; i < samples; i++ {
			if rec.Samples[i].Elapsed < rec.Samples[i-1].Elapsed {
				t.Errorf("%v: sample %d at %v, before sample %d at %v", argv, i, rec.Samples[i].Elapsed, i-1, rec.Samples[i-1].Elapsed)
			}
		}
	}
}

// A segment CMD breaks ends the recording at once, its footer "error",
// and Recorded returns the reader's error.
func TestProcessRecordingOfABrokenSegment(t *testing.T) {
	src := filepath.Join(t.TempDir(), "corrupter.c")
	if err := os.WriteFile(src, []byte(corrupter), 0o644); err != nil {
		t.Fatal(err)
	}
	s, path := startRecording(t, "", processtest.Program(t, src))
	<-s.Done()
	_, _, reason, err := s.Recorded()
	rec, lerr := sampler.Load(path)
	if err == nil || reason != "error" || lerr != nil || rec.Footer == nil || rec.Footer.Reason != "error" {
		t.Fatalf("recorded %q, %v; load %v, footer %+v; want error and the reader's error", reason, err, lerr, rec.Footer)
	}
}
