package main

// The TUI's command line: flag errors, the no-terminal refusal, and replay's
// file errors, all before any screen starts.

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestTUICommandLine(t *testing.T) {
	fixture := filepath.Join("..", "..", "tui", "testdata", "session.jsonl")
	foreign := filepath.Join(t.TempDir(), "notes.txt")
	if err := os.WriteFile(foreign, []byte("hello\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	const noTTY = "haktop: the interactive view needs a terminal on stdin and stdout: use `haktop bench` for a one-shot run (--json for JSON) or `haktop record -o FILE` to record a session\n"
	cases := []struct {
		env    string
		args   []string
		code   int
		stderr string
	}{
		{"", nil, 2, noTTY},
		{"", []string{"--workload", "tiny_hot", "--workers", "2"}, 2, noTTY},
		{"", []string{"--sort", "speed"}, 2, `haktop: --sort "speed": want one of class, size, alloc, fast, refill, fallback, free, remote, live, bytes` + "\n"},
		{"", []string{"--interval", "1ms"}, 2, "haktop: --interval 1ms is not valid: want 10ms or more\n"},
		{"", []string{"--workers", "0"}, 2, "haktop: --workers 0 is not valid: want an integer from 1 to 1024\n"},
		{"HAKMEM_POOL_V2_ENABLED=maybe", nil, 2, ""},
		{"", []string{"replay"}, 2, "haktop: replay takes one recording FILE, got 0 arguments (see haktop replay --help)\n"},
		{"", []string{"replay", fixture, fixture}, 2, "haktop: replay takes one recording FILE, got 2 arguments (see haktop replay --help)\n"},
		{"", []string{"replay", "--sort", "x", fixture}, 2, `haktop: --sort "x": want one of class, size, alloc, fast, refill, fallback, free, remote, live, bytes` + "\n"},
		{"", []string{"replay", "/nonexistent.jsonl"}, 1, "haktop: /nonexistent.jsonl: cannot open: no such file or directory\n"},
		{"", []string{"replay", foreign}, 1, ""},
		{"", []string{"replay", fixture}, 2, "haktop: replay needs a terminal on stdin and stdout: use `haktop report " + fixture + "` for the recording's summary (--json for JSON)\n"},
		{"", []string{"run"}, 2, "haktop: run needs a command to run after --, e.g. haktop run -- ./prog ARGS (see haktop run --help)\n"},
		{"", []string{"run", "ls"}, 2, "haktop: unexpected argument \"ls\": a command to run goes after --, e.g. haktop run -- ./prog ARGS\n"},
		{"", []string{"run", "--", "/nonexistent/prog"}, 2, "haktop: command /nonexistent/prog: stat /nonexistent/prog: no such file or directory (want a program on PATH or a path to an executable file)\n"},
		{"", []string{"run", "--interval", "1ms", "--", "ls"}, 2, "haktop: --interval 1ms is not valid: want a duration of at least 10ms, like 100ms or 1s\n"},
		{"", []string{"run", "--sort", "x", "--", "ls"}, 2, `haktop: --sort "x": want one of class, size, alloc, fast, refill, fallback, free, remote, live, bytes` + "\n"},
		{"", []string{"run", "--worker-label", "--", "ls"}, 2, "haktop: --worker-label does not apply to haktop run: a command has no workers\n"},
		{"", []string{"run", "--", "ls"}, 2, "haktop: run needs a terminal on stdin and stdout: use `haktop record -o FILE -- ls` to record the command headless\n"},
	}
	for _, c := range cases {
		t.Run(strings.TrimSpace(c.env+" "+strings.Join(c.args, " ")), func(t *testing.T) {
			if c.env != "" {
				name, value, _ := strings.Cut(c.env, "=")
				t.Setenv(name, value)
			}
			code, stdout, stderr := runCLI(t, c.args...)
			if code != c.code || stdout != "" {
				t.Errorf("exit %d, stdout %q; want exit %d and no output", code, stdout, c.code)
			}
			switch {
			case c.stderr != "" && stderr != c.stderr:
				t.Errorf("stderr:\n got %q\nwant %q", stderr, c.stderr)
			case c.stderr == "" && (len(stderr) < 10 || stderr[len(stderr)-1] != '\n'):
				t.Errorf("stderr %q: want one line naming the problem", stderr)
			}
		})
	}
}
