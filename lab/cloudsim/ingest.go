package cloudsim

import (
	"context"
	"fmt"
	"net/netip"
	"time"

	"github.com/cogito/cogito-edge/lab/ahlab"
)

// The cloud's AudioHook ingest, for tests and the lab: where the relay's
// recordings are, when their audio first came, and fault injection.

// Ingest is the cloud's AudioHook ingest, nil without Config.Ingest.Dir.
// Its Go API waits for recordings, lists sessions and injects faults.
func (s *Sim) Ingest() *ahlab.Ingest { return s.ingest }

// RelayURL is the appliance's cloud.relay.url, "" without an ingest.
func (s *Sim) RelayURL() string {
	if s.ingest == nil {
		return ""
	}
	ic := s.cfg.Ingest
	return fmt.Sprintf("ws://%s%s", netip.AddrPortFrom(s.cfg.Address.Addr(), ic.Port), ic.Path)
}

// RelayAPIKey is the API key the ingest accepts (cloud.relay.api_key).
func (s *Sim) RelayAPIKey() string { return s.cfg.Ingest.APIKey }

// RelaySecret is the decoded client secret the ingest checks signatures
// with: what cloud.relay.client_secret_file must hold, base64-encoded.
func (s *Sim) RelaySecret() []byte { return append([]byte(nil), s.cfg.Ingest.Secret...) }

// FirstAudio returns when the first audio of a conversation reached the
// ingest (over all its sessions), false while none has.
func (s *Sim) FirstAudio(conversationID string) (time.Time, bool) {
	if s.ingest == nil {
		return time.Time{}, false
	}
	var first time.Time
	for _, ss := range s.ingest.Sessions() {
		if ss.ConversationID == conversationID && !ss.FirstAudio.IsZero() &&
			(first.IsZero() || ss.FirstAudio.Before(first)) {
			first = ss.FirstAudio
		}
	}
	return first, !first.IsZero()
}

// WaitRecording waits until the recording of a conversation (its first)
// is complete and returns it.
func (s *Sim) WaitRecording(ctx context.Context, conversationID string) (ahlab.Recording, error) {
	if s.ingest == nil {
		return ahlab.Recording{}, fmt.Errorf("cloudsim: recording %s: no ingest", conversationID)
	}
	return s.ingest.WaitRecording(ctx, conversationID)
}

// KillRelay cuts every live relay connection of a conversation without a
// word, as a failing cloud node would, and returns how many it cut; the
// relay reconnects and continues the session.
func (s *Sim) KillRelay(conversationID string) int {
	if s.ingest == nil {
		return 0
	}
	return s.ingest.KillConversation(conversationID)
}
