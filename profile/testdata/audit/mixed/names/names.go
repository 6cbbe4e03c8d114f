// Package names declares a variable name used by another package.
package names

// Remote is read by package mixed.
const Remote = "HAKMEM_FROM_" + "OTHER_PACKAGE"
