package genesys

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// Topics and messages of the Notification Service WebSocket.
const (
	topicMetadata      = "channel.metadata"
	topicSocketClosing = "v2.system.socket_closing"
	heartbeatMessage   = "WebSocket Heartbeat"
	pongMessage        = "pong"
)

// pingMessage is the keepalive the client sends; Genesys answers with a
// channel.metadata message whose eventBody.message is "pong".
var pingMessage = []byte(`{"message":"ping"}`)

// userTopic is the topic of one agent's conversations. It is the one that
// carries calls[].uuiData; v2.users.{id}.conversations.calls does not.
func userTopic(userID string) string { return "v2.users." + userID + ".conversations" }

// kind is what a WebSocket message is.
type kind int

const (
	kindOther        kind = iota // subscription acks, topics we do not follow
	kindHeartbeat                // channel.metadata "WebSocket Heartbeat"
	kindPong                     // channel.metadata "pong"
	kindMetadata                 // any other channel.metadata
	kindClosing                  // v2.system.socket_closing: reconnect
	kindGone                     // {"result":"404"}: the channel no longer exists
	kindConversation             // v2.users.{id}.conversations
)

// notification is one decoded WebSocket message.
type notification struct {
	kind  kind
	topic string
	conv  snapshot // kindConversation
}

// envelope is a WebSocket message: a notification, or the reply to a
// message the client sent.
type envelope struct {
	TopicName string          `json:"topicName"`
	EventBody json.RawMessage `json:"eventBody"`
	Result    json.RawMessage `json:"result"`
}

// decodeNotification reads one WebSocket message. Unknown topics and
// messages are kindOther, not errors; only a body that is not JSON, or a
// conversation event that does not decode, is ErrMalformed.
func decodeNotification(b []byte) (notification, error) {
	var env envelope
	if err := json.Unmarshal(b, &env); err != nil {
		return notification{}, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	n := notification{topic: env.TopicName}
	switch {
	case env.TopicName == topicMetadata:
		var body struct {
			Message string `json:"message"`
		}
		_ = json.Unmarshal(env.EventBody, &body)
		switch body.Message {
		case heartbeatMessage:
			n.kind = kindHeartbeat
		case pongMessage:
			n.kind = kindPong
		default:
			n.kind = kindMetadata
		}
	case env.TopicName == topicSocketClosing:
		n.kind = kindClosing
	case isUserConversationsTopic(env.TopicName):
		s, err := decodeConversation(env.EventBody)
		if err != nil {
			return n, err
		}
		n.kind, n.conv = kindConversation, s
	case env.TopicName == "" && resultCode(env.Result) == "404":
		n.kind = kindGone
	default:
		n.kind = kindOther
	}
	return n, nil
}

// isUserConversationsTopic matches v2.users.{id}.conversations exactly.
func isUserConversationsTopic(t string) bool {
	id, ok := strings.CutPrefix(t, "v2.users.")
	if !ok {
		return false
	}
	id, ok = strings.CutSuffix(id, ".conversations")
	return ok && id != "" && !strings.Contains(id, ".")
}

// resultCode reads "result", a string or a number.
func resultCode(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return string(raw)
}
