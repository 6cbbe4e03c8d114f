package ignored

import "os"

var _ = os.Getenv("HAKMEM_IN_UNDERSCORE_DIR")
