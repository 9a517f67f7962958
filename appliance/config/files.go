package config

import (
	"os"
)

// fileKey is one *_file key. secret files must be private to the service.
type fileKey struct {
	key    string
	path   string
	secret bool
}

// files lists every file the config names, set or not.
func (c *Config) files() []fileKey {
	return []fileKey{
		{"sip.tls.cert_file", c.SIP.TLS.CertFile, false},
		{"sip.tls.key_file", c.SIP.TLS.KeyFile, true},
		{"cti.genesys.client_secret_file", c.CTI.Genesys.ClientSecretFile, true},
		{"cloud.tunnel.private_key_file", c.Cloud.Tunnel.PrivateKeyFile, true},
		{"cloud.relay.client_secret_file", c.Cloud.Relay.ClientSecretFile, true},
		{"audiohook.tls.cert_file", c.AudioHook.TLS.CertFile, false},
		{"audiohook.tls.key_file", c.AudioHook.TLS.KeyFile, true},
		{"audiohook.credentials_file", c.AudioHook.CredentialsFile, true},
	}
}

// CheckFiles checks the files named by *_file keys: each one that is set
// must be a regular file this process can read, and a secret file (private
// keys, client secrets, AudioHook credentials) must have no permission bits
// for group or others: chmod 600, owned by the service user. The daemon runs
// it at start and on reload; check-config runs it unless --no-file-checks.
//
// Relative paths are relative to the working directory (/ under systemd).
// recording.dir is not checked: the appliance creates it.
func (c *Config) CheckFiles() error {
	r := &report{src: c.src}
	for _, f := range c.files() {
		if f.path == "" {
			continue
		}
		fi, err := os.Stat(f.path)
		switch {
		case os.IsNotExist(err):
			r.add(f.key, ErrFile, "%s: no such file", f.path)
			continue
		case err != nil:
			r.add(f.key, ErrFile, "%v", err)
			continue
		case !fi.Mode().IsRegular():
			r.add(f.key, ErrFile, "%s: not a regular file (%s)", f.path, fi.Mode().Type())
			continue
		}
		if f.secret && fi.Mode().Perm()&0o077 != 0 {
			r.add(f.key, ErrFileMode, "%s: mode %04o lets group or others at a secret; chmod 600 it and chown it to the service user",
				f.path, fi.Mode().Perm())
		}
		fh, err := os.Open(f.path)
		if err != nil {
			r.add(f.key, ErrFile, "cannot read: %v", err)
			continue
		}
		fh.Close()
	}
	return r.err()
}
