package cli_test

// Tests of the subcommands explain, check and diff, and of the validators
// that their outputs must pass. The golden cases live in testdata/explain/:
// each directory has a file "run", one command a line,
//
//	<expected file> <exit code> [NAME=VALUE ...] <subcommand> <args...> [< stdin file]
//
// run in that directory; stdout must equal the expected file, and standard
// error the expected file + ".stderr" (empty when that file is absent).
// `go test ./fn -run ExplainGolden -update` rewrites them; review the diff.

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"confighash.dev/confighash/cli"
)

const explainDir = "../testdata/explain"

type explainRun struct {
	line     int
	expected string
	code     int
	env      map[string]string
	args     []string
	stdin    string
}

func loadExplainRuns(t *testing.T, dir string) []explainRun {
	t.Helper()
	var runs []explainRun
	for i, line := range strings.Split(string(readFile(t, filepath.Join(dir, "run"))), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 || strings.HasPrefix(f[0], "#") {
			continue
		}
		if len(f) < 3 {
			t.Fatalf("%s/run:%d: want <expected> <exit code> <args...>", dir, i+1)
		}
		code, err := strconv.Atoi(f[1])
		if err != nil {
			t.Fatalf("%s/run:%d: exit code: %v", dir, i+1, err)
		}
		r := explainRun{line: i + 1, expected: f[0], code: code, env: map[string]string{}}
		rest := f[2:]
		for len(rest) > 0 && regexp.MustCompile(`^[A-Z_]+=`).MatchString(rest[0]) {
			k, v, _ := strings.Cut(rest[0], "=")
			r.env[k] = v
			rest = rest[1:]
		}
		if n := len(rest); n >= 2 && rest[n-2] == "<" {
			r.stdin, rest = rest[n-1], rest[:n-2]
		}
		r.args = rest
		runs = append(runs, r)
	}
	return runs
}

// runIn runs confighash in dir with args, the environment env and the
// content of file stdin ("" for none).
func runIn(t *testing.T, dir string, env map[string]string, args []string, stdin string) (code int, stdout, stderr string) {
	t.Helper()
	t.Chdir(dir)
	var in []byte
	if stdin != "" {
		in = readFile(t, stdin)
	}
	var out, errOut bytes.Buffer
	code = cli.Main(args, cli.Streams{In: bytes.NewReader(in), Out: &out, Err: &errOut}, func(k string) string { return env[k] })
	return code, out.String(), errOut.String()
}

func TestExplainGolden(t *testing.T) {
	dirs, err := os.ReadDir(explainDir)
	if err != nil {
		t.Fatal(err)
	}
	cases := 0
	for _, d := range dirs {
		if !d.IsDir() {
			continue
		}
		dir, err := filepath.Abs(filepath.Join(explainDir, d.Name()))
		if err != nil {
			t.Fatal(err)
		}
		cases++
		t.Run(d.Name(), func(t *testing.T) {
			for _, r := range loadExplainRuns(t, dir) {
				t.Run(r.expected, func(t *testing.T) {
					code, stdout, stderr := runIn(t, dir, r.env, r.args, r.stdin)
					want, wantErr := filepath.Join(dir, r.expected), filepath.Join(dir, r.expected+".stderr")
					if *update {
						writeFile(t, want, []byte(stdout))
						os.Remove(wantErr)
						if stderr != "" {
							writeFile(t, wantErr, []byte(stderr))
						}
					}
					if code != r.code {
						t.Errorf("run:%d: exit %d, want %d; stderr:\n%s", r.line, code, r.code, stderr)
					}
					if w := string(readFile(t, want)); stdout != w {
						t.Errorf("run:%d: stdout differs from %s\n%s", r.line, r.expected, firstDiff(w, stdout))
					}
					if w := string(readOptional(t, wantErr)); stderr != w {
						t.Errorf("run:%d: stderr differs from %s.stderr\n--- got:\n%s\n--- want:\n%s", r.line, r.expected, stderr, w)
					}
				})
			}
		})
	}
	if cases == 0 {
		t.Fatal("no cases under " + explainDir)
	}
}

// firstDiff shows where two texts part, line by line.
func firstDiff(want, got string) string {
	wl, gl := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(wl) || i < len(gl); i++ {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g {
			return fmt.Sprintf("line %d:\n  got:  %q\n  want: %q", i+1, g, w)
		}
	}
	return "(same lines)"
}

// TestExplainGoldenCoverage keeps the golden cases honest about what the
// issue asks for: every output format on three corpus inputs at least, and
// the check and diff scenarios.
func TestExplainGoldenCoverage(t *testing.T) {
	for _, corpus := range []string{"argo-cd", "kube-prometheus", "cf-for-k8s"} {
		for _, f := range []string{"explain.txt", "explain.json", "explain.dot", "explain.mmd"} {
			if _, err := os.Stat(filepath.Join(explainDir, "corpus-"+corpus, f)); err != nil {
				t.Errorf("corpus-%s has no %s: %v", corpus, f, err)
			}
		}
	}
	for _, c := range []string{"no-change", "counted-key-changed", "uncounted-key-changed", "reference-added", "reference-removed", "source-missing"} {
		for _, cmd := range []string{"check", "diff"} {
			if _, err := os.Stat(filepath.Join(explainDir, cmd+"-"+c, "run")); err != nil {
				t.Errorf("no %s case for %q: %v", cmd, c, err)
			}
		}
	}
}

// tool returns the path of an external program the test needs, or fails
// in CI and skips elsewhere with what to install.
func tool(t *testing.T, name, install string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err == nil {
		return path
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("%s not found: %s (CI must install it: make tools)", name, install)
	}
	t.Skipf("%s not found: %s", name, install)
	return ""
}

// validators returns the command that runs tools/validators/validate.mjs.
func validators(t *testing.T) []string {
	t.Helper()
	node := tool(t, "node", "apt-get install nodejs npm, then make tools")
	script, err := filepath.Abs("../tools/validators/validate.mjs")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(script), "node_modules", "mermaid")); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("tools/validators is not installed (make tools runs npm ci there): %v", err)
		}
		t.Skip("tools/validators is not installed: run make tools")
	}
	return []string{node, script}
}

// goldenFiles lists the files of testdata/explain ending in ext.
func goldenFiles(t *testing.T, ext string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(explainDir, "*", "*"+ext))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("no %s files under %s", ext, explainDir)
	}
	return files
}

// TestExplainDotRenders renders every DOT file of the golden cases, and the
// README's graph, with Graphviz; a broken file must fail, so that the check
// can fail.
func TestExplainDotRenders(t *testing.T) {
	dot := tool(t, "dot", "apt-get install graphviz (make tools does)")
	bad := filepath.Join(t.TempDir(), "bad.dot")
	writeFile(t, bad, []byte("digraph { a -> ; }\n"))
	for _, f := range append(goldenFiles(t, ".dot"), "../docs/graph.dot", bad) {
		out, err := exec.Command(dot, "-Tsvg", "-o", os.DevNull, f).CombinedOutput()
		switch {
		case f == bad && err == nil:
			t.Errorf("dot accepted a broken file: the check cannot fail")
		case f != bad && (err != nil || len(out) > 0):
			t.Errorf("dot -Tsvg %s: %v\n%s", f, err, out)
		}
	}
}

// TestExplainMermaidParses parses every mermaid file of the golden cases and
// every mermaid block of README.md with mermaid's own parser.
func TestExplainMermaidParses(t *testing.T) {
	cmd := validators(t)
	dir := t.TempDir()
	files := goldenFiles(t, ".mmd")
	blocks := regexp.MustCompile("(?s)```mermaid\n(.*?)```").FindAllStringSubmatch(string(readFile(t, "../README.md")), -1)
	if len(blocks) == 0 {
		t.Error("README.md shows no mermaid graph")
	}
	for i, b := range blocks {
		f := filepath.Join(dir, fmt.Sprintf("README-%d.mmd", i))
		writeFile(t, f, []byte(b[1]))
		files = append(files, f)
	}
	out, err := exec.Command(cmd[0], append([]string{cmd[1], "mermaid"}, files...)...).CombinedOutput()
	if err != nil {
		t.Errorf("mermaid parse failed: %v\n%s", err, out)
	}

	bad := filepath.Join(dir, "bad.mmd")
	writeFile(t, bad, []byte("flowchart LR\n  s0 -->|\"x\"| \n  end end\n"))
	if out, err := exec.Command(cmd[0], cmd[1], "mermaid", bad).CombinedOutput(); err == nil {
		t.Errorf("the mermaid parser accepted a broken graph: the check cannot fail\n%s", out)
	}
}

// TestExplainJSONSchema validates every JSON output of the golden cases
// against docs/explain-schema.json, and checks that the validator rejects a
// document with an undocumented field or without a required one.
func TestExplainJSONSchema(t *testing.T) {
	cmd := validators(t)
	schema := "../docs/explain-schema.json"
	files := goldenFiles(t, ".json")
	out, err := exec.Command(cmd[0], append([]string{cmd[1], "schema", schema}, files...)...).CombinedOutput()
	if err != nil {
		t.Errorf("JSON output does not match %s: %v\n%s", schema, err, out)
	}

	var doc map[string]any
	if err := json.Unmarshal(readFile(t, files[0]), &doc); err != nil {
		t.Fatal(err)
	}
	if doc["apiVersion"] != cli.ExplainAPIVersion || doc["kind"] != cli.ExplainKind {
		t.Errorf("%s: apiVersion %v, kind %v", files[0], doc["apiVersion"], doc["kind"])
	}
	dir := t.TempDir()
	for name, mutate := range map[string]func(map[string]any){
		"undocumented field": func(d map[string]any) { d["extra"] = true },
		"missing targets":    func(d map[string]any) { delete(d, "targets") },
		"other version":      func(d map[string]any) { d["apiVersion"] = "explain.confighash.dev/v2" },
	} {
		d := map[string]any{}
		for k, v := range doc {
			d[k] = v
		}
		mutate(d)
		f := filepath.Join(dir, strings.ReplaceAll(name, " ", "-")+".json")
		writeFile(t, f, mustMarshal(t, d))
		if out, err := exec.Command(cmd[0], cmd[1], "schema", schema, f).CombinedOutput(); err == nil {
			t.Errorf("the schema accepted a document with %s\n%s", name, out)
		}
	}
}

func mustMarshal(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestExplainNeverShowsSecretValues runs every subcommand in every format
// over inputs with Secrets and looks for each Secret value, as written and
// decoded, in everything they print.
func TestExplainNeverShowsSecretValues(t *testing.T) {
	inputs := []string{
		"../testdata/corpus/cf-for-k8s/config.yml",
		"../testdata/corpus/kube-prometheus",
		"../testdata/corpus/knative-docs/serving",
		"../examples/ci-check/deploy",
		"../examples/quickstart/resources.yaml",
	}
	var values []string
	for _, in := range inputs {
		values = append(values, secretValues(t, in)...)
	}
	if len(values) < 10 {
		t.Fatalf("found only %d Secret values to look for", len(values))
	}
	var outputs []string
	for _, in := range inputs {
		abs, err := filepath.Abs(in)
		if err != nil {
			t.Fatal(err)
		}
		for _, args := range [][]string{
			{"explain", abs}, {"explain", "--output", "json", abs}, {"explain", "--output", "dot", abs},
			{"explain", "--output", "mermaid", abs}, {"explain", "--mode", "perSource", abs},
			{"check", abs}, {"check", "--mode", "perSource", abs}, {"diff", abs, abs},
		} {
			_, out, errOut := runIn(t, ".", nil, args, "")
			outputs = append(outputs, out, errOut)
		}
		if !strings.HasSuffix(abs, ".yaml") && !strings.HasSuffix(abs, ".yml") {
			continue
		}
		// The function itself with the option explain: info results on
		// standard error in stream mode, in results in a ResourceList.
		_, _, errOut := runIn(t, ".", nil, []string{"--explain", "--quiet"}, abs)
		outputs = append(outputs, errOut)
		_, out, _ := runIn(t, ".", nil, []string{"--explain"}, writeResourceListFile(t, abs))
		outputs = append(outputs, resultsOf(t, out))
	}
	for _, v := range values {
		for _, out := range outputs {
			if strings.Contains(out, v) {
				t.Errorf("output shows Secret value %q", v)
				break
			}
		}
	}
}

// secretValues returns the values of the Secrets in a file or directory,
// as written and decoded, that could only come from a Secret: 8 bytes or
// more, and found nowhere else in the input (a user name that is also a
// path proves nothing when printed).
func secretValues(t *testing.T, path string) []string {
	t.Helper()
	var files []string
	if info, err := os.Stat(path); err != nil {
		t.Fatal(err)
	} else if info.IsDir() {
		filepath.Walk(path, func(p string, info os.FileInfo, err error) error {
			if err == nil && !info.IsDir() && (strings.HasSuffix(p, ".yaml") || strings.HasSuffix(p, ".yml")) {
				files = append(files, p)
			}
			return nil
		})
	} else {
		files = []string{path}
	}
	var candidates []string
	var public strings.Builder
	for _, f := range files {
		for _, n := range readStream(t, readFile(t, f)) {
			if n.GetKind() != "Secret" {
				public.WriteString(n.MustString())
				continue
			}
			public.WriteString(n.GetName() + "\n")
			for _, field := range []string{"data", "stringData"} {
				m := n.Field(field)
				if m == nil || m.Value.YNode().Kind != yaml.MappingNode {
					continue
				}
				m.Value.VisitFields(func(kv *yaml.MapNode) error {
					public.WriteString(kv.Key.YNode().Value + "\n")
					v := kv.Value.YNode().Value
					candidates = append(candidates, v)
					if field == "data" {
						if b, err := base64.StdEncoding.DecodeString(v); err == nil {
							candidates = append(candidates, string(b))
						}
					}
					return nil
				})
			}
		}
	}
	var values []string
	for _, v := range candidates {
		if len(v) >= 8 && !strings.Contains(public.String(), v) {
			values = append(values, v)
		}
	}
	sort.Strings(values)
	return values
}

// writeResourceListFile wraps a YAML stream file in a ResourceList, in a
// temporary file.
func writeResourceListFile(t *testing.T, stream string) string {
	t.Helper()
	var b bytes.Buffer
	w := kio.ByteWriter{Writer: &b, WrappingKind: kio.ResourceListKind, WrappingAPIVersion: kio.ResourceListAPIVersion}
	if err := w.Write(readStream(t, readFile(t, stream))); err != nil {
		t.Fatal(err)
	}
	f := filepath.Join(t.TempDir(), "resource-list.yaml")
	writeFile(t, f, b.Bytes())
	return f
}

// resultsOf returns the results of a ResourceList output, as YAML text.
func resultsOf(t *testing.T, out string) string {
	t.Helper()
	_, results := readResourceList(t, out)
	if len(results) == 0 {
		t.Fatalf("no results in:\n%s", out)
	}
	return string(marshalResults(t, results))
}

// TestDocsGraph keeps docs/graph.dot and docs/graph.svg, README's example
// graph, equal to what explain and Graphviz make of examples/ci-check now.
// make docs-graph (go test ./fn -run TestDocsGraph -update) writes them.
func TestDocsGraph(t *testing.T) {
	dotTool := tool(t, "dot", "apt-get install graphviz (make tools does)")
	example, err := filepath.Abs(ciExample)
	if err != nil {
		t.Fatal(err)
	}
	docs, err := filepath.Abs("../docs")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(readFile(t, "../README.md"))
	code, dot, stderr := runIn(t, example, nil, []string{"explain", "--config", "confighash.yaml", "--output", "dot", "deploy"}, "")
	if code != 0 {
		t.Fatalf("explain: exit %d\n%s", code, stderr)
	}
	cmd := exec.Command(dotTool, "-Tsvg")
	cmd.Stdin = strings.NewReader(dot)
	svg, err := cmd.Output()
	if err != nil {
		t.Fatalf("dot -Tsvg: %v", err)
	}
	for file, got := range map[string][]byte{"graph.dot": []byte(dot), "graph.svg": svg} {
		path := filepath.Join(docs, file)
		if *update {
			writeFile(t, path, got)
		}
		if want := readFile(t, path); !bytes.Equal(got, want) {
			t.Errorf("docs/%s is not what explain and dot make of examples/ci-check now; run make docs-graph and review\n%s", file, firstDiff(string(want), string(got)))
		}
	}
	for _, want := range []string{"docs/graph.svg", "docs/explain-schema.json", "## See why a workload will roll"} {
		if !strings.Contains(readme, want) {
			t.Errorf("README.md does not mention %s", want)
		}
	}
}

// TestREADMEShowsExplainExamples keeps the outputs that README's section
// "See why a workload will roll" shows equal to what the commands print on
// examples/ci-check now.
func TestREADMEShowsExplainExamples(t *testing.T) {
	readme := string(readFile(t, "../README.md"))
	check := string(readFile(t, filepath.Join(ciExample, "expected-check-stale.txt")))
	diff := string(readFile(t, filepath.Join(ciExample, "expected-diff.txt")))
	example, err := filepath.Abs(ciExample)
	if err != nil {
		t.Fatal(err)
	}
	_, text, _ := runIn(t, example, nil, []string{"explain", "--config", "confighash.yaml", "deploy/"}, "")
	_, mermaid, _ := runIn(t, example, nil, []string{"explain", "--config", "confighash.yaml", "--output", "mermaid", "deploy/"}, "")
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	_, chart, _ := runIn(t, root, nil, []string{"explain", "testdata/chart-checksum-coexists/input.yaml"}, "")
	for name, want := range map[string]string{
		"chart explain output":                    "$ confighash explain testdata/chart-checksum-coexists/input.yaml\n" + chart,
		"explain output":                          "$ confighash explain --config confighash.yaml deploy/\n" + text,
		"mermaid output":                          "```mermaid\n" + mermaid + "```",
		"check output (expected-check-stale.txt)": "$ confighash check --config confighash.yaml deploy/\n" + check,
		"diff output (expected-diff.txt)":         "$ confighash diff --config confighash.yaml ../base/deploy deploy/\n" + diff,
	} {
		if !strings.Contains(readme, want) {
			t.Errorf("README.md does not show the %s as it is now:\n%s", name, want)
		}
	}
}

// TestCheckAgreesWithRun holds check to what a run does, on every golden
// case and corpus file: check passes on the output of a run, and on the
// input it fails exactly when the run changes something.
func TestCheckAgreesWithRun(t *testing.T) {
	type input struct {
		name   string
		data   []byte
		config string
		env    map[string]string
	}
	var inputs []input
	for _, c := range loadGoldenCases(t) {
		if c.errors != nil {
			continue
		}
		in := input{name: c.name, data: c.input, env: c.env}
		if c.config != nil {
			in.config, _ = filepath.Abs(c.path("config.yaml"))
		}
		inputs = append(inputs, in)
	}
	for _, f := range corpusFiles(t) {
		inputs = append(inputs, input{name: f, data: readFile(t, filepath.Join(corpusDir, f))})
	}
	dir := t.TempDir()
	for _, in := range inputs {
		for _, mode := range []string{"combined", "perSource"} {
			var opts []string
			if in.config != "" {
				opts = append(opts, "--config", in.config)
			}
			opts = append(opts, "--mode", mode)
			file := filepath.Join(dir, "in.yaml")
			writeFile(t, file, in.data)
			code, out, _ := runIn(t, dir, in.env, append([]string{"--quiet"}, opts...), file)
			if code != 0 {
				continue // the run refuses it; so does check (TestExplainGolden)
			}
			changed := out != string(in.data)
			code, report, stderr := runIn(t, dir, in.env, append(append([]string{"check"}, opts...), file), "")
			if want := map[bool]int{true: 1, false: 0}[changed]; code != want {
				t.Errorf("%s (%s): the run changes it: %v, but check exits %d\n%s%s", in.name, mode, changed, code, report, stderr)
			}
			writeFile(t, file, []byte(out))
			if code, report, stderr := runIn(t, dir, in.env, append(append([]string{"check"}, opts...), file), ""); code != 0 {
				t.Errorf("%s (%s): check fails on the output of a run:\n%s%s", in.name, mode, report, stderr)
			}
		}
	}
	if len(inputs) < 50 {
		t.Errorf("only %d inputs", len(inputs))
	}
}

// TestExplainOptionUnderKpt runs confighash with explain=true under a real
// kpt fn eval, as the users would, and reads the results kpt keeps:
// one info result per pod template, naming its sources and the file.
func TestExplainOptionUnderKpt(t *testing.T) {
	kpt := tool(t, "kpt", "kpt 1.0.0-beta is on the machine image at /usr/bin/kpt")
	bin := buildConfighash(t)
	pkg := copyDir(t, filepath.Join(ciExample, "deploy"))
	results := t.TempDir()
	cmd := exec.Command(kpt, "fn", "eval", pkg, "--exec", bin, "--results-dir", results, "--", "explain=true", "mode=perSource")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("kpt fn eval: %v\n%s", err, out)
	}
	list := yaml.MustParse(string(readFile(t, filepath.Join(results, "results.yaml"))))
	items, err := list.Pipe(yaml.Lookup("items", "0", "results"))
	if err != nil || items == nil {
		t.Fatalf("no results in results.yaml: %v\n%s", err, list.MustString())
	}
	var explained []string
	for _, r := range items.YNode().Content {
		n := yaml.NewRNode(r)
		msg := n.Field("message").Value.YNode().Value
		if !strings.Contains(msg, " depends on ") {
			continue
		}
		file, _ := n.Pipe(yaml.Lookup("file", "path"))
		if file == nil || file.YNode().Value != "app.yaml" {
			t.Errorf("result without its file: %s", n.MustString())
		}
		explained = append(explained, msg)
	}
	want := []string{
		"Deployment shop/web spec.template depends on ConfigMap shop/nginx-conf (digest de2aff48cc9e",
		"CronJob shop/report spec.jobTemplate.spec.template depends on ConfigMap shop/web-config (digest 4c20eb5d6434",
	}
	if len(explained) != len(want) {
		t.Fatalf("%d explain results, want %d:\n%s", len(explained), len(want), strings.Join(explained, "\n"))
	}
	for i, w := range want {
		if !strings.HasPrefix(explained[i], w) {
			t.Errorf("result %d:\n%s\nwant it to start with\n%s", i, explained[i], w)
		}
	}
	if !strings.Contains(string(out), "depends on") {
		t.Errorf("kpt did not print the explain results:\n%s", out)
	}
}

// TestSubcommandCommandLine pins the command lines of explain, check and
// diff: help, bad flags and arguments, bad input (named by file and line,
// nothing on standard output), and that plain confighash is untouched.
func TestSubcommandCommandLine(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.yaml")
	writeFile(t, good, readFile(t, "../examples/quickstart/resources.yaml"))
	broken := filepath.Join(dir, "broken.yaml")
	writeFile(t, broken, []byte("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x\n"))
	malformed := filepath.Join(dir, "malformed.yaml")
	writeFile(t, malformed, []byte("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\ndata: {a: 1}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec: {template: {spec: {containers: [{name: c, envFrom: [{configMapRef: {name: cm}}]}]}}}\n"))
	tests := []struct {
		name   string
		args   []string
		stdin  string
		code   int
		stdout []string // nil: must be empty
		stderr []string
	}{
		{name: "explain help", args: []string{"explain", "--help"}, stdout: []string{"confighash explain [flags]", "--output", "--mode", "--config"}},
		{name: "check help", args: []string{"check", "-h"}, stdout: []string{"confighash check [flags]", "Exit code 0", "--on-missing"}},
		{name: "diff help", args: []string{"diff", "--help"}, stdout: []string{"confighash diff [flags] OLD NEW"}},
		{name: "main help lists the subcommands", args: []string{"--help"}, stdout: []string{"confighash explain", "confighash check", "confighash diff OLD NEW"}},
		{name: "bad output", args: []string{"explain", "--output", "svg", good}, code: 1, stderr: []string{`--output: "svg" is not one of text, json, dot, mermaid`}},
		{name: "bad option flag", args: []string{"check", "--mode", "fast", good}, code: 1, stderr: []string{`--mode: "fast" is not one of combined, perSource`}},
		{name: "unknown flag", args: []string{"explain", "--fast"}, code: 1, stderr: []string{"flag provided but not defined: -fast", "confighash explain --help"}},
		{name: "diff needs two", args: []string{"diff", good}, code: 1, stderr: []string{"diff takes two inputs, OLD and NEW, got 1"}},
		{name: "diff one stdin", args: []string{"diff", "-", "-"}, code: 1, stderr: []string{"only one of OLD and NEW can be standard input"}},
		{name: "missing file", args: []string{"check", filepath.Join(dir, "nope.yaml")}, code: 1, stderr: []string{"nope.yaml: no such file"}},
		{name: "broken YAML names file and line", args: []string{"explain", good, broken}, code: 1, stderr: []string{"broken.yaml: input is not valid YAML: line"}},
		{name: "error result fails and prints nothing", args: []string{"explain", malformed}, code: 1, stderr: []string{"error: ConfigMap default/cm: field data.a: want a string"}},
		{name: "check fails on an error result", args: []string{"check", malformed}, code: 1, stderr: []string{"error: ConfigMap default/cm"}},
		{name: "flags after paths", args: []string{"explain", good, "--output", "json"}, stdout: []string{`"apiVersion": "explain.confighash.dev/v1alpha1"`}},
		{name: "standard input", args: []string{"explain", "-"}, stdin: good, stdout: []string{"Deployment shop/web spec.template\n"}},
		{name: "onMissing error is an error", args: []string{"explain", "--on-missing", "error", filepath.Join(explainDir, "check-source-missing", "input.yaml")}, code: 1, stderr: []string{"error: Deployment shop/web"}},
		{name: "plain confighash still refuses arguments", args: []string{good}, code: 1, stderr: []string{"unexpected argument"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runIn(t, ".", nil, tt.args, tt.stdin)
			if code != tt.code {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, tt.code, stderr)
			}
			if tt.stdout == nil && stdout != "" {
				t.Errorf("stdout should be empty:\n%s", stdout)
			}
			for _, w := range tt.stdout {
				if !strings.Contains(stdout, w) {
					t.Errorf("stdout lacks %q:\n%s", w, stdout)
				}
			}
			for _, w := range tt.stderr {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, stderr)
				}
			}
		})
	}
}

// TestSubcommandsReadWhatTheyArePointedAt: explain, check and diff follow
// links to files and directories, read each file once (a file read twice
// would make its ConfigMap a duplicate, an error), survive a loop of links,
// and refuse a path that holds no manifest rather than pass on nothing.
func TestSubcommandsReadWhatTheyArePointedAt(t *testing.T) {
	root := t.TempDir()
	deploy := filepath.Join(root, "deploy")
	if err := os.MkdirAll(filepath.Join(deploy, "nested"), 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(deploy, "nested", "app.yaml"), readFile(t, "../examples/quickstart/resources.yaml"))
	symlink := func(target, link string) {
		t.Helper()
		if err := os.Symlink(target, link); err != nil {
			t.Fatal(err)
		}
	}
	symlink("nested/app.yaml", filepath.Join(deploy, "again.yaml")) // the same file twice
	symlink("..", filepath.Join(deploy, "nested", "loop"))          // a loop
	symlink(deploy, filepath.Join(root, "current"))                 // a link to the directory
	empty := filepath.Join(root, "empty")
	if err := os.Mkdir(empty, 0o755); err != nil {
		t.Fatal(err)
	}
	symlink(empty, filepath.Join(root, "empty-link"))
	writeFile(t, filepath.Join(root, "comments.yaml"), []byte("# nothing but a comment\n---\n"))
	symlink("gone.yaml", filepath.Join(root, "dangling.yaml"))

	tests := []struct {
		name   string
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{"a link to a directory is read", []string{"check", filepath.Join(root, "current")}, 1, "1 of 1 pod template with dependencies stale", ""},
		{"explain through the link", []string{"explain", filepath.Join(root, "current")}, 0, "Deployment shop/web spec.template  (" + filepath.Join(root, "current", "again.yaml") + ")", ""},
		{"the file twice on the command line", []string{"check", filepath.Join(deploy, "nested", "app.yaml"), filepath.Join(deploy, "again.yaml")}, 1, "1 of 1 pod template", ""},
		{"an empty directory", []string{"check", empty}, 1, "", "empty: no .yaml or .yml file in it"},
		{"a link to an empty directory", []string{"check", filepath.Join(root, "empty-link")}, 1, "", "empty-link: no .yaml or .yml file in it"},
		{"a file without manifests", []string{"explain", filepath.Join(root, "comments.yaml")}, 1, "", "comments.yaml: no manifests in it"},
		{"a dangling link", []string{"diff", filepath.Join(root, "dangling.yaml"), deploy}, 1, "", "dangling.yaml: no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runIn(t, root, nil, tt.args, "")
			if code != tt.code {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, tt.code, stderr)
			}
			if !strings.Contains(stdout, tt.stdout) {
				t.Errorf("stdout lacks %q:\n%s", tt.stdout, stdout)
			}
			if !strings.Contains(stderr, tt.stderr) {
				t.Errorf("stderr lacks %q:\n%s", tt.stderr, stderr)
			}
			if strings.Contains(stderr, "appears 2 times") {
				t.Errorf("a file was read twice:\n%s", stderr)
			}
		})
	}
}
