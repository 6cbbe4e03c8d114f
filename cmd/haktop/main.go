// Command haktop drives the haktop allocator with workloads and shows which
// of its code paths and env gates are live: a TUI, plus headless commands.
package main

import "os"

// main only wraps run: the exit status policy is exitCode's (root.go).
func main() { os.Exit(exitCode(os.Stderr, run(os.Stdout, os.Stderr, os.Args[1:]))) }
