package ab

// ExecRunner is the real Runner: every run is a child process
// `haktop bench --json [workload flags]` with the arm's HAKMEM_* environment.
// It owns the child binaries: the running haktop itself when no arm has
// build tags, otherwise one binary per arm built with `go build -tags` from
// the module source into a temporary directory it removes on Close.
//
// Two rules keep the arms comparable:
//   - Children inherit the parent's environment minus every HAKMEM_*
//     variable (in any case: Dropped names them), then get the arm's pairs, so an arm is exactly what its
//     --a/--b says, whatever the calling shell exports.
//   - When either arm has build tags, both arms are built from the same
//     source, so the tags are the only build difference (the running
//     executable may be older than the source).
//
// Children run in their own process group, so a terminal's Ctrl-C reaches
// only ab: it cancels the context, which kills the child in flight, and the
// protocol discards that run. (A child that got the SIGINT itself would stop
// early and print a valid-looking report of a short run.) They are started
// through tether, so a child never outlives ab: when haktop dies without
// cancelling (SIGKILL, a crash), the kernel SIGKILLs the child in flight.
// The go commands that build arms end on their own and are not tethered.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/haktop/haktop/profile"
	"github.com/haktop/haktop/target/embedded"
	"github.com/haktop/haktop/target/process/tether"
)

// ModulePath is the module ab builds tagged children from.
const ModulePath = "github.com/haktop/haktop"

// ExecOptions configures NewExecRunner.
type ExecOptions struct {
	// Self is the haktop binary for arms when no arm has build tags; ""
	// means the running executable (os.Executable).
	Self string
	// Src is the module source directory for tagged builds; "" means the
	// module that `go env GOMOD` finds from the working directory.
	Src string
	// BenchArgs are the workload flags passed after `bench --json`.
	BenchArgs []string
	// Log, if set, gets one line per build step.
	Log io.Writer
}

// ExecRunner runs arms as child haktop processes.
type ExecRunner struct {
	benchArgs []string
	binaries  map[string]string // arm name -> binary
	tmp       string            // build directory, "" when nothing was built
}

// NewExecRunner returns a runner for arms a and b, having built their
// binaries when either has build tags. Errors say what is missing: a Go
// toolchain, the module source, or a build that failed (with go's output).
func NewExecRunner(ctx context.Context, a, b Arm, opt ExecOptions) (*ExecRunner, error) {
	r := &ExecRunner{benchArgs: append([]string(nil), opt.BenchArgs...), binaries: map[string]string{}}
	if a.Tags == "" && b.Tags == "" {
		self := opt.Self
		if self == "" {
			var err error
			if self, err = os.Executable(); err != nil {
				return nil, fmt.Errorf("finding the running haktop binary to run the arms: %v", err)
			}
		}
		r.binaries[a.Name], r.binaries[b.Name] = self, self
		return r, nil
	}

	tagged := a
	if tagged.Tags == "" {
		tagged = b
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		return nil, fmt.Errorf("arm %s has build tags (%s), which needs a Go toolchain to build it, but no go command is in PATH: install Go or drop --tags-%s",
			tagged.Name, tagged.Tags, strings.ToLower(tagged.Name))
	}
	src, err := moduleDir(ctx, goBin, opt.Src)
	if err != nil {
		return nil, fmt.Errorf("arm %s has build tags (%s), which needs the haktop source to build from: %v", tagged.Name, tagged.Tags, err)
	}
	if r.tmp, err = os.MkdirTemp("", "haktop-ab-"); err != nil {
		return nil, fmt.Errorf("making a directory for the arm binaries: %v", err)
	}
	built := map[string]string{} // tags -> binary
	for _, arm := range []Arm{a, b} {
		if bin, ok := built[arm.Tags]; ok {
			r.binaries[arm.Name] = bin
			continue
		}
		bin := filepath.Join(r.tmp, "haktop-"+strings.ToLower(arm.Name))
		args := []string{"build", "-o", bin}
		if arm.Tags != "" {
			args = append(args, "-tags", arm.Tags)
		}
		args = append(args, "./cmd/haktop")
		if opt.Log != nil {
			fmt.Fprintf(opt.Log, "building arm %s: go %s (in %s)\n", arm.Name, strings.Join(args, " "), src)
		}
		cmd := exec.CommandContext(ctx, goBin, args...)
		cmd.Dir = src
		if out, err := cmd.CombinedOutput(); err != nil {
			r.Close()
			return nil, fmt.Errorf("building arm %s (go %s in %s): %v: %s", arm.Name, strings.Join(args, " "), src, err, strings.TrimSpace(string(out)))
		}
		built[arm.Tags] = bin
		r.binaries[arm.Name] = bin
	}
	return r, nil
}

