package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"confighash.dev/confighash/fn"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// directivesInput is a stream with a %YAML 1.2 directive (which the YAML
// library refuses) and a %TAG directive after a document ended by "...".
const directivesInput = `%YAML 1.2
---
# %YAML and %TAG directives: accepted, kept with their documents, and the
# documents annotated as any other. kyaml reads no directive, so this is a
# stream's alone.
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  namespace: shop
data:
  a: "1"
...
%TAG !shop! tag:shop.example,2026:
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  template:
    spec:
      containers:
      - name: web
        envFrom: [{configMapRef: {name: settings}}]
`

const commandInput = `apiVersion: v1
kind: ConfigMap
metadata: {name: cm}
data: {a: "1"}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      containers:
      - name: app
        envFrom: [{configMapRef: {name: cm}}, {configMapRef: {name: absent}}]
`

func runMain(t *testing.T, args []string, stdin string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = Main(args, Streams{In: strings.NewReader(stdin), Out: &out, Err: &errOut}, func(string) string { return "" })
	return code, out.String(), errOut.String()
}

func TestCommand(t *testing.T) {
	dir := t.TempDir()
	perSource := filepath.Join(dir, "per-source.yaml")
	if err := os.WriteFile(perSource, []byte("apiVersion: fn.confighash.dev/v1alpha1\nkind: ConfigHash\nmode: perSource\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	badConfig := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(badConfig, []byte("apiVersion: fn.confighash.dev/v1alpha1\nkind: ConfigHash\nmode: fast\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	resourceList := "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nfunctionConfig: {apiVersion: v1, kind: ConfigMap, data: {onMissing: error}}\nitems:\n" + indentItems(commandInput)

	tests := []struct {
		name      string
		args      []string
		stdin     string
		code      int
		stdout    []string // substrings of stdout; nil with wantEmpty means nothing
		noStdout  bool
		stderr    []string
		notStdout []string
	}{
		{name: "help", args: []string{"--help"}, stdout: append([]string{"Usage:", "--config", "Exit codes"}, flagNames()...)},
		{name: "version", args: []string{"--version"}, stdout: []string{"confighash " + Version}},
		{name: "unknown flag", args: []string{"--fast"}, code: 1, noStdout: true, stderr: []string{"flag provided but not defined: -fast", "confighash --help"}},
		{name: "argument", args: []string{"file.yaml"}, code: 1, noStdout: true, stderr: []string{`unexpected argument "file.yaml"`, "standard input"}},
		{name: "stream defaults", stdin: commandInput, stdout: []string{"checksum.confighash.dev/config: "}, stderr: []string{"warning: Deployment web: spec.template.spec.containers[name=app].envFrom[1].configMapRef references ConfigMap default/absent, which is not in the input", "info: confighash: 1 pod template, 1 with dependencies"}},
		{name: "quiet keeps warnings", args: []string{"--quiet"}, stdin: commandInput, stderr: []string{"warning: "}},
		{name: "flag", args: []string{"--mode", "perSource"}, stdin: commandInput, stdout: []string{"checksum.confighash.dev/configmap.cm: "}, notStdout: []string{"checksum.confighash.dev/config:"}},
		{name: "config file", args: []string{"--config", perSource}, stdin: commandInput, stdout: []string{"checksum.confighash.dev/configmap.cm: "}},
		{name: "flag overrides config file", args: []string{"--config", perSource, "--mode=combined"}, stdin: commandInput, stdout: []string{"checksum.confighash.dev/config: "}},
		{name: "directives kept", stdin: directivesInput, stdout: []string{"%YAML 1.2\n---\n# %YAML", "data:\n  a: \"1\"\n...\n%TAG !shop! tag:shop.example,2026:\n---\napiVersion: apps/v1", "checksum.confighash.dev/config: '8cbaf1ad0d22"}},
		{name: "bool flag", args: []string{"--include-jobs", "--on-missing=ignore"}, stdin: commandInput, stdout: []string{"checksum.confighash.dev/config: "}, notStdout: []string{"warning"}},
		{name: "bad flag value", args: []string{"--mode", "fast"}, stdin: commandInput, code: 1, noStdout: true, stderr: []string{`--mode: "fast" is not one of combined, perSource`}},
		{name: "bad config file", args: []string{"--config", badConfig}, stdin: commandInput, code: 1, noStdout: true, stderr: []string{"--config " + badConfig, "field mode"}},
		{name: "missing config file", args: []string{"--config", filepath.Join(dir, "nope.yaml")}, stdin: commandInput, code: 1, noStdout: true, stderr: []string{"--config"}},
		{name: "stream error writes nothing", args: []string{"--on-missing", "error"}, stdin: commandInput, code: 1, noStdout: true, stderr: []string{"error: Deployment web: spec.template.spec.containers[name=app].envFrom[1].configMapRef references ConfigMap default/absent"}},
		{name: "bad YAML", stdin: "a: [\n", code: 1, noStdout: true, stderr: []string{"not valid YAML", "line 1"}},
		{name: "ResourceList error keeps items and reports", stdin: resourceList, code: 1,
			stdout:    []string{"kind: ResourceList", "name: web", "severity: error", "field:", "path: spec.template.spec.containers[name=app].envFrom[1].configMapRef"},
			notStdout: []string{"checksum.confighash.dev/config"}, stderr: []string{"error: Deployment web: spec.template.spec.containers[name=app].envFrom[1].configMapRef references ConfigMap default/absent"}},
		{name: "ResourceList bad functionConfig", stdin: "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nfunctionConfig: {apiVersion: v1, kind: ConfigMap, data: {mode: fast}}\nitems:\n" + indentItems(commandInput), code: 1,
			stdout: []string{"kind: ResourceList", "severity: error", "key data.mode"}, notStdout: []string{"checksum.confighash.dev/config"}, stderr: []string{"key data.mode"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runMain(t, tt.args, tt.stdin)
			if code != tt.code {
				t.Errorf("exit code %d, want %d; stderr:\n%s", code, tt.code, stderr)
			}
			if tt.noStdout && stdout != "" {
				t.Errorf("stdout should be empty, got:\n%s", stdout)
			}
			for _, w := range tt.stdout {
				if !strings.Contains(stdout, w) {
					t.Errorf("stdout lacks %q:\n%s", w, stdout)
				}
			}
			for _, w := range tt.notStdout {
				if strings.Contains(stdout, w) {
					t.Errorf("stdout has %q:\n%s", w, stdout)
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

func TestQuietDropsSummary(t *testing.T) {
	_, _, stderr := runMain(t, []string{"--quiet", "--on-missing=ignore"}, commandInput)
	if stderr != "" {
		t.Errorf("stderr should be empty with --quiet and nothing to warn about, got %q", stderr)
	}
}

// TestREADMEListsOptions keeps README's options table in step with the code.
func TestREADMEListsOptions(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range fn.Options() {
		if row := "| `" + o.Name + "` | `--" + o.FlagName() + "`"; !bytes.Contains(readme, []byte(row)) {
			t.Errorf("README.md options table has no row starting %q", row)
		}
	}
}

func flagNames() []string {
	var names []string
	for _, o := range fn.Options() {
		names = append(names, "--"+o.FlagName())
	}
	return names
}

// indentItems turns a YAML stream into the items of a ResourceList.
func indentItems(stream string) string {
	var b strings.Builder
	for _, doc := range strings.Split(stream, "---\n") {
		node := yaml.MustParse(doc)
		s := node.MustString()
		for i, line := range strings.Split(strings.TrimRight(s, "\n"), "\n") {
			if i == 0 {
				b.WriteString("- " + line + "\n")
			} else {
				b.WriteString("  " + line + "\n")
			}
		}
	}
	return b.String()
}
