package segment

// stale.go owns reclaiming segments whose haktop died without Close (a
// SIGKILL, a crash): nothing else removes their directories, and under
// /dev/shm they hold memory until the machine restarts. Each Create first
// removes, in the directory it creates in, every haktop-* directory of
// the caller's user whose segment header names a creator that no longer
// exists. A directory is left alone when anything about it is unsure: not
// a plain directory of ours, no segment, no magic (a haktop still writing
// its header), or a creator pid that answers (alive, or reused). (A haktop
// in another pid namespace that shares the directory would look dead:
// containers have a /dev/shm and a runtime dir of their own.)

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"syscall"

	"golang.org/x/sys/unix"
)

// reapStale removes the stale segment directories in dir.
func reapStale(dir string) {
	dirs, _ := filepath.Glob(filepath.Join(dir, "haktop-*"))
	for _, d := range dirs {
		if stale(d) {
			os.RemoveAll(d)
		}
	}
}

// stale reports whether d is a segment directory of this user whose
// creator has died.
func stale(d string) bool {
	fi, err := os.Lstat(d)
	if err != nil || !fi.IsDir() {
		return false
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); !ok || int(st.Uid) != os.Geteuid() {
		return false
	}
	f, err := os.OpenFile(filepath.Join(d, "segment"), os.O_RDONLY|unix.O_NOFOLLOW, 0)
	if err != nil {
		return false
	}
	defer f.Close()
	h := make([]byte, hCreator+4)
	if _, err := f.ReadAt(h, 0); err != nil || !bytes.Equal(h[hMagic:hMagic+len(magic)], []byte(magic)) {
		return false
	}
	pid := int(le.Uint32(h[hCreator:]))
	return pid > 0 && pid != os.Getpid() && errors.Is(unix.Kill(pid, 0), unix.ESRCH)
}
