package fn

import (
	"bytes"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/fn/framework"

	"confighash.dev/confighash/internal/yamltext"
)

// runStream runs the function on a YAML stream with the default options, as
// a pipe runs it: read, transform, write. A run with an error fails the
// test; the results are returned with the output.
func runStream(t testing.TB, input []byte, getenv func(string) string) (string, framework.Results) {
	t.Helper()
	in, err := yamltext.Read(input)
	if err != nil {
		t.Fatalf("reading the input: %v", err)
	}
	cfg := DefaultConfig()
	if err := cfg.Resolve(getenv); err != nil {
		t.Fatal(err)
	}
	results, changes, err := Transform(in.Items, cfg)
	if err != nil || results.ExitCode() != 0 {
		t.Fatalf("Transform: %v\n%v", err, results)
	}
	var out bytes.Buffer
	if err := in.Write(&out, results, changes); err != nil {
		t.Fatal(err)
	}
	return out.String(), results
}
