package profile

// Export: a pprof profile built from allocator counters instead of CPU
// samples, so `go tool pprof -top -sample_index=alloc_refill paths.pb.gz`
// ranks the paths where refills happen. It owns the table below that maps
// each class counter to the path that counts it.
//
// Every sample type is a counter (unit count): the nine class counters and
// path_hits. Each class contributes one sample per path its counters map
// to, with the stack [path, class] (leaf first: the path is the "function",
// the class its caller); each path's hit counter is one sample with the
// stack [path]. Per sample type, the samples add up to exactly the
// counters' totals.
//
// The class counters -> path table (v2: a pool class hotbox v2 served):
//
//	                 tiny C*        pool v1        pool v2           large L
//	alloc_fast       tiny_fast      pool_v1_alloc  pool_v2_alloc     large_map
//	alloc_refill     tiny_refill    pool_v1_alloc  pool_v2_alloc     large_map
//	alloc_fallback   tiny_fallback  tiny_fallback  pool_v2_fallback  large_map
//	free_fast        tiny_fast      pool_v1_free   pool_v2_free      large_unmap
//	free_remote      remote_push    remote_push    remote_push       remote_push
//	free_fallback    tiny_flush     large_unmap    pool_v2_free      large_unmap
//
// alloc_refill_fail goes with alloc_fallback (a failed refill falls back).
// alloc_calls and free_calls are split the way their parts are (alloc_calls
// = fast + refill + fallback, free_calls = fast + remote + fallback); should
// a total differ from its parts (a torn live snapshot), the difference goes
// on the class's fast-path sample so the totals stay exact. free_fallback
// of a tiny class also counts frees of blocks a failed refill took from the
// large tier; they are shown under tiny_flush, the common case, and
// path_hits tells the two apart.

import (
	"fmt"
	"os"
	"time"

	pprofile "github.com/google/pprof/profile"

	"github.com/haktop/haktop/allocator"
	"github.com/haktop/haktop/target/embedded"
)

// CounterSet is what a counter profile is built from.
type CounterSet struct {
	Classes  [allocator.NumClasses]allocator.Counters
	Paths    [allocator.NumPaths]uint64 // hits
	PoolV2   uint8                      // bit i set: hotbox v2 served pool class P_i
	Start    time.Time
	Duration time.Duration
}

// PoolV2Classes returns the pool classes hotbox v2 serves under cfg, as a
// bit mask (bit i = P_i); 0 when v2 is off.
func PoolV2Classes(cfg allocator.Config) uint8 {
	if !cfg.PoolV2Enabled {
		return 0
	}
	return cfg.PoolV2Classes
}

// Sample type indexes of a counter profile, in allocator.Counters order.
const (
	stAllocCalls = iota
	stAllocFast
	stAllocRefill
	stAllocRefillFail
	stAllocFallback
	stFreeCalls
	stFreeFast
	stFreeRemote
	stFreeFallback
	stPathHits
	numSampleTypes
)

// CounterSampleTypes are the sample type names of a counter profile, by
// index: the counters' names (target/embedded's, in the st* order) and path_hits.
var CounterSampleTypes = [numSampleTypes]string(append(embedded.CounterNames[:stPathHits:stPathHits], "path_hits"))

// counterPaths returns, for class c, the path of each group of counters:
// fast (alloc_fast, free_fast), refill, fallback, free_remote, free_fallback.
func counterPaths(c int, poolV2 uint8) (allocFast, refill, fallback, freeFast, remote, freeFallback allocator.PathID) {
	remote = allocator.PathRemotePush
	switch {
	case c < allocator.NumTinyClasses:
		return allocator.PathTinyFast, allocator.PathTinyRefill, allocator.PathTinyFallback, allocator.PathTinyFast, remote, allocator.PathTinyFlush
	case c == allocator.LargeClass:
		return allocator.PathLargeMap, allocator.PathLargeMap, allocator.PathLargeMap, allocator.PathLargeUnmap, remote, allocator.PathLargeUnmap
	case poolV2&(1<<(c-allocator.NumTinyClasses)) != 0:
		return allocator.PathPoolV2Alloc, allocator.PathPoolV2Alloc, allocator.PathPoolV2Fallback, allocator.PathPoolV2Free, remote, allocator.PathPoolV2Free
	default:
		return allocator.PathPoolV1Alloc, allocator.PathPoolV1Alloc, allocator.PathTinyFallback, allocator.PathPoolV1Free, remote, allocator.PathLargeUnmap
	}
}

