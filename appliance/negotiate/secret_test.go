package negotiate

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

// TestKeysNeverPrinted prints and logs every value that holds a key, in
// every way a developer might, and looks for the key in any encoding.
func TestKeysNeverPrinted(t *testing.T) {
	_, sess := established(t, "srtp-oracle.sdp", SRTPAllow)
	offer := mustParse(t, sample(t, "srtp-oracle.sdp"))
	plan := NewPlan(offer, SRTPAllow)
	pending, err := sess.Offer(RecvOnly, false)
	if err != nil {
		t.Fatal(err)
	}
	st := sess.Streams()
	var secrets [][]byte
	for _, s := range st {
		secrets = append(secrets, s.RemoteKey.Key, s.RemoteKey.Salt, s.LocalKey.Key, s.LocalKey.Salt)
	}

	values := map[string]any{
		"offer": offer, "media": offer.Media[0], "plan": plan, "streams": st, "stream": st[0],
		"session": sess, "session value": *sess, "pending": pending, "pending value": *pending,
		"key": st[0].LocalKey, "secret": st[0].LocalKey.Key,
	}
	var out bytes.Buffer
	for name, v := range values {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%x", "%X", "%q", "%d"} {
			fmt.Fprintf(&out, "%s %s: "+verb+"\n", name, verb, v)
		}
		if b, err := json.Marshal(v); err == nil {
			out.Write(b)
		}
		slog.New(slog.NewJSONHandler(&out, nil)).Info("x", "v", v)
		slog.New(slog.NewTextHandler(&out, nil)).Info("x", "v", v)
	}
	text := out.String()
	for _, s := range secrets {
		for _, enc := range []string{
			base64.StdEncoding.EncodeToString(s), base64.RawStdEncoding.EncodeToString(s),
			hex.EncodeToString(s), strings.ToUpper(hex.EncodeToString(s)),
			strings.Trim(fmt.Sprint([]byte(s)), "[]"), fmt.Sprintf("%#v", []byte(s)), string(s),
		} {
			if len(enc) > 6 && strings.Contains(text, enc) {
				i := strings.Index(text, enc)
				t.Fatalf("key material leaked as %q in: ...%s...", enc, text[max(0, i-300):min(len(text), i+100)])
			}
		}
	}
	if !strings.Contains(text, "[redacted]") {
		t.Fatal("no redaction marker; the test prints nothing useful")
	}
	// The keys themselves are intact for the media layer.
	if len(st[0].RemoteKey.Key) != 16 || len(st[1].RemoteKey.Key) != 32 {
		t.Fatal("key lengths")
	}
}

func TestLabelsForMetricsAndJSON(t *testing.T) {
	want := map[Reason]string{
		ReasonNone: "", ReasonDisabled: "disabled", ReasonNotAudio: "not_audio", ReasonProto: "unsupported_proto",
		ReasonNoCodec: "no_codec", ReasonSRTPRequired: "srtp_required", ReasonSRTPOff: "srtp_off",
		ReasonNoCrypto: "no_crypto", Reason(99): "unknown",
	}
	for r, s := range want {
		if r.String() != s {
			t.Errorf("Reason(%d) = %q, want %q", r, r.String(), s)
		}
	}
	if SRTPPolicy(9).String() != "SRTPPolicy(9)" || (SRTPKey{}).String() != "none" || Secret("k").String() != "[redacted]" {
		t.Error("String of odd values")
	}
	plan := NewPlan(mustParse(t, sample(t, "t38-video.sdp")), SRTPAllow)
	b, err := json.Marshal(plan.Streams[3])
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"Reason":"no_codec"`) || !strings.Contains(string(b), `"RemoteDirection":"sendonly"`) {
		t.Errorf("JSON %s", b)
	}
	if plan.Offer() == nil || !strings.Contains(plan.String(), "1/4 accepted") {
		t.Errorf("plan %v", plan)
	}
}
