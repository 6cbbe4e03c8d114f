package sampler

// procReader reads this process's figures into a Sample (Options.InProcess).
// It reuses its runtime/metrics and GC-stats buffers and never stops the
// world (as runtime.ReadMemStats would), so sampling does not pause the
// workload, and it keeps /proc/self/statm open, reading it again from
// offset 0 each time (procfs regenerates it), so a sample costs one read
// syscall there rather than an open, a read and a close. Owned by one
// Sampler, used under its mutex.

import (
	"bytes"
	"os"
	"runtime/debug"
	"runtime/metrics"
	"strconv"

	"github.com/haktop/haktop/target"
)

type procReader struct {
	statm    *os.File // nil until the first read, and after a failed one
	buf      [256]byte
	pageSize uint64
	metrics  []metrics.Sample
	gc       debug.GCStats
}

func newProcReader() *procReader {
	return &procReader{
		pageSize: uint64(os.Getpagesize()),
		// Their sum is what runtime.MemStats.HeapInuse reports.
		metrics: []metrics.Sample{
			{Name: "/memory/classes/heap/objects:bytes"},
			{Name: "/memory/classes/heap/unused:bytes"},
		},
	}
}

// read returns the current figures; a figure the platform cannot give is 0.
func (p *procReader) read() target.Proc {
	var out target.Proc
	out.RSSBytes = p.rss()
	metrics.Read(p.metrics)
	for _, m := range p.metrics {
		if m.Value.Kind() == metrics.KindUint64 {
			out.HeapInUse += m.Value.Uint64()
		}
	}
	debug.ReadGCStats(&p.gc)
	out.NumGC = uint32(p.gc.NumGC)
	if len(p.gc.Pause) > 0 {
		out.LastPause = p.gc.Pause[0]
	}
	return out
}

// rss returns resident pages (the second field of /proc/self/statm) in bytes.
func (p *procReader) rss() uint64 {
	if p.statm == nil {
		f, err := os.Open("/proc/self/statm")
		if err != nil {
			return 0
		}
		p.statm = f
	}
	n, err := p.statm.ReadAt(p.buf[:], 0)
	if n == 0 && err != nil {
		p.statm.Close()
		p.statm = nil // try opening it again next time
		return 0
	}
	fields := p.buf[:n]
	i := bytes.IndexByte(fields, ' ')
	if i < 0 {
		return 0
	}
	fields = fields[i+1:]
	if j := bytes.IndexAny(fields, " \n"); j >= 0 {
		fields = fields[:j]
	}
	pages, err := strconv.ParseUint(string(fields), 10, 64)
	if err != nil {
		return 0
	}
	return pages * p.pageSize
}
