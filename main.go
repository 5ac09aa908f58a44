// Command confighash is a KRM function that makes a ConfigMap or Secret
// change roll out the workloads that use it. See README.md and SPEC.md.
package main

import (
	"os"

	"confighash.dev/confighash/fn"
)

func main() {
	os.Exit(fn.Main(os.Args[1:], fn.Streams{In: os.Stdin, Out: os.Stdout, Err: os.Stderr}, os.Getenv))
}
