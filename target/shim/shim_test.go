package shim

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/haktop/haktop/allocator"
	"github.com/haktop/haktop/target/ctest"
	"github.com/haktop/haktop/target/segment"
)

// requestClass is the haktop class of an n-byte request, from the
// allocator's own table.
func requestClass(n uint64) int {
	for c := 0; c < allocator.LargeClass; c++ {
		if n <= uint64(allocator.ClassSize(c)) {
			return c
		}
	}
	return allocator.LargeClass
}

// randomMixed replays random_mixed.c's loop: the per-class allocs by
// request size, and the allocs and frees it prints.
func randomMixed(cycles, ws int, seed uint32) (byRequest []uint64, allocs, frees uint64) {
	byRequest = make([]uint64, allocator.NumClasses)
	slots := make([]bool, ws)
	for i := 0; i < cycles; i++ {
		seed ^= seed << 13
		seed ^= seed >> 17
		seed ^= seed << 5
		idx := seed % uint32(ws)
		if slots[idx] {
			slots[idx] = false
			frees++
			continue
		}
		n := 16 + uint64(seed&0x3FF)
		byRequest[requestClass(n)]++
		slots[idx] = true
		allocs++
	}
	return
}

// The loop's request sizes, 16..1039 bytes, are classes C1..P0.
const loopFirst, loopLast = 1, allocator.NumTinyClasses

// TestRandomMixedCountsExactly runs random_mixed.c under the shim on each
// allocator: the calls of the loop's classes are its allocs, class by
// class, and their frees are every block it allocated (its frees and the
// final drain). A free counts in the class of the block's usable size:
// the request's class for jemalloc, tcmalloc and mimalloc, whose size
// classes include haktop's boundaries, so there frees match calls class
// by class. glibc hands out 8 to 31 bytes more than asked (the chunk
// rounding, and a remainder too small to split stays with the block), so
// its frees near a boundary land one class up: their sum is exact.
func TestRandomMixedCountsExactly(t *testing.T) {
	const cycles, ws, seed = 400000, 4096, 1234567
	prog := program(t, "random_mixed.c")
	for _, a := range ctest.Allocators {
		t.Run(a.Name, func(t *testing.T) {
			a.Need(t)
			out, snap := run(t, a.Lib, nil, prog, strconv.Itoa(cycles), strconv.Itoa(ws), strconv.Itoa(seed))
			printed, ok := ctest.ParseRandomMixed(out)
			if !ok {
				t.Fatalf("random_mixed printed %q", out)
			}
			byRequest, allocs, frees := randomMixed(cycles, ws, seed)
			if printed.Allocs != allocs || printed.Frees != frees {
				t.Fatalf("random_mixed printed allocs=%d frees=%d, the Go replay %d and %d", printed.Allocs, printed.Frees, allocs, frees)
			}
			req := onlyTable(t, snap, "requests", 0)
			calls, freed := column(t, req, "alloc_calls"), column(t, req, "free_calls")
			var sumCalls, sumFrees uint64
			for c := loopFirst; c <= loopLast; c++ {
				sumCalls += calls[c]
				sumFrees += freed[c]
				if calls[c] != byRequest[c] {
					t.Errorf("%s: %d calls, want %d", allocator.ClassName(c), calls[c], byRequest[c])
				}
				if a.Lib != "" && freed[c] != byRequest[c] {
					t.Errorf("%s: %d frees, want %d", allocator.ClassName(c), freed[c], byRequest[c])
				}
			}
			if sumCalls != allocs || sumFrees != allocs {
				t.Errorf("classes C1..P0: %d calls and %d frees, want the %d allocs it printed (its %d frees and %d drained)", sumCalls, sumFrees, allocs, frees, allocs-frees)
			}
			t.Logf("%s: C1..P0 %d calls %d frees; other classes %v", a.Name, sumCalls, sumFrees, others(req))
		})
	}
}

// others lists the counts outside the loop's classes: the C library's own.
func others(tb *segment.Table) string {
	var b strings.Builder
	for c, row := range tb.Counts {
		if (c < loopFirst || c > loopLast) && (row[0] != 0 || row[1] != 0) {
			fmt.Fprintf(&b, "%s=%v ", tb.Schema.Classes[c].Name, row)
		}
	}
	return b.String()
}

// TestShimClassesAreTheAllocators checks the shim's published class table
// against allocator/sizeclasses.go.
func TestShimClassesAreTheAllocators(t *testing.T) {
	_, snap := run(t, "", nil, "/bin/true")
	req := onlyTable(t, snap, "requests", 0)
	var want []segment.Class
	lo := uint64(0)
	for c := 0; c < allocator.NumClasses; c++ {
		hi := uint64(1<<64 - 1)
		if c < allocator.LargeClass {
			hi = uint64(allocator.ClassSize(c))
		}
		want = append(want, segment.Class{Name: allocator.ClassName(c), Min: lo, Max: hi})
		lo = hi + 1
	}
	if !reflect.DeepEqual(req.Schema.Classes, want) {
		t.Errorf("shim classes\n%v\nwant\n%v", req.Schema.Classes, want)
	}
	wantCounters := []segment.Counter{{Name: "alloc_calls", Role: "calls"}, {Name: "free_calls", Role: "free"}, {Name: "alloc_bytes", Role: "other"}, {Name: "alloc_fail", Role: "other"}}
	if !reflect.DeepEqual(req.Schema.Counters, wantCounters) {
		t.Errorf("shim counters %v, want %v", req.Schema.Counters, wantCounters)
	}
}

