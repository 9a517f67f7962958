package negotiate

import (
	"errors"
	"strings"
	"testing"
)

func TestAnswerDirection(t *testing.T) {
	tests := []struct {
		offered, want, got Direction
	}{
		{SendOnly, RecvOnly, RecvOnly}, // activation
		{SendOnly, Inactive, Inactive}, // pending
		{SendRecv, RecvOnly, RecvOnly}, // an SRC that forgot sendonly
		{Inactive, RecvOnly, Inactive}, // Cisco: an inactive offer stays inactive
		{RecvOnly, RecvOnly, Inactive}, // nothing to receive
		{SendOnly, SendRecv, RecvOnly}, // we may not send to a sendonly peer
		{RecvOnly, SendRecv, SendOnly}, // not our use, but RFC 3264 allows it
		{SendRecv, SendRecv, SendRecv},
	}
	for _, tt := range tests {
		if got := answerDirection(tt.offered, tt.want); got != tt.got {
			t.Errorf("answer to %v wanting %v = %v, want %v", tt.offered, tt.want, got, tt.got)
		}
	}
	var zero Direction
	if zero != Inactive || zero.String() != "inactive" {
		t.Error("zero Direction must be the safe inactive")
	}
}

func TestSRTPPolicy(t *testing.T) {
	tests := map[string]struct {
		in   string
		want SRTPPolicy
		err  error
	}{
		"allow":   {"allow", SRTPAllow, nil},
		"require": {" Require ", SRTPRequire, nil},
		"off":     {"OFF", SRTPOff, nil},
		"unknown": {"maybe", 0, ErrBadPolicy},
		"empty":   {"", 0, ErrBadPolicy},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			p, err := ParseSRTPPolicy(tt.in)
			if !errors.Is(err, tt.err) || p != tt.want {
				t.Fatalf("ParseSRTPPolicy(%q) = %v, %v", tt.in, p, err)
			}
			if err == nil && p.String() != strings.ToLower(strings.TrimSpace(tt.in)) {
				t.Errorf("String() = %q", p.String())
			}
		})
	}
	var zero SRTPPolicy
	if zero != SRTPAllow {
		t.Error("zero policy must be the configuration default, allow")
	}
}
