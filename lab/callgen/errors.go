package callgen

import "errors"

var (
	// ErrConfig is wrapped by every configuration error.
	ErrConfig = errors.New("callgen: invalid config")
	// ErrRejected is returned when the SRS answers the INVITE with a
	// non-2xx final response.
	ErrRejected = errors.New("callgen: INVITE rejected")
	// ErrProtocol is wrapped when the SRS breaks the SIPREC contract
	// (answer not inactive, labels not echoed, re-INVITE not recvonly, …).
	ErrProtocol = errors.New("callgen: SRS broke the SIPREC contract")
	// ErrNotActivated is returned when no activating re-INVITE arrives
	// within Config.ActivationTimeout.
	ErrNotActivated = errors.New("callgen: SRS never activated the session")
	// ErrCTI is wrapped when posting the CTI event fails.
	ErrCTI = errors.New("callgen: CTI post failed")
	// ErrClosed is returned by a Generator after Close.
	ErrClosed = errors.New("callgen: generator closed")
)
