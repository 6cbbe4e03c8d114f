package sampler

// The generic reading of a recording in its own schema: a recorded
// command (record -- CMD, written by Recorder.RecordTarget) names its
// classes, counters and paths in its header, and LoadTarget keeps each
// sample's class x counter matrix and path hits as they are, in that
// schema's order, instead of mapping them onto the embedded allocator's
// layout. The lines are read and checked by Session (same truncation and
// corruption rules, counters never going back within an epoch).

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"
)

// TargetSample is one sample of a recording read in its own schema.
type TargetSample struct {
	Seq        int
	Elapsed    time.Duration
	Epoch      int
	EpochStart time.Duration
	Ops        int64
	Counters   [][]uint64 // [class][counter], in the header schema's order; cumulative within an epoch
	Paths      []uint64   // hits, in the schema's path order
	RSSBytes   uint64
}

// TargetRecording is a whole recording read in its own schema.
type TargetRecording struct {
	Path     string
	Header   Header // Header.Schema names every row, column and path
	Samples  []TargetSample
	Events   []Event
	Footer   *Footer       // nil when cut short; its Totals are not filled: see Counters and Paths
	Counters [][]uint64    // per class and counter, summed over the counter epochs
	Paths    []uint64      // hits per path, summed over the counter epochs
	Covered  time.Duration // the time the counters cover: each epoch from its start to its last sample
	Warnings []string
}

// LoadTarget reads the whole format-2 recording at path in the schema its
// header declares. It returns the same errors as Open and Next.
func LoadTarget(path string) (*TargetRecording, error) {
	s, err := open(path, true)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	h := s.Header()
	r := &TargetRecording{Path: path, Header: h, Counters: zeroMatrix(len(h.Schema.Classes), len(h.Schema.Counters)),
		Paths: make([]uint64, len(h.Schema.Paths))}
	r.Events, r.Footer, err = s.readAll(func(rec Record) { r.Samples = append(r.Samples, rec.Target) })
	if err != nil {
		return nil, err
	}
	r.Counters, r.Paths, r.Covered = targetTotals(h, r.Samples)
	r.Warnings = s.Warnings()
	return r, nil
}

func zeroMatrix(rows, cols int) [][]uint64 {
	m := make([][]uint64, rows)
	for i := range m {
		m[i] = make([]uint64, cols)
	}
	return m
}

// targetTotals sums each epoch's last sample (its counters are cumulative)
// and the time each epoch's counters cover.
func targetTotals(h Header, samples []TargetSample) ([][]uint64, []uint64, time.Duration) {
	m := zeroMatrix(len(h.Schema.Classes), len(h.Schema.Counters))
	p := make([]uint64, len(h.Schema.Paths))
	var covered time.Duration
	for i, smp := range samples {
		if i+1 < len(samples) && samples[i+1].Epoch == smp.Epoch {
			continue // not its epoch's last
		}
		for c, row := range smp.Counters {
			for k, v := range row {
				m[c][k] += v
			}
		}
		for j, v := range smp.Paths {
			p[j] += v
		}
		covered += smp.Elapsed - smp.EpochStart
	}
	return m, p, covered
}

// checkShape returns an error naming what differs when rows and hits are
// not shaped by the header's schema.
func (s *Session) checkShape(num int, rows [][]uint64, hits []uint64) error {
	sc := &s.header.Schema
	if len(rows) != len(sc.Classes) {
		return s.fail(num, "corrupt: %d class rows, the header lists %d classes", len(rows), len(sc.Classes))
	}
	for i, row := range rows {
		if len(row) != len(sc.Counters) {
			return s.fail(num, "corrupt: class row %d has %d counters, the header lists %d", i, len(row), len(sc.Counters))
		}
	}
	if len(hits) != len(sc.Paths) {
		return s.fail(num, "corrupt: %d path counts, the header lists %d paths", len(hits), len(sc.Paths))
	}
	return nil
}

