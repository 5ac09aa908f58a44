// Package fn is the confighash KRM function: it finds the ConfigMaps and
// Secrets that each pod template references, hashes the content the pods can
// see, and writes that hash as an annotation on the pod template, so that a
// configuration change rolls the workload out like any other change.
//
// It is the domain, and only the domain. It knows neither how the input was
// read nor where the output goes: the command line (cli) reads
// files, flags and standard input, and the text layer (internal/yamltext)
// reads YAML streams and ResourceLists and gives back every byte that was not
// edited. fn works on the parsed nodes and asks the text layer for each edit
// through a yamltext.Editor; it never imports the command line.
//
// The files are split by concern, following SPEC.md:
//
//   - config.go: the options, their defaults and validation (SPEC 5)
//   - object.go: an object of the input, with its metadata read once; the
//     items of Lists
//   - targets.go: finding pod templates (SPEC 2)
//   - refs.go: walking a pod spec for references (SPEC 3)
//   - sources.go: the ConfigMaps and Secrets in the input and the bytes
//     a pod sees (SPEC 4)
//   - digest.go: the hash itself, pinned by test vectors (SPEC 4)
//   - deps.go: what each pod template depends on and why, the one record
//     that annotations, explain, check and diff are made from
//   - own.go: which annotations of a pod template are confighash's: it
//     changes those and never any other
//   - annotate.go: the one place that decides which annotations change
//   - version.go: versioned sources, renamed by their content, and every
//     reference that follows (SPEC 4b)
//   - workloads.go: operators' custom resources as targets, the built-in
//     table of their references (issue 13)
//   - producers.go: custom resources that make Secrets, as sources of them
//     (issue 13)
//   - process.go: one run over a list of items (Transform, Resolve, and
//     Processor for kyaml's framework.Execute), producing results
package fn
