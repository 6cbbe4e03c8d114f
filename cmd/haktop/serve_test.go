package main

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	pprofile "github.com/google/pprof/profile"

	"github.com/haktop/haktop/allocator"
)

// A bad, public or busy --listen address is one line and exit 2, for serve
// and record alike, and record writes no session file.
func TestListenBadInput(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	_, port, _ := net.SplitHostPort(busy.Addr().String())
	for _, tc := range []struct{ addr, want string }{
		{"94x64", `--listen "94x64" is not valid`},
		{"0.0.0.0:9464", `needs --listen-public`},
		{"host.example:9464", `is not an IP address`},
		{port, "is in use"},
	} {
		for _, cmd := range []string{"serve", "record"} {
			out := filepath.Join(t.TempDir(), "s.jsonl")
			args := []string{cmd, "--listen", tc.addr, "--cycles", "1000"}
			if cmd == "record" {
				args = append(args, "-o", out)
			}
			code, stdout, stderr := runCLI(t, args...)
			if code != 2 || stdout != "" || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, tc.want) {
				t.Errorf("%s --listen %s: exit %d, stdout %q, stderr %q; want exit 2 and one line with %q", cmd, tc.addr, code, stdout, stderr, tc.want)
			}
			if _, err := os.Stat(out); err == nil {
				t.Errorf("record --listen %s wrote %s", tc.addr, out)
			}
		}
	}
}

// syncBuffer is a bytes.Buffer safe for a command writing while the test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

var servingRE = regexp.MustCompile(`serving .*on http://(127\.0\.0\.1:\d+)`)

// runServing runs args in the background and returns the address the
// command says it serves on, and a func that waits for the command's end.
func runServing(t *testing.T, args ...string) (addr string, wait func() (int, string, string)) {
	t.Helper()
	var out, errb syncBuffer
	done := make(chan int)
	go func() { done <- exitCode(&errb, run(&out, &errb, args)) }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if m := servingRE.FindStringSubmatch(out.String() + errb.String()); m != nil {
			addr = m[1]
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%v says nowhere that it serves: stdout %q stderr %q", args, out.String(), errb.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	return addr, func() (int, string, string) { code := <-done; return code, out.String(), errb.String() }
}

func scrape(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", url, resp.StatusCode, b)
	}
	return string(b)
}

// serve runs its workload for --duration and serves it meanwhile; record
// --listen serves the session it records.
func TestServeAndRecordListen(t *testing.T) {
	addr, wait := runServing(t, "serve", "--listen", ":0", "--workload", "tiny_hot", "--duration", "1500ms", "--interval", "50ms", "--no-profile")
	time.Sleep(300 * time.Millisecond)
	body := scrape(t, "http://"+addr+"/metrics")
	c3, counted := `haktop_alloc_calls_total\{class="C3"\} [1-9]`, "true"
	if !allocator.StatsCompiled { // no counters: only the workload's ops
		c3, counted = `haktop_ops_total [1-9]`, "false"
	}
	if !regexp.MustCompile(c3).MatchString(body) ||
		!strings.Contains(body, `haktop_target_info{command="",counted="`+counted+`",haktop_version=`) {
		t.Errorf("serve's /metrics lacks C3's calls or the target info:\n%s", body)
	}
	if code, stdout, stderr := wait(); code != 0 || !strings.Contains(stdout, "the run finished after") {
		t.Errorf("serve --duration: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}

	out := filepath.Join(t.TempDir(), "s.jsonl")
	addr, wait = runServing(t, "record", "-o", out, "--listen", ":0", "--workload", "mid_pool", "--duration", "1500ms", "--interval", "50ms")
	time.Sleep(300 * time.Millisecond)
	body = scrape(t, "http://"+addr+"/metrics")
	p0 := `haktop_alloc_calls_total\{class="P0"\} [1-9]`
	if !allocator.StatsCompiled {
		p0 = `haktop_ops_total [1-9]`
	}
	if !regexp.MustCompile(p0).MatchString(body) || !strings.Contains(body, `workload="mid_pool"`) {
		t.Errorf("record --listen's /metrics lacks P0's calls under mid_pool:\n%s", body)
	}
	if code, stdout, stderr := wait(); code != 0 || !strings.Contains(stdout, "recorded ") {
		t.Errorf("record --listen: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}

// record --listen -- CMD serves the program's counters in the schema its
// shim table publishes and its counter profile, as haktop run --listen does;
// a program in another process has no CPU profile here (404), and the
// command names it in haktop_target_info.
func TestRecordCommandListen(t *testing.T) {
	progs := cProgs(t)
	out := filepath.Join(t.TempDir(), "c.jsonl")
	addr, wait := runServing(t, "record", "-o", out, "--listen", ":0", "--interval", "50ms", "--", progs["random_mixed"], "30000000", "8192", "1234567")
	c3 := regexp.MustCompile(`haktop_alloc_calls_total\{class="C3"\} [1-9]`)
	var body string
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		body = scrape(t, "http://"+addr+"/metrics")
		if c3.MatchString(body) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no C3 calls in the command's /metrics after 20 s:\n%s", body)
		}
	}
	if !strings.Contains(body, `command="`+progs["random_mixed"]+` 30000000 8192 1234567"`) {
		t.Errorf("haktop_target_info does not name the command:\n%s", body)
	}
	resp, err := http.Get("http://" + addr + "/debug/pprof/profile?seconds=1")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET /debug/pprof/profile of a command run: %d, want 404", resp.StatusCode)
	}
	// live.Process serves it as for haktop run --listen: CMD's counters so far.
	resp, err = http.Get("http://" + addr + "/debug/pprof/counters")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /debug/pprof/counters of a command run: %d, want 200", resp.StatusCode)
	}
	if p, err := pprofile.Parse(resp.Body); err != nil || len(p.SampleType) == 0 || p.SampleType[0].Type != "alloc_calls" {
		t.Errorf("GET /debug/pprof/counters of a command run: %v, %v; want a profile of alloc_calls first", p, err)
	}
	if code, _, stderr := wait(); code != 0 {
		t.Errorf("record --listen -- CMD: exit %d, stderr %q", code, stderr)
	}
}
