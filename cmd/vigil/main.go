// Command vigil is the Vigil hub and its admin CLI.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "0.1.0-dev"

const usage = `vigil — the Vigil monitoring hub

Usage:
  vigil serve [flags]                 run the hub (see vigil serve --help)
  vigil demo [--hosts N]              try it: this machine plus N simulated servers, read-only login
  vigil admin create --email E        create an owner; password from standard input
  vigil token create --email E --name N [--scope read|write] [--expires-days D]
  vigil host add --name N             register a server; prints its agent token and command
  vigil bench codec --input FILE.csv  judge the series codec on your own data
  vigil version

Every command takes --data DIR (default $VIGIL_DATA or ./data). On PostgreSQL, every command
also takes --database postgres://… [VIGIL_DATABASE] and --database-password-file FILE.
`

type command func(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, errUsage) {
			fmt.Fprintln(os.Stderr, "vigil:", err)
		}
		os.Exit(2)
	}
}

var errUsage = errors.New("usage")

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	commands := map[string]command{
		"serve":        runServe,
		"demo":         runDemo,
		"admin create": runAdminCreate,
		"token create": runTokenCreate,
		"host add":     runHostAdd,
		"bench codec":  runBenchCodec,
	}
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stdout, usage)
		return nil
	}
	if args[0] == "version" || args[0] == "--version" {
		fmt.Fprintln(stdout, "vigil", version)
		return nil
	}
	if cmd, ok := commands[args[0]]; ok {
		return cmd(ctx, args[1:], stdin, stdout, stderr)
	}
	if len(args) >= 2 {
		if cmd, ok := commands[args[0]+" "+args[1]]; ok {
			return cmd(ctx, args[2:], stdin, stdout, stderr)
		}
	}
	fmt.Fprintf(stderr, "vigil: unknown command %q\n\n%s", args[0], usage)
	return errUsage
}
