//go:build !race

package media

// raceEnabled reports a -race build; see race_test.go.
const raceEnabled = false
