package cloudsim

import "errors"

var (
	// ErrConfig is returned by New for an invalid Config.
	ErrConfig = errors.New("cloudsim: invalid config")
	// ErrNoAppliance is returned by Inject when no appliance is connected.
	ErrNoAppliance = errors.New("cloudsim: no appliance connected")
	// ErrNoGenesys is returned by the Genesys methods of a Sim without
	// Config.Genesys.
	ErrNoGenesys = errors.New("cloudsim: no genesys tracker")
	// ErrClosed is returned after Close.
	ErrClosed = errors.New("cloudsim: closed")
)
