package tui

// Replay: playback driven by ticks, seeking, speed, per-epoch gates, and
// the program path through teatest ending on the same screen as the golden.

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/haktop/haktop/live"
	"github.com/haktop/haktop/profile"
	"github.com/haktop/haktop/sampler"
)

func loadFixture(t *testing.T) (*sampler.Recording, *live.Replay) {
	t.Helper()
	rec, err := sampler.Load(fixturePath)
	if err != nil {
		t.Fatal(err)
	}
	r, err := live.NewReplay(rec)
	if err != nil {
		t.Fatal(err)
	}
	return rec, r
}

func TestReplayTicksAdvanceBySpeed(t *testing.T) {
	rec, r := loadFixture(t)
	s := rec.Samples
	if len(s) != 40 {
		t.Fatalf("fixture has %d samples, want 40", len(s))
	}
	// 100 ms ticks at speed 1 move about one 100 ms sample each.
	start := s[0].Elapsed
	for range 5 {
		r.Tick(100 * time.Millisecond)
	}
	want := lastAtOrBefore(s, start+500*time.Millisecond)
	if got := r.Frame().Status.Replay.Index; got != want {
		t.Errorf("after 5 ticks at ×1: sample %d, want %d", got, want)
	}
	if _, err := r.Apply(Command{Kind: CmdSpeed, Arg: 8}); err != nil {
		t.Fatal(err)
	}
	r.Tick(100 * time.Millisecond)
	want = lastAtOrBefore(s, start+1300*time.Millisecond)
	if got := r.Frame().Status.Replay.Index; got != want {
		t.Errorf("after one tick at ×8: sample %d, want %d", got, want)
	}
	for range 100 {
		r.Tick(100 * time.Millisecond)
	}
	f := r.Frame()
	if f.Status.Replay.Index != 39 || f.Status.Replay.Playing {
		t.Errorf("at the end: sample %d, playing %v; want 39, stopped", f.Status.Replay.Index, f.Status.Replay.Playing)
	}
	// space at the end plays again from the start.
	r.Apply(Command{Kind: CmdTogglePause})
	if f := r.Frame(); f.Status.Replay.Index != 0 || !f.Status.Replay.Playing {
		t.Errorf("replay again: sample %d, playing %v", f.Status.Replay.Index, f.Status.Replay.Playing)
	}
}

func lastAtOrBefore(s []sampler.Sample, at time.Duration) int {
	i := 0
	for i+1 < len(s) && s[i+1].Elapsed <= at {
		i++
	}
	return i
}

func TestReplayPausedTicksDoNothing(t *testing.T) {
	_, r := loadFixture(t)
	r.Apply(Command{Kind: CmdTogglePause})
	for range 10 {
		r.Tick(time.Second)
	}
	if got := r.Frame().Status.Replay.Index; got != 0 {
		t.Errorf("paused replay moved to sample %d", got)
	}
}

func TestReplaySeekClampsAndSpeedRejectsOthers(t *testing.T) {
	_, r := loadFixture(t)
	r.Apply(Command{Kind: CmdSeek, Arg: -3})
	if got := r.Frame().Status.Replay.Index; got != 0 {
		t.Errorf("seek before the start: %d", got)
	}
	r.Apply(Command{Kind: CmdSeek, Arg: 1000})
	if got := r.Frame().Status.Replay.Index; got != 39 {
		t.Errorf("seek past the end: %d", got)
	}
	if _, err := r.Apply(Command{Kind: CmdSpeed, Arg: 3}); err == nil || err.Error() != "speed 3: want 1, 2, 4 or 8" {
		t.Errorf("speed 3: %v", err)
	}
	if _, err := r.Apply(Command{Kind: CmdRecord}); err == nil {
		t.Error("a replay accepted r")
	}
}

// The fixture recorded HAKMEM_POOL_V2_ENABLED=1 from the environment and a
// g toggle to 0 at 2.5 s: each epoch's frames show its own gates.
func TestReplayGatesFollowRestartEvents(t *testing.T) {
	_, r := loadFixture(t)
	gate := func(f Frame) GateRow {
		for _, g := range f.Gates {
			if g.Env == "HAKMEM_POOL_V2_ENABLED" {
				return g
			}
		}
		t.Fatal("no HAKMEM_POOL_V2_ENABLED row")
		return GateRow{}
	}
	r.Apply(Command{Kind: CmdSeek, Arg: 22})
	f := r.Frame()
	if g := gate(f); g.Value != "1" || g.Source != "env" || g.Verdict != profile.NeverExecuted {
		t.Errorf("epoch 0 at %v: %+v", f.Elapsed, g)
	}
	r.Apply(Command{Kind: CmdSeek, Arg: 10})
	f = r.Frame()
	if g := gate(f); g.Value != "0" || g.Source != "code" || g.Verdict != profile.Off {
		t.Errorf("epoch 1 at %v: %+v", f.Elapsed, g)
	}
	if ev := f.Status.Replay.Event; ev != "restart HAKMEM_POOL_V2_ENABLED 1 -> 0 at 00:02" {
		t.Errorf("event shown: %q", ev)
	}
}

func TestReplayNeedsSamples(t *testing.T) {
	_, err := live.NewReplay(&sampler.Recording{Path: "empty.jsonl"})
	if err == nil || err.Error() != "empty.jsonl: the recording holds no sample to replay" {
		t.Errorf("empty recording: %v", err)
	}
}

// The real program, keys through its input loop, ends on the screen the
// directly driven golden test shows.
func TestReplayProgramMatchesGolden(t *testing.T) {
	_, r := loadFixture(t)
	tm := teatest.NewTestModel(t, New(r, Options{Replay: true, Tick: -1, Dark: true}), teatest.WithInitialTermSize(120, 40))
	tm.Send(tea.KeyPressMsg{Code: tea.KeySpace})
	for range 22 {
		tm.Send(tea.KeyPressMsg{Code: tea.KeyRight})
	}
	teatest.WaitFor(t, tm.Output(), func(out []byte) bool {
		f := r.Frame()
		return f.Status.Replay.Index == 22 && !f.Status.Replay.Playing && bytes.Contains(out, []byte("REPLAY"))
	}, teatest.WithDuration(5*time.Second), teatest.WithCheckInterval(10*time.Millisecond))
	tm.Send(tickMsg{}) // the replay is paused, so a tick only pulls its frame
	if err := tm.Quit(); err != nil {
		t.Fatal(err)
	}
	final := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second))
	want, err := readGolden("TestGoldenReplay/120x40/pool_v2_never_executed.golden")
	if err != nil {
		t.Fatal(err)
	}
	if got := final.View().Content; got != want {
		t.Errorf("program's final screen differs from the golden:\n%s", got)
	}
}

func readGolden(name string) (string, error) {
	b, err := os.ReadFile("testdata/" + name)
	return strings.ReplaceAll(string(b), "\r\n", "\n"), err
}
