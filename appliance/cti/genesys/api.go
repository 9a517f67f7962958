package genesys

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// The REST calls the tracker makes, and the fields it reads of each
// response; everything else in the JSON is ignored.

// channel is a notification channel (POST /api/v2/notifications/channels).
type channel struct {
	ID         string `json:"id"`
	ConnectURI string `json:"connectUri"`
	Expires    string `json:"expires"`
}

// expiry is when the channel expires; zero when Genesys did not say.
func (ch channel) expiry() time.Time { return parseTime(ch.Expires) }

// topicResult is one entity of a subscriptions response.
type topicResult struct {
	ID                 string   `json:"id"`
	State              string   `json:"state"` // Permitted, Rejected, OutdatedSdkVersion
	RejectionReason    string   `json:"rejectionReason"`
	MissingPermissions []string `json:"missingPermissions"`
}

// userPage is one page of GET /api/v2/users.
type userPage struct {
	Entities []struct {
		ID    string `json:"id"`
		State string `json:"state"`
	} `json:"entities"`
	PageNumber int    `json:"pageNumber"`
	PageCount  int    `json:"pageCount"`
	NextURI    string `json:"nextUri"`
}

// maxUserPages bounds one user listing (500 × 400 = 200,000 users).
const maxUserPages = 400

// listUsers reads every active user, following nextUri.
func (c *apiClient) listUsers(ctx context.Context) ([]string, error) {
	q := url.Values{"pageSize": {strconv.Itoa(c.cfg.PageSize)}, "pageNumber": {"1"}, "state": {"active"}}
	next := "/api/v2/users?" + q.Encode()
	var ids []string
	seen := make(map[string]bool)
	for page := 1; next != ""; page++ {
		if page > maxUserPages {
			return nil, fmt.Errorf("%w: GET users: more than %d pages", ErrMalformed, maxUserPages)
		}
		var p userPage
		if err := c.do(ctx, "GET users", http.MethodGet, next, nil, &p); err != nil {
			return nil, err
		}
		for _, u := range p.Entities {
			st := strings.ToLower(u.State)
			if u.ID == "" || seen[u.ID] || (st != "" && st != "active") {
				continue
			}
			seen[u.ID] = true
			ids = append(ids, u.ID)
		}
		next = p.NextURI
		if next == "" && p.PageCount > p.PageNumber && p.PageNumber > 0 && len(p.Entities) > 0 {
			// No nextUri but more pages announced: ask for the next one.
			q.Set("pageNumber", strconv.Itoa(p.PageNumber+1))
			next = "/api/v2/users?" + q.Encode()
		}
	}
	return ids, nil
}

// createChannel makes a new notification channel.
func (c *apiClient) createChannel(ctx context.Context) (channel, error) {
	var ch channel
	if err := c.do(ctx, "POST channels", http.MethodPost, "/api/v2/notifications/channels", nil, &ch); err != nil {
		return ch, err
	}
	if ch.ID == "" || ch.ConnectURI == "" {
		return ch, fmt.Errorf("%w: POST channels: no id or connectUri in the response", ErrMalformed)
	}
	u, err := url.Parse(ch.ConnectURI)
	if err != nil || (u.Scheme != "wss" && u.Scheme != "ws") || u.Host == "" {
		return ch, fmt.Errorf("%w: POST channels: connectUri %q is not a ws(s) URL", ErrMalformed, ch.ConnectURI)
	}
	return ch, nil
}

// putSubscriptions replaces the channel's topics. ignoreErrors=true makes
// Genesys answer a refused topic with state Rejected in the list instead
// of failing the whole request.
func (c *apiClient) putSubscriptions(ctx context.Context, id string, topics []string) ([]topicResult, error) {
	body := make([]struct {
		ID string `json:"id"`
	}, len(topics))
	for i, t := range topics {
		body[i].ID = t
	}
	var out struct {
		Entities []topicResult `json:"entities"`
	}
	ref := "/api/v2/notifications/channels/" + url.PathEscape(id) + "/subscriptions?ignoreErrors=true"
	if err := c.do(ctx, "PUT subscriptions", http.MethodPut, ref, body, &out); err != nil {
		return nil, err
	}
	return out.Entities, nil
}

// deleteSubscriptions empties a channel we are done with. There is no call
// that deletes a channel: one with no topics and no socket is the first
// Genesys evicts.
func (c *apiClient) deleteSubscriptions(ctx context.Context, id string) error {
	err := c.do(ctx, "DELETE subscriptions", http.MethodDelete,
		"/api/v2/notifications/channels/"+url.PathEscape(id)+"/subscriptions", nil, nil)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	return err
}

// channelExists asks whether a channel still exists (HEAD: 200 or 404).
func (c *apiClient) channelExists(ctx context.Context, id string) (bool, error) {
	err := c.do(ctx, "HEAD channel", http.MethodHead, "/api/v2/notifications/channels/"+url.PathEscape(id), nil, nil)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, ErrNotFound):
		return false, nil
	}
	return false, err
}

// getCall reads a call conversation as it is now.
func (c *apiClient) getCall(ctx context.Context, id string) (snapshot, error) {
	var raw callConversation
	if err := c.do(ctx, "GET call", http.MethodGet, "/api/v2/conversations/calls/"+url.PathEscape(id), nil, &raw); err != nil {
		return snapshot{}, err
	}
	return raw.snapshot(), nil
}
