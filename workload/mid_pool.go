package workload

// mid_pool is random_mixed's slot loop over the pool tier: a size drawn
// uniformly from 2 KiB to 64 KiB from r's high bits.

func newMidPool(s Spec, seed uint32) *sizedLoop {
	return &sizedLoop{seed: seed, slots: make([][]byte, s.WS), size: midSize, every: 4096}
}

// midSize maps r's high 16 bits onto [MidPoolMin, MidPoolMax].
func midSize(r uint32) int {
	return MidPoolMin + int(uint64(r>>16)*(MidPoolMax-MidPoolMin+1)>>16)
}
