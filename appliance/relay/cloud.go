package relay

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/cogito/cogito-edge/appliance/audiohook"
)

// CloudStore streams recordings to the Cogito cloud (DESIGN §3, sink:
// cloud): each recording is an AudioHook client session to cloud.relay.url
// over the tunnel, continued on a new connection after every drop, with a
// ring of up to cloud.relay.buffer of audio so that an outage shorter than
// that loses nothing.
//
// # Threads
//
// WriteFrame runs on the media clock worker: it encodes the frame into the
// recording's ring and returns; it never blocks, never touches the
// network, and allocates nothing in steady state. One sender goroutine per
// recording drains the ring into the AudioHook session, reconnects, and
// resends from the position the cloud last acknowledged. Open returns at
// once (the first connection is made in the background, its audio
// buffered meanwhile), so a CloudStore is a Store as is; Close waits, bounded by CloseTimeout, for the
// buffered audio to be delivered and the session closed.
type CloudStore struct {
	cfg   CloudConfig
	base  *slog.Logger // the caller's logger, for the AudioHook client
	log   *slog.Logger
	m     *CloudMetrics
	pool  blockPool
	epoch time.Time // origin of the monotonic stamps

	// mu guards open and closed.
	mu     sync.Mutex
	open   map[*CloudRecording]struct{}
	closed bool
}

// NewCloud validates cfg and returns a store. It does no I/O. A nil log
// discards; nil metrics are created unregistered.
func NewCloud(cfg CloudConfig, log *slog.Logger, m *CloudMetrics) (*CloudStore, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if m == nil {
		m = NewCloudMetrics(nil)
	}
	return &CloudStore{
		cfg:   cfg,
		base:  log,
		log:   log.With("component", "relay.cloud"),
		m:     m,
		pool:  make(blockPool, cloudPoolBlocks),
		epoch: time.Now(),
		open:  make(map[*CloudRecording]struct{}),
	}, nil
}

// Open starts streaming a recording to the cloud and returns it; its
// dynamic type is *CloudRecording. The connection is made in the
// background: Open fails only on a bad session id or a closed store. It
// has the signature of the SIP side's Recorder.
func (s *CloudStore) Open(ctx context.Context, meta RecordingMeta) (Recording, error) {
	r, err := s.OpenCloud(ctx, meta)
	if err != nil {
		return nil, err
	}
	return r, nil
}

// OpenCloud is Open returning the concrete recording, for its Report.
func (s *CloudStore) OpenCloud(ctx context.Context, meta RecordingMeta) (*CloudRecording, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("relay.OpenCloud: %w", err)
	}
	if meta.SessionID == "" {
		return nil, fmt.Errorf("relay.OpenCloud: %w", ErrInvalidID)
	}
	r := newCloudRecording(s, meta)
	client, err := audiohook.NewClient(audiohook.ClientConfig{
		URL:            s.cfg.URL,
		APIKey:         s.cfg.APIKey,
		Secret:         s.cfg.Secret,
		OrganizationID: s.cfg.OrganizationID,
		DialContext:    s.cfg.DialContext,
		TLSConfig:      s.cfg.TLSConfig,
		FirstPing:      s.cfg.FirstPing,
		PingInterval:   s.cfg.PingInterval,
		FrameDuration:  s.cfg.Frame,
		Metrics:        s.cfg.AudioHook,
		Logger:         s.base.With("call", meta.SessionID),
		OnEvent:        r.onEvent,
	})
	if err != nil {
		return nil, fmt.Errorf("relay.OpenCloud: %w: %w", ErrCloudConfig, err)
	}
	r.client = client
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil, fmt.Errorf("relay.OpenCloud: %w", ErrClosed)
	}
	s.open[r] = struct{}{}
	s.mu.Unlock()
	r.mu.Lock()
	r.updateStateLocked()
	r.mu.Unlock()
	r.log.Info("cloud recording opened", "participant", r.req.Participant.ID)
	go r.routineSend()
	return r, nil
}

// Close closes every recording still open with reason "shutdown", in
// parallel (each bounded by CloseTimeout), and makes further Opens fail.
// It is idempotent.
func (s *CloudStore) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	recs := make([]*CloudRecording, 0, len(s.open))
	for r := range s.open {
		recs = append(recs, r)
	}
	s.mu.Unlock()
	errs := make([]error, len(recs))
	var wg sync.WaitGroup
	for i, r := range recs {
		wg.Go(func() {
			if err := r.Close(FinalMeta{EndedAt: time.Now(), Reason: "shutdown"}); !errors.Is(err, ErrClosed) {
				errs[i] = err
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

func (s *CloudStore) forget(r *CloudRecording) {
	s.mu.Lock()
	delete(s.open, r)
	s.mu.Unlock()
}

// now is the monotonic time of the stamps, in nanoseconds since the store
// was made.
func (s *CloudStore) now() int64 { return int64(time.Since(s.epoch)) }

// CloudStore and BothStore are Stores.
var (
	_ Store = (*CloudStore)(nil)
	_ Store = (*BothStore)(nil)
)
