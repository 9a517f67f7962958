// Package config is the appliance's one YAML file (/etc/cogito-edge/edge.yaml
// when installed): the schema, the defaults, strict decoding and validation.
//
// The key names are a contract with operators (DESIGN §3): keys may be added,
// never renamed. Decoding is strict: an unknown key, a value of the wrong type
// or a bad enum is an error that names the file, the line and the dotted key,
// for example
//
//	edge.yaml:12: media.ports: "29999-20000": start must be below end
//
// and every problem in a file is reported at once (errors.Join, one a line),
// so an operator fixes a file in one pass.
//
// Secrets are accepted only as *_file paths; an inline secret such as
// client_secret is an unknown key. That keeps secrets out of the config, of
// logs that print it, and of backups of /etc.
//
// The work is split in three steps so that each caller does only what it
// can: Parse decodes and runs Validate, which checks everything that can be
// checked without touching the machine; CheckFiles then checks that the
// files named by *_file keys exist and that secret files are private. The
// daemon and check-config run all three; check-config --no-file-checks skips
// the last one, for build hosts that validate a config before it ships.
package config
