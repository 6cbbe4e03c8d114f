package process

// Tests that CMD dies with haktop and only with it. A helper process (this
// test binary again, in the mode haktopHelperEnv asks for) plays haktop: it
// starts CMD with Start, prints CMD's pid and blocks; the test SIGKILLs it
// and, as the child subreaper that CMD is orphaned to, reaps CMD and reads
// how it ended. Another ends OS threads around Start (its caller's thread
// among them), which a Pdeathsig tied to the wrong thread would turn into a
// dead CMD; the last says what becomes of a child CMD leaves in its group.

import (
	"bufio"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/haktop/haktop/target/process/processtest"
)

// haktopHelperEnv, set, makes TestCommandDiesWithHaktop the helper: its value
// is the shim, "paused" or "running", and CMD's argv, separated by newlines.
const haktopHelperEnv = "HAKTOP_TEST_DEATHSIG_HELPER"

// TestCommandDiesWithHaktop: when the haktop that started CMD is SIGKILLed
// (no Stop, no Close: nothing of haktop runs), the kernel kills CMD with
// SIGKILL, also a CMD that ignores SIGTERM and a paused (SIGSTOPped) one,
// which no SIGTERM would reach with nobody left to send SIGCONT.
func TestCommandDiesWithHaktop(t *testing.T) {
	if v := os.Getenv(haktopHelperEnv); v != "" {
		playHaktop(v)
		return
	}
	prog := program(t, "testdata/ending.c")
	for _, c := range []struct{ name, how, state string }{
		{"stubborn", "stubborn", "running"}, // ignores SIGTERM
		{"paused", "spin", "paused"},
	} {
		t.Run(c.name, func(t *testing.T) {
			processtest.Subreaper(t)
			helper, pid, _ := startHelper(t, c.state, prog, c.how)
			if state := procState(t, pid); state == 'Z' {
				t.Fatalf("CMD (pid %d) is not running before the kill: state %c", pid, state)
			}
			processtest.DiesWithParent(t, helper, pid, "CMD", "the haktop that started it")
		})
	}
}

// startHelper starts the helper haktop on argv (state "paused" or
// "running") and returns it, CMD's pid, and CMD's output file.
func startHelper(t *testing.T, state string, argv ...string) (*exec.Cmd, int, string) {
	t.Helper()
	output := t.TempDir() + "/out"
	helper := exec.Command(os.Args[0], "-test.run=^TestCommandDiesWithHaktop$")
	helper.Env = append(os.Environ(), haktopHelperEnv+"="+strings.Join(append([]string{theShim(t), state}, argv...), "\n"),
		"XDG_RUNTIME_DIR="+t.TempDir(), "HAKTOP_TEST_OUTPUT="+output)
	helper.Stderr = os.Stderr
	stdout, err := helper.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := helper.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	pid, perr := strconv.Atoi(strings.TrimPrefix(strings.TrimSpace(line), "cmd "))
	if err != nil || perr != nil {
		helper.Process.Kill()
		helper.Wait()
		t.Fatalf("the helper printed %q (%v), not CMD's pid", line, err)
	}
	return helper, pid, output
}

// playHaktop is the helper's side: Start CMD, pause it if asked, print its
// pid, and block until killed.
func playHaktop(v string) {
	f := strings.Split(v, "\n")
	p, err := Start(f[2:], Options{Shim: f[0], Output: os.Getenv("HAKTOP_TEST_OUTPUT")})
	if err != nil {
		os.Stderr.WriteString("helper: " + err.Error() + "\n")
		os.Exit(1)
	}
	p.Schema() // waits (up to MapWait) for CMD to publish its tables: it runs
	if f[1] == "paused" {
		p.Pause()
	}
	os.Stdout.WriteString("cmd " + strconv.Itoa(p.PID()) + "\n")
	select {}
}

