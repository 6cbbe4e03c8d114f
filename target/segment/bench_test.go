package segment

import "testing"

// BenchmarkSnapshot reads a segment holding one shim-sized table (16
// classes x 4 counters, 256 slots, 8 of them used): what a 100 Hz sampler
// pays per sample.
func BenchmarkSnapshot(b *testing.B) {
	tt := testTable{nslots: 256, pid: 1, schema: Schema{Name: "requests"}}
	for c := 0; c < 16; c++ {
		tt.schema.Classes = append(tt.schema.Classes, Class{Name: "C", Min: uint64(c), Max: uint64(c)})
	}
	for _, n := range []string{"alloc_calls", "free_calls", "alloc_bytes", "alloc_fail"} {
		tt.schema.Counters = append(tt.schema.Counters, Counter{Name: n, Role: "other"})
	}
	for s := 0; s < 8; s++ {
		tt.slots = append(tt.slots, make([]uint64, 64))
	}
	img := buildSegment(1<<20, tt)
	var r reader
	b.ReportAllocs()
	for b.Loop() {
		if _, err := r.snapshot(image(img)); err != nil {
			b.Fatal(err)
		}
	}
}