// moduleDir returns the directory of the haktop module: src if given, else
// the module go finds from the working directory; an error if that is not
// the haktop module.
func moduleDir(ctx context.Context, goBin, src string) (string, error) {
	where := "the working directory"
	if src == "" {
		out, err := exec.CommandContext(ctx, goBin, "env", "GOMOD").Output()
		gomod := strings.TrimSpace(string(out))
		if err != nil || gomod == "" || gomod == os.DevNull {
			return "", fmt.Errorf("the working directory is not inside a Go module (go env GOMOD: %q): run ab from the haktop source tree or pass --src DIR", gomod)
		}
		src = filepath.Dir(gomod)
	} else {
		where = "--src " + src
	}
	cmd := exec.CommandContext(ctx, goBin, "list", "-m")
	cmd.Dir = src
	out, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			err = fmt.Errorf("%s", strings.TrimSpace(string(ee.Stderr)))
		}
		return "", fmt.Errorf("%s is not a Go module directory (%v): run ab from the haktop source tree or pass --src DIR", where, err)
	}
	if mod := strings.TrimSpace(string(out)); mod != ModulePath {
		return "", fmt.Errorf("%s holds module %s, not %s: run ab from the haktop source tree or pass --src DIR", where, mod, ModulePath)
	}
	return src, nil
}

// Close removes the binaries NewExecRunner built.
func (r *ExecRunner) Close() error {
	if r.tmp == "" {
		return nil
	}
	err := os.RemoveAll(r.tmp)
	r.tmp = ""
	return err
}

// Binary returns the binary that runs arm name.
func (r *ExecRunner) Binary(name string) string { return r.binaries[name] }

// Run runs one `haktop bench --json` child for arm and returns its report.
func (r *ExecRunner) Run(ctx context.Context, arm Arm) (profile.RunReport, error) {
	bin, ok := r.binaries[arm.Name]
	if !ok {
		return profile.RunReport{}, fmt.Errorf("no binary for arm %q: the runner was made for other arms", arm.Name)
	}
	args := append([]string{"bench", "--json"}, r.benchArgs...)
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = childEnv(os.Environ(), arm.Env)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	what := filepath.Base(bin) + " " + strings.Join(args, " ")
	if err := tether.Run(cmd); err != nil { // it dies with haktop, even a SIGKILLed one
		if msg := strings.TrimSpace(stderr.String()); msg != "" {
			return profile.RunReport{}, fmt.Errorf("%s: %v: %s", what, err, lastLine(msg))
		}
		return profile.RunReport{}, fmt.Errorf("%s: %v", what, err)
	}
	return decodeReport(what, stdout.Bytes())
}

// decodeReport returns the one JSON object out holds.
func decodeReport(what string, out []byte) (profile.RunReport, error) {
	var rep profile.RunReport
	dec := json.NewDecoder(bytes.NewReader(out))
	if err := dec.Decode(&rep); err != nil {
		return profile.RunReport{}, fmt.Errorf("%s printed no JSON report (%v): %q", what, err, firstLine(string(out)))
	}
	var extra json.RawMessage
	if err := dec.Decode(&extra); err != io.EOF {
		return profile.RunReport{}, fmt.Errorf("%s printed more than one JSON object: want exactly one report", what)
	}
	return rep, nil
}

// childEnv returns parent without HAKMEM_* variables, plus arm's pairs.
func childEnv(parent, arm []string) []string {
	env := make([]string, 0, len(parent)+len(arm))
	for _, kv := range parent {
		if name, _, _ := strings.Cut(kv, "="); !embedded.LooksLikeGate(name) {
			env = append(env, kv)
		}
	}
	return append(env, arm...)
}

// Dropped returns the names of the variables of parent (NAME=VALUE entries)
// that children do not get: every HAKMEM_* name, in any case.
func Dropped(parent []string) []string {
	var names []string
	for _, kv := range parent {
		if name, _, _ := strings.Cut(kv, "="); embedded.LooksLikeGate(name) {
			names = append(names, name)
		}
	}
	return names
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	return s[strings.LastIndexByte(s, '\n')+1:]
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	if len(line) > 200 {
		line = line[:200] + "…"
	}
	return line
}
