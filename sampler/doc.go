// Package sampler turns a target's counters into a time series of Samples
// with rates, and records sessions to files that Open and Load read back.
//
// # Sampling
//
// A Sampler is made for one target.Schema (any allocator: the embedded one,
// a command under the preload shim, a test's fake) and calls its Source
// (e.g. embedded.Source(a)) every Interval, together with the workload's
// ops counter. With Options.InProcess (a target in this process) it reads
// this process's figures (RSS, GC count and last pause, Go heap in use) into
// each snapshot's Proc; otherwise Proc is the Source's. Each Sample keeps
// the raw cumulative counters (a target.Snapshot: a flat class x counter
// matrix, path hits, invalid frees, gauges); its Rates, shaped the same way,
// are computed by RatesBetween from the previous sample, so a recording
// reproduces them exactly. Samples go to a bounded history ring, to sinks
// (synchronous, lossless: recorders) and to subscribers (buffered channels;
// a full channel drops the sample and counts it in Drops, so nothing waits
// on a slow reader). Restart starts a new counter epoch, with the new
// schema, when the target is rebuilt: rates never straddle one.
//
// # FORMAT
//
// A recording is one file of JSON lines (gzip-compressed when its name ends
// in ".gz"; readers detect gzip by its magic bytes). Every line is a record,
// numbered from 1, with a "type":
//
//	header  always record 1: "format":"haktop-session", "version" (this is 2),
//	        "start", "haktop", "go", "os", "arch", "cpus", "gomaxprocs",
//	        "interval_ns", "stats_compiled", "workload" {name, workers, cycles,
//	        duration_ns, ws, seed, size, min_size, max_size}, and "schema",
//	        the observed target (package target's Schema): "target",
//	        "package", "classes" [{name, min, max, tier, no_fast}] (the rows
//	        of every sample), "counters" [{name, role}] (the columns of each
//	        row), "paths" [{id, name, tier, funcs}] (the hits of every
//	        sample), "gates" [{env, kind, default, accepted, values, value,
//	        source, paths, off}] (their values at the start), "invalid",
//	        "gauges", "counting" (the gauges that count events), "counted". Version 1 had no schema: it listed "gates" [{env,
//	        value, source, paths, off}] and the names "classes", "counters"
//	        and "paths"; readers build its schema from those names.
//	sample  "seq", "elapsed_ns", "epoch", "epoch_start_ns", "ops", "heaps",
//	        "classes" (one row of raw cumulative counters per header class,
//	        in header counter order), "paths" (hits per header path),
//	        "invalid" {one count per schema "invalid" kind, by name, e.g.
//	        page_of_fail_*}, "memory" {one value per schema "gauges" name,
//	        e.g. superslabs_mapped}, "proc" {rss_bytes, num_gc,
//	        last_pause_ns, heap_inuse_bytes, and for a target in another
//	        process cpu_ns and threads, omitted when 0}.
//	event   "elapsed_ns", "kind" (restart, pause, resume, note; readers skip
//	        others), "epoch" (in force after the event), "message", and for
//	        a restart the new "gates" and "workload" (as in the header).
//	footer  last: "end", "reason", "elapsed_ns", "samples", "events",
//	        "drops", and totals over every epoch: "ops", "classes", "paths",
//	        "invalid".
//
// Counters and ops are cumulative within an epoch and start from zero when
// "epoch" changes, at "epoch_start_ns"; rates are deltas between
// consecutive samples of one epoch, or from zero at the epoch start. A
// recording started partway through a session (the live view's r) starts
// its clock, seq, epochs and counters at zero at that moment. Readers
// keep every sample in the header's schema (a format-1 file's is built
// from the names it lists), so files outlive registry growth and a
// recording of any target reads the same way; consumers that compare
// recordings match classes, counters and paths by name.
// The writer flushes every line to the OS (gzip: a sync flush), so a killed
// recorder leaves a readable prefix: a truncated last line or a missing
// footer is a warning; anything else malformed is an error naming the file
// and the record, among it a cumulative counter that falls within an epoch
// and a footer whose totals are not the sum of the samples'. A new version number marks any change old readers would
// misread.
package sampler
