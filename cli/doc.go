// Package cli is the confighash command line: flags and --config, standard
// streams and exit codes, and the subcommands that explain a run instead of
// doing it (explain, with its graphs; check; diff), which read files and
// directories of manifests.
//
// It wires the other layers together and decides nothing about the
// manifests: the function (package fn) finds, hashes and annotates, and the
// text layer (internal/yamltext) reads and writes the text. Imports run one
// way: cli -> fn -> yamltext.
//
//   - command.go: Main, Run, the flags and the options they set
//   - inspect.go: reading manifests for the subcommands, resolved as a run
//   - explain.go (with graph.go), check.go, diff.go: one subcommand each
//     (stability.go: diff --renders, two renders of one input)
//   - run.go, install.go: confighash where there is no shell (an Argo CD
//     plugin's command, an init container of the FROM-scratch image)
package cli
