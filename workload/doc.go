// Package workload generates allocation load on an allocator.Allocator: named
// generators (random_mixed, tiny_hot, mid_pool, larson, large) run on N workers.
//
// # Driver
//
// Each worker owns one Heap and runs its workload's loop in chunks of a few
// thousand cycles. Between chunks, and only there, it publishes its cycle
// count with one atomic store into its own cache-line-padded slot and reads
// one atomic state word (running, paused, stopped), so the per-operation
// cost is the allocator call itself: no interface call, allocation, lock or
// channel operation per cycle.
//
// A worker that pauses or finishes calls Heap.Flush, so allocator.Snapshot is
// exact once Pause returns and once Wait returns. At the end every worker
// frees the blocks it still holds (the drain); Result.Allocs and Result.Frees
// count the workload's own calls, Result.Drained the drain's frees.
//
// A cycle is one allocator call (one Alloc or one Free), so ops/s is
// Cycles / Elapsed for every workload.
package workload
