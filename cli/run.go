package cli

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strings"

	"confighash.dev/confighash/internal/yamltext"
)

const runUsage = `confighash run: run a renderer and annotate what it writes

Usage:
  confighash run [flags] -- COMMAND [ARG...]
  confighash run [flags] FILE|DIR ...

The first form runs COMMAND, found on PATH and started without a shell, with
confighash's standard input; it reads all that COMMAND writes to standard
output and runs confighash on it with the flags, as
  COMMAND | confighash [flags]
does in a shell with pipefail. COMMAND's standard error passes through. The
second form reads the files, and the .yaml and .yml files of the directories
(recursively, in lexical order; directories whose name starts with "." are
left out), as one stream. Either way the result goes to standard output.

This is for programs that run a command without a shell, such as an Argo CD
Config Management Plugin's generate command in an image that has only
confighash and helm:

  command: [confighash, run, --namespace=$(ARGOCD_APP_NAMESPACE), --,
    helm, template, $(ARGOCD_APP_NAME), ., --namespace=$(ARGOCD_APP_NAMESPACE),
    --include-crds, $(ARGOCD_ENV_HELM_ARGS)]

References to environment variables in the arguments after run are
expanded once, on each side of the first -- apart, with the syntax of a
Kubernetes container's command:
  $(NAME)   the value of the variable NAME, "" when it is not set
  $$        a single $ (so $$(NAME) is the text $(NAME))
An argument that is exactly $(NAME) becomes the words of the value, split at
white space, and no argument at all when the value is empty or unset, as an
unquoted $NAME does in sh: $(ARGOCD_ENV_HELM_ARGS) may hold several helm
flags, or none. A reference within a longer argument (--namespace=$(NAME))
is replaced in place and the argument stays one. A value is never expanded
again.

Exit codes: 0 done; 1 when COMMAND cannot be started, exits with a non-zero
status, or writes no manifest, when a path holds no manifest, or when
confighash fails as it would in a pipe (bad input, bad options, an error
result). On failure nothing is written to standard output: an empty render
passed on would make Argo CD prune the application's resources.

Flags (confighash's own, before --):
`

// run is registered here rather than in the subcommands literal: runRun
// calls Run, which reads that map, and Go refuses such an initialization
// cycle.
func init() { subcommands["run"] = runRun }

// runRun runs a renderer, or reads files, and runs confighash on the result.
func runRun(args []string, s Streams, getenv func(string) string) error {
	// Cut at -- first: a value holding -- cannot move the boundary between
	// confighash's flags and the command.
	own, command, hasCommand := cutArgs(args)
	own, command = expandArgs(own, getenv), expandArgs(command, getenv)
	fs := flag.NewFlagSet("confighash run", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	addOptionFlags(fs)
	fs.Bool("quiet", false, "do not print the summary line on standard error")
	help := fs.Bool("help", false, "show this help")
	fs.BoolVar(help, "h", false, "show this help")
	// The flags are parsed here to find the paths among them, and again by
	// Run, which takes them as confighash's own.
	var flagArgs, paths []string
	for len(own) > 0 {
		if err := fs.Parse(own); err != nil {
			return fmt.Errorf("%w (see confighash run --help)", err)
		}
		rest := fs.Args()
		flagArgs = append(flagArgs, own[:len(own)-len(rest)]...)
		if len(rest) == 0 {
			break
		}
		paths, own = append(paths, rest[0]), rest[1:]
	}
	if *help {
		fmt.Fprint(s.Out, runUsage)
		printFlags(s.Out, fs)
		return nil
	}
	var (
		data []byte
		err  error
	)
	switch {
	case hasCommand && len(paths) > 0:
		return fmt.Errorf("run takes -- COMMAND or FILE|DIR paths, not both: %q comes before -- (see confighash run --help)", paths[0])
	case hasCommand && len(command) == 0:
		return fmt.Errorf("run: no COMMAND after -- (see confighash run --help)")
	case hasCommand:
		data, err = render(command, s)
	case len(paths) > 0:
		data, err = readPaths(paths)
	default:
		return fmt.Errorf("run needs -- COMMAND [ARG...] or FILE|DIR paths (see confighash run --help)")
	}
	if err != nil {
		return fmt.Errorf("run: %w", err)
	}
	if in, err := yamltext.Read(data); err == nil && len(in.Items) == 0 && !in.ResourceList {
		what := "the paths hold"
		if hasCommand {
			what = command[0] + " wrote"
		}
		return fmt.Errorf("run: %s no manifest; nothing written (an empty render would make Argo CD prune every resource of the application)", what)
	}
	var out bytes.Buffer
	if err := Run(flagArgs, Streams{In: bytes.NewReader(data), Out: &out, Err: s.Err}, getenv); err != nil {
		return err
	}
	_, err = s.Out.Write(out.Bytes())
	return err
}

// cutArgs splits the arguments at the first "--": confighash's own before,
// the command after.
func cutArgs(args []string) (own, command []string, hasCommand bool) {
	for i, a := range args {
		if a == "--" {
			return args[:i], args[i+1:], true
		}
	}
	return args, nil, false
}

// render runs the command and returns its standard output, all of it, or
// an error when it fails. The error names the command, not its arguments,
// which may hold values (--set password=...).
func render(command []string, s Streams) ([]byte, error) {
	cmd := exec.Command(command[0], command[1:]...)
	var out bytes.Buffer
	cmd.Stdin, cmd.Stdout, cmd.Stderr = s.In, &out, s.Err
	if err := cmd.Run(); err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return nil, fmt.Errorf("%s failed (%s); nothing written", command[0], exit.ProcessState)
		}
		return nil, err
	}
	return out.Bytes(), nil
}

