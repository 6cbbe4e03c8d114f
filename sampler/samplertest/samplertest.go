// Package samplertest checks recordings that were cut short (haktop killed
// mid-session, a torn write) against sampler's reader, for the kill tests.
package samplertest

// Used by live's TestSIGKILLLiveRecording and cmd/haktop's
// TestSIGKILLRecord. It owns what a recording cut short must read as: every
// whole record the file holds (the header included, and a last record cut
// just before its newline), nothing more, and, without a footer, a warning
// naming the file that says the session was cut short. What each test
// asserts besides (a killed live session wrote no footer, the samples'
// seq) stays with it.

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/haktop/haktop/sampler"
)

// WholeLines returns the '\n'-terminated lines in path's data (gunzipped
// as far as the stream goes when path ends in .gz), the bytes after the
// last newline, and whether a gzip stream was cut short. A missing or
// empty file has none.
func WholeLines(t testing.TB, path string) (whole []string, tail string, cut bool) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil || len(raw) == 0 {
		return nil, "", false
	}
	data := raw
	if strings.HasSuffix(path, ".gz") {
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		if err != nil {
			return nil, "", true // not even a whole gzip header yet
		}
		data, err = io.ReadAll(zr)
		cut = err != nil
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<22)
	end := bytes.LastIndexByte(data, '\n') + 1
	for sc.Scan() {
		whole = append(whole, sc.Text())
	}
	whole = whole[:bytes.Count(data[:end], []byte{'\n'})]
	return whole, string(data[end:]), cut
}

// ReadsToLastWholeRecord loads path through sampler.Load and reports, as
// errors of t, whether it read exactly the file's whole records (see the
// package comment) and, unless it read a footer, ends with a warning
// naming path that says the session was cut short. It returns what was
// read (nil when Load failed) for the caller's own checks.
func ReadsToLastWholeRecord(t testing.TB, path string) (*sampler.Recording, bool) {
	t.Helper()
	whole, tail, _ := WholeLines(t, path)
	rec, err := sampler.Load(path)
	if err != nil {
		t.Errorf("%s: %v", path, err)
		return nil, false
	}
	want := len(whole)
	if tail != "" && json.Valid([]byte(tail)) {
		want++ // a record whose newline did not make it is still whole
	}
	got := 1 + len(rec.Samples) + len(rec.Events)
	if rec.Footer != nil {
		got++
	}
	if got != want {
		t.Errorf("%s: read %d records (footer %v), the file holds %d whole ones (tail %q)", path, got, rec.Footer != nil, want, tail)
		return rec, false
	}
	if rec.Footer != nil {
		return rec, true // killed after the footer: nothing was lost
	}
	last := ""
	if n := len(rec.Warnings); n > 0 {
		last = rec.Warnings[n-1]
	}
	if !strings.HasPrefix(last, path+": record ") || !strings.Contains(last, "no footer") && !strings.Contains(last, "ends after its header") {
		t.Errorf("%s: warnings %q do not say the session was cut short", path, rec.Warnings)
		return rec, false
	}
	return rec, true
}