func (s *Session) decodeTargetSample(num int, line []byte) (Record, error) {
	var w wireSample
	if err := json.Unmarshal(line, &w); err != nil {
		return Record{}, s.fail(num, "corrupt sample: %v", err)
	}
	if err := s.checkShape(num, w.Classes, w.Paths); err != nil {
		return Record{}, err
	}
	smp := TargetSample{Seq: w.Seq, Elapsed: time.Duration(w.ElapsedNS), Epoch: w.Epoch, EpochStart: time.Duration(w.EpochStartNS),
		Ops: w.Ops, Counters: w.Classes, Paths: w.Paths, RSSBytes: w.Proc.RSSBytes}
	if smp.Seq < 0 || smp.Epoch < 0 || smp.EpochStart < 0 || smp.EpochStart > smp.Elapsed {
		return Record{}, s.fail(num, "corrupt: seq %d, epoch %d starting at %v, elapsed %v", smp.Seq, smp.Epoch, smp.EpochStart, smp.Elapsed)
	}
	sc := &s.header.Schema
	base := TargetSample{Counters: zeroMatrix(len(sc.Classes), len(sc.Counters)), Paths: make([]uint64, len(sc.Paths))}
	if s.samples > 0 {
		p := s.prevTarget
		if err := s.checkOrder(num, p.Seq, p.Epoch, p.Elapsed, smp.Seq, smp.Epoch, smp.Elapsed); err != nil {
			return Record{}, err
		}
		if p.Epoch == smp.Epoch {
			base = p
		}
	}
	if msg, bad := badTargetCounter(sc.ClassNames(), sc.CounterNames(), sc.PathIDs(), base, smp); bad {
		return Record{}, s.fail(num, "corrupt: %s", msg)
	}
	s.prevTarget = smp
	s.samples++
	s.targetSamples = append(s.targetSamples, smp)
	return Record{Num: num, Kind: KindSample, Target: smp}, nil
}

// badTargetCounter is badCounter for a sample in its own schema.
func badTargetCounter(classes, counters, paths []string, a, b TargetSample) (string, bool) {
	check := func(what string, from, to uint64) (string, bool) {
		switch {
		case to < from:
			return fmt.Sprintf("%s goes back from %d to %d within counter epoch %d (counters only grow until a restart)", what, from, to, b.Epoch), true
		case to-from > maxCounterStep:
			return fmt.Sprintf("%s jumps from %d to %d, more than 2^53 events between two samples", what, from, to), true
		}
		return "", false
	}
	if msg, bad := check("ops", uint64(max(a.Ops, 0)), uint64(max(b.Ops, 0))); bad {
		return msg, true
	}
	for c, row := range b.Counters {
		for k, v := range row {
			if msg, bad := check("class "+classes[c]+" "+counters[k], a.Counters[c][k], v); bad {
				return msg, true
			}
		}
	}
	for j, v := range b.Paths {
		if msg, bad := check("path "+paths[j]+" hits", a.Paths[j], v); bad {
			return msg, true
		}
	}
	return "", false
}

func (s *Session) decodeTargetFooter(num int, line []byte) error {
	var w wireFooter
	if err := json.Unmarshal(line, &w); err != nil {
		return s.fail(num, "corrupt footer: %v", err)
	}
	if w.Samples != s.samples || w.Events != s.events {
		return s.fail(num, "corrupt: the footer counts %d samples and %d events, the file holds %d and %d", w.Samples, w.Events, s.samples, s.events)
	}
	if err := s.checkShape(num, w.Classes, w.Paths); err != nil {
		return err
	}
	m, p, _ := targetTotals(s.header, s.targetSamples)
	if !slices.EqualFunc(m, w.Classes, slices.Equal[[]uint64]) || !slices.Equal(p, w.Paths) {
		return s.fail(num, "corrupt: the footer's totals differ from the sum of the samples' counters")
	}
	s.footer = &Footer{End: w.End, Reason: w.Reason, Elapsed: time.Duration(w.ElapsedNS), Samples: w.Samples, Events: w.Events, Drops: w.Drops, Exit: w.Exit}
	return nil
}
