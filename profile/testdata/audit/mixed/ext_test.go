package mixed_test

import "os"

const knob = "HAKMEM_EXTERNAL_TEST"

var _ = os.Getenv(knob)
