package ahlab

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/cogito/cogito-edge/appliance/audiohook"
)

// LabOrganizationID is the Genesys organization the lab's clients claim.
const LabOrganizationID = "c0917ab0-0000-4000-8000-00000000c0de"

// PlayerConfig configures a Player.
type PlayerConfig struct {
	// URL is the AudioHook server, ws:// or wss://.
	URL    string
	APIKey string
	// Secret is the decoded client secret; empty sends unsigned upgrades.
	Secret []byte
	// OrganizationID defaults to LabOrganizationID, ConversationID and
	// Participant.ID to new UUIDs.
	OrganizationID string
	ConversationID string
	Participant    audiohook.Participant
	Language       string
	// Source is the audio; nil: the lab's tones for 10 s.
	Source Source
	// Frame is the audio per binary frame, sent every Frame of real time
	// (Genesys sends 100 ms); NoPace sends as fast as the connection takes
	// it.
	Frame  time.Duration
	NoPace bool
	// TLSConfig is for wss:// (InsecureSkipVerify for a self-signed lab
	// server); DialContext, if set, opens the TCP connection.
	TLSConfig   *tls.Config
	DialContext func(ctx context.Context, network, addr string) (net.Conn, error)
	// CloseTimeout bounds the close transaction at the end (default 10 s).
	CloseTimeout time.Duration
	Logger       *slog.Logger
}

// PlayerReport is what a player saw.
type PlayerReport struct {
	SessionID      string    `json:"session_id"`
	ConversationID string    `json:"conversation_id"`
	Media          string    `json:"media,omitempty"`
	Opened         time.Time `json:"opened,omitzero"`
	// OpenedPaused is true when the server opened the session paused.
	OpenedPaused bool `json:"opened_paused"`
	// Paused is the pause state now; PausedAt and ResumedAt are when the
	// server paused and resumed the session.
	Paused    bool        `json:"paused"`
	PausedAt  []time.Time `json:"paused_at,omitempty"`
	ResumedAt []time.Time `json:"resumed_at,omitempty"`
	// AudioSent is the audio streamed; AudioDiscarded the audio skipped
	// while paused; Position the stream position reached.
	AudioSent      time.Duration `json:"audio_sent"`
	AudioDiscarded time.Duration `json:"audio_discarded"`
	Position       time.Duration `json:"position"`
	RTT            time.Duration `json:"rtt,omitempty"`
	// Outcome is closed, disconnected:<reason>, lost, error or refused
	// (the session never opened); empty while it runs.
	Outcome string    `json:"outcome,omitempty"`
	Info    string    `json:"info,omitempty"`
	Err     string    `json:"error,omitempty"`
	Ended   time.Time `json:"ended,omitzero"`
}

// Player plays a Genesys Cloud AudioHook client for one session.
type Player struct {
	cfg PlayerConfig
	log *slog.Logger

	mu      sync.Mutex // guards rep and changed
	rep     PlayerReport
	changed chan struct{}
}

