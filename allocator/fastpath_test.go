package allocator

import (
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestFastPathHasNoLockOrAtomicRMW builds this package as it ships (no
// race instrumentation), disassembles Alloc and Free, and checks the rule
// for the fast path: no LOCK-prefixed or XCHG instruction (Go's atomic
// adds, CASes and stores), and no call but to the slow paths, publish, and
// the runtime's bounds and stack checks.
func TestFastPathHasNoLockOrAtomicRMW(t *testing.T) {
	if testing.Short() {
		t.Skip("disassembles the test binary")
	}
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go toolchain to run objdump")
	}
	archive := filepath.Join(t.TempDir(), "allocator.a")
	if out, err := exec.Command(gobin, "build", "-o", archive, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out, err := exec.Command(gobin, "tool", "objdump", "-s", `allocator\.\(\*Heap\)\.(Alloc|Free)$`, archive).CombinedOutput()
	if err != nil {
		t.Fatalf("objdump: %v\n%s", err, out)
	}
	text := string(out)
	for _, fn := range []string{"(*Heap).Alloc", "(*Heap).Free"} {
		if !strings.Contains(text, "TEXT github.com/haktop/haktop/allocator."+fn+"(SB)") {
			t.Fatalf("objdump output has no %s", fn)
		}
	}
	allowedCall := regexp.MustCompile(`R_CALL:(github\.com/haktop/haktop/allocator\.\(\*Heap\)\.(allocSlow|freeSmall|publish)|runtime\.(panicBounds|morestack_noctxt))$`)
	calls := 0
	for _, line := range strings.Split(text, "\n") {
		f := strings.Fields(line)
		if len(f) < 4 {
			continue
		}
		inst := strings.Join(f[3:], " ")
		switch {
		case strings.HasPrefix(inst, "LOCK") || strings.HasPrefix(inst, "XCHG"):
			t.Errorf("atomic read-modify-write on the fast path: %s", line)
		case strings.HasPrefix(inst, "CALL"):
			calls++
			if !allowedCall.MatchString(inst) {
				t.Errorf("unexpected call on the fast path: %s", line)
			}
		}
	}
	if calls == 0 {
		t.Fatal("found no CALL at all: the disassembly format changed, the check proves nothing")
	}
}
