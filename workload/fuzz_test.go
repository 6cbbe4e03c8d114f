package workload

// FuzzSpec checks Validate over arbitrary field values, as the flags or a
// recording's header could give them: a rejection is a *FieldError naming
// one of the flag-style fields, the value and the accepted forms, on one
// line; an accepted Spec, cut down to a few workers, slots and cycles (which
// keeps it valid), runs to exactly its cycles with every block given back.

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/haktop/haktop/allocator"
)

var specFields = []string{"workload", "workers", "cycles", "duration", "ws", "seed", "size", "min-size", "max-size"}

func FuzzSpec(f *testing.F) {
	for _, name := range names {
		d := DefaultSpec(name)
		f.Add(d.Name, d.Workers, d.Cycles, int64(d.Duration), d.WS, d.Seed, d.Size, d.MinSize, d.MaxSize)
	}
	f.Add(RandomMixed, 1, int64(100), int64(0), 16, uint32(0), 0, 1000, 16)   // min > max
	f.Add(TinyHot, 1, int64(100), int64(0), 8, uint32(1), 64, 0, 0)           // ws unused
	f.Add(Larson, 1, int64(100), int64(0), 8, uint32(1), 0, 0, 0)             // one worker
	f.Add("Random_Mixed", 1, int64(-1), int64(-5), -1, uint32(1), -1, -1, -1) // all bad
	f.Fuzz(func(t *testing.T, name string, workers int, cycles, dur int64, ws int, seed uint32, size, minSize, maxSize int) {
		s := Spec{Name: name, Workers: workers, Cycles: cycles, Duration: time.Duration(dur), WS: ws, Seed: seed, Size: size, MinSize: minSize, MaxSize: maxSize}
		err := s.Validate()
		if err != nil {
			var fe *FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("Validate(%+v) = %v (%T), want a *FieldError", s, err, err)
			}
			msg := err.Error()
			known := false
			for _, f := range specFields {
				known = known || fe.Field == f
			}
			if !known || fe.Value == "" || fe.Want == "" || strings.Contains(msg, "\n") ||
				!strings.Contains(msg, fe.Field+" "+fe.Value) || !strings.Contains(msg, "want "+fe.Want) {
				t.Fatalf("Validate(%+v): %q does not name a field, its value and the accepted forms on one line", s, msg)
			}
			return
		}
		// Accepted: run a small copy of it.
		s.Workers = min(s.Workers, 3)
		s.Cycles = 1 + s.Cycles%400 // >= 0: it validated
		s.Duration = 0
		if Uses(s.Name, "ws") {
			s.WS = min(s.WS, 32)
		}
		if err := s.Validate(); err != nil {
			t.Fatalf("a smaller copy of a valid Spec is rejected: %v", err)
		}
		a, err := allocator.New(allocator.DefaultConfig())
		if err != nil {
			t.Fatal(err)
		}
		defer a.Close()
		run, err := Start(context.Background(), a, s)
		if err != nil {
			t.Fatal(err)
		}
		res := run.Wait()
		if res.Err != nil || res.Cycles != s.Cycles || res.Allocs != res.Frees+res.Drained {
			t.Fatalf("%+v ran %d cycles (%d allocs, %d frees, %d drained), err %v; want %d cycles, every block back", s, res.Cycles, res.Allocs, res.Frees, res.Drained, res.Err, s.Cycles)
		}
	})
}
