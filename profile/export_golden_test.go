package profile

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/golden"

	"github.com/haktop/haktop/allocator"
	"github.com/haktop/haktop/target/embedded"
	"github.com/haktop/haktop/target/targettest"
)

// goldenSnapshot is a fixed embedded-allocator snapshot that reaches every
// row of the class counters -> path table: tiny, pool v1, pool v2 (P0 and
// P2 served by hotbox v2: mask 0x05), large, remote frees, fallbacks, a
// failed refill and one torn class whose calls exceed their parts.
func goldenSnapshot() allocator.Snapshot {
	var s allocator.Snapshot
	s.StatsCompiled = true
	for c := range allocator.NumClasses {
		n := uint64(c+1) * 100
		s.Classes[c].Class, s.Classes[c].Size, s.Classes[c].Tier = allocator.ClassName(c), allocator.ClassSize(c), allocator.Tier(c)
		s.Classes[c].Counters = allocator.Counters{
			AllocCalls: n + 7, AllocFast: n, AllocRefill: 5, AllocRefillFail: 1, AllocFallback: 2,
			FreeCalls: n, FreeFast: n - 10, FreeRemote: 6, FreeFallback: 4,
		}
	}
	s.Classes[3].Counters.AllocCalls += 9 // torn: calls ahead of their parts
	for p := range s.Paths {
		s.Paths[p] = uint64(p*p + 1)
	}
	s.Invalid = allocator.Invalid{HeaderMissing: 1, OutOfRange: 2, Misaligned: 3, Unknown: 4}
	s.Memory = allocator.MemoryStats{SuperslabsMapped: 5, SuperslabsPeak: 6, SuperslabMaps: 7, SuperslabUnmaps: 2, LargeBlocks: 3, LargeBytes: 300000, MappedBytes: 5<<21 + 300000}
	s.Heaps = 2
	return s
}

// TestCounterProfileGolden pins the embedded allocator's counter profile
// byte for byte (go test ./profile -run CounterProfileGolden -update).
func TestCounterProfileGolden(t *testing.T) {
	a := goldenSnapshot()
	cfg := config(t, v2, "1", "HAKMEM_POOL_V2_CLASSES", "0x05")
	s := embedded.Schema(cfg)
	snap := s.NewSnapshot()
	embedded.Snapshot(&a, &snap)
	p := CounterProfile(&s, snap, time.Unix(1700000000, 0), 1500*time.Millisecond)
	var raw bytes.Buffer
	if err := p.WriteUncompressed(&raw); err != nil {
		t.Fatal(err)
	}
	golden.RequireEqual(t, fmt.Sprintf("%s\nprotobuf sha256 %x (%d bytes)\ncomments %q\ndefault sample type %q\n", p.String(), sha256.Sum256(raw.Bytes()), raw.Len(), p.Comments, p.DefaultSampleType))
}

// TestCounterProfileOfTheFakeTarget: targettest's fake (3 classes, 2
// counters, no class -> path mapping) exports its own sample types and
// class names, each class's counts on the class alone and the path hits on
// its two paths, with totals exactly the snapshot's.
func TestCounterProfileOfTheFakeTarget(t *testing.T) {
	s := targettest.Schema("1")
	s.Notes = []string{"turbo on"}
	snap := targettest.Snapshot(&s, 2, true)
	p := CounterProfile(&s, snap, time.Unix(1700000000, 0), 2*time.Second)
	if err := p.CheckValid(); err != nil {
		t.Fatal(err)
	}
	var totals [3]int64
	for _, smp := range p.Sample {
		for i, v := range smp.Value {
			totals[i] += v
		}
	}
	if want := [3]int64{12000, 12000, 10000}; totals != want {
		t.Errorf("totals %v, want mallocs, frees and path hits %v", totals, want)
	}
	var raw bytes.Buffer
	if err := p.WriteUncompressed(&raw); err != nil {
		t.Fatal(err)
	}
	golden.RequireEqual(t, fmt.Sprintf("%s\nprotobuf sha256 %x (%d bytes)\ncomments %q\ndefault sample type %q\n", p.String(), sha256.Sum256(raw.Bytes()), raw.Len(), p.Comments, p.DefaultSampleType))
}
