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
	"allocator":         0,
	"workload":          1,
	"textfmt":           2, // formats only: imports nothing of haktop
	"target":            2,
	"target/embedded":   3, // allocator and target: the embedded allocator as a target
	"target/targettest": 3,
	"target/segment":    2, // the shared-memory segment: imports nothing of haktop
	"target/shim":       3, // builds the preload shim; its tests read through target/segment
	"sampler":           4,
	"profile":           5,
	"ab":                5,
	"live":              6,
	"tui":               7,
	"cmd/haktop":        8,
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
