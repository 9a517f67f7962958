package appliance

import (
	"crypto/tls"
	"fmt"

	"github.com/cogito/cogito-edge/appliance/gate"
	"github.com/cogito/cogito-edge/appliance/media"
)

// Call is one live session as GET /v1/calls shows it: the gate's view plus
// the media counters of its streams.
type Call struct {
	gate.Snapshot
	Streams []media.StreamStats `json:"streams"`
	Gaps    int                 `json:"gaps"`
	Frames  uint64              `json:"frames"`
}

// calls lists the live sessions, oldest first.
func (a *Appliance) calls() []Call {
	snaps := a.gate.Sessions()
	out := make([]Call, 0, len(snaps))
	for _, s := range snaps {
		c := Call{Snapshot: s, Streams: []media.StreamStats{}}
		if st, ok := a.sip.MediaStats(s.ID); ok {
			c.Streams = st.Streams
			c.Gaps = len(st.Gaps)
			c.Frames = st.Frames
		}
		out = append(out, c)
	}
	return out
}

func loadTLS(certFile, keyFile string) (*tls.Config, error) {
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("load key pair: %w", err)
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}, nil
}