// TestCommandOutlivesHaktopsThreads: CMD runs on while haktop's OS threads
// come and go. It is started from a goroutine locked to its thread that
// then exits (so the Go runtime ends that thread right after Start), while
// goroutines that lock their threads and exit end a thread each; CMD must
// still run 1.5 s later and end only by Stop's SIGTERM. A Pdeathsig set on
// whatever thread called Start would have killed it with that thread.
func TestCommandOutlivesHaktopsThreads(t *testing.T) {
	prog := program(t, "testdata/ending.c")
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
	o := Options{Shim: theShim(t), Output: t.TempDir() + "/out"}
	var p *Process
	var err error
	started := make(chan struct{})
	go func() {
		runtime.LockOSThread() // never unlocked: this thread ends with the goroutine
		p, err = Start([]string{prog, "spin"}, o)
		close(started)
	}()
	<-started
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	ended := 0
	wg.Add(1)
	go func() { // ends a thread per goroutine, two at a time, until stop
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			var pair sync.WaitGroup
			for range 2 {
				pair.Go(func() { runtime.LockOSThread() })
			}
			pair.Wait()
			ended += 2
			time.Sleep(time.Millisecond)
		}
	}()
	time.Sleep(1500 * time.Millisecond)
	close(stop)
	wg.Wait()
	if e, done := p.Exit(); done {
		t.Fatalf("CMD ended (%v) while haktop ran, after %d of haktop's threads ended", e, ended)
	}
	if e := p.Stop(); e.Signal != syscall.SIGTERM {
		t.Errorf("CMD ended with %v, want killed by SIGTERM (Stop's)", e)
	}
	t.Logf("CMD ran through the end of %d locked threads and its starter's", ended)
}

// grandchild is a CMD that leaves a child in its process group: a subshell
// starts `sleep 1000`, prints its pid and exits (so the sleep is orphaned
// at once, to the test as its subreaper), and CMD becomes `sleep 1000`.
var grandchild = []string{"sh", "-c", "(sleep 1000 & echo $!); exec sleep 1000"}

// TestCommandsChildren: what happens to a child CMD leaves in its process
// group (as process.go's comment says). Stop's SIGTERM goes to the group and
// ends it too; the parent-death signal of a SIGKILLed haktop is CMD's alone,
// so the child runs on, until something signals the group.
func TestCommandsChildren(t *testing.T) {
	t.Run("stop", func(t *testing.T) {
		processtest.Subreaper(t)
		p, output := start(t, Options{}, grandchild...)
		gpid := processtest.PrintedPid(t, "CMD's child", output, 10*time.Second, nil)
		if e := p.Stop(); e.Signal != syscall.SIGTERM {
			t.Errorf("CMD ended with %v, want killed by SIGTERM", e)
		}
		ws, ok := processtest.WaitOrphan(t, gpid, 5*time.Second)
		if !ok || !ws.Signaled() || ws.Signal() != syscall.SIGTERM {
			t.Errorf("CMD's child (pid %d): ended %v, wait status %#x; want killed by Stop's SIGTERM to the group", gpid, ok, ws)
		}
	})
	t.Run("haktop killed", func(t *testing.T) {
		processtest.Subreaper(t)
		helper, pid, output := startHelper(t, "running", grandchild...)
		gpid := processtest.PrintedPid(t, "CMD's child", output, 10*time.Second, nil)
		processtest.DiesWithParent(t, helper, pid, "CMD", "the haktop that started it")
		time.Sleep(200 * time.Millisecond)
		var ws syscall.WaitStatus
		if got, err := syscall.Wait4(gpid, &ws, syscall.WNOHANG, nil); got != 0 || err != nil {
			t.Errorf("CMD's child (pid %d): wait4 gave %d, %v, status %#x; want it still running (the parent-death signal is CMD's alone)", gpid, got, err, ws)
		}
		// what README says to do: kill -- -PID, PID CMD's
		if err := syscall.Kill(-pid, syscall.SIGKILL); err != nil {
			t.Errorf("kill -- -%d: %v", pid, err)
		}
		if ws, ok := processtest.WaitOrphan(t, gpid, 5*time.Second); !ok || ws.Signal() != syscall.SIGKILL {
			t.Errorf("CMD's child (pid %d) after kill -- -%d: ended %v, wait status %#x", gpid, pid, ok, ws)
		}
	})
}
