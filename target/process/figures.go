package process

// figures.go owns reading a process's figures from /proc/PID/stat: its
// resident set, CPU time (user plus system) and thread count, in one read.

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/haktop/haktop/target"
)

// clockTick is the unit of /proc's CPU times (USER_HZ, 100 on Linux).
const clockTick = 10 * time.Millisecond

var pageSize = uint64(os.Getpagesize())

// readFigures parses /proc/pid/stat. The fields after the command name
// (which may hold spaces and parentheses, so the last ')' ends it) are
// numbered from 3, the state: utime is field 14, stime 15, num_threads 20,
// rss (in pages) 24.
func readFigures(pid int) (target.Proc, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return target.Proc{}, err
	}
	return parseStat(b)
}

func parseStat(b []byte) (p target.Proc, err error) {
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return target.Proc{}, fmt.Errorf("/proc stat %q: no command name", b)
	}
	f := bytes.Fields(b[i+1:])
	field := func(n int) (uint64, error) {
		if n-3 >= len(f) {
			return 0, fmt.Errorf("/proc stat: %d fields, want field %d", len(f)+2, n)
		}
		return strconv.ParseUint(string(f[n-3]), 10, 64)
	}
	var v [4]uint64
	for j, n := range []int{14, 15, 20, 24} {
		if v[j], err = field(n); err != nil {
			return target.Proc{}, err
		}
	}
	return target.Proc{CPU: time.Duration(v[0]+v[1]) * clockTick, Threads: int(v[2]), RSSBytes: v[3] * pageSize}, nil
}
