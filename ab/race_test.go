//go:build race

package ab

// raceEnabled is true under -race, which slows the seeded simulations ten
// times; they run no goroutines, so their statistics are checked without it.
const raceEnabled = true
