// Command gen writes a deterministic benchmark bundle of N workloads with
// their ConfigMaps and Secrets (see package bundle), as a ResourceList or a
// plain YAML stream:
//
//	go run ./bench/gen -n 10000 -mode rl > /tmp/rl.yaml
//	go run ./bench/gen -n 10000 -mode stream > /tmp/stream.yaml
package main

import (
	"flag"
	"fmt"
	"os"

	"confighash.dev/confighash/bench/bundle"
)

func main() {
	n := flag.Int("n", 1000, "number of workloads")
	mode := flag.String("mode", string(bundle.ResourceList), "output form: rl (ResourceList) or stream (plain YAML stream)")
	flag.Parse()
	if err := bundle.Write(os.Stdout, *n, bundle.Mode(*mode)); err != nil {
		fmt.Fprintf(os.Stderr, "gen: %v\n", err)
		os.Exit(1)
	}
}
