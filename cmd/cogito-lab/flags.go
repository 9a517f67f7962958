package main

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/cogito/cogito-edge/lab/tone"
)

// parseFreqs parses "440,1000" into frequencies in Hz.
func parseFreqs(s string) ([]float64, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	var out []float64
	for _, f := range strings.Split(s, ",") {
		v, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
		if err != nil || v <= 0 || v >= 4000 {
			return nil, fmt.Errorf("tone %q: want a frequency in (0, 4000) Hz", f)
		}
		out = append(out, v)
	}
	return out, nil
}

// parseCodec parses pcmu|pcma.
func parseCodec(s string) (tone.Codec, error) {
	switch strings.ToLower(s) {
	case "pcmu", "ulaw", "0":
		return tone.PCMU, nil
	case "pcma", "alaw", "8":
		return tone.PCMA, nil
	}
	return 0, fmt.Errorf("codec %q: want pcmu or pcma", s)
}

// multiFlag collects a repeatable string flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }
