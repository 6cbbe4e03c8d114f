// Command haktop drives the haktop allocator with workloads and shows which
// of its code paths and env gates are live: a TUI, plus headless commands.
package main

import "os"

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }
