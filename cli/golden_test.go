package cli_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"confighash.dev/confighash/cli"
)

// The golden cases live in testdata/<case>/, one behaviour each:
//
//	input.yaml     a plain YAML stream of resources
//	config.yaml    optional functionConfig (ConfigHash or ConfigMap)
//	env            optional KEY=VALUE lines, the run's environment
//	expected.yaml  the stream-mode output, byte for byte
//	results.yaml   the results of the ResourceList run
//	errors.txt     instead of the two above: the run must fail, and each
//	               non-empty line must appear on standard error
//
// Every case runs as a plain YAML stream and as a ResourceList, and again on
// its own output, which must not change. testdata/corpus* belong to
// corpus_test.go. `go test ./fn -run Golden -update`
// rewrites expected.yaml and results.yaml from the actual output; review the
// diff against SPEC.md, never edit digests by hand.

var update = flag.Bool("update", false, "rewrite expected.yaml and results.yaml of the golden cases from the actual output")

const testdata = "../testdata"

type goldenCase struct {
	name   string
	dir    string
	input  []byte
	config []byte // nil: no functionConfig
	env    map[string]string
	errors []string // nil: the run must succeed
}

func (c goldenCase) path(file string) string { return filepath.Join(c.dir, file) }

func (c goldenCase) streamArgs() []string {
	if c.config == nil {
		return nil
	}
	return []string{"--config", c.path("config.yaml")}
}

func TestGolden(t *testing.T) {
	modes := []struct {
		name string
		test func(*testing.T, goldenCase)
	}{
		{"stream", testStream},
		{"resourceList", testResourceList},
	}
	for _, c := range loadGoldenCases(t) {
		t.Run(c.name, func(t *testing.T) {
			if *update && c.errors == nil {
				updateGolden(t, c)
			}
			for _, m := range modes {
				t.Run(m.name, func(t *testing.T) { m.test(t, c) })
			}
		})
	}
}

func loadGoldenCases(t *testing.T) []goldenCase {
	t.Helper()
	dirs, err := os.ReadDir(testdata)
	if err != nil {
		t.Fatal(err)
	}
	var cases []goldenCase
	for _, d := range dirs {
		if !d.IsDir() || strings.HasPrefix(d.Name(), "corpus") {
			continue
		}
		c := goldenCase{name: d.Name(), dir: filepath.Join(testdata, d.Name())}
		if c.input, err = os.ReadFile(c.path("input.yaml")); err != nil {
			continue
		}
		c.config = readOptional(t, c.path("config.yaml"))
		c.env = parseEnv(string(readOptional(t, c.path("env"))))
		if b := readOptional(t, c.path("errors.txt")); b != nil {
			c.errors = nonEmptyLines(string(b))
		}
		cases = append(cases, c)
	}
	if len(cases) == 0 {
		t.Fatal("no golden cases under " + testdata)
	}
	return cases
}

// testStream pins the plain YAML stream: stdout byte for byte, one stderr
// line per result, nothing on stdout when the run fails.
func testStream(t *testing.T, c goldenCase) {
	code, out, errOut := runMain(c, c.streamArgs(), c.input)
	if c.errors != nil {
		if code != 1 || out != "" {
			t.Fatalf("want exit 1 and no output, got exit %d and output:\n%s", code, out)
		}
		requireSubstrings(t, errOut, c.errors)
		return
	}
	if code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", code, errOut)
	}
	if want := string(readFile(t, c.path("expected.yaml"))); out != want {
		t.Errorf("stdout differs from expected.yaml\n--- got:\n%s\n--- want:\n%s", out, want)
	}
	var lines []string
	for _, r := range readResults(t, c) {
		lines = append(lines, string(r.Severity)+": "+r.Message)
	}
	if got := nonEmptyLines(errOut); !reflect.DeepEqual(got, lines) {
		t.Errorf("stderr differs from results.yaml\n--- got:\n%s\n--- want:\n%s", strings.Join(got, "\n"), strings.Join(lines, "\n"))
	}
	if code, again, errOut := runMain(c, c.streamArgs(), []byte(out)); code != 0 || again != out {
		t.Errorf("second run (exit %d) changed the output:\n%s\nstderr:\n%s", code, again, errOut)
	}
}

// testResourceList pins the ResourceList: its items (layout aside), its
// results, and unchanged items when the run fails.
func testResourceList(t *testing.T, c goldenCase) {
	in := wrapResourceList(t, c)
	code, out, errOut := runMain(c, nil, in)
	items, results := readResourceList(t, out)
	if c.errors != nil {
		if code != 1 {
			t.Fatalf("want exit 1, got %d", code)
		}
		requireSubstrings(t, errOut, c.errors)
		if want := canonical(t, c.input); items != want {
			t.Errorf("a failed run changed the items\n--- got:\n%s\n--- want:\n%s", items, want)
		}
		if !hasError(results) {
			t.Errorf("no error result in %+v", results)
		}
		return
	}
	if code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", code, errOut)
	}
	if errOut != "" {
		t.Errorf("ResourceList mode wrote to stderr:\n%s", errOut)
	}
	if want := canonical(t, readFile(t, c.path("expected.yaml"))); items != want {
		t.Errorf("items differ from expected.yaml\n--- got:\n%s\n--- want:\n%s", items, want)
	}
	if want := readResults(t, c); !reflect.DeepEqual(results, want) {
		t.Errorf("results differ from results.yaml\n--- got:\n%s\n--- want:\n%s", marshalResults(t, results), marshalResults(t, want))
	}
	code, again, _ := runMain(c, nil, []byte(out))
	if againItems, _ := readResourceList(t, again); code != 0 || againItems != items {
		t.Errorf("second run (exit %d) changed the items:\n%s", code, againItems)
	}
}

