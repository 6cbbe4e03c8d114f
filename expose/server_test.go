package expose

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	pprofile "github.com/google/pprof/profile"

	"github.com/haktop/haktop/allocator"
	"github.com/haktop/haktop/workload"
)

func TestParseListen(t *testing.T) {
	for _, tc := range []struct {
		addr   string
		public bool
		want   string // "" for an error
		errHas string
	}{
		{"9464", false, "127.0.0.1:9464", ""},
		{":9464", false, "127.0.0.1:9464", ""},
		{"localhost:9464", false, "127.0.0.1:9464", ""},
		{"127.0.0.2:80", false, "127.0.0.2:80", ""},
		{"[::1]:9464", false, "[::1]:9464", ""},
		{":0", false, "127.0.0.1:0", ""},
		{"0.0.0.0:9464", false, "", "not a loopback address"},
		{"0.0.0.0:9464", true, "0.0.0.0:9464", ""},
		{"192.168.1.5:9464", false, "", "--listen-public"},
		{"[::]:9464", false, "", "not a loopback address"},
		{"example.com:9464", false, "", `"example.com" is not an IP address`},
		{"94x64", false, "", "the port must be a number"},
		{":65536", false, "", "the port must be a number"},
		{":-1", false, "", "the port must be a number"},
		{"", false, "", "the port must be a number"},
		{"1.2.3.4:5:6", false, "", "want PORT, :PORT or HOST:PORT"},
		{"127.0.0.1:", false, "", "the port must be a number"},
	} {
		got, err := ParseListen(tc.addr, tc.public)
		switch {
		case tc.want != "" && (err != nil || got != tc.want):
			t.Errorf("ParseListen(%q, %v) = %q, %v; want %q", tc.addr, tc.public, got, err, tc.want)
		case tc.want == "" && (err == nil || !strings.Contains(err.Error(), tc.errHas)):
			t.Errorf("ParseListen(%q, %v) = %q, %v; want an error with %q", tc.addr, tc.public, got, err, tc.errHas)
		case err != nil && (strings.Contains(err.Error(), "\n") || !strings.HasPrefix(err.Error(), `"`+tc.addr+`"`)):
			t.Errorf("ParseListen(%q): error %q is not one line starting with the address", tc.addr, err)
		}
	}
}

func TestListenOnABusyPort(t *testing.T) {
	l, err := Listen(":0", false)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	_, port, _ := net.SplitHostPort(l.Addr().String())
	_, err = Listen(port, false)
	if err == nil || !strings.Contains(err.Error(), "is in use") {
		t.Fatalf("a second Listen on port %s: %v, want an error saying it is in use", port, err)
	}
}

// serve starts the endpoints of a tiny_hot engine on a loopback port and
// returns its base URL.
func serve(t *testing.T, profiling bool) string {
	t.Helper()
	spec := workload.DefaultSpec(workload.TinyHot)
	spec.Cycles = 0
	e := engineAfter(t, spec, profiling)
	l, err := Listen(":0", false)
	if err != nil {
		t.Fatal(err)
	}
	s := Serve(l, Handler(e, Options{}))
	t.Cleanup(func() { s.Close() })
	return "http://" + s.Addr()
}

func get(t *testing.T, method, url string) (int, []byte, http.Header) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, body, resp.Header
}

// Only GET and HEAD are served; every other method is 405 on every path,
// and an unknown path is 404.
func TestReadOnly(t *testing.T) {
	base := serve(t, false)
	for _, path := range append([]string{"/"}, Paths...) {
		for _, m := range []string{http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodPatch, http.MethodOptions} {
			code, _, h := get(t, m, base+path+"?seconds=1")
			if code != http.StatusMethodNotAllowed || h.Get("Allow") != "GET, HEAD" {
				t.Errorf("%s %s: %d (Allow %q), want 405 (Allow GET, HEAD)", m, path, code, h.Get("Allow"))
			}
		}
	}
	if code, _, _ := get(t, http.MethodHead, base+MetricsPath); code != http.StatusOK {
		t.Errorf("HEAD /metrics: %d", code)
	}
	if code, _, _ := get(t, http.MethodGet, base+"/debug/pprof/heap"); code != http.StatusNotFound {
		t.Errorf("GET /debug/pprof/heap: %d, want 404", code)
	}
	if code, body, _ := get(t, http.MethodGet, base+ProfilePath+"?seconds=0"); code != http.StatusBadRequest || !strings.Contains(string(body), "from 1 to 300") {
		t.Errorf("seconds=0: %d %q, want 400 naming the range", code, body)
	}
}

// promtool check metrics (Debian's prometheus package) passes on a scrape.
func TestPromtoolCheckMetrics(t *testing.T) {
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		t.Skip("promtool not found: install Debian's prometheus package (apt-get install prometheus; .ci/run does)")
	}
	base := serve(t, false)
	code, body, _ := get(t, http.MethodGet, base+MetricsPath)
	if code != http.StatusOK || !bytes.Contains(body, []byte(`haktop_ops_total `)) {
		t.Fatalf("GET /metrics: %d\n%s", code, body)
	}
	cmd := exec.Command(promtool, "check", "metrics")
	cmd.Stdin = bytes.NewReader(body)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("promtool check metrics: %v\n%s", err, out)
	}
}

// Both profile endpoints give profiles go tool pprof reads, with mappings
// filled: the CPU profile from the session's collector and from one the
// endpoint runs itself when the session has none.
func TestProfileEndpoints(t *testing.T) {
	if testing.Short() {
		t.Skip("takes a few seconds of CPU profiling")
	}
	for _, profiling := range []bool{true, false} {
		t.Run(map[bool]string{true: "session collector", false: "own collector"}[profiling], func(t *testing.T) { profileEndpoints(t, profiling) })
	}
}

func profileEndpoints(t *testing.T, profiling bool) {
	base := serve(t, profiling)
	dir := t.TempDir()
	for _, ep := range []struct{ path, want string }{
		{ProfilePath + "?seconds=1", "Type: cpu"},
		{CountersPath, "Type: alloc_calls"},
	} {
		code, body, _ := get(t, http.MethodGet, base+ep.path)
		if code != http.StatusOK {
			t.Fatalf("profiling %v: GET %s: %d %s", profiling, ep.path, code, body)
		}
		p, err := pprofile.ParseData(body)
		if err != nil {
			t.Fatalf("GET %s: %v", ep.path, err)
		}
		if len(p.Mapping) == 0 || p.Mapping[0].File == "" {
			t.Errorf("GET %s: no main mapping: %v", ep.path, p.Mapping)
		}
		for _, l := range p.Location {
			if l.Mapping == nil {
				t.Errorf("GET %s: location %d has no mapping", ep.path, l.ID)
				break
			}
		}
		file := filepath.Join(dir, "p.pb.gz")
		os.WriteFile(file, body, 0o644)
		out, err := exec.Command("go", "tool", "pprof", "-top", file).CombinedOutput()
		if err != nil || !strings.Contains(string(out), ep.want) {
			t.Fatalf("go tool pprof -top on %s: %v\n%s", ep.path, err, out)
		}
		if ep.path == CountersPath && allocator.StatsCompiled && !strings.Contains(string(out), "tiny_fast") {
			t.Errorf("the counter profile of tiny_hot has no tiny_fast:\n%s", out)
		}
	}
}
