package genesyssim

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"time"
)

// handleToken is POST /oauth/token, the client credentials grant: the
// client id and secret in a Basic header (or, tolerated, in the form).
func (s *Sim) handleToken(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		writeOAuthError(w, http.StatusBadRequest, "invalid_request", "unreadable form")
		return
	}
	if gt := r.PostForm.Get("grant_type"); gt != "client_credentials" {
		writeOAuthError(w, http.StatusBadRequest, "unsupported_grant_type", "grant_type "+gt+" is not supported")
		return
	}
	id, secret, ok := r.BasicAuth()
	if !ok {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.faults.failTokens > 0 {
		s.faults.failTokens--
		s.stats.TokensRefused++
		http.Error(w, "login service unavailable", http.StatusServiceUnavailable)
		return
	}
	if subtle.ConstantTimeCompare([]byte(id), []byte(s.cfg.ClientID)) != 1 ||
		subtle.ConstantTimeCompare([]byte(secret), []byte(s.cfg.ClientSecret)) != 1 {
		s.stats.TokensRefused++
		writeOAuthError(w, http.StatusUnauthorized, "invalid_client", "client not found or bad secret")
		return
	}
	tok := newToken()
	s.tokens[tok] = time.Now().Add(s.cfg.TokenLife)
	s.stats.TokensIssued++
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token": tok,
		"token_type":   "bearer",
		"expires_in":   int(s.cfg.TokenLife / time.Second),
	})
}

// newToken returns a random opaque access token.
func newToken() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func writeOAuthError(w http.ResponseWriter, status int, code, desc string) {
	writeJSON(w, status, map[string]string{"error": code, "description": desc, "error_description": desc})
}
