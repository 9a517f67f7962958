package main

import (
	"fmt"
	"math"
	"time"
)

// genesysStatus is the direct-mode Genesys tracker (cti.source genesys) as
// /metrics shows it; its last error is in the genesys check's detail.
type genesysStatus struct {
	Users             int `json:"users"`
	Untracked         int `json:"untracked_users,omitempty"`
	Channels          int `json:"channels"`
	ChannelsConnected int `json:"channels_connected"`
	TopicsRejected    int `json:"topics_rejected,omitempty"`
	// LastEventAgeSeconds is -1 before the first conversation event.
	LastEventAgeSeconds float64 `json:"last_event_age_seconds"`
}

// genesysFromMetrics reads the tracker's gauges; nil when the appliance
// runs no tracker.
func genesysFromMetrics(gauge func(string) (float64, bool)) *genesysStatus {
	users, ok := gauge("cogito_edge_genesys_users")
	if !ok {
		return nil
	}
	n := func(name string) int {
		v, _ := gauge(name)
		return int(v)
	}
	g := &genesysStatus{
		Users:               int(users),
		Untracked:           n("cogito_edge_genesys_untracked_users"),
		Channels:            n("cogito_edge_genesys_channels"),
		ChannelsConnected:   n("cogito_edge_genesys_channels_connected"),
		TopicsRejected:      n("cogito_edge_genesys_topics_rejected"),
		LastEventAgeSeconds: -1,
	}
	if age, ok := gauge("cogito_edge_genesys_last_event_age_seconds"); ok && !math.IsInf(age, 0) {
		g.LastEventAgeSeconds = age
	}
	return g
}

// String is "25 agents, channels 1/1 connected, last event 3s ago".
func (g *genesysStatus) String() string {
	s := fmt.Sprintf("%d agents, channels %d/%d connected, ", g.Users, g.ChannelsConnected, g.Channels)
	if g.LastEventAgeSeconds < 0 {
		s += "no event yet"
	} else {
		s += "last event " + (time.Duration(g.LastEventAgeSeconds * float64(time.Second))).Round(time.Second).String() + " ago"
	}
	if g.TopicsRejected > 0 {
		s += fmt.Sprintf(", %d topics REFUSED (see the genesys check)", g.TopicsRejected)
	}
	if g.Untracked > 0 {
		s += fmt.Sprintf(", %d agents NOT followed", g.Untracked)
	}
	return s
}
