package ab

// Runner is the seam between the A/B protocol and the processes it measures:
// one call is one `haktop bench --json` run of one arm. RunReport is the part
// of that child's JSON report ab reads (issue 3's shape; extra fields are
// ignored). The protocol (protocol.go) and the statistics (stats.go) only see
// these two types, so tests drive them with a deterministic fake runner.

import (
	"context"
	"fmt"
)

// Runner runs one benchmark of one arm.
type Runner interface {
	// Run returns the report of one benchmark run of arm, or an error. When
	// ctx is cancelled it returns promptly; the run is then discarded.
	Run(ctx context.Context, arm Arm) (RunReport, error)
}

// RunReport is one child's `haktop bench --json` report, as far as ab reads it.
type RunReport struct {
	Workload  string        `json:"workload"`
	Workers   int           `json:"workers"`
	Cycles    int64         `json:"cycles"`
	Seconds   float64       `json:"seconds"`
	OpsPerSec float64       `json:"ops_per_sec"`
	Allocs    int64         `json:"allocs"`
	Frees     int64         `json:"frees"`
	Paths     []PathHits    `json:"paths"`
	Gates     []GateSetting `json:"gates"`
}

// PathHits is one allocator path's hit count in a run; ID is the path's Key.
type PathHits struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Hits uint64 `json:"hits"`
}

// GateSetting is one gate's effective value in a run.
type GateSetting struct {
	Env    string   `json:"env"`
	Value  string   `json:"value"`
	Source string   `json:"source"`
	Paths  []string `json:"paths"`
}

// check returns an error when r cannot be a report of a finished run of arm:
// no throughput, or a gate value other than the one the arm set (the
// environment did not reach the child).
func (r RunReport) check(arm Arm) error {
	if !(r.OpsPerSec > 0) {
		return fmt.Errorf("child reported ops_per_sec %v: want a positive number", r.OpsPerSec)
	}
	cfg, err := arm.Config()
	if err != nil {
		return err
	}
	for _, g := range r.Gates {
		want, _ := cfg.Value(g.Env)
		if want != "" && g.Value != want {
			return fmt.Errorf("child ran with %s=%s, but the arm sets %s: the environment did not reach it", g.Env, g.Value, want)
		}
	}
	return nil
}

// hits returns the hits the report gives path key, and whether it lists it.
func (r RunReport) hits(key string) (uint64, bool) {
	for _, p := range r.Paths {
		if p.ID == key {
			return p.Hits, true
		}
	}
	return 0, false
}

// totalHits returns the sum of every path's hits: zero when the child was
// built without counters (haktop_nostats).
func (r RunReport) totalHits() uint64 {
	var n uint64
	for _, p := range r.Paths {
		n += p.Hits
	}
	return n
}
