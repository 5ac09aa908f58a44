package cli_test

// Secret values never appear in results, messages, errors or logs (SPEC 6).
// The test plants a unique marker in every value of every Secret of every
// corpus input (data base64-encoded, stringData as it is, plus a value that
// is not valid base64, which provokes a warning), adds probes that provoke
// every warning and error about a Secret, and runs confighash in each mode
// and subcommand with options that make it count every key. Then it looks
// for each marker, as it is, base64-encoded (at any alignment) and
// hex-encoded, in everything the runs wrote except the Secrets themselves.
// The HMAC key is a secret too, and is looked for the same way.

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// secretProbes are Secrets that confighash must warn or fail about, and a
// Deployment that references each. {{V}} is replaced by a planted value.
const secretProbeWarnings = `apiVersion: v1
kind: Secret
metadata: {name: probe-invalid-base64, namespace: leak}
data: {token: "{{V}}!!"}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: probe, namespace: leak}
spec:
  template:
    spec:
      containers:
      - name: app
        envFrom:
        - secretRef: {name: probe-invalid-base64}
        - secretRef: {name: probe-absent}
        env:
        - name: T
          valueFrom: {secretKeyRef: {name: probe-invalid-base64, key: absent-key}}
`

const secretProbeErrors = `apiVersion: v1
kind: Secret
metadata: {name: probe-map-value, namespace: leak}
stringData: {token: {nested: "{{V}}"}}
---
apiVersion: v1
kind: Secret
metadata: {name: probe-list, namespace: leak}
data: ["{{V}}"]
---
apiVersion: v1
kind: Secret
metadata: {name: probe-scalar, namespace: leak}
data: "{{V}}"
---
apiVersion: v1
kind: Secret
metadata: {name: probe-number, namespace: leak}
stringData: {pin: 12345678}
---
apiVersion: v1
kind: Secret
metadata: {name: probe-twice, namespace: leak}
stringData: {token: "{{V}}"}
---
apiVersion: v1
kind: Secret
metadata: {name: probe-twice, namespace: leak}
stringData: {token: "{{V}}"}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: probe, namespace: leak}
spec:
  template:
    spec:
      containers:
      - name: app
        envFrom:
        - secretRef: {name: probe-map-value}
        - secretRef: {name: probe-list}
        - secretRef: {name: probe-scalar}
        - secretRef: {name: probe-number}
        - secretRef: {name: probe-twice}
`

// secretPlant makes planted values: each unique, all sharing one random
// token, so that a leak of any of them, or of any part holding the token,
// is found.
type secretPlant struct {
	token  string
	values []string
}

func newSecretPlant(t *testing.T) *secretPlant {
	t.Helper()
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return &secretPlant{token: "chleak" + hex.EncodeToString(b)}
}

func (p *secretPlant) value() string {
	v := fmt.Sprintf("%s-%d", p.token, len(p.values))
	p.values = append(p.values, v)
	return v
}

// needles are the forms a leak could take.
func (p *secretPlant) needles() []string {
	n := []string{p.token, hex.EncodeToString([]byte(p.token))}
	// A base64 text holding the token at any offset contains one of these:
	// the characters that encode whole 3-byte groups of the token alone,
	// for each of the three ways the token can fall on the groups.
	for off := 0; off < 3; off++ {
		enc := base64.StdEncoding.EncodeToString(append(make([]byte, off), p.token...))
		first, last := (off+2)/3, (off+len(p.token))/3 // whole groups of token bytes
		n = append(n, enc[first*4:last*4])
	}
	for _, v := range p.values {
		n = append(n, v, base64.StdEncoding.EncodeToString([]byte(v)), base64.RawURLEncoding.EncodeToString([]byte(v)))
	}
	return n
}