// readPaths reads the files at the paths, as explain reads them, into one
// YAML stream: each file's text as it is, after a document separator unless
// it starts with one.
func readPaths(paths []string) ([]byte, error) {
	// readManifests finds the files and checks that each holds manifests;
	// the stream is made of their text, which it does not keep.
	for _, p := range paths {
		if p == "-" {
			return nil, fmt.Errorf("- is not a path here: run reads files, or the output of -- COMMAND")
		}
	}
	m, err := readManifests(paths, nil)
	if err != nil {
		return nil, err
	}
	var stream bytes.Buffer
	for i, f := range m.files {
		if f == "" || i > 0 && m.files[i-1] == f {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		if stream.Len() > 0 && !startsWithSeparator(b) {
			stream.WriteString("---\n")
		}
		stream.Write(b)
		if len(b) > 0 && b[len(b)-1] != '\n' {
			stream.WriteByte('\n')
		}
	}
	return stream.Bytes(), nil
}

func startsWithSeparator(b []byte) bool {
	line, _, _ := bytes.Cut(b, []byte("\n"))
	line = bytes.TrimRight(line, " \t\r")
	return bytes.Equal(line, []byte("---")) || bytes.HasPrefix(line, []byte("--- "))
}

var (
	// envReference is $(NAME), the Kubernetes form; NAME as Kubernetes
	// allows it in an environment variable's name.
	envReference = regexp.MustCompile(`^\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)`)
	wholeRef     = regexp.MustCompile(`^\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)$`)
)

// expandArgs expands the references to environment variables in args: an
// argument that is exactly $(NAME) becomes the words of the value (none
// when it is empty), $(NAME) within an argument is replaced in place, and
// $$ is a single $.
func expandArgs(args []string, getenv func(string) string) []string {
	out := make([]string, 0, len(args))
	for _, a := range args {
		if m := wholeRef.FindStringSubmatch(a); m != nil {
			out = append(out, strings.Fields(getenv(m[1]))...)
			continue
		}
		out = append(out, expandArg(a, getenv))
	}
	return out
}

func expandArg(a string, getenv func(string) string) string {
	if !strings.Contains(a, "$") {
		return a
	}
	var b strings.Builder
	for i := 0; i < len(a); {
		if a[i] != '$' {
			b.WriteByte(a[i])
			i++
			continue
		}
		if strings.HasPrefix(a[i:], "$$") {
			b.WriteByte('$')
			i += 2
			continue
		}
		if m := envReference.FindStringSubmatch(a[i:]); m != nil {
			b.WriteString(getenv(m[1]))
			i += len(m[0])
			continue
		}
		b.WriteByte('$')
		i++
	}
	return b.String()
}
