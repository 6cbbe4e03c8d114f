package tui

// The replay fixture, testdata/session.jsonl: a real recording made by the
// live Engine, so the golden screens replay what a user would record. It is
// committed; TestWriteFixture rewrites it when HAKTOP_WRITE_FIXTURE=1:
// random_mixed with HAKMEM_POOL_V2_ENABLED=1 from the environment (pool v2
// on, but random_mixed's P0 blocks are its only pool use... see the
// verdicts), recorded at 100 ms for 1.5 s, then g flips the gate off and
// 1.5 s more are recorded.

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/haktop/haktop/live"
	"github.com/haktop/haktop/target/embedded"
	"github.com/haktop/haktop/workload"
)

const fixturePath = "testdata/session.jsonl"

func TestWriteFixture(t *testing.T) {
	if os.Getenv("HAKTOP_WRITE_FIXTURE") != "1" {
		t.Skip("set HAKTOP_WRITE_FIXTURE=1 to rewrite " + fixturePath)
	}
	env := map[string]string{"HAKMEM_POOL_V2_ENABLED": "1", "HAKMEM_POOL_V2_CLASSES": "0x7E"}
	cfg, err := embedded.ConfigFrom(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil {
		t.Fatal(err)
	}
	spec := workload.DefaultSpec(workload.RandomMixed)
	spec.Cycles = 0
	dir := t.TempDir()
	e, err := live.NewEngine(live.EngineConfig{Spec: spec, Alloc: cfg, Interval: 100 * time.Millisecond, Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Apply(Command{Kind: CmdRecord}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2500 * time.Millisecond)
	if _, err := e.Apply(Command{Kind: CmdToggleGate, Env: "HAKMEM_POOL_V2_ENABLED"}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1500 * time.Millisecond)
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "haktop-session-*.jsonl"))
	if len(files) != 1 {
		t.Fatalf("recordings: %v", files)
	}
	data, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(fixturePath, data, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s: %d bytes", fixturePath, len(data))
}