// CounterProfile returns a valid pprof profile of cs's counters (see the
// top of this file). Zero samples are left out.
func CounterProfile(cs CounterSet) *pprofile.Profile {
	p := &pprofile.Profile{
		DefaultSampleType: CounterSampleTypes[stAllocCalls],
		// Merge (of epochs, say) needs a period type; one count per event.
		PeriodType:    &pprofile.ValueType{Type: "event", Unit: "count"},
		Period:        1,
		TimeNanos:     cs.Start.UnixNano(),
		DurationNanos: cs.Duration.Nanoseconds(),
		Comments:      []string{"haktop counter profile: stacks are [path, class]", fmt.Sprintf("pool classes served by hotbox v2: 0x%02X", cs.PoolV2)},
	}
	if cs.Start.IsZero() {
		p.TimeNanos = 0
	}
	for _, name := range CounterSampleTypes {
		p.SampleType = append(p.SampleType, &pprofile.ValueType{Type: name, Unit: "count"})
	}
	m := &pprofile.Mapping{ID: 1, File: "haktop-counters", HasFunctions: true}
	p.Mapping = []*pprofile.Mapping{m}
	newLoc := func(name, file string) *pprofile.Location {
		f := &pprofile.Function{ID: uint64(len(p.Function) + 1), Name: name, SystemName: name, Filename: file}
		p.Function = append(p.Function, f)
		l := &pprofile.Location{ID: uint64(len(p.Location) + 1), Mapping: m, Address: uint64(len(p.Location)+1) << 4,
			Line: []pprofile.Line{{Function: f}}}
		p.Location = append(p.Location, l)
		return l
	}
	var pathLoc [allocator.NumPaths]*pprofile.Location
	for _, path := range allocator.Paths {
		pathLoc[path.ID] = newLoc(path.Key, "allocator/paths.go")
	}
	for c := range cs.Classes {
		k := &cs.Classes[c]
		classLoc := newLoc(className(c), "allocator/sizeclasses.go")
		allocFast, refill, fallback, freeFast, remote, freeFallback := counterPaths(c, cs.PoolV2)
		vals := map[allocator.PathID]*[numSampleTypes]int64{}
		var order []allocator.PathID
		put := func(path allocator.PathID, st int, v int64) {
			if vals[path] == nil {
				vals[path] = new([numSampleTypes]int64)
				order = append(order, path)
			}
			vals[path][st] += v
		}
		put(allocFast, stAllocFast, int64(k.AllocFast))
		put(allocFast, stAllocCalls, int64(k.AllocFast)+int64(k.AllocCalls-k.AllocFast-k.AllocRefill-k.AllocFallback))
		put(refill, stAllocRefill, int64(k.AllocRefill))
		put(refill, stAllocCalls, int64(k.AllocRefill))
		put(fallback, stAllocRefillFail, int64(k.AllocRefillFail))
		put(fallback, stAllocFallback, int64(k.AllocFallback))
		put(fallback, stAllocCalls, int64(k.AllocFallback))
		put(freeFast, stFreeFast, int64(k.FreeFast))
		put(freeFast, stFreeCalls, int64(k.FreeFast)+int64(k.FreeCalls-k.FreeFast-k.FreeRemote-k.FreeFallback))
		put(remote, stFreeRemote, int64(k.FreeRemote))
		put(remote, stFreeCalls, int64(k.FreeRemote))
		put(freeFallback, stFreeFallback, int64(k.FreeFallback))
		put(freeFallback, stFreeCalls, int64(k.FreeFallback))
		for _, path := range order {
			if v := vals[path]; *v != ([numSampleTypes]int64{}) {
				p.Sample = append(p.Sample, &pprofile.Sample{Location: []*pprofile.Location{pathLoc[path], classLoc}, Value: v[:]})
			}
		}
	}
	for id, hits := range cs.Paths {
		if hits > 0 {
			v := make([]int64, numSampleTypes)
			v[stPathHits] = int64(hits)
			p.Sample = append(p.Sample, &pprofile.Sample{Location: []*pprofile.Location{pathLoc[id]}, Value: v})
		}
	}
	return p
}

// className returns a class's function name in a counter profile, e.g. "C3/64B".
func className(c int) string {
	if c == allocator.LargeClass {
		return "L/large"
	}
	return fmt.Sprintf("%s/%dB", allocator.ClassName(c), allocator.ClassSize(c))
}

// WriteFile writes p gzipped to path, as go tool pprof reads it, and
// returns an error naming path when it cannot.
func WriteFile(path string, p *pprofile.Profile) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("profile: %w", err)
	}
	if err := p.Write(f); err != nil {
		f.Close()
		return fmt.Errorf("profile: writing %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("profile: writing %s: %w", path, err)
	}
	return nil
}
