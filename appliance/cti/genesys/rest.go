package genesys

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// maxResponseSize bounds a response body (a users page of 500 is ~1 MiB).
const maxResponseSize = 32 << 20

// APIError is a Platform API request that Genesys answered with an error
// status. It wraps the sentinel of its status class (ErrNotFound,
// ErrForbidden, ErrRateLimited, ErrUnauthorized, ErrUnavailable or
// ErrRequest).
type APIError struct {
	// Op names the request, such as "PUT subscriptions".
	Op string
	// Status is the HTTP status.
	Status int
	// Code and Message are Genesys's error body fields, when it sent one.
	Code    string
	Message string
}

func (e *APIError) Error() string {
	s := fmt.Sprintf("genesys: %s: HTTP %d", e.Op, e.Status)
	if e.Code != "" {
		s += " " + e.Code
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

// Unwrap returns the sentinel of the status class.
func (e *APIError) Unwrap() error {
	switch {
	case e.Status == http.StatusUnauthorized:
		return ErrUnauthorized
	case e.Status == http.StatusForbidden:
		return ErrForbidden
	case e.Status == http.StatusNotFound || e.Status == http.StatusGone:
		return ErrNotFound
	case e.Status == http.StatusTooManyRequests:
		return ErrRateLimited
	case e.Status >= 500:
		return ErrUnavailable
	}
	return ErrRequest
}

// apiClient makes Platform API requests: bearer token, JSON in and out,
// retries. 429 waits for Retry-After (capped at MaxRetryAfter); 5xx and
// network errors back off; 401 drops the token and tries once more with a
// fresh one. Other errors return at once as an *APIError.
type apiClient struct {
	base *url.URL
	http *http.Client
	tok  *tokenCache
	cfg  *Config
	log  *slog.Logger
	m    *Metrics
}

// errorBody is Genesys's error JSON; only the fields we show.
type errorBody struct {
	Message string `json:"message"`
	Code    string `json:"code"`
}

// do sends method ref (a path such as /api/v2/users, or a nextUri) with in
// as its JSON body (nil: none) and decodes the response into out (nil:
// discarded).
func (c *apiClient) do(ctx context.Context, op, method, ref string, in, out any) error {
	u, err := c.resolve(ref)
	if err != nil {
		return fmt.Errorf("genesys: %s: %w", op, err)
	}
	var body []byte
	if in != nil {
		if body, err = json.Marshal(in); err != nil {
			return fmt.Errorf("genesys: %s: %w", op, err)
		}
	}
	var (
		last       error
		refreshed  bool
		transients int
	)
	for attempt := 0; attempt < c.cfg.MaxAttempts; attempt++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		tok, err := c.tok.token(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			var ae *authError
			if errors.As(err, &ae) && ae.permanent() {
				return err
			}
			last = err
			c.log.Warn("genesys: no OAuth token; retrying", "op", op, "err", err)
			if !sleep(ctx, backoff(transients, c.cfg.MinBackoff, c.cfg.MaxBackoff)) {
				return ctx.Err()
			}
			transients++
			continue
		}
		resp, err := c.send(ctx, method, u, tok, body)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			c.m.requests.WithLabelValues(op, "error").Inc()
			last = fmt.Errorf("%w: %s: %w", ErrUnavailable, op, err)
			if !sleep(ctx, backoff(transients, c.cfg.MinBackoff, c.cfg.MaxBackoff)) {
				return ctx.Err()
			}
			transients++
			continue
		}
		c.m.requests.WithLabelValues(op, strconv.Itoa(resp.StatusCode)).Inc()
		if resp.StatusCode >= 200 && resp.StatusCode < 300 {
			return decodeBody(resp, op, out)
		}
		apiErr := readError(resp, op)
		last = apiErr
		switch {
		case resp.StatusCode == http.StatusUnauthorized && !refreshed:
			// Revoked, or expired before our margin: one more try with a
			// new token, at once.
			c.tok.invalidate(tok)
			refreshed = true
			c.log.Info("genesys: token refused (401); getting a new one", "op", op)
			continue
		case resp.StatusCode == http.StatusUnauthorized:
			c.tok.invalidate(tok)
			if !sleep(ctx, backoff(transients, c.cfg.MinBackoff, c.cfg.MaxBackoff)) {
				return ctx.Err()
			}
			transients++
		case resp.StatusCode == http.StatusTooManyRequests:
			c.m.rateLimited.Inc()
			wait, ok := retryAfter(resp.Header.Get("Retry-After"), time.Now())
			if !ok {
				wait = backoff(transients, c.cfg.MinBackoff, c.cfg.MaxBackoff)
				transients++
			}
			wait = min(wait, c.cfg.MaxRetryAfter)
			c.log.Warn("genesys: rate limited (429); waiting as Genesys asks", "op", op, "retry_after", wait)
			if !sleep(ctx, wait) {
				return ctx.Err()
			}
		case resp.StatusCode >= 500 && resp.StatusCode != http.StatusNotImplemented:
			wait, ok := retryAfter(resp.Header.Get("Retry-After"), time.Now())
			if !ok {
				wait = backoff(transients, c.cfg.MinBackoff, c.cfg.MaxBackoff)
			}
			transients++
			c.log.Debug("genesys: server error; retrying", "op", op, "status", resp.StatusCode, "retry_in", wait)
			if !sleep(ctx, min(wait, c.cfg.MaxRetryAfter)) {
				return ctx.Err()
			}
		default:
			return apiErr
		}
	}
	return last
}

// send makes one request.
func (c *apiClient) send(ctx context.Context, method string, u *url.URL, tok string, body []byte) (*http.Response, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), rd)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.cfg.UserAgent)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return c.http.Do(req)
}

// resolve makes ref absolute against the API base. A nextUri may be
// relative or absolute; an absolute one must stay on the API host, so that
// the token never goes elsewhere.
func (c *apiClient) resolve(ref string) (*url.URL, error) {
	r, err := url.Parse(ref)
	if err != nil {
		return nil, fmt.Errorf("%w: URI %q: %w", ErrMalformed, ref, err)
	}
	u := c.base.ResolveReference(r)
	if u.Scheme != c.base.Scheme || u.Host != c.base.Host {
		return nil, fmt.Errorf("%w: URI %q leaves the API host %s", ErrMalformed, ref, c.base.Host)
	}
	return u, nil
}

// decodeBody reads a 2xx response into out.
func decodeBody(resp *http.Response, op string, out any) error {
	defer resp.Body.Close()
	if out == nil || resp.StatusCode == http.StatusNoContent {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxResponseSize))
		return nil
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseSize+1))
	if err != nil {
		return fmt.Errorf("%w: %s: reading the response: %w", ErrUnavailable, op, err)
	}
	if len(b) > maxResponseSize {
		return fmt.Errorf("%w: %s: response over %d bytes", ErrMalformed, op, maxResponseSize)
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("%w: %s: %w", ErrMalformed, op, err)
	}
	return nil
}

// readError consumes an error response into an *APIError.
func readError(resp *http.Response, op string) *APIError {
	defer resp.Body.Close()
	e := &APIError{Op: op, Status: resp.StatusCode}
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	var eb errorBody
	if json.Unmarshal(b, &eb) == nil {
		e.Code, e.Message = eb.Code, eb.Message
	}
	return e
}