// NewPlayer validates cfg and returns a player.
func NewPlayer(cfg PlayerConfig) (*Player, error) {
	if cfg.URL == "" || cfg.APIKey == "" {
		return nil, fmt.Errorf("%w: the player needs a URL and an API key", ErrConfig)
	}
	if cfg.OrganizationID == "" {
		cfg.OrganizationID = LabOrganizationID
	}
	if cfg.ConversationID == "" {
		cfg.ConversationID = audiohook.NewUUID()
	}
	if cfg.Participant.ID == "" {
		cfg.Participant.ID = audiohook.NewUUID()
	}
	if cfg.Source == nil {
		cfg.Source = Tones(CustomerHz, AgentHz, 10*time.Second)
	}
	if cfg.Frame <= 0 {
		cfg.Frame = audiohook.DefaultFrameDuration
	}
	if cfg.CloseTimeout <= 0 {
		cfg.CloseTimeout = audiohook.DefaultCloseTimeout
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Player{cfg: cfg, log: log, changed: make(chan struct{}),
		rep: PlayerReport{ConversationID: cfg.ConversationID}}, nil
}

// Play runs a player for cfg.
func Play(ctx context.Context, cfg PlayerConfig) (PlayerReport, error) {
	p, err := NewPlayer(cfg)
	if err != nil {
		return PlayerReport{}, err
	}
	return p.Run(ctx)
}

// Run opens the session, streams the source (paced unless NoPace; while
// the server holds the session paused the audio is skipped, as Genesys
// does), and closes with reason end when the source ends or ctx is done.
// A server's disconnect ends it early. The error is nil when the session
// closed cleanly or the server disconnected with reason completed.
func (p *Player) Run(ctx context.Context) (PlayerReport, error) {
	client, err := audiohook.NewClient(audiohook.ClientConfig{
		URL: p.cfg.URL, APIKey: p.cfg.APIKey, Secret: p.cfg.Secret, OrganizationID: p.cfg.OrganizationID,
		DialContext: p.cfg.DialContext, TLSConfig: p.cfg.TLSConfig, FrameDuration: p.cfg.Frame,
		CloseTimeout: p.cfg.CloseTimeout, Logger: p.log, OnEvent: p.onEvent,
	})
	if err != nil {
		return p.end("refused", err), fmt.Errorf("%w: %w", ErrConfig, err)
	}
	s, err := client.Open(ctx, audiohook.OpenRequest{
		ConversationID: p.cfg.ConversationID, Participant: p.cfg.Participant, Language: p.cfg.Language,
	})
	if err != nil {
		return p.end("refused", err), err
	}
	m, _ := s.Media()
	p.update(func(r *PlayerReport) {
		r.SessionID, r.Media, r.Opened = s.ID(), m.String(), time.Now()
		r.OpenedPaused, r.Paused = s.Paused(), s.Paused()
	})
	p.stream(ctx, s)
	if !isDone(s) {
		cctx, cancel := context.WithTimeout(context.Background(), p.cfg.CloseTimeout)
		_ = s.Close(cctx, audiohook.CloseEnd)
		cancel()
	}
	<-s.Done()
	serr := s.Err()
	var de *audiohook.DisconnectedError
	outcome := "closed"
	switch {
	case errors.As(serr, &de):
		outcome = "disconnected:" + string(de.Reason)
		p.update(func(r *PlayerReport) { r.Info = de.Info })
	case errors.Is(serr, audiohook.ErrConnectionLost):
		outcome = "lost"
	case serr != nil:
		outcome = "error"
	}
	p.update(func(r *PlayerReport) { r.Position, r.RTT = s.Position(), s.RTT() })
	rep := p.end(outcome, serr)
	if de != nil && de.Reason == audiohook.DisconnectCompleted {
		serr = nil
	}
	return rep, serr
}

// stream sends the source frame by frame until it ends, the session ends
// or ctx is done.
func (p *Player) stream(ctx context.Context, s *audiohook.ClientSession) {
	buf := make([]int16, 2*int(p.cfg.Frame*audiohook.SampleRate/time.Second))
	var tick <-chan time.Time
	if !p.cfg.NoPace {
		t := time.NewTicker(p.cfg.Frame)
		defer t.Stop()
		tick = t.C
	}
	for {
		n := p.cfg.Source.Read(buf)
		if n == 0 {
			return
		}
		paused := s.Paused()
		if err := s.WriteAudio(buf[:2*n]); err != nil {
			return
		}
		d := audiohook.SampleDuration(int64(n), audiohook.SampleRate)
		p.update(func(r *PlayerReport) {
			if paused {
				r.AudioDiscarded += d
			} else {
				r.AudioSent += d
			}
		})
		if tick == nil {
			select {
			case <-ctx.Done():
				return
			case <-s.Done():
				return
			default:
			}
			continue
		}
		select {
		case <-tick:
		case <-ctx.Done():
			return
		case <-s.Done():
			return
		}
	}
}

// onEvent follows the server's pause and resume.
func (p *Player) onEvent(_ *audiohook.ClientSession, e audiohook.ClientEvent) {
	now := time.Now()
	switch e.Type {
	case audiohook.TypePause:
		p.update(func(r *PlayerReport) { r.Paused = e.Paused; r.PausedAt = append(r.PausedAt, now) })
	case audiohook.TypeResume:
		p.update(func(r *PlayerReport) { r.Paused = e.Paused; r.ResumedAt = append(r.ResumedAt, now) })
	}
}

func (p *Player) update(f func(*PlayerReport)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	f(&p.rep)
	close(p.changed)
	p.changed = make(chan struct{})
}

func (p *Player) end(outcome string, err error) PlayerReport {
	p.update(func(r *PlayerReport) {
		r.Outcome, r.Ended = outcome, time.Now()
		if err != nil {
			r.Err = err.Error()
		}
	})
	return p.Snapshot()
}

// Snapshot returns the report so far.
func (p *Player) Snapshot() PlayerReport {
	p.mu.Lock()
	defer p.mu.Unlock()
	r := p.rep
	r.PausedAt = append([]time.Time(nil), r.PausedAt...)
	r.ResumedAt = append([]time.Time(nil), r.ResumedAt...)
	return r
}

// Wait blocks until cond holds for the report or ctx ends.
func (p *Player) Wait(ctx context.Context, cond func(PlayerReport) bool) error {
	for {
		p.mu.Lock()
		ok, ch := cond(p.rep), p.changed
		p.mu.Unlock()
		if ok {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func isDone(s *audiohook.ClientSession) bool {
	select {
	case <-s.Done():
		return true
	default:
		return false
	}
}
