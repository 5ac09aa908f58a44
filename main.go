// Command confighash is a KRM function that makes a ConfigMap or Secret
// change roll out the workloads that use it. See README.md and SPEC.md.
package main

import (
	"os"

	"confighash.dev/confighash/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], cli.Streams{In: os.Stdin, Out: os.Stdout, Err: os.Stderr}, os.Getenv))
}
