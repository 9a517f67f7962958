package relay

import "errors"

// Cloud sink errors.
var (
	// ErrCloudConfig is a CloudConfig NewCloud refuses.
	ErrCloudConfig = errors.New("relay: bad cloud relay config")
	// ErrCloudUndelivered is returned by CloudRecording.Close when audio
	// could not be delivered (or its delivery confirmed) before the close
	// timeout; the report says how much.
	ErrCloudUndelivered = errors.New("relay: cloud recording incomplete")
	// ErrCloudDisconnected is returned by CloudRecording.Close when the
	// cloud ended the session (disconnect) before the call ended.
	ErrCloudDisconnected = errors.New("relay: cloud ended the session")
)
