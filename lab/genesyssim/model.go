package genesyssim

import "time"

// The JSON Genesys sends: the v2.users.{id}.conversations event body
// (ConversationEventTopicConversation: participants with calls[]) and the
// call read, GET /api/v2/conversations/calls/{id} (CallConversation:
// participants carrying their call's state). Fields are those of the
// models, trimmed to a realistic set; empty ones are left out as Genesys
// does.

// timeFormat is Genesys's timestamp: ISO-8601, milliseconds, UTC.
const timeFormat = "2006-01-02T15:04:05.000Z"

func stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(timeFormat)
}

type evAddress struct {
	AddressNormalized string `json:"addressNormalized,omitempty"`
	AddressRaw        string `json:"addressRaw,omitempty"`
}

type evCall struct {
	ID                    string     `json:"id"`
	State                 string     `json:"state"`
	InitialState          string     `json:"initialState"`
	Recording             bool       `json:"recording"`
	RecordingState        string     `json:"recordingState"`
	Muted                 bool       `json:"muted"`
	Confined              bool       `json:"confined"`
	Held                  bool       `json:"held"`
	SecurePause           bool       `json:"securePause"`
	DisconnectType        string     `json:"disconnectType,omitempty"`
	StartHoldTime         string     `json:"startHoldTime,omitempty"`
	Direction             string     `json:"direction"`
	Self                  *evAddress `json:"self,omitempty"`
	Other                 *evAddress `json:"other,omitempty"`
	Provider              string     `json:"provider"`
	PeerID                string     `json:"peerId,omitempty"`
	ConnectedTime         string     `json:"connectedTime,omitempty"`
	DisconnectedTime      string     `json:"disconnectedTime,omitempty"`
	DisconnectReasons     []any      `json:"disconnectReasons"`
	UUIData               string     `json:"uuiData,omitempty"`
	AfterCallWorkRequired bool       `json:"afterCallWorkRequired"`
}

type evParticipant struct {
	ID             string            `json:"id"`
	ConnectedTime  string            `json:"connectedTime,omitempty"`
	EndTime        string            `json:"endTime,omitempty"`
	UserID         string            `json:"userId,omitempty"`
	Name           string            `json:"name,omitempty"`
	QueueID        string            `json:"queueId,omitempty"`
	Purpose        string            `json:"purpose"`
	Address        string            `json:"address,omitempty"`
	WrapupRequired bool              `json:"wrapupRequired"`
	WrapupExpected bool              `json:"wrapupExpected"`
	MediaRoles     []string          `json:"mediaRoles,omitempty"`
	Attributes     map[string]string `json:"attributes"`
	Calls          []evCall          `json:"calls"`
}

type evDivision struct {
	Division struct {
		ID string `json:"id"`
	} `json:"division"`
	Entities []any `json:"entities"`
}

type evConversation struct {
	ID              string          `json:"id"`
	MaxParticipants int             `json:"maxParticipants"`
	Participants    []evParticipant `json:"participants"`
	RecordingState  string          `json:"recordingState"`
	Address         string          `json:"address,omitempty"`
	Divisions       []evDivision    `json:"divisions"`
}

// envelope is one notification on a socket.
type envelope struct {
	TopicName string            `json:"topicName"`
	Version   string            `json:"version"`
	EventBody any               `json:"eventBody"`
	Metadata  map[string]string `json:"metadata"`
}

type entityRef struct {
	ID      string `json:"id"`
	SelfURI string `json:"selfUri,omitempty"`
}

type rsParticipant struct {
	ID             string            `json:"id"`
	Name           string            `json:"name,omitempty"`
	Address        string            `json:"address,omitempty"`
	StartTime      string            `json:"startTime,omitempty"`
	ConnectedTime  string            `json:"connectedTime,omitempty"`
	EndTime        string            `json:"endTime,omitempty"`
	StartHoldTime  string            `json:"startHoldTime,omitempty"`
	Purpose        string            `json:"purpose"`
	State          string            `json:"state"`
	Direction      string            `json:"direction"`
	DisconnectType string            `json:"disconnectType,omitempty"`
	Held           bool              `json:"held"`
	WrapupRequired bool              `json:"wrapupRequired"`
	User           *entityRef        `json:"user,omitempty"`
	Queue          *entityRef        `json:"queue,omitempty"`
	Attributes     map[string]string `json:"attributes"`
	Provider       string            `json:"provider"`
	Muted          bool              `json:"muted"`
	Confined       bool              `json:"confined"`
	Recording      bool              `json:"recording"`
	RecordingState string            `json:"recordingState"`
	Ani            string            `json:"ani,omitempty"`
	Dnis           string            `json:"dnis,omitempty"`
	UUIData        string            `json:"uuiData,omitempty"`
	Peer           string            `json:"peer,omitempty"`
}

type rsConversation struct {
	ID             string          `json:"id"`
	Participants   []rsParticipant `json:"participants"`
	OtherMediaURIs []string        `json:"otherMediaUris"`
	RecordingState string          `json:"recordingState"`
	SelfURI        string          `json:"selfUri"`
}
