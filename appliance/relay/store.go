package relay

import "context"

// Store opens the recording sinks of a session when the gate activates it.
// LocalStore writes WAV+JSON; the cloud sink streams to the Cogito cloud;
// Stores fans out to several.
type Store interface {
	Open(ctx context.Context, meta RecordingMeta) (Recording, error)
}

// LocalStoreAdapter lets a *LocalStore serve as a Store: its Open returns
// the concrete *LocalRecording.
type LocalStoreAdapter struct{ *LocalStore }

// Open implements Store.
func (l LocalStoreAdapter) Open(ctx context.Context, meta RecordingMeta) (Recording, error) {
	r, err := l.LocalStore.Open(ctx, meta)
	if err != nil {
		return nil, err
	}
	return r, nil
}
