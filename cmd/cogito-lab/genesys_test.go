package main

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/cogito/cogito-edge/tunnel"
)

// startCommand runs a long-lived command until the test ends and waits
// for want in its output.
func startCommand(t *testing.T, run func(context.Context, []string, *syncBuffer, *syncBuffer) int, args []string, want string) (*syncBuffer, func() int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var out, errb syncBuffer
	done := make(chan struct{})
	var code int
	go func() {
		defer close(done)
		code = run(ctx, args, &out, &errb)
	}()
	stop := func() int {
		cancel()
		<-done
		return code
	}
	t.Cleanup(func() { stop() })
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(out.String(), want) {
		select {
		case <-done:
			t.Fatalf("exited %d: %s %s", code, out.String(), errb.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %q in the output: %s %s", want, out.String(), errb.String())
		}
		time.Sleep(10 * time.Millisecond) // output of another goroutine
	}
	return &out, stop
}

func genesysCmd(ctx context.Context, args []string, out, errb *syncBuffer) int {
	return runGenesys(ctx, args, out, errb)
}

var baseURLLine = regexp.MustCompile(`(?m)^base_url: (http://127\.0\.0\.1:\d+)$`)

// TestGenesysCommand runs the Genesys simulator, logs in with the client
// it prints, reads the users, places a scripted call and stops it.
func TestGenesysCommand(t *testing.T) {
	out, stop := startCommand(t, genesysCmd, []string{"--listen", "127.0.0.1:0", "--users", "7", "--token-life", "90s",
		"--client-id", "cid", "--client-secret", "sec", "--log-level", "warn"}, "a scripted call")
	m := baseURLLine.FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("no base_url line:\n%s", out.String())
	}
	base := m[1]
	for _, want := range []string{"client_id: cid\n", "client_secret: sec\n", "7 users, tokens live 1m30s",
		"--genesys-url " + base, "base_url: " + base + ", client_id: cid"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	req, _ := http.NewRequest(http.MethodPost, base+"/oauth/token", strings.NewReader(url.Values{"grant_type": {"client_credentials"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth("cid", "sec")
	var tok struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int    `json:"expires_in"`
	}
	if code := doJSON(t, req, &tok); code != http.StatusOK || tok.AccessToken == "" || tok.ExpiresIn != 90 {
		t.Fatalf("token: %d %+v", code, tok)
	}
	req, _ = http.NewRequest(http.MethodGet, base+"/api/v2/users?pageSize=5", nil)
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	var users struct {
		Entities []struct {
			ID string `json:"id"`
		} `json:"entities"`
		Total   int    `json:"total"`
		NextURI string `json:"nextUri"`
	}
	if code := doJSON(t, req, &users); code != http.StatusOK || len(users.Entities) != 5 || users.Total != 7 || users.NextURI == "" {
		t.Errorf("users: %d %+v", code, users)
	}
	req, _ = http.NewRequest(http.MethodPost, base+"/sim/calls/inbound", strings.NewReader(`{"agent":"1","ucid":"004762C169FA480C"}`))
	var call struct {
		ConversationID string `json:"conversation_id"`
		UCID           string `json:"ucid"`
	}
	if code := doJSON(t, req, &call); code != http.StatusOK || call.UCID != "004762C169FA480C" || call.ConversationID == "" {
		t.Errorf("scripted call: %d %+v", code, call)
	}
	if code := stop(); code != exitOK {
		t.Fatalf("exit %d", code)
	}
	if !strings.Contains(out.String(), "# served 1 tokens") {
		t.Errorf("no closing summary:\n%s", out.String())
	}
}

// TestCloudCommandGenesys: the cloud simulator's tracker follows the
// Genesys simulator and prints a line for each event it forwards.
func TestCloudCommandGenesys(t *testing.T) {
	out, _ := startCommand(t, genesysCmd, []string{"--listen", "127.0.0.1:0", "--users", "2", "--log-level", "warn"}, "a scripted call")
	base := baseURLLine.FindStringSubmatch(out.String())[1]
	edge, err := tunnel.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cloudOut, stop := startCommand(t, func(ctx context.Context, args []string, o, e *syncBuffer) int { return runCloud(ctx, args, o, e) },
		[]string{"--key-file", filepath.Join(dir, "cloud.key"), "--peer-key", tunnel.PublicKey(edge).String(),
			"--listen-udp", "127.0.0.1:0", "--api", "127.0.0.1:0", "--log-level", "warn", "--ingest-dir", "",
			"--genesys-url", base}, "control_url:")
	if want := "# Genesys CTI tracker: token " + base + "/oauth/token, API " + base; !strings.Contains(cloudOut.String(), want) {
		t.Errorf("output lacks %q:\n%s", want, cloudOut.String())
	}
	api := regexp.MustCompile(`API (http://127\.0\.0\.1:\d+)`).FindStringSubmatch(cloudOut.String())[1]
	deadline := time.Now().Add(10 * time.Second)
	for { // the tracker subscribes to both agents
		req, _ := http.NewRequest(http.MethodGet, api+"/v1/genesys", nil)
		var st struct {
			Status struct {
				Channels []struct {
					Topics    int  `json:"topics"`
					Connected bool `json:"connected"`
				} `json:"channels"`
			} `json:"status"`
		}
		if doJSON(t, req, &st) == http.StatusOK && len(st.Status.Channels) == 1 && st.Status.Channels[0].Topics == 2 && st.Status.Channels[0].Connected {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the tracker never followed the agents: %+v", st)
		}
		time.Sleep(20 * time.Millisecond) // the tracker subscribes on its own goroutine
	}
	req, _ := http.NewRequest(http.MethodPost, base+"/sim/calls/inbound", strings.NewReader(`{"agent":"0","ucid":"004762C169FA480C"}`))
	doJSON(t, req, nil)
	want := "cti start inbound conversation="
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(cloudOut.String(), want); {
		if time.Now().After(deadline) {
			t.Fatalf("no %q line:\n%s", want, cloudOut.String())
		}
		time.Sleep(10 * time.Millisecond) // output of another goroutine
	}
	if !strings.Contains(cloudOut.String(), "ucid=004762C169FA480C") || !strings.Contains(cloudOut.String(), "no appliance connected") {
		t.Errorf("forward line:\n%s", cloudOut.String())
	}
	if code := stop(); code != exitOK {
		t.Fatalf("cloud exit %d", code)
	}
}

func TestGenesysFlags(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	tests := map[string]struct {
		args []string
		code int
		msg  string
	}{
		"help":          {[]string{"-h"}, exitOK, ""},
		"extra arg":     {[]string{"now"}, exitUsage, "unexpected"},
		"not loopback":  {[]string{"--listen", "0.0.0.0:8081"}, exitUsage, "loopback"},
		"no users":      {[]string{"--users", "0"}, exitUsage, "--users"},
		"token life":    {[]string{"--token-life", "0s"}, exitUsage, "--token-life"},
		"short token":   {[]string{"--token-life", "10ms"}, exitUsage, "token life"},
		"no secret":     {[]string{"--client-secret", ""}, exitUsage, "client id and secret"},
		"bad log level": {[]string{"--log-level", "loud"}, exitUsage, ""},
		"max topics":    {[]string{"--max-topics", "0"}, exitUsage, "--max-topics"},
		"port in use":   {[]string{"--listen", busy.Addr().String()}, exitRuntime, "listen"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			var out, errb syncBuffer
			code := runGenesys(t.Context(), tt.args, &out, &errb)
			if code != tt.code || !strings.Contains(errb.String(), tt.msg) {
				t.Errorf("exit %d (want %d), stderr %q (want %q)", code, tt.code, errb.String(), tt.msg)
			}
		})
	}
	code, out, _ := runCLI("help", "genesys")
	if code != exitOK || !strings.Contains(out, "-token-life") || !strings.Contains(out, "/sim/calls/inbound") {
		t.Errorf("help genesys: %d %s", code, out)
	}
}

// doJSON does req and decodes a JSON answer into v (nil: none).
func doJSON(t *testing.T, req *http.Request, v any) int {
	t.Helper()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer res.Body.Close()
	if v != nil {
		_ = json.NewDecoder(res.Body).Decode(v)
	}
	return res.StatusCode
}
