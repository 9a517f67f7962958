package edgeproc

import (
	"bytes"
	"fmt"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Config is the appliance configuration Start writes: the ports and paths
// it picked. YAML renders it in the edge.yaml schema (DESIGN §3).
type Config struct {
	ApplianceID string
	// SIP is the SIP listener, on both UDP and TCP.
	SIP netip.AddrPort
	// Admin is the admin API listener.
	Admin netip.AddrPort
	// MediaIP is media.address; MediaPorts the inclusive media.ports range.
	MediaIP    netip.Addr
	MediaPorts [2]int
	// SRTP is media.srtp: allow, require or off ("" leaves the default).
	SRTP string
	// CTISource is cti.source ("" is api); Sink is sink ("" is local).
	// The cloud section they may need goes in ExtraYAML.
	CTISource string
	Sink      string
	// Genesys is cti.genesys, for cti.source genesys (direct mode); nil
	// writes no section.
	Genesys      *Genesys
	MaxSessions  int
	RecordingDir string
	LogLevel     string
	DrainTimeout time.Duration
	// ExtraYAML is appended to the document as is: top-level keys this
	// type does not write, such as "gate: {match_timeout: 90s}".
	ExtraYAML string
}

// Genesys is the cti.genesys section: the Genesys Cloud OAuth client the
// appliance logs in with in direct mode. The lab points BaseURL at
// lab/genesyssim.
type Genesys struct {
	Region           string `yaml:"region"`
	BaseURL          string `yaml:"base_url,omitempty"`
	ClientID         string `yaml:"client_id"`
	ClientSecretFile string `yaml:"client_secret_file"`
	UUIAttribute     string `yaml:"uui_attribute,omitempty"`
}

// The file's shape; only the keys the lab sets, in the contract's names.
type (
	fileConfig struct {
		ApplianceID  string     `yaml:"appliance_id,omitempty"`
		SIP          fileSIP    `yaml:"sip"`
		Media        fileMedia  `yaml:"media"`
		CTI          fileCTI    `yaml:"cti"`
		Sink         string     `yaml:"sink"`
		Recording    fileDir    `yaml:"recording"`
		Admin        fileListen `yaml:"admin"`
		Log          fileLog    `yaml:"log"`
		DrainTimeout string     `yaml:"drain_timeout,omitempty"`
	}
	fileSIP struct {
		Listen      []string `yaml:"listen,flow"`
		MaxSessions int      `yaml:"max_sessions,omitempty"`
	}
	fileMedia struct {
		Address string `yaml:"address"`
		Ports   string `yaml:"ports"`
		SRTP    string `yaml:"srtp,omitempty"`
	}
	fileCTI struct {
		Source  string   `yaml:"source"`
		Genesys *Genesys `yaml:"genesys,omitempty"`
	}
	fileDir struct {
		Dir string `yaml:"dir"`
	}
	fileListen struct {
		Listen string `yaml:"listen"`
	}
	fileLog struct {
		Level  string `yaml:"level,omitempty"`
		Format string `yaml:"format"`
	}
)

// YAML renders the config file. Logs are always JSON (Logs parses them);
// unless the config says otherwise the sink is local and CTI comes from
// the admin API.
func (c Config) YAML() ([]byte, error) {
	if !c.SIP.IsValid() || !c.Admin.IsValid() || !c.MediaIP.IsValid() {
		return nil, fmt.Errorf("edgeproc: config: SIP, Admin and MediaIP must be set")
	}
	if c.MediaPorts[0] <= 0 || c.MediaPorts[1] <= c.MediaPorts[0] {
		return nil, fmt.Errorf("edgeproc: config: media ports %v", c.MediaPorts)
	}
	if c.RecordingDir == "" {
		return nil, fmt.Errorf("edgeproc: config: no recording dir")
	}
	f := fileConfig{
		ApplianceID: c.ApplianceID,
		SIP: fileSIP{
			Listen:      []string{"udp:" + c.SIP.String(), "tcp:" + c.SIP.String()},
			MaxSessions: c.MaxSessions,
		},
		Media: fileMedia{
			Address: c.MediaIP.String(),
			Ports:   strconv.Itoa(c.MediaPorts[0]) + "-" + strconv.Itoa(c.MediaPorts[1]),
			SRTP:    c.SRTP,
		},
		CTI:       fileCTI{Source: orString(c.CTISource, "api"), Genesys: c.Genesys},
		Sink:      orString(c.Sink, "local"),
		Recording: fileDir{Dir: c.RecordingDir},
		Admin:     fileListen{Listen: c.Admin.String()},
		Log:       fileLog{Level: c.LogLevel, Format: "json"},
	}
	if c.DrainTimeout > 0 {
		f.DrainTimeout = c.DrainTimeout.String()
	}
	var b bytes.Buffer
	b.WriteString("# Written by lab/edgeproc for one run of cogito-edge.\n")
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(f); err != nil {
		return nil, fmt.Errorf("edgeproc: config: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("edgeproc: config: %w", err)
	}
	if x := strings.TrimSpace(c.ExtraYAML); x != "" {
		b.WriteString(x)
		b.WriteByte('\n')
	}
	return b.Bytes(), nil
}

func orString(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// WriteFile writes the config to path (mode 0600).
func (c Config) WriteFile(path string) error {
	data, err := c.YAML()
	if err != nil {
		return err
	}
	if err := os.WriteFile(path, data, 0o600); err != nil {
		return fmt.Errorf("edgeproc: config: %w", err)
	}
	return nil
}

// pickConfig chooses free ports on ip for o.
func pickConfig(o Options, recDir string) (Config, error) {
	sip, err := FreeDualPort(o.IP)
	if err != nil {
		return Config{}, err
	}
	admin, err := FreePort(o.IP, "tcp")
	if err != nil {
		return Config{}, err
	}
	for admin == sip {
		if admin, err = FreePort(o.IP, "tcp"); err != nil {
			return Config{}, err
		}
	}
	n := mediaPortsFor(o.MaxSessions)
	lo, err := FreeUDPRange(o.IP, n)
	if err != nil {
		return Config{}, err
	}
	return Config{
		ApplianceID:  o.ApplianceID,
		SIP:          netip.AddrPortFrom(o.IP, uint16(sip)),
		Admin:        netip.AddrPortFrom(o.IP, uint16(admin)),
		MediaIP:      o.IP,
		MediaPorts:   [2]int{lo, lo + n - 1},
		SRTP:         o.SRTP,
		CTISource:    o.CTISource,
		Genesys:      o.Genesys,
		Sink:         o.Sink,
		MaxSessions:  o.MaxSessions,
		RecordingDir: recDir,
		LogLevel:     o.LogLevel,
		DrainTimeout: o.DrainTimeout,
		ExtraYAML:    o.ExtraYAML,
	}, nil
}

// mediaPortsFor sizes the media range for sessions two-leg calls: an RTP
// and an RTCP port per leg, plus a little slack for ports still closing.
func mediaPortsFor(sessions int) int {
	n := 4*sessions + 16
	return n + n%2
}
