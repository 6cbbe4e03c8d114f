package main

// `haktop export SESSION -o FILE`: a recorded session's final counters as a
// pprof profile (profile.RecordingProfile), for go tool pprof, of any
// target. The profile's shape (sample types, [path, class] stacks) is
// decided in profile/export.go.

import (
	"fmt"
	"slices"
	"strings"

	pprofile "github.com/google/pprof/profile"
	"github.com/spf13/cobra"

	"github.com/haktop/haktop/profile"
	"github.com/haktop/haktop/sampler"
	"github.com/haktop/haktop/target"
	"github.com/haktop/haktop/textfmt"
)

func newExportCommand(a *app) *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "export SESSION -o FILE",
		Short: "Write a recorded session's counters as a pprof profile (paths x classes)",
		Long: "export reads a session file written by record and writes its final counters as a\n" +
			"gzipped pprof profile: one sample type per counter (alloc_calls, alloc_fast,\n" +
			"alloc_refill, alloc_refill_fail, alloc_fallback, free_calls, free_fast, free_remote,\n" +
			"free_fallback, path_hits) and stacks [path, class], so go tool pprof ranks paths by\n" +
			"any counter. Each counter epoch is mapped with the gates it ran under.\n" +
			"Exit status: 0 ok, 1 the session cannot be read or FILE written, 2 bad arguments.",
		Example: "  haktop export session.jsonl -o paths.pb.gz\n" +
			"  go tool pprof -top -sample_index=alloc_refill paths.pb.gz",
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usagef("export takes one SESSION file: haktop export SESSION -o FILE (got %s)", textfmt.Count(len(args), "argument"))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return usagef("--out is required: give the profile to write, e.g. -o paths.pb.gz")
			}
			rec, err := a.loadRecording(args[0])
			if err != nil {
				return err
			}
			p, err := profile.RecordingProfile(rec)
			if err != nil {
				return err
			}
			// Stacks of [path, class] rank paths; a target whose classes
			// name no path has [class] stacks, which rank classes.
			rank := "classes"
			if slices.ContainsFunc(p.Sample, func(s *pprofile.Sample) bool { return len(s.Location) > 1 }) {
				rank = "paths"
			}
			by := rankCounter(&rec.Header.Schema)
			if err := profile.WriteFile(out, p); err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "wrote %s: %d samples of %d counters; rank %s with: go tool pprof -top -sample_index=%s %s\n",
				out, len(p.Sample), len(p.SampleType), rank, by, out)
			if segs := sampler.SegmentsOf(rec); len(segs) > 1 {
				names := make([]string, len(segs))
				for i, sg := range segs {
					names[i] = profile.SegmentName(i, sg)
				}
				fmt.Fprintf(a.stdout, "note: the workload changed during the session; each sample is labelled %s=SEGMENT (%s): pick one with -tagfocus %s=1, as summing them mixes workloads\n",
					profile.SegmentLabel, strings.Join(names, "; "), profile.SegmentLabel)
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&out, "out", "o", "", "pprof profile to write (required), gzipped as go tool pprof reads it")
	return cmd
}

// rankCounter returns the counter export suggests ranking by: the refill
// counter, else the calls counter, else the first.
func rankCounter(sc *target.Schema) string {
	for _, r := range []target.Role{target.RoleRefill, target.RoleCalls} {
		if k := sc.CounterOf(r); k >= 0 {
			return sc.Counters[k].Name
		}
	}
	if len(sc.Counters) > 0 {
		return sc.Counters[0].Name
	}
	return "path_hits"
}
