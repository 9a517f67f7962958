package edgeproc

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
)

// Package is the import path of the appliance's main package.
const Package = "github.com/cogito/cogito-edge/cmd/cogito-edge"

// ErrNoToolchain means Build found no go command: the environment cannot
// build, which tests report as a skip rather than a failure.
var ErrNoToolchain = errors.New("edgeproc: no go toolchain")

// Build compiles the appliance into dir/cogito-edge with the go command
// on PATH and returns the binary's path. It must run inside the module
// (tests do: their working directory is the package's).
func Build(ctx context.Context, dir string) (string, error) {
	gobin, err := exec.LookPath("go")
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrNoToolchain, err)
	}
	out := filepath.Join(dir, "cogito-edge")
	cmd := exec.CommandContext(ctx, gobin, "build", "-o", out, Package)
	var msg bytes.Buffer
	cmd.Stdout, cmd.Stderr = &msg, &msg
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("edgeproc: go build %s: %w\n%s", Package, err, msg.Bytes())
	}
	return out, nil
}
