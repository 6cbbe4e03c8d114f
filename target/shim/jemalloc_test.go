package shim

import (
	"debug/elf"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/haktop/haktop/target/ctest"
	"github.com/haktop/haktop/target/segment"
)

// TestJemallocBinStats runs random_mixed.c on a stock libjemalloc.so.2: the
// shim publishes jemalloc's bins as the table "jemalloc", with the bins'
// own sizes, and the bins the loop uses show requests, fast hits and fills.
func TestJemallocBinStats(t *testing.T) {
	je := ctest.Jemalloc
	je.Need(t)
	const cycles = 400000
	_, snap := run(t, je.Lib, nil, program(t, "random_mixed.c"), strconv.Itoa(cycles), "4096", "1234567")
	jm := onlyTable(t, snap, "jemalloc", 0)
	req, fast, fills := column(t, jm, "nrequests"), column(t, jm, "fast"), column(t, jm, "nfills")
	roles := map[string]string{}
	for _, c := range jm.Schema.Counters {
		roles[c.Name] = string(c.Role)
	}
	if roles["nrequests"] != "calls" || roles["fast"] != "fast" || roles["nfills"] != "refill" || roles["nflushes"] != "other" {
		t.Errorf("roles %v", roles)
	}
	var total uint64
	for j, cl := range jm.Schema.Classes {
		if j > 0 && cl.Min != jm.Schema.Classes[j-1].Max+1 {
			t.Errorf("bin %s: min %d does not follow %d", cl.Name, cl.Min, jm.Schema.Classes[j-1].Max)
		}
		if cl.Max < 16 || cl.Min > 1039 {
			continue
		}
		total += req[j]
		if req[j] == 0 || fast[j] == 0 || fills[j] == 0 || fast[j] >= req[j] {
			t.Errorf("bin %s (%d..%d): %d requests, %d fast, %d fills: want all non-zero, fast below requests", cl.Name, cl.Min, cl.Max, req[j], fast[j], fills[j])
		}
		t.Logf("bin %5s: requests %7d fast %7d (%.1f%%) fills %5d", cl.Name, req[j], fast[j], 100*float64(fast[j])/float64(req[j]), fills[j])
	}
	// jemalloc merges a thread's cache counts at fills and flushes, so the
	// main thread's last few requests may be missing, never extra.
	calls := column(t, onlyTable(t, snap, "requests", 0), "alloc_calls")
	var allocs uint64
	for c := loopFirst; c <= loopLast; c++ {
		allocs += calls[c]
	}
	t.Logf("bins 16..1280: %d requests for the %d allocs the shim counted", total, allocs)
	if total > allocs || total < allocs*9/10 {
		t.Errorf("bins 16..1280: %d requests for %d allocs: want at most as many, and 90%% at least", total, allocs)
	}
}

// TestJemallocRefreshOnRequest asks a running jemalloc process for a
// refresh through the segment's request word: its refresher answers.
func TestJemallocRefreshOnRequest(t *testing.T) {
	je := ctest.Jemalloc
	je.Need(t)
	prog := program(t, "random_mixed.c")
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
	seg, err := segment.Create(0)
	if err != nil {
		t.Fatal(err)
	}
	defer seg.Close()
	cmd := exec.Command(prog, "2000000000", "4096", "1")
	cmd.Env = append(os.Environ(), seg.Env(), "LD_PRELOAD="+theShim(t)+" "+je.Lib)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	table := func() *segment.Table {
		snap, err := seg.Snapshot()
		if err != nil {
			t.Fatal(err)
		}
		return snap.Table("jemalloc")
	}
	deadline := time.Now().Add(10 * time.Second)
	for table() == nil && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if err := seg.RequestRefresh(); err != nil {
		t.Fatal(err)
	}
	for time.Now().Before(deadline) {
		if jm := table(); jm != nil && jm.Refreshed == 1 {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("the refresher did not answer request 1: %+v", table())
}

// TestStatsOnly preloads the stats-only library: it defines no allocation
// function, publishes no request table, and still publishes jemalloc's
// bins; under glibc it publishes nothing.
func TestStatsOnly(t *testing.T) {
	lib := theStatsLib(t)
	f, err := elf.Open(lib)
	if err != nil {
		t.Fatal(err)
	}
	syms, err := f.DynamicSymbols()
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range syms {
		if s.Section != elf.SHN_UNDEF && (s.Name == "malloc" || s.Name == "free" || s.Name == "calloc" || s.Name == "realloc") {
			t.Errorf("the stats-only library defines %s", s.Name)
		}
	}
	prog := program(t, "random_mixed.c")
	_, snap := runEnv(t, []string{"LD_PRELOAD=" + lib}, prog, "10000", "64", "1")
	if len(snap.Tables) != 0 {
		t.Errorf("glibc: %d tables, want none", len(snap.Tables))
	}
	je := ctest.Jemalloc
	je.Need(t)
	_, snap = runEnv(t, []string{"LD_PRELOAD=" + lib + " " + je.Lib}, prog, "400000", "4096", "1234567")
	if len(snap.Tables) != 1 {
		t.Fatalf("jemalloc: %d tables, want the jemalloc table alone", len(snap.Tables))
	}
	jm := onlyTable(t, snap, "jemalloc", 0)
	var total uint64
	for _, v := range column(t, jm, "nrequests") {
		total += v
	}
	if total < 200000 {
		t.Errorf("jemalloc bins: %d requests, want about 200000", total)
	}
}
