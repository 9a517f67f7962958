//go:build race

package media

// raceEnabled reports a -race build. The race detector makes sync.Pool drop
// items at random, so pion's AES-CM keystream pool allocates under -race;
// allocation assertions on that path only hold in normal builds.
const raceEnabled = true
