package live

// Replay: a Source that plays a recording (sampler.Load) back through the
// same frame builder the live engine uses. Playback moves with the screen's
// ticks, not the wall clock (see Ticker), so a given sequence of ticks and
// keys always shows the same frame: the golden tests rely on it. Owns its
// position; the models only send it Commands.

import (
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/haktop/haktop/sampler"
	"github.com/haktop/haktop/target"
	"github.com/haktop/haktop/target/embedded"
	"github.com/haktop/haktop/textfmt"
)

// Replay plays a recording.
type Replay struct {
	rec     *sampler.Recording
	epochs  []sampler.Epoch
	gates   [][]target.Gate // each epoch's gates, for the verdicts
	epochAt []int           // the index in epochs of each sample's epoch

	mu      sync.Mutex
	index   int           // the sample shown
	clock   time.Duration // recording time playback has reached
	playing bool
	speed   int
}

// NewReplay returns a Replay of rec positioned on its first sample and
// playing at speed 1, or an error naming the file when it holds no sample.
func NewReplay(rec *sampler.Recording) (*Replay, error) {
	if len(rec.Samples) == 0 {
		return nil, fmt.Errorf("%s: the recording holds no sample to replay", rec.Path)
	}
	r := &Replay{rec: rec, playing: true, speed: 1, epochs: rec.Epochs(), epochAt: make([]int, len(rec.Samples))}
	for i, ep := range r.epochs {
		gates := ep.Gates
		if rec.Header.Schema.Target == embedded.Name {
			gates = embedded.Decided(gates) // what each value switches off, by this build's registry
		}
		r.gates = append(r.gates, gates)
		for j := range ep.Samples {
			r.epochAt[ep.First+j] = i
		}
	}
	r.clock = rec.Samples[0].Elapsed
	return r, nil
}

// Tick advances playback by d times the speed, when playing; at the last
// sample playback stops.
func (r *Replay) Tick(d time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.playing {
		return
	}
	r.clock += d * time.Duration(r.speed)
	s := r.rec.Samples
	for r.index+1 < len(s) && s[r.index+1].Elapsed <= r.clock {
		r.index++
	}
	if r.index == len(s)-1 {
		r.playing = false
	}
}

// seekStep returns how many samples ← and → move: one, or a fortieth of a
// long recording.
func (r *Replay) seekStep() int { return max(1, len(r.rec.Samples)/40) }

// Apply carries out the replay's commands: play/pause, seek and speed.
func (r *Replay) Apply(c Command) (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	last := len(r.rec.Samples) - 1
	switch c.Kind {
	case CmdTogglePause:
		if !r.playing && r.index == last {
			r.index = 0 // play again from the start
			r.clock = r.rec.Samples[0].Elapsed
		}
		r.playing = !r.playing
		return "", nil // the header's ▶ / ❚❚ says it
	case CmdSeek:
		r.index = min(max(r.index+c.Arg*r.seekStep(), 0), last)
		r.clock = r.rec.Samples[r.index].Elapsed
		return "", nil // the header shows the position
	case CmdSpeed:
		switch c.Arg {
		case 1, 2, 4, 8:
			r.speed = c.Arg
			return "", nil // the header shows the speed
		}
		return "", fmt.Errorf("speed %d: want 1, 2, 4 or 8", c.Arg)
	}
	return "", ErrNotSupported("that key in a replay")
}

// Frame returns the frame of the sample shown.
func (r *Replay) Frame() Frame {
	r.mu.Lock()
	index, playing, speed := r.index, r.playing, r.speed
	r.mu.Unlock()

	samples := r.rec.Samples
	s := samples[index]
	history := make([]sampler.Rates, 0, HistoryLen)
	for _, h := range samples[max(0, index-HistoryLen+1) : index+1] {
		history = append(history, h.Rates)
	}
	ep := r.epochs[r.epochAt[index]]
	spec := ep.Workload
	if s.Snap.Heaps > 0 {
		spec.Workers = s.Snap.Heaps
	}
	pos := &ReplayPosition{
		File: r.rec.Path, Index: index, Count: len(samples),
		At: s.Elapsed, Total: samples[len(samples)-1].Elapsed,
		Speed: speed, Playing: playing,
	}
	if len(r.rec.Warnings) > 0 {
		pos.Warning = r.rec.Warnings[0]
	}
	for _, e := range r.rec.Events {
		if e.Elapsed <= s.Elapsed {
			pos.Event = fmt.Sprintf("%s %s at %s", e.Kind, e.Message, textfmt.Clock(e.Elapsed))
		}
	}
	f := buildFrame(frameInput{
		spec:    spec,
		schema:  &r.rec.Header.Schema,
		sample:  s,
		rates:   s.Rates,
		history: history,
		gates:   r.gates[r.epochAt[index]],
		ended:   ep.Ended && index == ep.First+len(ep.Samples)-1, // the epoch's last sample, and it ended
		status:  Status{Worker: -1, Replay: pos},
	})
	f.Seq = uint64(index) + 1
	if h := &r.rec.Header; h.Schema.Target != embedded.Name {
		// Another target (a recorded command, say): named by its command
		// and target, with no workload parameters it never had.
		f.Target, f.Params = h.Schema.Target, ""
		if f.Workload = strings.Join(h.Command, " "); f.Workload == "" {
			f.Workload = h.Schema.Target
		}
		// (buildFrame counts a program's allocs and frees per second as its
		// ops when its samples count none.)
	}
	return f
}

// Close releases nothing: the recording is in memory.
func (r *Replay) Close() error { return nil }
