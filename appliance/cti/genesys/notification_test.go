package genesys

import (
	"errors"
	"testing"
)

func TestDecodeNotification(t *testing.T) {
	tests := map[string]struct {
		in   string
		kind kind
		err  error
	}{
		"heartbeat":        {`{"topicName":"channel.metadata","eventBody":{"message":"WebSocket Heartbeat"}}`, kindHeartbeat, nil},
		"pong":             {`{"topicName":"channel.metadata","eventBody":{"message":"pong"}}`, kindPong, nil},
		"other metadata":   {`{"topicName":"channel.metadata","eventBody":{"message":"something new"}}`, kindMetadata, nil},
		"socket closing":   {`{"topicName":"v2.system.socket_closing","version":"2","eventBody":{"message":"closing","channelId":"streaming-0-x"}}`, kindClosing, nil},
		"channel gone":     {`{"result":"404","status":"error","message":"channel not found"}`, kindGone, nil},
		"channel gone num": {`{"result":404}`, kindGone, nil},
		"subscribed ack":   {`{"result":"200","status":"subscribed"}`, kindOther, nil},
		"calls topic":      {`{"topicName":"v2.users.u1.conversations.calls","eventBody":{"id":"x"}}`, kindOther, nil},
		"unknown topic":    {`{"topicName":"v2.users.u1.presence","eventBody":{}}`, kindOther, nil},
		"conversation":     {`{"topicName":"v2.users.u1.conversations","eventBody":{"id":"c1","participants":[],"extra":{"a":1}}}`, kindConversation, nil},
		"conversation bad": {`{"topicName":"v2.users.u1.conversations","eventBody":{"participants":[]}}`, 0, ErrMalformed},
		"conversation type": {`{"topicName":"v2.users.u1.conversations","eventBody":{"id":"c1","participants":[{"calls":[{"held":"yes"}]}]}}`,
			0, ErrMalformed},
		"not json": {`WebSocket Heartbeat`, 0, ErrMalformed},
		"non-string attributes": {`{"topicName":"v2.users.u1.conversations","eventBody":{"id":"c1","participants":[{"purpose":"customer","attributes":{"n":3,"ASAIUUI":"04FA08"}}]}}`,
			kindConversation, nil},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			n, err := decodeNotification([]byte(tt.in))
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("err = %v, want %v", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if n.kind != tt.kind {
				t.Fatalf("kind = %v, want %v", n.kind, tt.kind)
			}
		})
	}
}

func TestDecodeRealisticEvent(t *testing.T) {
	n, err := decodeNotification(readFile(t, "event_inbound.json"))
	if err != nil {
		t.Fatal(err)
	}
	s := n.conv
	if n.kind != kindConversation || s.ID != convA || len(s.Parties) != 3 {
		t.Fatalf("decoded %+v", n)
	}
	cust, acd, ag := s.Parties[0], s.Parties[1], s.Parties[2]
	if cust.Purpose != "customer" || cust.Calls[0].UUI != asai || cust.Attrs["ASAIUUI"] != asai {
		t.Fatalf("customer %+v", cust)
	}
	if acd.Purpose != "acd" || acd.Calls[0].State != "disconnected" || acd.Calls[0].Ended.IsZero() {
		t.Fatalf("acd %+v", acd)
	}
	if ag.UserID != agent1 || ag.Calls[0].State != "connected" || ag.Calls[0].Direction != "inbound" || ag.Calls[0].Connected.IsZero() {
		t.Fatalf("agent %+v", ag)
	}
}

func TestUserTopic(t *testing.T) {
	for topic, want := range map[string]bool{
		userTopic(agent1):                   true,
		"v2.users..conversations":           false,
		"v2.users.a.b.conversations":        false,
		"v2.users.a.conversations.calls":    false,
		"v2.routing.queues.q.conversations": false,
	} {
		if got := isUserConversationsTopic(topic); got != want {
			t.Errorf("%s: %v", topic, got)
		}
	}
}
