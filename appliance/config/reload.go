package config

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"
)

// liveKeys are the keys a SIGHUP can apply to a running appliance: the SBC
// allow list, the log level, the AudioHook credentials file (its contents
// are re-read on every reload too) and the gate timers. Everything else
// opens sockets, keys the tunnel or shapes sessions already in flight, and
// needs a restart. ApplyLive must copy exactly these keys.
func liveKeys() []string {
	return []string{
		"audiohook.credentials_file",
		"gate.early_event_ttl",
		"gate.end_grace",
		"gate.match_timeout",
		"log.level",
		"sip.allow",
	}
}

// Changes is the difference between a running config and a reloaded one,
// as dotted keys, sorted.
type Changes struct {
	Live    []string // changed keys a reload applies
	Restart []string // changed keys that take effect only after a restart
}

// NeedsRestart reports whether some change is not applied by a reload.
func (c Changes) NeedsRestart() bool { return len(c.Restart) > 0 }

// Empty reports whether nothing changed.
func (c Changes) Empty() bool { return len(c.Live) == 0 && len(c.Restart) == 0 }

// Reloadable compares the running config old with the reloaded config next
// and sorts each changed key into what a SIGHUP can apply and what needs a
// restart.
func Reloadable(old, next *Config) Changes {
	a, b := flatten(old), flatten(next)
	live := liveKeys()
	var ch Changes
	for k, v := range b {
		if a[k] == v {
			continue
		}
		if slices.Contains(live, k) {
			ch.Live = append(ch.Live, k)
		} else {
			ch.Restart = append(ch.Restart, k)
		}
	}
	slices.Sort(ch.Live)
	slices.Sort(ch.Restart)
	return ch
}

// ApplyLive returns a copy of old with the live keys taken from next: the
// config a reloaded appliance actually runs with, since keys that need a
// restart keep their old values until it.
func ApplyLive(old, next *Config) *Config {
	c := old.clone()
	c.SIP.Allow = slices.Clone(next.SIP.Allow)
	c.Log.Level = next.Log.Level
	c.AudioHook.CredentialsFile = next.AudioHook.CredentialsFile
	c.Gate.MatchTimeout = next.Gate.MatchTimeout
	c.Gate.EarlyEventTTL = next.Gate.EarlyEventTTL
	c.Gate.EndGrace = next.Gate.EndGrace
	c.src = next.src // lines now describe the file on disk
	return c
}

// clone deep-copies the config (its slices are the only shared parts).
func (c *Config) clone() *Config {
	n := *c
	n.SIP.Listen = slices.Clone(c.SIP.Listen)
	n.SIP.Allow = slices.Clone(c.SIP.Allow)
	n.Cloud.Tunnel.Peer.AllowedIPs = slices.Clone(c.Cloud.Tunnel.Peer.AllowedIPs)
	return &n
}

// flatten maps each dotted key of c to its value as text.
func flatten(c *Config) map[string]string {
	out := map[string]string{}
	flattenValue(reflect.ValueOf(c).Elem(), "", out)
	return out
}

func flattenValue(v reflect.Value, prefix string, out map[string]string) {
	switch {
	case v.Type() == reflect.TypeFor[time.Duration]():
		out[prefix] = time.Duration(v.Int()).String()
	case v.Kind() == reflect.Struct:
		for name, f := range yamlFields(v.Type()) {
			flattenValue(v.FieldByIndex(f.Index), joinKey(prefix, name), out)
		}
	case v.Kind() == reflect.Slice:
		parts := make([]string, v.Len())
		for i := range parts {
			parts[i] = fmt.Sprintf("%q", v.Index(i).Interface())
		}
		out[prefix] = "[" + strings.Join(parts, ",") + "]"
	default:
		out[prefix] = fmt.Sprint(v.Interface())
	}
}
