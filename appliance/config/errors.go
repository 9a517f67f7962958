package config

import "errors"

// Sentinels wrapped by every *Error, so callers and tests can tell classes of
// problems apart with errors.Is through an errors.Join.
var (
	// ErrSyntax is a YAML syntax error or a document that is not a mapping.
	ErrSyntax = errors.New("config: yaml syntax")
	// ErrUnknownKey is a key the schema does not have.
	ErrUnknownKey = errors.New("config: unknown key")
	// ErrSecretInline is a secret written inline instead of as a *_file path.
	ErrSecretInline = errors.New("config: inline secret")
	// ErrType is a value of the wrong YAML type (a list for a string, "60" for a duration).
	ErrType = errors.New("config: wrong type")
	// ErrDuplicate is a key given twice in one mapping.
	ErrDuplicate = errors.New("config: duplicate key")
	// ErrEnum is a value outside a key's fixed set of words.
	ErrEnum = errors.New("config: bad value")
	// ErrRange is a number or duration outside the allowed range.
	ErrRange = errors.New("config: out of range")
	// ErrAddress is a malformed address, listen spec, CIDR, URL or key.
	ErrAddress = errors.New("config: bad address")
	// ErrPorts is a malformed or unusable media port range.
	ErrPorts = errors.New("config: bad port range")
	// ErrMissing is a key that another key's value makes mandatory.
	ErrMissing = errors.New("config: missing key")
	// ErrNotLoopback is an admin listen address that is not loopback.
	ErrNotLoopback = errors.New("config: not loopback")
	// ErrFile is a file named by a *_file key that does not exist or is not a regular file.
	ErrFile = errors.New("config: bad file")
	// ErrFileMode is a secret file readable or writable by group or others.
	ErrFileMode = errors.New("config: secret file not private")
)
