package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"confighash.dev/confighash/fn"
	"confighash.dev/confighash/internal/yamltext"
	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Version is the release of this build, set with
// -ldflags "-X confighash.dev/confighash/cli.Version=v1.2.3".
var Version = "dev"

// Streams are the standard streams of one run.
type Streams struct {
	In  io.Reader
	Out io.Writer
	Err io.Writer
}

const shortHelp = "confighash: roll out the workloads whose ConfigMaps and Secrets changed"

const longHelp = `confighash reads Kubernetes resources on standard input and writes them to
standard output. For every pod template (Deployment, StatefulSet, DaemonSet,
CronJob, Rollout, Knative Service, ...) it finds the ConfigMaps and Secrets
that the pods reference, hashes the content the pods can see, and writes the
hash as the annotation checksum.confighash.dev/config on the pod template.
When that content changes, the pod template changes, and Kubernetes rolls the
workload out. An annotation confighash did not write (a chart's own
checksum/config) is never changed: the two coexist.

Input is either a config.kubernetes.io/v1 ResourceList (kustomize, kpt: the
options come from its functionConfig, a fn.confighash.dev/v1alpha1 ConfigHash
or a v1 ConfigMap) or a plain YAML stream (pipes, Helm post-rendering: the
options come from the flags and --config), YAML or JSON, Lists opened. Output
has the input's form and order; every byte confighash did not change comes
back as it was. Flags override the functionConfig and --config.

Usage:
  kustomize build . | confighash | kubectl apply -f -
  helm template my-release ./chart --post-renderer confighash
  helm template web ./chart -n prod --post-renderer confighash --post-renderer-args=--namespace=prod
  confighash --mode perSource --on-missing error < manifests.yaml

See why a workload will roll (each has its own --help):
  confighash explain [--output text|json|dot|mermaid] [FILE|DIR ...]
  confighash check [FILE|DIR ...]      exit 1 when an annotation is stale
  confighash diff OLD NEW              which targets roll between two versions
  confighash diff --renders OLD NEW    is a render stable, or do targets roll on every render

Run confighash where there is no shell (each has its own --help):
  confighash run [flags] -- COMMAND [ARG...]   annotate what COMMAND writes (helm template ...)
  confighash run [flags] FILE|DIR ...          annotate files and directories of manifests
  confighash install DIR                       copy this binary into DIR (an init container)

Options:
`

const exitHelp = `
Exit codes: 0 done (warnings go to standard error, or to the ResourceList's
results); 1 bad input, bad options, or an error result (nothing is written
to standard output in stream mode; a ResourceList keeps its items unchanged).
`

// Main runs confighash as a command and returns its exit code.
func Main(args []string, s Streams, getenv func(string) string) int {
	if err := Run(args, s, getenv); err != nil {
		var silent exitError
		if !errors.As(err, &silent) {
			fmt.Fprintf(s.Err, "confighash: %v\n", err)
		}
		return 1
	}
	return 0
}

// exitError is a failure that has been reported already.
type exitError struct{}

func (exitError) Error() string { return "failed" }

// flagValue records an option given on the command line, to apply after the
// functionConfig and --config.
type flagValue struct {
	opt   fn.Option
	flags *[]setting
}

type setting struct {
	opt   fn.Option
	value string
}

func (f flagValue) String() string { return "" }
func (f flagValue) Set(v string) error {
	*f.flags = append(*f.flags, setting{opt: f.opt, value: v})
	return nil
}
func (f flagValue) IsBoolFlag() bool { return f.opt.Boolean }

// subcommands explain a run instead of doing it. Plain confighash, with no
// subcommand, is the function that kustomize, kpt and Helm run.
var subcommands = map[string]func(args []string, s Streams, getenv func(string) string) error{
	"explain": runExplain,
	"check":   runCheck,
	"diff":    runDiff,
	"install": runInstall,
	// "run" is added by run.go's init: it calls Run, which reads this map.
}

// optionArgs are the options given on a command line: --config and one flag
// per option, the same for the function and its subcommands.
type optionArgs struct {
	settings   []setting
	configFile string
}

func addOptionFlags(fs *flag.FlagSet) *optionArgs {
	a := &optionArgs{}
	for _, o := range fn.Options() {
		fs.Var(flagValue{opt: o, flags: &a.settings}, o.FlagName(), o.Usage)
	}
	fs.StringVar(&a.configFile, "config", "", "read options from FILE: a ConfigHash or a ConfigMap, as in a functionConfig")
	return a
}

