// Package fn is the confighash KRM function: it finds the ConfigMaps and
// Secrets that each pod template references, hashes the content the pods can
// see, and writes that hash as an annotation on the pod template, so that a
// configuration change rolls the workload out like any other change.
//
// The files are split by concern, following SPEC.md:
//
//   - config.go: the options, their defaults and validation (SPEC 5)
//   - targets.go: finding pod templates (SPEC 2)
//   - refs.go: walking a pod spec for references (SPEC 3)
//   - sources.go: the ConfigMaps and Secrets in the input and the bytes
//     a pod sees (SPEC 4)
//   - digest.go: the hash itself, pinned by test vectors (SPEC 4)
//   - meta.go: reading an object's type and metadata, whatever its shape
//   - deps.go: what each pod template depends on and why, the one record
//     that annotations, explain, check and diff are made from
//   - annotate.go: the one place that writes annotations, on the nodes and
//     as splices of the input's text
//   - splice.go: placing those splices in the text
//   - process.go: one run over a list of items, producing results
//   - parse.go: parsing a large input on every core
//   - io.go: reading and writing ResourceLists and plain YAML streams,
//     giving back every byte that was not changed
//   - command.go: the command line (flags, --config, exit codes) and its
//     subcommands, one file each: explain.go (with graph.go), check.go,
//     diff.go, reading their inputs in inspect.go
package fn
