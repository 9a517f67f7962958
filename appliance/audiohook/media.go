package audiohook

import (
	"fmt"
	"slices"
	"time"
)

// Channel names one party's audio in a media format.
type Channel string

// Channels AudioHook defines.
const (
	// External is the customer's audio (relay channel 0).
	External Channel = "external"
	// Internal is the agent's audio (relay channel 1).
	Internal Channel = "internal"
)

// Format is an audio encoding.
type Format string

// Formats AudioHook v2 defines.
const (
	// FormatPCMU is G.711 mu-law, one byte per sample.
	FormatPCMU Format = "PCMU"
	// FormatL16 is 16-bit linear PCM, two bytes per sample, little-endian
	// as Genesys's reference implementation reads it (an Int16Array over
	// the frame bytes), not the network order of RFC 3551.
	FormatL16 Format = "L16"
)

// SampleRate is the only rate AudioHook v2 defines.
const SampleRate = 8000

// MediaTypeAudio is the only media type AudioHook v2 defines.
const MediaTypeAudio = "audio"

// Media is one media format of an open offer or of opened's selection.
// Binary frames carry headerless samples of that format, interleaved in
// the order of Channels (a 100 ms stereo PCMU frame is 1600 bytes).
type Media struct {
	Type     string    `json:"type"`
	Format   Format    `json:"format"`
	Channels []Channel `json:"channels"`
	Rate     int       `json:"rate"`
}

// StereoPCMU is the format the appliance prefers: PCMU, 8 kHz,
// ["external","internal"] (DESIGN §3).
func StereoPCMU() Media {
	return Media{Type: MediaTypeAudio, Format: FormatPCMU, Channels: []Channel{External, Internal}, Rate: SampleRate}
}

// DefaultOffer is what the client offers in open: stereo PCMU
// ["external","internal"], then the mono choices, all 8 kHz.
func DefaultOffer() []Media {
	mono := func(c Channel) Media {
		return Media{Type: MediaTypeAudio, Format: FormatPCMU, Channels: []Channel{c}, Rate: SampleRate}
	}
	return []Media{StereoPCMU(), mono(External), mono(Internal)}
}

// Equal reports whether m and o are the same format with the same channels
// in the same order.
func (m Media) Equal(o Media) bool {
	return m.Type == o.Type && m.Format == o.Format && m.Rate == o.Rate && slices.Equal(m.Channels, o.Channels)
}

// String is a compact form for logs: "PCMU/8000/external+internal".
func (m Media) String() string {
	s := fmt.Sprintf("%s/%d/", m.Format, m.Rate)
	for i, c := range m.Channels {
		if i > 0 {
			s += "+"
		}
		s += string(c)
	}
	return s
}

// Validate checks m against AudioHook v2: type audio, format PCMU or L16,
// rate 8000, one or two distinct channels named external or internal.
func (m Media) Validate() error {
	switch {
	case m.Type != MediaTypeAudio:
		return fmt.Errorf("type %q: want audio", truncate(m.Type))
	case m.Format != FormatPCMU && m.Format != FormatL16:
		return fmt.Errorf("format %q: want PCMU or L16", truncate(string(m.Format)))
	case m.Rate != SampleRate:
		return fmt.Errorf("rate %d: want 8000", m.Rate)
	case len(m.Channels) < 1 || len(m.Channels) > 2:
		return fmt.Errorf("%d channels: want 1 or 2", len(m.Channels))
	}
	for i, c := range m.Channels {
		if c != External && c != Internal {
			return fmt.Errorf("channel %q: want external or internal", truncate(string(c)))
		}
		if i == 1 && c == m.Channels[0] {
			return fmt.Errorf("channel %q twice", c)
		}
	}
	return nil
}

// SampleBytes is the size of one sample of one channel.
func (m Media) SampleBytes() int {
	if m.Format == FormatL16 {
		return 2
	}
	return 1
}

// FrameBytes is the size of one sample across all channels; a binary frame
// is a whole multiple of it.
func (m Media) FrameBytes() int { return m.SampleBytes() * len(m.Channels) }

// DurationOf is the stream time that n bytes of audio in m cover.
func (m Media) DurationOf(n int) time.Duration {
	fb := m.FrameBytes()
	if fb == 0 || m.Rate <= 0 {
		return 0
	}
	return SampleDuration(int64(n/fb), m.Rate)
}

// SelectMedia picks the server's format from an offer: stereo PCMU
// ["external","internal"] first, then other stereo (PCMU before L16,
// either channel order: frames are remapped), then mono (PCMU before L16,
// external before internal). Formats that fail Validate are skipped. ok is
// false when nothing offered is usable. The returned Media is a copy of the
// offered entry, so opened echoes it exactly as offered.
func SelectMedia(offered []Media) (Media, bool) {
	best, bestRank := Media{}, -1
	for _, m := range offered {
		if m.Validate() != nil {
			continue
		}
		if r := mediaRank(m); r > bestRank {
			best, bestRank = m, r
		}
	}
	if bestRank < 0 {
		return Media{}, false
	}
	best.Channels = slices.Clone(best.Channels)
	return best, true
}

// mediaRank orders valid formats; higher is better.
func mediaRank(m Media) int {
	r := 0
	if len(m.Channels) == 2 {
		r += 100
	}
	if m.Format == FormatPCMU {
		r += 10
	}
	if m.Channels[0] == External {
		r++
	}
	return r
}
