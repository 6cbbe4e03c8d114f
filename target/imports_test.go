package target_test

// The module's import graph follows the data flow
// workload -> allocator -> target -> sampler -> profile -> live -> tui / cmd:
// a package imports only packages of a lower layer (workload alone may import
// allocator, which sits below it). Checked with `go list` over the module.

import (
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/haktop/haktop"

// layer gives every package of the module its place in the flow; a new
// package must be given one here.
var layer = map[string]int{
	"allocator":                  0,
	"workload":                   1,
	"textfmt":                    2, // formats only: imports nothing of haktop
	"target":                     2,
	"target/embedded":            3, // allocator and target: the embedded allocator as a target
	"target/targettest":          3,
	"target/ctest":               3, // test support: the C test programs and real allocators (imports nothing of haktop; target/shim's tests use it)
	"target/segment":             3, // the shared-memory segment: target's roles
	"target/shim":                3, // builds the preload shim (imports nothing of haktop; its tests read through target/segment)
	"target/process/tether":      3, // starts haktop's children so they die with it (imports nothing of haktop)
	"target/process":             4, // runs a program under the shim as a target: segment and shim
	"target/process/processtest": 5, // builds the shim (and, through ctest, the C test programs) for the tests above process
	"sampler":                    4,
	"sampler/samplertest":        5, // checks recordings cut short against sampler's reader, for the kill tests
	"profile":                    5,
	"ab":                         6, // reads profile's RunReport
	"live":                       6,
	"tui":                        7,
	"expose":                     7, // reads live sessions for Prometheus and pprof scrapers
	"cmd/haktop":                 8,
}

func TestImportsFollowTheFlow(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}}{{range .Imports}} {{.}}{{end}}`, module+"/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	seen := 0
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		pkg := strings.TrimPrefix(f[0], module+"/")
		l, ok := layer[pkg]
		if !ok {
			t.Errorf("package %s has no layer in the flow: add it to layer", pkg)
			continue
		}
		seen++
		for _, imp := range f[1:] {
			dep, ours := strings.CutPrefix(imp, module+"/")
			if !ours {
				continue
			}
			if pkg == "textfmt" {
				t.Errorf("textfmt imports %s: it must import nothing of haktop", dep)
			}
			if dl, ok := layer[dep]; ok && dl >= l {
				t.Errorf("%s (layer %d) imports %s (layer %d): imports go down the flow only", pkg, l, dep, dl)
			}
		}
	}
	if seen < len(layer) {
		t.Errorf("go list showed %d of the %d packages in layer", seen, len(layer))
	}
}

// allocatorReaders are the packages above the allocator that still read its
// types and registries directly, not through target/embedded: none since
// live and cmd/haktop build and read it through embedded.Config and
// embedded.Instance (issue 13). It stays empty: no package may start.
var allocatorReaders = map[string]bool{}

// The allocator is read by workload, by target/embedded (the adapter) and,
// until they move to the schema, by allocatorReaders; by no other package.
func TestAllocatorStaysBehindTheAdapter(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}}{{range .Imports}} {{.}}{{end}}`, module+"/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	reads := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		pkg := strings.TrimPrefix(f[0], module+"/")
		for _, imp := range f[1:] {
			if imp == module+"/allocator" {
				reads[pkg] = true
			}
		}
	}
	for pkg := range reads {
		if pkg != "workload" && pkg != "target/embedded" && !allocatorReaders[pkg] {
			t.Errorf("%s imports allocator: read the embedded allocator through target/embedded's Schema and Snapshot", pkg)
		}
	}
	for pkg := range allocatorReaders {
		if !reads[pkg] {
			t.Errorf("%s no longer imports allocator: take it off allocatorReaders", pkg)
		}
	}
}
