package workload

// larson exercises remote frees: each worker produces batches of WS blocks
// on its own heap and hands every full batch to the next worker (i+1 mod N)
// through a bounded channel of batches; that worker frees the blocks, each a
// remote free into the producer's heap, and returns the empty batch to its
// owner on a second channel. Channel operations happen once per batch, never
// per block. A worker frees whatever is inbound before it produces, and a
// producer whose consumer's channel is full waits for room, or for a batch
// of its own to free, so every free is remote. It stops waiting once the
// run is pausing or stopping (Run.wake); then it frees its own full batch
// locally instead. No cycle of waits can form: if every worker waited to
// send, every inbound channel would be full and each could receive; and a
// worker that has run its cycles keeps freeing what arrives (its drain)
// until every worker has left its loop. Batches are allocated once per
// worker at Start and circulate.
//
// The larsonNet owns the channels; each larsonLoop owns its current batches
// and is touched only by its worker.

import "github.com/haktop/haktop/allocator"

// larsonRing is how many full batches may wait for one consumer.
const larsonRing = 4

// larsonBatches per worker: the ring's worth, one the consumer is freeing,
// one being filled and one being freed locally, so a producer always finds
// an empty batch on its own list or its return channel.
const larsonBatches = larsonRing + 3

type larsonBatch struct {
	owner  int // the worker whose heap the blocks came from
	blocks [][]byte
	n, pos int // filled; freed so far
}

type larsonNet struct {
	inbound []chan *larsonBatch // by consumer: full batches
	returns []chan *larsonBatch // by owner: emptied batches
}

func newLarsonNet(workers int) *larsonNet {
	ln := &larsonNet{inbound: make([]chan *larsonBatch, workers), returns: make([]chan *larsonBatch, workers)}
	for i := range ln.inbound {
		ln.inbound[i] = make(chan *larsonBatch, larsonRing)
		ln.returns[i] = make(chan *larsonBatch, larsonBatches)
	}
	return ln
}

type larsonLoop struct {
	run   *Run
	net   *larsonNet
	index int
	seed  uint32
	free  []*larsonBatch // this worker's empty batches
	prod  *larsonBatch   // being filled
	cons  *larsonBatch   // being freed: inbound, or our own that could not be sent
}

func (ln *larsonNet) loop(r *Run, i int, s Spec, seed uint32) *larsonLoop {
	l := &larsonLoop{run: r, net: ln, index: i, seed: seed, free: make([]*larsonBatch, 0, larsonBatches)}
	for range larsonBatches {
		l.free = append(l.free, &larsonBatch{owner: i, blocks: make([][]byte, s.WS)})
	}
	return l
}

// chunkLen is two batches (one produced, one consumed) per look at the
// state, and at least 4096 cycles however small the batches are.
func (l *larsonLoop) chunkLen() int64 { return max(4096, 2*int64(len(l.free[0].blocks))) }

func (l *larsonLoop) chunk(h *allocator.Heap, n int64) (allocs int64) {
	next := (l.index + 1) % len(l.net.inbound)
	for n > 0 {
		if l.cons == nil {
			select {
			case b := <-l.net.inbound[l.index]:
				l.cons = b
			default:
			}
		}
		if b := l.cons; b != nil {
			k := min(n, int64(b.n-b.pos))
			freeBlocks(h, b.blocks[b.pos:b.pos+int(k)])
			b.pos += int(k)
			n -= k
			if b.pos == b.n {
				l.cons = nil
				l.giveBack(b)
			}
			continue
		}
		b := l.prod
		if b == nil {
			b = l.emptyBatch()
			l.prod = b
		}
		if b.n == len(b.blocks) {
			select {
			case l.net.inbound[next] <- b:
				l.prod = nil
			case in := <-l.net.inbound[l.index]:
				l.cons = in // free that first; b waits
			case <-l.run.wake():
				l.prod, l.cons = nil, b // give up: free our own batch
			}
			continue
		}
		k := min(n, int64(len(b.blocks)-b.n))
		l.seed = fillBlocks(h, b.blocks[b.n:b.n+int(k)], l.seed)
		b.n += int(k)
		n -= k
		allocs += k
	}
	return allocs
}

// fillBlocks allocates one block per entry, random_mixed's sizes, and
// returns the generator state.
func fillBlocks(h *allocator.Heap, blocks [][]byte, seed uint32) uint32 {
	for i := range blocks {
		seed = xorshift32(seed)
		p := h.Alloc(int(16 + seed&0x3FF))
		p[0] = byte(seed)
		blocks[i] = p
	}
	return seed
}

func freeBlocks(h *allocator.Heap, blocks [][]byte) {
	for i, p := range blocks {
		h.Free(p)
		blocks[i] = nil
	}
}

// giveBack returns an emptied batch to its owner.
func (l *larsonLoop) giveBack(b *larsonBatch) {
	b.n, b.pos = 0, 0
	if b.owner == l.index {
		l.free = append(l.free, b)
		return
	}
	l.net.returns[b.owner] <- b // never blocks: it has room for every batch
}

// emptyBatch returns one of this worker's empty batches.
func (l *larsonLoop) emptyBatch() *larsonBatch {
	for {
		if k := len(l.free); k > 0 {
			b := l.free[k-1]
			l.free = l.free[:k-1]
			return b
		}
		// All our batches are out; at least one is on its way back
		// (see larsonBatches), so this waits at most for one batch.
		l.free = append(l.free, <-l.net.returns[l.index])
	}
}

// drain frees what this worker holds, then every batch handed to it until
// all workers have left their loops, so producers still running never wait
// on a worker that has stopped consuming. It flushes before each wait so a
// Snapshot stays exact while it idles.
func (l *larsonLoop) drain(h *allocator.Heap) (n int64) {
	drainBatch := func(b *larsonBatch) {
		freeBlocks(h, b.blocks[b.pos:b.n])
		n += int64(b.n - b.pos)
		l.giveBack(b)
	}
	if l.prod != nil {
		drainBatch(l.prod)
		l.prod = nil
	}
	if l.cons != nil {
		drainBatch(l.cons)
		l.cons = nil
	}
	in := l.net.inbound[l.index]
	for {
		select {
		case b := <-in:
			drainBatch(b)
			continue
		default:
		}
		h.Flush()
		select {
		case b := <-in:
			drainBatch(b)
		case <-l.run.allLeft:
			// Every send happened before its sender left: take the rest.
			for {
				select {
				case b := <-in:
					drainBatch(b)
				default:
					return n
				}
			}
		}
	}
}
