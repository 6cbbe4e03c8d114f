package sampler

// procReader reads the process figures of a Sample. It reuses its
// runtime/metrics and GC-stats buffers and never stops the world (as
// runtime.ReadMemStats would), so sampling does not pause the workload.
// Owned by one Sampler, used under its mutex.

import (
	"bytes"
	"os"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
)

type procReader struct {
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
func (p *procReader) read() Proc {
	var out Proc
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
	f, err := os.Open("/proc/self/statm")
	if err != nil {
		return 0
	}
	n, _ := f.Read(p.buf[:])
	f.Close()
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
