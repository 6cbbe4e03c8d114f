//go:build !race

package ab

// raceEnabled is true under -race (see race_test.go).
const raceEnabled = false
