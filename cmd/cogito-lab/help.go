package main

import (
	"context"
	"fmt"
	"io"
)

// runHelp prints a command's flags: help <command>.
func runHelp(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stdout)
		return exitOK
	}
	for _, c := range commands() {
		if c.name == args[0] && c.name != "help" {
			return c.run(ctx, []string{"-h"}, stdout, stdout)
		}
	}
	fmt.Fprintf(stderr, "cogito-lab help: unknown command %q\n", args[0])
	return exitUsage
}
