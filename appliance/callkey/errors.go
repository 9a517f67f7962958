package callkey

import "errors"

var (
	// ErrEmpty is returned for an empty key value.
	ErrEmpty = errors.New("callkey: empty value")
	// ErrUCIDFormat is returned when a value is not any known UCID spelling.
	ErrUCIDFormat = errors.New("callkey: not a UCID")
	// ErrConversationFormat is returned for a conversation id that is not a UUID.
	ErrConversationFormat = errors.New("callkey: conversation id is not a UUID")
	// ErrTooLong is returned for a value longer than MaxValueLen.
	ErrTooLong = errors.New("callkey: value too long")
)
