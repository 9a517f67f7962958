package relay

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
)

// BothStore opens each recording in a LocalStore and a CloudStore at once
// (sink: both). Frames fan out as with Multi; Close closes both (the
// cloud's bounded by its CloudConfig.CloseTimeout) and adds the cloud's
// report (sessions, outages, dropped audio) to the local JSON under
// "cloud", so one file tells what the cloud got.
type BothStore struct {
	local *LocalStore
	cloud *CloudStore
	log   *slog.Logger
}

// NewBoth returns a store writing to local and streaming to cloud.
func NewBoth(local *LocalStore, cloud *CloudStore) *BothStore {
	return &BothStore{local: local, cloud: cloud, log: cloud.log}
}

// Open opens the recording in both stores. When one of them fails the
// other still records (a full disk must not stop the cloud stream, nor a
// closed cloud store the local file); Open fails only if both do.
func (b *BothStore) Open(ctx context.Context, meta RecordingMeta) (Recording, error) {
	l, lerr := b.local.Open(ctx, meta)
	c, cerr := b.cloud.OpenCloud(ctx, meta)
	switch {
	case lerr != nil && cerr != nil:
		return nil, errors.Join(lerr, cerr)
	case lerr != nil:
		b.log.Error("local recording failed to open; streaming to the cloud only", "session", meta.SessionID, "err", lerr)
		return c, nil
	case cerr != nil:
		b.log.Error("cloud recording failed to open; recording locally only", "session", meta.SessionID, "err", cerr)
		return l, nil
	}
	return &bothRecording{Recording: Multi(c, l), local: l, cloud: c}, nil
}

// bothRecording is a local and a cloud recording of one session.
type bothRecording struct {
	Recording // Multi(cloud, local)
	local     *LocalRecording
	cloud     *CloudRecording
}

// Close closes both recordings at once (the cloud's may wait up to its
// CloseTimeout to deliver its buffer), then writes the cloud's report
// into the local JSON.
func (r *bothRecording) Close(final FinalMeta) error {
	cerrc := make(chan error, 1)
	go func() { cerrc <- r.cloud.Close(final) }()
	lerr := r.local.Close(final)
	cerr := <-cerrc
	if errors.Is(lerr, ErrClosed) && errors.Is(cerr, ErrClosed) {
		return ErrClosed
	}
	var merr error
	if !errors.Is(lerr, ErrClosed) {
		merr = MergeCloudReport(r.local.jsonPath, r.cloud.Report())
	}
	return errors.Join(cerr, lerr, merr)
}

// Report returns the cloud recording's report.
func (r *bothRecording) Report() CloudReport { return r.cloud.Report() }

// MergeCloudReport adds rep to the recording JSON at path (a Manifest)
// under "cloud" and replaces the file atomically.
func MergeCloudReport(path string, rep CloudReport) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("relay: merge cloud report: %w", err)
	}
	var doc struct {
		Manifest
		Cloud *CloudReport `json:"cloud,omitempty"`
	}
	if err := json.Unmarshal(b, &doc.Manifest); err != nil {
		return fmt.Errorf("relay: merge cloud report: %s: %w", path, err)
	}
	doc.Cloud = &rep
	if err := writeJSONAtomic(path, &doc); err != nil {
		return fmt.Errorf("relay: merge cloud report: %w", err)
	}
	return nil
}
