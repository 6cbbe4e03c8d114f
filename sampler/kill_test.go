package sampler

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/haktop/haktop/allocator"
)

const killChildEnv = "HAKTOP_SAMPLER_KILL_CHILD"

// TestSIGKILLLeavesReadablePrefix records from a child process that is
// killed with SIGKILL mid-session, then reads what it left.
func TestSIGKILLLeavesReadablePrefix(t *testing.T) {
	if path := os.Getenv(killChildEnv); path != "" {
		recordForever(path)
		return
	}
	if testing.Short() {
		t.Skip("starts a child process")
	}
	for _, name := range []string{"killed.jsonl", "killed.jsonl.gz"} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), name)
			cmd := exec.Command(os.Args[0], "-test.run=^TestSIGKILLLeavesReadablePrefix$")
			cmd.Env = append(os.Environ(), killChildEnv+"="+path)
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			// Wait for a few samples, then kill without warning.
			deadline := time.Now().Add(60 * time.Second)
			for {
				if rec, err := Load(path); err == nil && len(rec.Samples) >= 5 {
					break
				}
				if time.Now().After(deadline) {
					cmd.Process.Kill()
					t.Fatal("the child wrote fewer than 5 samples in 60s")
				}
				time.Sleep(20 * time.Millisecond)
			}
			cmd.Process.Signal(syscall.SIGKILL)
			cmd.Wait()
			rec, err := Load(path)
			if err != nil {
				t.Fatalf("after SIGKILL: %v", err)
			}
			if rec.Footer != nil || len(rec.Samples) < 5 {
				t.Fatalf("after SIGKILL: %d samples, footer %v", len(rec.Samples), rec.Footer)
			}
			last := rec.Warnings[len(rec.Warnings)-1]
			if !strings.HasPrefix(last, path+": record ") || !strings.Contains(last, "no footer") {
				t.Errorf("warnings %q do not report the missing footer", rec.Warnings)
			}
			for i, s := range rec.Samples {
				if s.Seq != i {
					t.Fatalf("sample %d has seq %d", i, s.Seq)
				}
			}
		})
	}
}

// recordForever is the child: a real allocator under load, sampled every
// 10 ms into path, until it is killed.
func recordForever(path string) {
	a, err := allocator.New(allocator.DefaultConfig())
	if err != nil {
		os.Exit(3)
	}
	h := a.NewHeap()
	var ops atomic.Int64
	s, _ := New(a.Snapshot, ops.Load, Options{Interval: MinInterval})
	rec, err := Create(path, Header{Start: time.Now(), Gates: GatesOf(a.Config())})
	if err != nil {
		os.Exit(3)
	}
	s.AddSink(func(x Sample) { rec.Record(x) })
	go s.Run(context.Background())
	for {
		b := h.Alloc(100)
		h.Free(b)
		ops.Add(2)
	}
}
