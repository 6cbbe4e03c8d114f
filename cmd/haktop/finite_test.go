package main

// Commands that end by themselves refuse --cycles 0, which means "until
// Ctrl-C" to bench and record: they would never end.

import (
	"strings"
	"testing"
	"time"
)

func TestGatesRefusesCyclesZero(t *testing.T) {
	type result struct {
		code         int
		stdout, errs string
	}
	done := make(chan result, 1)
	go func() {
		code, out, errs := runCLI(t, "gates", "--cycles", "0")
		done <- result{code, out, errs}
	}()
	select {
	case r := <-done:
		const want = "haktop: --cycles 0 is not valid for gates, which runs briefly: want --cycles N (N > 0) or --duration D, or neither for 1s\n"
		if r.code != 2 || r.errs != want || r.stdout != "" {
			t.Errorf("exit %d, stdout %q, stderr %q; want 2 and %q", r.code, r.stdout, r.errs, want)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("haktop gates --cycles 0 still running after 20s")
	}
}

// TestGatesHelpSaysCyclesPositive: the shared flag's "0 runs until
// Ctrl-C" would be untrue for gates.
func TestGatesHelpSaysCyclesPositive(t *testing.T) {
	_, out, _ := runCLI(t, "gates", "--help")
	if !strings.Contains(out, "--cycles int          total allocator calls across workers, more than 0 (default: run for 1s)\n") || strings.Contains(out, "until Ctrl-C") {
		t.Errorf("gates --help:\n%s", out)
	}
}
