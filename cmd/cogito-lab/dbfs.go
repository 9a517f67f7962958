package main

import "math"

// dbfs converts an RMS level (fraction of full scale) to dBFS, where a
// full-scale sine reads -3 dBFS.
func dbfs(rms float64) float64 {
	if rms <= 0 {
		return math.Inf(-1)
	}
	return 20 * math.Log10(rms)
}
