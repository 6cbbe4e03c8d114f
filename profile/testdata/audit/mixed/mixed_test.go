package mixed

import (
	"os"
	"testing"
)

func TestRead(t *testing.T) {
	t.Setenv("HAKMEM_SET_NOT_READ", "1")
	_ = os.Getenv("HAKMEM_SS_MAX")
}
