package tui

// Golden screens of `haktop run`'s Source (live.Process) on scripted
// programs under the preload shim, each sampled once it has ended at a
// fixed elapsed time, so every rate is exact: the hakmem-shaped allocator
// of target/shim/testdata publishing its own classes, counters, paths and
// gate, which declares the pool v2 paths it guards: on (ACTIVE), off (OFF),
// and on with only tiny requests (NEVER EXECUTED); ending.c crashing with SIGSEGV after 1000 mallocs,
// counted by the shim's request classes; and a statically linked program
// the shim cannot enter, whose header says so and shows no rates. What
// differs from run to run (the pid, RSS, CPU, the temp directory) is set
// to fixed values before drawing. Regenerate with
// `go test ./tui -run GoldenProcess -update`.

import (
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/haktop/haktop/live"
	"github.com/haktop/haktop/target/ctest"
	"github.com/haktop/haktop/target/process"
	"github.com/haktop/haktop/target/process/processtest"
)

func TestMain(m *testing.M) { ctest.Main(m) }

// steadySource is a Source with the figures that change between runs of
// the same program set to fixed values.
type steadySource struct {
	live.Source
	dir string // the programs' directory, shown as ./
}

func (s steadySource) Frame() Frame {
	f := s.Source.Frame()
	fix := func(t string) string { return strings.ReplaceAll(t, s.dir+"/", "./") }
	if f.Process != nil {
		p := *f.Process
		p.PID, p.CPU, p.CPUPercent = 4242, 1500*time.Millisecond, math.NaN()
		p.Command, p.Unmeasured = fix(p.Command), fix(p.Unmeasured)
		f.Process = &p
	}
	f.RSS = 8 << 20
	f.Status.Note = fix(f.Status.Note)
	f.Status.Warnings = append([]string(nil), f.Status.Warnings...)
	for i, w := range f.Status.Warnings {
		f.Status.Warnings[i] = fix(w)
	}
	return f
}

// endedProcess runs argv to its end under the shim and returns its Source,
// sampled at 2 s.
func endedProcess(t *testing.T, env []string, argv ...string) steadySource {
	t.Helper()
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
	p, err := process.Start(argv, process.Options{Shim: processtest.Shim(t), Output: filepath.Join(t.TempDir(), "out"), Env: env})
	if err != nil {
		t.Fatal(err)
	}
	p.Wait()
	src, err := live.NewProcess(live.ProcessConfig{Process: p, Manual: true, Elapsed: func() time.Duration { return 2 * time.Second }})
	if err != nil {
		p.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() { src.Close() })
	return steadySource{src, filepath.Dir(argv[0])}
}

func TestGoldenProcess(t *testing.T) {
	// No core file, whatever the machine's limit: the ending reads the same everywhere.
	var old syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_CORE, &old); err == nil {
		syscall.Setrlimit(syscall.RLIMIT_CORE, &syscall.Rlimit{Cur: 0, Max: old.Max})
		defer syscall.Setrlimit(syscall.RLIMIT_CORE, &old)
	}
	hakmem := processtest.Program(t, ctest.HakmemC)
	ending := processtest.Program(t, ctest.EndingC)
	static := processtest.Program(t, ctest.RandomMixedC, "-static")
	for _, c := range []struct {
		name string
		env  []string
		argv []string
		w, h int
	}{
		{"hakmem_own_counters", []string{"HAKMEM_POOL_V2_ENABLED=1"}, []string{hakmem, "200000", "1024", "1"}, 120, 40},
		{"hakmem_own_counters", []string{"HAKMEM_POOL_V2_ENABLED=1"}, []string{hakmem, "200000", "1024", "1"}, 80, 24},
		{"hakmem_pool_v2_off", []string{"HAKMEM_POOL_V2_ENABLED=0"}, []string{hakmem, "200000", "1024", "1"}, 120, 40},
		{"hakmem_pool_v2_never_executed", []string{"HAKMEM_POOL_V2_ENABLED=1"}, []string{hakmem, "200000", "1024", "1", "tiny"}, 120, 40},
		{"segv_request_classes", nil, []string{ending, "segv"}, 120, 40},
		{"static_not_measured", nil, []string{static, "1000", "64", "1"}, 120, 40},
	} {
		t.Run(fmt.Sprintf("%s/%dx%d", c.name, c.w, c.h), func(t *testing.T) {
			src := endedProcess(t, c.env, c.argv...)
			m := drive(t, New(src, Options{Tick: -1, Dark: true}), tea.WindowSizeMsg{Width: c.w, Height: c.h})
			check(t, c.name, m, c.w, c.h)
		})
	}
}
