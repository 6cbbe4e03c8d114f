package tui

// Run: the program around the screen, on a reader and a buffer for a
// terminal, ends on q and then says which files the session wrote.

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// filesSource is the fake source with files written, as the live Engine
// reports them.
type filesSource struct {
	*fakeSource
	files []string
}

func (f filesSource) Files() []string { return f.files }

func TestRunPrintsTheFilesWrittenOnQuit(t *testing.T) {
	src := filesSource{newFakeSource(), []string{"/tmp/a/haktop-session-1.jsonl", "haktop-counters-1.pb.gz"}}
	var out bytes.Buffer
	if err := Run(context.Background(), src, Options{Tick: -1, Dark: true}, strings.NewReader("q"), &out); err != nil {
		t.Fatal(err)
	}
	want := "haktop: wrote /tmp/a/haktop-session-1.jsonl\nhaktop: wrote haktop-counters-1.pb.gz\n"
	if got := out.String(); !strings.HasSuffix(got, want) {
		t.Errorf("after the screen: %q, want it to end in %q", got[max(0, len(got)-200):], want)
	}
	if !src.closed {
		t.Error("the source was not closed")
	}

	out.Reset()
	if err := Run(context.Background(), newFakeSource(), Options{Tick: -1, Dark: true}, strings.NewReader("q"), &out); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.String(), "haktop: wrote") {
		t.Error("a session that wrote nothing says it wrote something")
	}
}
