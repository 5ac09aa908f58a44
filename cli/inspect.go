package cli

import (
	"flag"
	"fmt"
	"io"
	"os"

	"confighash.dev/confighash/fn"
	"confighash.dev/confighash/internal/yamltext"
	"sigs.k8s.io/kustomize/kyaml/fn/framework"
)

// This file is what the subcommands explain, check and diff share: reading
// manifests from files, directories or standard input, and resolving them
// exactly as a run of the function would, without changing anything.

// manifests are the items of one input, with the file each came from.
type manifests struct {
	in    *yamltext.Stream
	files []string // by item index; "" when read from standard input
}

// readManifests reads each path (a file, a directory of .yaml and .yml files
// read recursively in lexical order, or "-" for standard input), or standard
// input when there is none. Symbolic links to files and directories are
// followed, each file is read once however many ways lead to it, and a loop
// of links is not followed twice. A path that holds no manifest is an error:
// a CI gate must not pass without reading anything. A ResourceList is
// accepted only as the whole input: its functionConfig then gives the
// options, as in a run.
func readManifests(paths []string, stdin io.Reader) (*manifests, error) {
	if len(paths) == 0 {
		paths = []string{"-"}
	}
	var files []string
	seen := map[string]bool{} // files and directories, by their real path
	for _, p := range paths {
		if p == "-" {
			files = append(files, p)
			continue
		}
		before := len(files)
		if err := yamltext.Files(p, seen, &files); err != nil {
			return nil, err
		}
		if len(files) == before {
			if info, err := os.Stat(p); err == nil && info.IsDir() {
				return nil, fmt.Errorf("%s: no .yaml or .yml file in it", p)
			}
		}
	}
	m := &manifests{in: &yamltext.Stream{}}
	for _, f := range files {
		var data []byte
		var err error
		name := f
		if f == "-" {
			name = "standard input"
			data, err = io.ReadAll(stdin)
		} else {
			data, err = os.ReadFile(f)
		}
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", name, err)
		}
		in, err := yamltext.Read(data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		if len(in.Items) == 0 && !in.ResourceList {
			return nil, fmt.Errorf("%s: no manifests in it", name)
		}
		if in.ResourceList {
			if len(files) > 1 {
				return nil, fmt.Errorf("%s: a ResourceList must be the whole input; give it alone", name)
			}
			m.in = in
		} else {
			m.in.Items = append(m.in.Items, in.Items...)
		}
		if f == "-" {
			f = ""
		}
		for range in.Items {
			m.files = append(m.files, f)
		}
	}
	return m, nil
}

// inspection is one input resolved as a run would resolve it.
type inspection struct {
	cfg *fn.Config
	res *fn.Resolution
	m   *manifests
}

// inspect reads the manifests at paths and resolves them.
func inspect(paths []string, stdin io.Reader, opts *optionArgs, getenv func(string) string) (*inspection, error) {
	m, err := readManifests(paths, stdin)
	if err != nil {
		return nil, err
	}
	return resolveManifests(m, opts, getenv)
}

// resolveManifests reads the options as a run does (functionConfig, then
// --config, then flags) and resolves every target's dependencies.
func resolveManifests(m *manifests, opts *optionArgs, getenv func(string) string) (*inspection, error) {
	cfg, err := gatherConfig(m.in, opts.configFile, opts.settings, getenv)
	if err != nil {
		return nil, err
	}
	res, err := fn.Resolve(m.in.Items, cfg)
	if err != nil {
		return nil, err
	}
	return &inspection{cfg: cfg, res: res, m: m}, nil
}

// report writes the warnings and errors of the run on w, each line after
// prefix, and fails when there is an error: a subcommand says nothing about
// an input that the function would refuse.
func (x *inspection) report(w io.Writer, prefix string) error {
	for _, res := range x.res.Results {
		if res.Severity == framework.Error || res.Severity == framework.Warning {
			fmt.Fprintf(w, "%s%s: %s\n", prefix, severityWord(res.Severity), res.Message)
		}
	}
	if x.res.Results.ExitCode() != 0 {
		return exitError{}
	}
	return nil
}

// file is the file an object came from, "" when unknown.
func (x *inspection) file(o *fn.Object) string {
	if o.Index < len(x.m.files) && x.m.files[o.Index] != "" {
		return x.m.files[o.Index]
	}
	if f := o.File(); f != nil {
		return f.Path
	}
	return ""
}

// subcommandFlags is the flag set of a subcommand: every option, --config
// and --help.
func subcommandFlags(name string) (*flag.FlagSet, *optionArgs, *bool) {
	fs := flag.NewFlagSet("confighash "+name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	opts := addOptionFlags(fs)
	help := fs.Bool("help", false, "show this help")
	fs.BoolVar(help, "h", false, "show this help")
	return fs, opts, help
}

// parseSubcommand parses args, flags before or after the paths, and returns
// the paths; it prints the help when asked, and done is then true.
func parseSubcommand(fs *flag.FlagSet, help *bool, usage string, args []string, w io.Writer) (paths []string, done bool, err error) {
	for {
		if err := fs.Parse(args); err != nil {
			return nil, false, fmt.Errorf("%w (see %s --help)", err, fs.Name())
		}
		if fs.NArg() == 0 {
			break
		}
		paths = append(paths, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if *help {
		fmt.Fprint(w, usage)
		printFlags(w, fs)
		return nil, true, nil
	}
	return paths, false, nil
}
