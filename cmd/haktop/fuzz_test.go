package main

// FuzzReport runs `haktop report` and `haktop report --json` on any bytes,
// plain and gzip: what reaches report is what sampler.Load accepted, so
// this covers everything report computes from a file (totals, rates,
// verdicts, the text and JSON renderings). The promise checked: exit 0 or
// 1, never a panic; every stderr line is haktop's one-line message; a
// failure names the file; --json prints one valid JSON object.

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fuzzReportSeed is a small whole recording with one gate and a restart.
const fuzzReportSeed = `{"type":"header","format":"haktop-session","version":1,"interval_ns":10000000,"stats_compiled":true,"workload":{"name":"mid_pool","workers":1},"gates":[{"env":"HAKMEM_POOL_V2_ENABLED","value":"0","source":"default","paths":["pool_v2_alloc"],"off":true}],"classes":["C0","P0"],"counters":["alloc_calls","alloc_fast","free_calls"],"paths":["tiny_fast","pool_v2_alloc","pool_v1_alloc"]}
{"type":"sample","seq":0,"elapsed_ns":10000000,"epoch":0,"epoch_start_ns":0,"ops":8,"heaps":1,"classes":[[4,4,4],[2,1,2]],"paths":[4,0,2]}
{"type":"event","elapsed_ns":15000000,"kind":"restart","epoch":1,"message":"HAKMEM_POOL_V2_ENABLED set to 1","gates":[{"env":"HAKMEM_POOL_V2_ENABLED","value":"1","source":"code","paths":["pool_v2_alloc"],"off":false}]}
{"type":"sample","seq":1,"elapsed_ns":20000000,"epoch":1,"epoch_start_ns":15000000,"ops":6,"classes":[[1,1,1],[2,2,2]],"paths":[1,2,0]}
{"type":"footer","reason":"stopped","elapsed_ns":20000000,"samples":2,"events":1,"ops":14,"classes":[[5,5,5],[4,3,4]],"paths":[5,2,2]}
`

func FuzzReport(f *testing.F) {
	lines := strings.SplitAfter(fuzzReportSeed, "\n")
	for _, gz := range []bool{false, true} {
		f.Add([]byte(fuzzReportSeed), gz)
		f.Add([]byte(strings.Join(lines[:4], "")), gz) // cut short
		f.Add([]byte(strings.Join(lines[:1], "")), gz) // the header alone
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte, gz bool) {
		path := filepath.Join(dir, "r.jsonl")
		if gz {
			var buf bytes.Buffer
			zw := gzip.NewWriter(&buf)
			zw.Write(data)
			zw.Close()
			data = buf.Bytes()
		}
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		var codes [2]int
		for i, args := range [][]string{{"report", path}, {"report", path, "--json"}} {
			var stdout, stderr bytes.Buffer
			code := exitCode(&stderr, run(&stdout, &stderr, args))
			codes[i] = code
			for _, line := range strings.SplitAfter(stderr.String(), "\n") {
				if line != "" && (!strings.HasPrefix(line, "haktop: ") || !strings.HasSuffix(line, "\n")) {
					t.Fatalf("%v: stderr line %q is not one haktop message", args, line)
				}
			}
			switch code {
			case 0:
				if i == 1 && !json.Valid(stdout.Bytes()) {
					t.Fatalf("%v: stdout is not JSON:\n%s", args, stdout.String())
				}
			case 1:
				lines := strings.Split(strings.TrimSuffix(stderr.String(), "\n"), "\n")
				if last := lines[len(lines)-1]; !strings.HasPrefix(last, "haktop: "+path+": ") || stdout.Len() != 0 {
					t.Fatalf("%v: exit 1 with stderr %q, stdout %q: the error must name the file", args, stderr.String(), stdout.String())
				}
			default:
				t.Fatalf("%v: exit %d, stderr %q", args, code, stderr.String())
			}
		}
		if codes[0] != codes[1] {
			t.Fatalf("report exits %d, report --json %d", codes[0], codes[1])
		}
	})
}
