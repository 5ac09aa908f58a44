// Package yamltext is the lossless YAML text layer: it reads a YAML stream
// or a config.kubernetes.io ResourceList into items, keeping the text they
// were parsed from, applies the edits a caller asks for (insert entries,
// replace a scalar, delete an entry) to the nodes and to that text, and
// writes the text back with every other byte as it came. A document whose
// layout a splice cannot handle safely is written anew, alone.
//
// It also holds the node accessors every layer reads YAML with (field
// lookup through aliases, metadata), so that one input reads the same way
// everywhere.
//
// It knows YAML, streams and ResourceLists, and nothing of what the objects
// mean: no kind, reference or option of the function, as kyaml's kio readers
// and writers know no filter. It imports no other package of this module.
//
//   - node.go: the accessors
//   - stream.go: reading, with errors that name the line
//   - parse.go: parsing a large input on every core
//   - edit.go: the edits, as node changes and as splices of the text
//   - write.go: writing the text back, splices made
package yamltext
