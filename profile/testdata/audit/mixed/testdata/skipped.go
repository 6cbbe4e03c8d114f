package skipped

import "os"

var _ = os.Getenv("HAKMEM_IN_TESTDATA")
