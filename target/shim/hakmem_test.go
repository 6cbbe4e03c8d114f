package shim

import (
	"bytes"
	"os"
	"os/exec"
	"reflect"
	"testing"

	"github.com/haktop/haktop/target/ctest"
	"github.com/haktop/haktop/target/segment"
)

func runHakmem(t *testing.T, prog, v2 string) (ctest.HakmemOutput, *segment.Snapshot) {
	t.Helper()
	out, snap := runEnv(t, []string{"HAKMEM_POOL_V2_ENABLED=" + v2}, prog, "300000", "1024", "3")
	h, err := ctest.ParseHakmem(out)
	if err != nil {
		t.Fatalf("hakmem_test printed %q: %v", out, err)
	}
	return h, snap
}

// TestHakmemCountersThroughSegment runs the haktop.h test allocator with
// pool v2 off and on: its own counters, read through the segment, add up
// to what its driver did, and the v2 paths run only when the gate is on.
func TestHakmemCountersThroughSegment(t *testing.T) {
	prog := program(t, "hakmem_test.c")
	for _, v2 := range []string{"0", "1"} {
		t.Run("HAKMEM_POOL_V2_ENABLED="+v2, func(t *testing.T) {
			h, snap := runHakmem(t, prog, v2)
			tb := onlyTable(t, snap, "hakmem-test", 0)
			// the gate guards the paths with ids 4 and 5, pool v2 alloc and free
			want := []segment.Gate{{Env: "HAKMEM_POOL_V2_ENABLED", Value: v2, Paths: []uint32{4, 5}, Off: v2 == "0"}}
			if !reflect.DeepEqual(tb.Schema.Gates, want) {
				t.Errorf("gates %v, want %v", tb.Schema.Gates, want)
			}
			if tb.Slots != 3 || tb.Threads != 0 || tb.Lost != 0 {
				t.Errorf("%d slots, %d live, %d lost: want the 3 workers' slots, given back when they ended", tb.Slots, tb.Threads, tb.Lost)
			}
			col := func(name string) []uint64 { return column(t, tb, name) }
			sum := func(v []uint64, from, to int) (s uint64) {
				for _, x := range v[from:to] {
					s += x
				}
				return s
			}
			calls, fast, refill, fallback := col("alloc_calls"), col("alloc_fast"), col("alloc_refill"), col("alloc_fallback_v1")
			frees, freeFast, freeFallback := col("free_calls"), col("free_fast"), col("free_fallback_v1")
			hits := map[string]uint64{}
			for i, p := range tb.Schema.Paths {
				hits[p.Name] = tb.PathHits[i]
			}
			check := func(what string, got, want uint64) {
				t.Helper()
				if got != want {
					t.Errorf("%s: %d, want %d", what, got, want)
				}
			}
			check("alloc_calls", sum(calls, 0, 16), h.Allocs)
			check("free_calls (frees and the drain)", sum(frees, 0, 16), h.Allocs)
			check("pool alloc_calls", sum(calls, 8, 15), h.Pool)
			check("large alloc_calls", calls[15], h.Large)
			check("large map hits", hits["large map"], h.Large)
			tiny := sum(calls, 0, 8)
			check("tiny fast + refill", sum(fast, 0, 8)+sum(refill, 0, 8), tiny)
			check("tiny fast hits", hits["tiny fast"], sum(fast, 0, 8))
			check("tiny refill hits", hits["tiny refill"], sum(refill, 0, 8))
			if v2 == "0" {
				check("pool v2 alloc hits", hits["pool v2 alloc"], 0)
				check("pool v2 free hits", hits["pool v2 free"], 0)
				check("pool v1 alloc hits", hits["pool v1 alloc"], h.Pool)
				check("pool v1 free hits", hits["pool v1 free"], h.Pool)
				check("pool fast", sum(fast, 8, 15), 0)
				return
			}
			check("pool v2 alloc hits", hits["pool v2 alloc"], h.Pool)
			check("pool v2 free hits", hits["pool v2 free"], h.Pool)
			check("pool fast + fallback", sum(fast, 8, 15)+sum(fallback, 8, 15), h.Pool)
			check("pool v1 alloc hits (v2's fallbacks)", hits["pool v1 alloc"], sum(fallback, 8, 15))
			check("pool v1 free hits (v2's free fallbacks)", hits["pool v1 free"], sum(freeFallback, 8, 15))
			check("pool free fast + fallback", sum(freeFast, 8, 15)+sum(freeFallback, 8, 15), h.Pool)
			if sum(fast, 8, 15) == 0 {
				t.Error("pool v2 is on but never hit its cache")
			}
		})
	}
}

// TestStatsCompiledOut builds the test allocator with -DHAKTOP_STATS=0:
// it does the same work, publishes nothing, and holds no trace of haktop;
// and no macro evaluates its arguments.
func TestStatsCompiledOut(t *testing.T) {
	on, off := program(t, "hakmem_test.c"), program(t, "hakmem_test.c", "-DHAKTOP_STATS=0")
	hOn, _ := runHakmem(t, on, "1")
	hOff, snap := runHakmem(t, off, "1")
	if hOn != hOff {
		t.Errorf("compiled out: %+v, with stats %+v", hOff, hOn)
	}
	if len(snap.Tables) != 0 {
		t.Errorf("compiled out, %d tables published", len(snap.Tables))
	}
	for bin, want := range map[string]bool{on: true, off: false} {
		b, err := os.ReadFile(bin)
		if err != nil {
			t.Fatal(err)
		}
		if got := bytes.Contains(b, []byte(segment.EnvVar)); got != want {
			t.Errorf("%s mentions %s: %v, want %v", bin, segment.EnvVar, got, want)
		}
	}
	for flag, want := range map[string]int{"-DHAKTOP_STATS=0": 0, "-DHAKTOP_STATS=1": 4} {
		err := exec.Command(program(t, "nostats.c", flag)).Run()
		code := 0
		if e, ok := err.(*exec.ExitError); ok {
			code = e.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		if code != want {
			t.Errorf("nostats.c %s: %d arguments evaluated, want %d", flag, code, want)
		}
	}
}
