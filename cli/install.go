package cli

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

const installUsage = `confighash install: copy this confighash binary into a directory

Usage:
  confighash install DIR

Copies the running executable to DIR/confighash (mode 0755), for a program
that runs confighash from a directory of its own. The image has no shell
and no cp, so this is how an init container puts confighash where another
container finds it: Argo CD's repo-server, which runs kustomize, which runs
confighash as an exec function:

  initContainers:
  - name: install-confighash
    image: ghcr.io/your-org/confighash:v0.1.0
    command: [/usr/local/bin/confighash, install, /custom-tools]
    volumeMounts: [{name: custom-tools, mountPath: /custom-tools}]

DIR must exist (an emptyDir volume). The copy is written to a temporary file
in DIR and renamed over DIR/confighash, so a program never runs a half
written binary, and an older copy is replaced. Exit code 0, or 1 when the
copy cannot be written.
`

// runInstall copies the running executable into a directory.
func runInstall(args []string, s Streams, _ func(string) string) error {
	fs, help := helpFlags("install")
	dirs, done, err := parseSubcommand(fs, help, installUsage, args, s.Out)
	if err != nil || done {
		return err
	}
	if len(dirs) != 1 {
		return fmt.Errorf("install takes one directory, got %d (see confighash install --help)", len(dirs))
	}
	self, err := os.Executable()
	if err != nil {
		return fmt.Errorf("install: finding this executable: %w", err)
	}
	target, err := installBinary(self, dirs[0])
	if err != nil {
		return fmt.Errorf("install: %w", err)
	}
	fmt.Fprintf(s.Out, "installed %s\n", target)
	return nil
}

// installBinary copies the file at from to dir/confighash, mode 0755,
// through a temporary file in dir and a rename, and returns the path.
func installBinary(from, dir string) (string, error) {
	info, err := os.Stat(dir)
	if err != nil {
		return "", err
	}
	if !info.IsDir() {
		return "", fmt.Errorf("%s is not a directory", dir)
	}
	target := filepath.Join(dir, "confighash")
	src, err := os.Open(from)
	if err != nil {
		return "", err
	}
	defer src.Close()
	tmp, err := os.CreateTemp(dir, ".confighash-install-*")
	if err != nil {
		return "", err
	}
	done := false
	defer func() {
		if !done {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err := io.Copy(tmp, src); err != nil {
		return "", fmt.Errorf("writing %s: %w", tmp.Name(), err)
	}
	// CreateTemp makes the file 0600; Chmod is not subject to the umask.
	if err := tmp.Chmod(0o755); err != nil {
		return "", err
	}
	if err := tmp.Sync(); err != nil {
		return "", fmt.Errorf("writing %s: %w", tmp.Name(), err)
	}
	if err := tmp.Close(); err != nil {
		return "", fmt.Errorf("writing %s: %w", tmp.Name(), err)
	}
	if err := os.Rename(tmp.Name(), target); err != nil {
		return "", err
	}
	done = true
	return target, nil
}

// helpFlags is the flag set of a subcommand that takes no option: --help.
func helpFlags(name string) (*flag.FlagSet, *bool) {
	fs := flag.NewFlagSet("confighash "+name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	help := fs.Bool("help", false, "show this help")
	fs.BoolVar(help, "h", false, "show this help")
	return fs, help
}
