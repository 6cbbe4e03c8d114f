//go:build !haktop_nostats

package allocator

// statsCompiled is false under the haktop_nostats build tag, which turns
// every `if statsCompiled { ... }` counter write into dead code.
const statsCompiled = true
