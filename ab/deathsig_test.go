package ab

// TestExecChildDiesWithAb: a bench child never outlives ab. A helper (this
// test binary again, in the mode abHelperEnv asks for) plays `haktop ab`:
// its ExecRunner runs a child that writes its pid and sleeps; the test
// SIGKILLs the helper mid-run and, as the child subreaper the child is
// orphaned to, reaps the child: it must have been killed by SIGKILL, its
// parent-death signal.

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/haktop/haktop/target/process/processtest"
)

// abHelperEnv, set, makes TestExecChildDiesWithAb the helper; its value is
// the child to run as both arms' binary.
const abHelperEnv = "HAKTOP_TEST_AB_DEATHSIG_HELPER"

func TestExecChildDiesWithAb(t *testing.T) {
	if self := os.Getenv(abHelperEnv); self != "" {
		a, b := mustArm(t, "A", "", ""), mustArm(t, "B", "", "")
		r, err := NewExecRunner(context.Background(), a, b, ExecOptions{Self: self})
		if err == nil {
			_, err = r.Run(context.Background(), a)
		}
		t.Fatalf("the run ended (%v): the test was to kill it first", err)
	}
	if testing.Short() {
		t.Skip("starts a helper process")
	}
	processtest.Subreaper(t)
	dir := t.TempDir()
	pidFile, child := filepath.Join(dir, "pid"), filepath.Join(dir, "bench")
	// the child writes its pid once it runs, then sleeps in its place
	script := "#!/bin/sh\necho $$ > " + pidFile + ".tmp && mv " + pidFile + ".tmp " + pidFile + "\nexec sleep 1000\n"
	if err := os.WriteFile(child, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	helper := exec.Command(os.Args[0], "-test.run=^TestExecChildDiesWithAb$")
	helper.Env = append(os.Environ(), abHelperEnv+"="+child)
	helper.Stdout, helper.Stderr = os.Stderr, os.Stderr
	if err := helper.Start(); err != nil {
		t.Fatal(err)
	}
	pid := processtest.PrintedPid(t, "the bench child", pidFile, 30*time.Second, helper)
	processtest.DiesWithParent(t, helper, pid, "the bench child", "ab")
}