// plant puts values in every Secret of a stream and returns the new stream.
func (p *secretPlant) plant(t *testing.T, data []byte) []byte {
	t.Helper()
	items, err := corpusRead(data)
	if err != nil {
		t.Fatalf("reading the input: %v", err)
	}
	for _, it := range items {
		if it.GetKind() != "Secret" || it.GetApiVersion() != "v1" {
			continue
		}
		for _, field := range []string{"data", "stringData"} {
			m, err := it.Pipe(yaml.LookupCreate(yaml.MappingNode, field))
			if err != nil || m == nil || m.YNode().Kind != yaml.MappingNode {
				continue // malformed: passed through, and holds no value to plant
			}
			c := m.YNode().Content
			for i := 1; i < len(c); i += 2 {
				v := p.value()
				if field == "data" {
					v = base64.StdEncoding.EncodeToString([]byte(v))
				}
				c[i] = yaml.NewStringRNode(v).YNode()
			}
			v := p.value()
			if field == "data" {
				if err := m.PipeE(yaml.SetField("confighash-planted", yaml.NewStringRNode(base64.StdEncoding.EncodeToString([]byte(v))))); err != nil {
					t.Fatal(err)
				}
				v = p.value() + "!!" // not valid base64: a warning when counted
			}
			if err := m.PipeE(yaml.SetField("confighash-planted-"+strings.ToLower(field), yaml.NewStringRNode(v))); err != nil {
				t.Fatal(err)
			}
		}
	}
	return []byte(itemsStream(t, items))
}

// plantProbes fills in the {{V}} of a probe stream.
func (p *secretPlant) plantProbes(probes string) []byte {
	parts := strings.Split(probes, "{{V}}")
	var b strings.Builder
	for i, part := range parts {
		b.WriteString(part)
		if i < len(parts)-1 {
			b.WriteString(p.value())
		}
	}
	return []byte(b.String())
}

func itemsStream(t *testing.T, items []*yaml.RNode) string {
	t.Helper()
	var b strings.Builder
	for i, it := range items {
		if i > 0 {
			b.WriteString("---\n")
		}
		s, err := it.String()
		if err != nil {
			t.Fatal(err)
		}
		b.WriteString(s)
	}
	return b.String()
}

// secretRun is one way to run confighash on a planted stream.
type secretRun struct {
	name string
	// run returns what the run wrote where a Secret value must never be:
	// everything but the Secrets it passes on.
	run func(t *testing.T, stream, other []byte, env map[string]string) (visible string, code int)
}

// secretKeyMarker is planted as the HMAC key, which must not leak either.
func secretRuns(t *testing.T) []secretRun {
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		path := filepath.Join(dir, fmt.Sprintf("%s-%d.yaml", name, len(data)))
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	fnRun := func(args ...string) func(t *testing.T, stream, _ []byte, env map[string]string) (string, int) {
		return func(t *testing.T, stream, _ []byte, env map[string]string) (string, int) {
			o := runInProcess(args, env, stream)
			return withoutSecretDocs(t, o.stdout) + string(o.stderr), o.code
		}
	}
	rlRun := func(data map[string]string) func(t *testing.T, stream, _ []byte, env map[string]string) (string, int) {
		return func(t *testing.T, stream, _ []byte, env map[string]string) (string, int) {
			fc := yaml.MustParse("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: confighash}\n")
			fc.SetDataMap(data)
			o := runInProcess(nil, env, resourceList(t, readStreamTB(t, stream), fc))
			return withoutSecretItems(t, o.stdout) + string(o.stderr), o.code
		}
	}
	subRun := func(args ...string) func(t *testing.T, stream, other []byte, env map[string]string) (string, int) {
		return func(t *testing.T, stream, other []byte, env map[string]string) (string, int) {
			files := []string{write("new", stream)}
			if args[0] == "diff" {
				files = append([]string{write("old", other)}, files...)
			}
			o := runInProcess(append(args, files...), env, nil)
			if o.code == 0 && len(o.stdout) == 0 {
				t.Errorf("confighash %s wrote nothing: %s", strings.Join(args, " "), o.stderr)
			}
			return string(o.stdout) + string(o.stderr), o.code
		}
	}
	return []secretRun{
		{"stream", fnRun()},
		{"stream keys all perSource", fnRun("--keys", "all", "--mode", "perSource")},
		{"stream onMissing error", fnRun("--keys", "all", "--on-missing", "error")},
		{"ResourceList", rlRun(map[string]string{})},
		{"ResourceList keys all onMissing error", rlRun(map[string]string{"keys": "all", "onMissing": "error"})},
		{"explain text", subRun("explain", "--keys", "all")},
		{"explain json", subRun("explain", "--keys", "all", "--output", "json")},
		{"explain dot", subRun("explain", "--keys", "all", "--output", "dot")},
		{"explain mermaid", subRun("explain", "--keys", "all", "--output", "mermaid")},
		{"check", subRun("check", "--keys", "all")},
		{"diff", subRun("diff", "--keys", "all")},
	}
}

