// Package clean reads only declared gates and unrelated variables.
package clean

import "os"

const cap = "HAKMEM_TINY_CACHE_CAP"

func Read() (string, string, bool) {
	_, ok := os.LookupEnv("HAKMEM_POOL_V2_ENABLED")
	return os.Getenv(cap), os.Getenv("HOME"), ok
}
