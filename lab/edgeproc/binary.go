package edgeproc

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// Binary is cogito-edge built once for all the tests of one test binary.
// The zero value is ready; call Remove from TestMain after the tests.
type Binary struct {
	// Pattern names the temporary directory (os.MkdirTemp) it is built in.
	Pattern string

	once sync.Once
	path string
	err  error
}

// Path builds the binary the first time and returns its path; a machine
// with no Go toolchain skips the test, and -short skips it too.
func (b *Binary) Path(t testing.TB) string {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: not building and running cogito-edge")
	}
	b.once.Do(func() {
		dir, err := os.MkdirTemp("", b.Pattern)
		if err != nil {
			b.err = err
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		if b.path, b.err = Build(ctx, dir); b.err != nil {
			os.RemoveAll(dir)
		}
	})
	if errors.Is(b.err, ErrNoToolchain) {
		t.Skipf("cannot build cogito-edge here: %v", b.err)
	}
	if b.err != nil {
		t.Fatal(b.err)
	}
	return b.path
}

// Remove deletes what Path built, if anything.
func (b *Binary) Remove() {
	if b.path != "" {
		os.RemoveAll(filepath.Dir(b.path))
	}
}
