package allocator

import "fmt"

// FreeError is returned by Free for anything that is not a live block of
// this Allocator. The free changed no state; the matching page_of_fail
// counter was bumped.
type FreeError struct {
	Kind   InvalidKind
	Addr   uintptr
	Reason string
}

func (e *FreeError) Error() string {
	return fmt.Sprintf("allocator: invalid free of %#x (%s): %s", e.Addr, e.Kind.Key(), e.Reason)
}