func TestSecretValuesNeverLeak(t *testing.T) {
	type input struct {
		name string
		data []byte
		// probes are planted as they are, not parsed.
		probes string
	}
	var inputs []input
	for _, in := range corpusInputs(t) {
		inputs = append(inputs, input{name: in.name, data: in.data})
	}
	inputs = append(inputs, input{name: "probes that warn", probes: secretProbeWarnings}, input{name: "probes that fail", probes: secretProbeErrors})
	runs := secretRuns(t)
	for _, in := range inputs {
		t.Run(in.name, func(t *testing.T) {
			t.Parallel()
			plant, old := newSecretPlant(t), newSecretPlant(t)
			var stream, other []byte
			if in.probes != "" {
				stream, other = plant.plantProbes(in.probes), old.plantProbes(in.probes)
			} else {
				// An input without Secrets has nothing to leak but the HMAC key.
				stream, other = plant.plant(t, in.data), old.plant(t, in.data)
			}
			key := newSecretPlant(t)
			env := map[string]string{"CONFIGHASH_SECRET_KEY": key.value()}
			needles := append(append(plant.needles(), old.needles()...), key.needles()...)
			for _, r := range runs {
				for _, e := range []map[string]string{nil, env} {
					visible, code := r.run(t, stream, other, e)
					if code != 0 && code != 1 {
						t.Errorf("%s: exit code %d", r.name, code)
					}
					for _, n := range needles {
						if i := strings.Index(visible, n); i >= 0 {
							t.Errorf("%s (HMAC key set: %v): a secret (%q) appears in the output or messages:\n%s", r.name, e != nil, n, excerpt(visible, i))
							break
						}
					}
				}
			}
			// The markers must be there to be found: the Secrets that a
			// ResourceList run gives back, even when it fails, carry them.
			if len(plant.values) > 0 {
				o := runInProcess(nil, nil, resourceList(t, readStreamTB(t, stream), nil))
				v := plant.values[0]
				if !bytes.Contains(o.stdout, []byte(v)) && !bytes.Contains(o.stdout, []byte(base64.StdEncoding.EncodeToString([]byte(v)))) {
					t.Errorf("the planted value %s is not in the output's Secrets: the test would find nothing", v)
				}
			}
		})
	}
}

// withoutSecretDocs is a stream without its Secret documents.
func withoutSecretDocs(t *testing.T, out []byte) string {
	t.Helper()
	var b strings.Builder
	for _, d := range splitStreamDocs(string(out)) {
		items, err := corpusRead([]byte(d.text))
		if err != nil {
			t.Fatalf("reading the output: %v", err)
		}
		secret := false
		for _, it := range items {
			secret = secret || it.GetKind() == "Secret"
		}
		if !secret {
			b.WriteString(d.separator + d.text)
		}
	}
	return b.String()
}

// withoutSecretItems is a ResourceList without its Secret items, comments
// and results included.
func withoutSecretItems(t *testing.T, out []byte) string {
	t.Helper()
	if len(out) == 0 {
		return ""
	}
	rl, err := yaml.Parse(string(out))
	if err != nil {
		t.Fatalf("reading the output: %v", err)
	}
	if items := rl.Field("items"); items != nil {
		var kept []*yaml.Node
		for _, it := range items.Value.YNode().Content {
			if yaml.NewRNode(it).GetKind() != "Secret" {
				kept = append(kept, it)
			}
		}
		items.Value.YNode().Content = kept
	}
	s, err := rl.String()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func excerpt(s string, i int) string {
	from, to := max(0, i-200), min(len(s), i+200)
	return s[from:to]
}
