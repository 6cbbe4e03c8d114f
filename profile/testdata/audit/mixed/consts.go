package mixed

const (
	prefix  = "HAKMEM_"
	secret  = prefix + "SECRET_KNOB" // undeclared, built from constants
	enabled = "HAKMEM_POOL_V2_ENABLED"
)
