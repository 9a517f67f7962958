package genesys

import (
	"encoding/json"
	"os"
	"testing"
	"time"

	"github.com/cogito/cogito-edge/appliance/cti"
)

// Ids used across the tests.
const (
	convA  = "5f1d2c3b-0a9e-4d8f-9b7a-6c5e4d3c2b1a"
	agent1 = "8b1c2a9e-1d2f-4a3b-9c8d-7e6f5a4b3c2d"
	agent2 = "9c2d3b0f-2e3a-4b4c-8d9e-8f7a6b5c4d3e"
	asai   = "04FA08004762C169FA480CC8143030303731323532383131373738303130313234"
	ucidA  = "004762C169FA480C"
)

// jp is a participant of a test conversation event, in the event's JSON.
type jp struct {
	ID         string            `json:"id"`
	Purpose    string            `json:"purpose"`
	UserID     string            `json:"userId,omitempty"`
	Monitored  string            `json:"monitoredParticipantId,omitempty"`
	Attributes map[string]string `json:"attributes,omitempty"`
	Calls      []jc              `json:"calls"`
}

// jc is a call of a test participant.
type jc struct {
	State         string `json:"state"`
	Held          bool   `json:"held"`
	Direction     string `json:"direction,omitempty"`
	UUIData       string `json:"uuiData,omitempty"`
	ConnectedTime string `json:"connectedTime,omitempty"`
	StartHoldTime string `json:"startHoldTime,omitempty"`
	Disconnected  string `json:"disconnectedTime,omitempty"`
}

// event encodes a v2.users.{id}.conversations notification.
func event(t testing.TB, conv string, parts ...jp) []byte {
	t.Helper()
	b, err := json.Marshal(map[string]any{
		"topicName": userTopic(agent1),
		"version":   "2",
		"eventBody": map[string]any{"id": conv, "participants": parts, "recordingState": "none"},
		"metadata":  map[string]string{"CorrelationId": "x"},
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// snap decodes an event into its snapshot.
func snap(t testing.TB, b []byte) *snapshot {
	t.Helper()
	n, err := decodeNotification(b)
	if err != nil {
		t.Fatal(err)
	}
	if n.kind != kindConversation {
		t.Fatalf("kind %v, want conversation", n.kind)
	}
	return &n.conv
}

// Participants of the scripted calls.
func customer(state, uui string) jp {
	return jp{ID: "p-cust", Purpose: "customer", Calls: []jc{{State: state, Direction: "inbound", UUIData: uui}}}
}

func agentLeg(pid, user, state string, held bool, dir string) jp {
	return jp{ID: pid, Purpose: "agent", UserID: user, Calls: []jc{{State: state, Held: held, Direction: dir}}}
}

// fixedNow is the mapper's clock in the tests.
var fixedNow = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

func newTestMapper(attr string) *mapper { return newMapper(attr, func() time.Time { return fixedNow }) }

// brief is an event without its time, for comparisons.
type brief struct {
	Type      cti.Type
	Conv      string
	UCID      string
	UUI       string
	Agent     string
	Direction cti.Direction
}

func briefs(evs []cti.Event) []brief {
	out := make([]brief, len(evs))
	for i, e := range evs {
		out[i] = brief{e.Type, e.ConversationID, e.UCID, e.UUI, e.AgentID, e.Direction}
	}
	return out
}

func readFile(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }
