// Command noop is the floor that every KRM function written on kyaml's
// fn/framework pays: framework.Execute with a processor that does nothing,
// built from the same kyaml as confighash. The benchmark runner measures
// confighash against it.
//
//	go build -o bin/bench-noop ./bench/noop
package main

import (
	"fmt"
	"os"

	"sigs.k8s.io/kustomize/kyaml/fn/framework"
)

func main() {
	noop := framework.ResourceListProcessorFunc(func(*framework.ResourceList) error { return nil })
	if err := framework.Execute(noop, nil); err != nil {
		fmt.Fprintf(os.Stderr, "noop: %v\n", err)
		os.Exit(1)
	}
}