// TestLayoutMatchesHeader compiles haktop.h and compares every layout
// constant with target/segment's.
func TestLayoutMatchesHeader(t *testing.T) {
	needCC(t)
	dir := t.TempDir()
	var src bytes.Buffer
	src.WriteString("#define _GNU_SOURCE\n#include <stdio.h>\n#include \"haktop.h\"\nint main(void) {\n")
	names := make([]string, 0, len(segment.Offsets))
	for name := range segment.Offsets {
		names = append(names, name)
	}
	for _, name := range names {
		fmt.Fprintf(&src, "\tprintf(\"%s %%llu\\n\", (unsigned long long)(%s));\n", name, name)
	}
	src.WriteString("\tprintf(\"HAKTOP_MAGIC %s\\n\", HAKTOP_MAGIC);\n\tprintf(\"HAKTOP_ENV %s\\n\", HAKTOP_ENV);\n")
	src.WriteString("\tprintf(\"HAKTOP_SECTION %s\\n\", HAKTOP_SECTION);\n\treturn 0;\n}\n")
	if err := os.WriteFile(filepath.Join(dir, "layout.c"), src.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	abs, _ := filepath.Abs("c")
	bin := filepath.Join(dir, "layout")
	if b, err := exec.Command(Compiler, "-std=c11", "-Wall", "-Wextra", "-Werror", "-pthread", "-I"+abs, "-o", bin, filepath.Join(dir, "layout.c")).CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	out, err := exec.Command(bin).Output()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		k, v, _ := strings.Cut(line, " ")
		got[k] = v
	}
	for name, want := range segment.Offsets {
		if got[name] != fmt.Sprint(want) {
			t.Errorf("%s: haktop.h %s, target/segment %d", name, got[name], want)
		}
	}
	if got["HAKTOP_MAGIC"] != "HAKTOPSG" || got["HAKTOP_ENV"] != segment.EnvVar || got["HAKTOP_SECTION"] != Section {
		t.Errorf("magic %q env %q section %q", got["HAKTOP_MAGIC"], got["HAKTOP_ENV"], got["HAKTOP_SECTION"])
	}
}

// TestRandomMixedCopyIsShared checks testdata/random_mixed.c against
// ../shared/bench/random_mixed.c, found in an ancestor of the module.
func TestRandomMixedCopyIsShared(t *testing.T) {
	mine, err := os.ReadFile(filepath.Join("testdata", "random_mixed.c"))
	if err != nil {
		t.Fatal(err)
	}
	dir, _ := filepath.Abs("../..")
	for ; ; dir = filepath.Dir(dir) {
		shared, err := os.ReadFile(filepath.Join(dir, "..", "shared", "bench", "random_mixed.c"))
		if err == nil {
			if !bytes.Equal(mine, shared) {
				t.Fatalf("testdata/random_mixed.c differs from %s: copy it again", filepath.Join(dir, "..", "shared", "bench", "random_mixed.c"))
			}
			return
		}
		if filepath.Dir(dir) == dir {
			t.Skip("no ../shared/bench/random_mixed.c beside the module or an ancestor")
		}
	}
}

var usableLine = regexp.MustCompile(`^usable=(\d+) frees=(\d+)$`)

// TestFreesCountInTheUsableSizesClass runs testdata/usable.c, blocks of
// random sizes from every allocation function, which notes each block's
// malloc_usable_size before it frees it: on every allocator the shim's
// frees of each class are exactly the program's frees of blocks whose
// usable size is in that class, however the shim finds the size (glibc's
// chunk header, tcmalloc's GetAllocatedSize, the next malloc_usable_size).
func TestFreesCountInTheUsableSizesClass(t *testing.T) {
	prog := program(t, "usable.c")
	for _, a := range ctest.Allocators {
		t.Run(a.Name, func(t *testing.T) {
			a.Need(t)
			out, snap := run(t, a.Lib, []string{"TCMALLOC_LARGE_ALLOC_REPORT_THRESHOLD=" + fmt.Sprint(uint64(1)<<62)}, prog, "200000", "7")
			want := make([]uint64, allocator.NumClasses)
			lines := strings.Split(strings.TrimSpace(out), "\n")
			if len(lines) < 2 || lines[len(lines)-1] != "over=0" {
				t.Fatalf("usable printed %d lines ending %q", len(lines), lines[len(lines)-1])
			}
			for _, l := range lines[:len(lines)-1] {
				m := usableLine.FindStringSubmatch(l)
				if m == nil {
					t.Fatalf("usable printed %q", l)
				}
				u, _ := strconv.ParseUint(m[1], 10, 64)
				n, _ := strconv.ParseUint(m[2], 10, 64)
				want[requestClass(u)] += n
			}
			// the program's own tally array (4 MiB, L) is never freed
			freed := column(t, onlyTable(t, snap, "requests", 0), "free_calls")
			for c := range want {
				if freed[c] != want[c] {
					t.Errorf("%s: %d frees, want %d (blocks of that usable size the program freed)", allocator.ClassName(c), freed[c], want[c])
				}
			}
		})
	}
}

// TestGlibcThresholdUntouched: the shim's start-up check of glibc's chunk
// header frees an mmapped block of its own; glibc raises its mmap
// threshold to the size of an mmapped block freed (up to 32 MiB), so the
// check must use one above that, or the program's 200000-byte block would
// come from the heap where without the shim it is mmapped.
func TestGlibcThresholdUntouched(t *testing.T) {
	prog := program(t, "threshold.c")
	plain, err := exec.Command(prog).Output()
	if err != nil || string(plain) != "mmapped\n" {
		t.Fatalf("without the shim threshold.c printed %q (%v), want mmapped", plain, err)
	}
	if out, _ := run(t, "", nil, prog); out != string(plain) {
		t.Errorf("under the shim a 200000-byte block is %q, without it %q: the shim moved glibc's mmap threshold", out, plain)
	}
}
