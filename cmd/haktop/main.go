// Command haktop shows which code paths and env gates of an allocator run, its
// own under a workload or another program's (haktop run): a TUI, plus headless commands.
package main

import "os"

// main only wraps run: the exit status policy is exitCode's (root.go).
func main() { os.Exit(exitCode(os.Stderr, run(os.Stdout, os.Stderr, os.Args[1:]))) }
