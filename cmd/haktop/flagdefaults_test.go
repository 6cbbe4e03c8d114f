package main

import (
	"strings"
	"testing"
)

// TestWorkloadFlagDefaultsAccepted: a workload flag given the default its
// help shows is accepted by every workload; any other value of a flag the
// workload does not read is still refused, and help names the workloads
// that read each flag.
func TestWorkloadFlagDefaultsAccepted(t *testing.T) {
	for _, args := range [][]string{
		{"--size", "64"},
		{"--workload", "mid_pool", "--size", "64"},
		{"--workload", "tiny_hot", "--ws", "8192"},
		{"--workload", "tiny_hot", "--seed", "1234567"},
		{"--workload", "larson", "--min-size", "0"},
		{"--workload", "tiny_hot", "--size", "64", "--ws", "0"},
	} {
		code, _, errs := runCLI(t, append([]string{"bench", "--cycles", "1000"}, args...)...)
		if code != 0 || errs != "" {
			t.Errorf("%v: exit %d, stderr %q", args, code, errs)
		}
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--size", "100"}, "haktop: --size 100 is not valid: want 64 (its default) or 0: only tiny_hot uses --size"},
		{[]string{"--workload", "tiny_hot", "--ws", "100"}, "haktop: --ws 100 is not valid: want 8192 (its default) or 0: tiny_hot does not use --ws"},
		{[]string{"--workload", "tiny_hot", "--seed", "5"}, "haktop: --seed 5 is not valid: want 1234567 (its default): tiny_hot does not use --seed"},
		{[]string{"--workload", "mid_pool", "--max-size", "100"}, "haktop: --max-size 100 is not valid: want 0 (its default): only random_mixed uses --max-size"},
	} {
		code, _, errs := runCLI(t, append([]string{"bench", "--cycles", "1000"}, tc.args...)...)
		if code != 2 || errs != tc.want+"\n" {
			t.Errorf("%v: exit %d, stderr %q\nwant %q", tc.args, code, errs, tc.want)
		}
	}
	_, help, _ := runCLI(t, "bench", "--help")
	for _, want := range []string{
		"tiny_hot block size in bytes; only tiny_hot (default 64)",
		"min-size int ", "only random_mixed",
		"used by random_mixed, mid_pool, larson, large",
	} {
		if !strings.Contains(help, want) {
			t.Errorf("bench --help lacks %q", want)
		}
	}
}
