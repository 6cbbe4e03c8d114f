package workload

// large is random_mixed's slot loop over the large tier: every block is
// over 64 KiB, so every alloc and free is an mmap or munmap. Those cost
// microseconds, so it looks at the state word every 256 cycles rather than
// every 4096, keeping Pause and Stop prompt.

func newLargeLoop(s Spec, seed uint32) *sizedLoop {
	return &sizedLoop{seed: seed, slots: make([][]byte, s.WS), size: largeSize, every: 256}
}

// largeSize maps r's high 24 bits onto [LargeMin, LargeMax].
func largeSize(r uint32) int {
	return LargeMin + int(uint64(r>>8)*(LargeMax-LargeMin+1)>>24)
}