// Run is Main without the exit: it reads s.In, writes s.Out and reports on s.Err.
func Run(args []string, s Streams, getenv func(string) string) error {
	if len(args) > 0 {
		if sub, ok := subcommands[args[0]]; ok {
			return sub(args[1:], s, getenv)
		}
	}
	fs := flag.NewFlagSet("confighash", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var (
		showHelp    bool
		showVersion bool
		quiet       bool
	)
	opts := addOptionFlags(fs)
	fs.BoolVar(&quiet, "quiet", false, "do not print the summary line on standard error in stream mode")
	fs.BoolVar(&showHelp, "help", false, "show this help")
	fs.BoolVar(&showHelp, "h", false, "show this help")
	fs.BoolVar(&showVersion, "version", false, "print the version")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%w (see confighash --help)", err)
	}
	switch {
	case showHelp:
		printHelp(s.Out, fs)
		return nil
	case showVersion:
		fmt.Fprintf(s.Out, "confighash %s\n", Version)
		return nil
	case fs.NArg() > 0:
		return fmt.Errorf("unexpected argument %q: input is read from standard input (see confighash --help)", fs.Arg(0))
	}

	data, err := io.ReadAll(s.In)
	if err != nil {
		return fmt.Errorf("reading standard input: %w", err)
	}
	in, err := yamltext.Read(data)
	if err != nil {
		return err
	}

	results, changed, err := transformInput(in, opts.configFile, opts.settings, getenv)
	if err != nil {
		if !in.ResourceList {
			return err
		}
		results = append(results, &framework.Result{Severity: framework.Error, Message: err.Error()})
	}
	failed := results.ExitCode() != 0
	for _, r := range results {
		switch {
		case r.Severity == framework.Error,
			r.Severity == framework.Warning && !in.ResourceList,
			r.Severity == framework.Info && !in.ResourceList && !quiet:
			fmt.Fprintf(s.Err, "%s: %s\n", severityWord(r.Severity), r.Message)
		}
	}
	if failed && !in.ResourceList {
		return exitError{}
	}
	if err := in.Write(s.Out, results, changed); err != nil {
		return fmt.Errorf("writing output: %w", err)
	}
	if failed {
		return exitError{}
	}
	return nil
}

// transformInput gathers the options (functionConfig, then --config, then
// flags) and runs the function.
func transformInput(in *yamltext.Stream, configFile string, settings []setting, getenv func(string) string) (framework.Results, *fn.Changes, error) {
	cfg, err := gatherConfig(in, configFile, settings, getenv)
	if err != nil {
		return nil, nil, err
	}
	return fn.Transform(in.Items, cfg)
}

func gatherConfig(in *yamltext.Stream, configFile string, settings []setting, getenv func(string) string) (*fn.Config, error) {
	cfg, err := fn.ParseConfig(in.FunctionConfig)
	if err != nil {
		return nil, err
	}
	if configFile != "" {
		b, err := os.ReadFile(configFile)
		if err != nil {
			return nil, fmt.Errorf("--config: %w", err)
		}
		node, err := yaml.Parse(string(b))
		if err != nil {
			return nil, fmt.Errorf("--config %s: not valid YAML: %w", configFile, err)
		}
		if err := cfg.Merge(node); err != nil {
			return nil, fmt.Errorf("--config %s: %w", configFile, err)
		}
	}
	for _, st := range settings {
		if err := st.opt.Set(cfg, st.value); err != nil {
			return nil, fmt.Errorf("--%s: %s", st.opt.FlagName(), strings.TrimPrefix(err.Error(), "field "+st.opt.Name+": "))
		}
	}
	if err := cfg.Resolve(getenv); err != nil {
		return nil, err
	}
	return cfg, nil
}

func severityWord(s framework.Severity) string {
	if s == "" {
		return string(framework.Info)
	}
	return string(s)
}

func printHelp(w io.Writer, fs *flag.FlagSet) {
	fmt.Fprintf(w, "%s\n\n%s", shortHelp, longHelp)
	printFlags(w, fs)
	fmt.Fprint(w, exitHelp)
}

// printFlags lists the flags of fs, for --help.
func printFlags(w io.Writer, fs *flag.FlagSet) {
	fs.VisitAll(func(f *flag.Flag) {
		if f.Name == "h" {
			return
		}
		arg := " VALUE"
		if b, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && b.IsBoolFlag() {
			arg = ""
		}
		fmt.Fprintf(w, "  --%s%s\n      %s\n", f.Name, arg, f.Usage)
	})
}
