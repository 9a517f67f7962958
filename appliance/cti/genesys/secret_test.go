package genesys

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/cogito/cogito-edge/appliance/cti"
)

// A rotated secret is taken only once the login service issues a token
// with it; a refused one leaves the running secret and token.
func TestSetClientSecret(t *testing.T) {
	f := newFakeGenesys(t, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	tr, err := New(Config{BaseURL: f.srv.URL, ClientID: "id", ClientSecret: "old", OnEvent: func(cti.Event) {}}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	steps := []struct {
		secret string
		err    error
		tokens int32 // issued so far
		cur    string
	}{
		{"secret", nil, 1, "secret"},    // the fake takes only "secret"
		{"secret", nil, 1, "secret"},    // the same again asks nothing
		{"wrong", ErrAuth, 1, "secret"}, // refused: the running one stays
		{"", ErrConfig, 1, "secret"},    // nothing to log in with
	}
	for i, st := range steps {
		err := tr.SetClientSecret(ctx, st.secret)
		if !errors.Is(err, st.err) || (st.err == nil) != (err == nil) {
			t.Fatalf("step %d (%q): err %v, want %v", i, st.secret, err, st.err)
		}
		if got := f.tokens.Load(); got != st.tokens {
			t.Fatalf("step %d: %d tokens issued, want %d", i, got, st.tokens)
		}
		if cur := tr.api.tok.cfg.ClientSecret; cur != st.cur {
			t.Fatalf("step %d: secret %q, want %q", i, cur, st.cur)
		}
	}
	// The token obtained with the new secret is the cached one; when
	// Genesys drops it, the next one comes with the new secret too.
	tok, err := tr.api.tok.token(ctx)
	if err != nil || tok != "tok-1" {
		t.Fatalf("token %q %v", tok, err)
	}
	tr.api.tok.invalidate(tok)
	if tok, err := tr.api.tok.token(ctx); err != nil || tok != "tok-2" {
		t.Fatalf("token after invalidate %q %v", tok, err)
	}
}