// updateGolden rewrites expected.yaml from the stream run and results.yaml
// from the ResourceList run.
func updateGolden(t *testing.T, c goldenCase) {
	t.Helper()
	code, out, errOut := runMain(c, c.streamArgs(), c.input)
	if code != 0 {
		t.Fatalf("cannot update: exit %d, stderr:\n%s", code, errOut)
	}
	_, rlOut, _ := runMain(c, nil, wrapResourceList(t, c))
	_, results := readResourceList(t, rlOut)
	writeFile(t, c.path("expected.yaml"), []byte(out))
	writeFile(t, c.path("results.yaml"), marshalResults(t, results))
}

func runMain(c goldenCase, args []string, stdin []byte) (code int, stdout, stderr string) {
	var out, errOut bytes.Buffer
	getenv := func(k string) string { return c.env[k] }
	code = cli.Main(args, cli.Streams{In: bytes.NewReader(stdin), Out: &out, Err: &errOut}, getenv)
	return code, out.String(), errOut.String()
}

// wrapResourceList puts the case's input and config in a ResourceList, as
// kustomize and kpt would (without their reader annotations).
func wrapResourceList(t *testing.T, c goldenCase) []byte {
	t.Helper()
	items := readStream(t, c.input)
	var fc *yaml.RNode
	if c.config != nil {
		var err error
		if fc, err = yaml.Parse(string(c.config)); err != nil {
			t.Fatalf("config.yaml: %v", err)
		}
	}
	var b bytes.Buffer
	w := kio.ByteWriter{Writer: &b, FunctionConfig: fc, WrappingKind: kio.ResourceListKind, WrappingAPIVersion: kio.ResourceListAPIVersion}
	if err := w.Write(items); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// readResourceList returns the canonical items and the results of a
// ResourceList output.
func readResourceList(t *testing.T, out string) (string, []framework.Result) {
	t.Helper()
	r := &kio.ByteReader{Reader: strings.NewReader(out), OmitReaderAnnotations: true}
	items, err := r.Read()
	if err != nil {
		t.Fatalf("output is not a ResourceList: %v\n%s", err, out)
	}
	if r.WrappingKind != kio.ResourceListKind {
		t.Fatalf("output is a %q, not a ResourceList:\n%s", r.WrappingKind, out)
	}
	var results []framework.Result
	if r.Results != nil {
		s, err := r.Results.String()
		if err != nil {
			t.Fatal(err)
		}
		if err := yaml.Unmarshal([]byte(s), &results); err != nil {
			t.Fatalf("results: %v\n%s", err, s)
		}
	}
	return writeStream(t, items), results
}

// canonical re-serializes a YAML stream the way readResourceList does, so
// that layout (sequence indentation) does not matter.
func canonical(t *testing.T, stream []byte) string {
	t.Helper()
	return writeStream(t, readStream(t, stream))
}

func readStream(t *testing.T, stream []byte) []*yaml.RNode {
	t.Helper()
	items, err := (&kio.ByteReader{Reader: bytes.NewReader(stream), OmitReaderAnnotations: true}).Read()
	if err != nil {
		t.Fatalf("reading YAML stream: %v", err)
	}
	return items
}

// writeStream serializes items, then drops the indentation of comment-only
// lines: a comment at the end of a nested block is re-attached at another
// depth when a ResourceList field (results) follows it, which is a matter of
// YAML parsing, not of what the function wrote.
func writeStream(t *testing.T, items []*yaml.RNode) string {
	t.Helper()
	var b bytes.Buffer
	if err := (kio.ByteWriter{Writer: &b}).Write(items); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(b.String(), "\n")
	for i, l := range lines {
		if trimmed := strings.TrimLeft(l, " "); strings.HasPrefix(trimmed, "#") {
			lines[i] = trimmed
		}
	}
	return strings.Join(lines, "\n")
}

func readResults(t *testing.T, c goldenCase) []framework.Result {
	t.Helper()
	var results []framework.Result
	if err := yaml.Unmarshal(readFile(t, c.path("results.yaml")), &results); err != nil {
		t.Fatalf("results.yaml: %v", err)
	}
	return results
}

func marshalResults(t *testing.T, results []framework.Result) []byte {
	t.Helper()
	b, err := yaml.Marshal(results)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func hasError(results []framework.Result) bool {
	for _, r := range results {
		if r.Severity == framework.Error {
			return true
		}
	}
	return false
}

func requireSubstrings(t *testing.T, s string, subs []string) {
	t.Helper()
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			t.Errorf("stderr does not contain %q; stderr:\n%s", sub, s)
		}
	}
}

func parseEnv(s string) map[string]string {
	env := map[string]string{}
	for _, line := range nonEmptyLines(s) {
		if k, v, ok := strings.Cut(line, "="); ok && !strings.HasPrefix(line, "#") {
			env[k] = v
		}
	}
	return env
}

func nonEmptyLines(s string) []string {
	var lines []string
	for _, l := range strings.Split(s, "\n") {
		if strings.TrimSpace(l) != "" {
			lines = append(lines, l)
		}
	}
	return lines
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func readOptional(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func writeFile(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}
