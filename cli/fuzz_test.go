package cli_test

// Fuzz targets for the three ways input reaches confighash: a YAML stream,
// a ResourceList, and the options (functionConfig or --config). Each checks
// checkRun's properties on every input: no panic, and either a clean failure
// (exit 1, a message, nothing half-written) or the same items in the same
// order, changed only in digest annotations, and unchanged by a second run.
//
// The seeds are the golden cases of testdata/; inputs that the fuzzer finds
// failing are kept in cli/testdata/fuzz/<Target>/ and run with every go test.
// make fuzz runs each target for FUZZTIME.

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// fuzzSeeds are inputs that the golden cases lack: broken, odd or hostile
// YAML that each target should start from.
var fuzzSeeds = []string{
	"",
	"a: [\n",
	"a: 1\n---\nb:\n\tc: 2\n",
	"- a\n- b\n",
	"just text\n",
	"\xef\xbb\xbfapiVersion: v1\r\nkind: ConfigMap\r\nmetadata:\r\n  name: x\r\ndata:\r\n  a: b\r\n",
	"apiVersion: v1\nkind: ConfigMap\nmetadata: &m {name: a}\ndata: &d {k: v}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: *m\ndata: *d\n",
	"apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: w}\nspec: {template: {metadata: {annotations: {}}, spec: {containers: [{name: a, envFrom: [{configMapRef: {name: c}}]}]}}}\n---\n{apiVersion: v1, kind: ConfigMap, metadata: {name: c}, data: {k: v}}\n",
	"apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: {a: 1}\n",
	"apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- a: 1\n- text\n",
}

// fuzzWorkload is the fixed input of FuzzFunctionConfig: every kind of
// target and reference that an option can change the handling of.
const fuzzWorkload = `apiVersion: v1
kind: ConfigMap
metadata: {name: settings, namespace: shop, labels: {tier: web}}
data: {log-level: info, extra: x}
---
apiVersion: v1
kind: Secret
metadata: {name: db, namespace: shop}
stringData: {password: s3cr3t}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop, labels: {app: web}}
spec:
  template:
    metadata:
      annotations: {checksum.confighash.dev/configmap.old: "0000000000000000000000000000000000000000000000000000000000000000"}
    spec:
      containers:
      - name: web
        env: [{name: L, valueFrom: {configMapKeyRef: {name: settings, key: log-level}}}]
        envFrom: [{secretRef: {name: db}}, {configMapRef: {name: absent}}]
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: nightly, namespace: shop}
spec: {jobTemplate: {spec: {template: {spec: {containers: [{name: c, envFrom: [{configMapRef: {name: settings}}]}]}}}}}
---
apiVersion: batch/v1
kind: Job
metadata: {name: once, namespace: shop}
spec: {template: {spec: {containers: [{name: c, envFrom: [{configMapRef: {name: settings}}]}]}}}
---
apiVersion: example.com/v1
kind: Experiment
metadata: {name: exp, namespace: shop}
spec: {templates: [{name: a, template: {spec: {containers: [{name: c, envFrom: [{secretRef: {name: db}}]}]}}}]}
`

// FuzzStream fuzzes stream mode: the bytes are standard input.
func FuzzStream(f *testing.F) {
	for _, c := range goldenSeeds(f) {
		f.Add(c.input)
	}
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, input []byte) {
		checkRun(t, nil, nil, input)
	})
}

// FuzzResourceList fuzzes ResourceList mode: the seeds are the golden cases
// wrapped as kustomize and kpt send them, functionConfig included, so the
// fuzzer mutates items and options alike.
func FuzzResourceList(f *testing.F) {
	for _, c := range goldenSeeds(f) {
		f.Add(resourceList(f, readStreamTB(f, c.input), c.config))
	}
	for _, s := range fuzzSeeds {
		f.Add([]byte("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- " + s))
	}
	f.Fuzz(func(t *testing.T, input []byte) {
		checkRun(t, nil, nil, input)
	})
}

// FuzzFunctionConfig fuzzes the options: the bytes are a --config file in
// stream mode and, when they are one YAML object, the functionConfig of a
// ResourceList; both forms must accept and reject the same options and
// write the same items.
func FuzzFunctionConfig(f *testing.F) {
	for _, c := range goldenSeeds(f) {
		if c.config != nil {
			f.Add([]byte(c.config.MustString()))
		}
	}
	for _, s := range []string{
		"",
		"apiVersion: fn.confighash.dev/v1alpha1\nkind: ConfigHash\n",
		"apiVersion: v1\nkind: ConfigMap\ndata: {mode: perSource, keys: all, includeJobs: 'true', sources: 'ConfigMap'}\n",
		"apiVersion: fn.confighash.dev/v1alpha1\nkind: ConfigHash\nselector: {names: [web], labels: {app: web}}\npodTemplatePaths: [{kind: Experiment, path: 'spec.templates.*.template'}]\n",
		"apiVersion: fn.confighash.dev/v1alpha1\nkind: ConfigHash\nmode: fast\n",
		"apiVersion: fn.confighash.dev/v1alpha1\nkind: ConfigHash\nannotation: checksum/config\nmode: perSource\nnamespace: shop\nfollowArgs: true\n",
		"apiVersion: fn.confighash.dev/v1alpha1\nkind: ConfigHash\nignoreSources: {names: [db]}\nextraRefs: [{selector: {kinds: [Deployment]}, configMaps: [settings], secrets: [shop/db]}]\n",
		"apiVersion: fn.confighash.dev/v1alpha1\nkind: ConfigHash\nannotation: 12\n",
		"apiVersion: fn.confighash.dev/v1alpha1\nkind: ConfigHash\nversioned: {names: [settings]}\nimmutable: true\nunfollowedRefs: error\n",
		"apiVersion: fn.confighash.dev/v1alpha1\nkind: ConfigHash\nreferences: [{apiVersion: example.com, kind: Experiment, path: spec.templates.*.template.spec, form: podSpec, annotationPath: spec.podAnnotations}, {kind: Experiment, path: spec.db, sourceKind: Secret, nameField: secretName, keyField: key}]\n",
		"apiVersion: fn.confighash.dev/v1alpha1\nkind: ConfigHash\nproducers: [{apiVersion: example.com, kind: Experiment, each: spec.templates.*, name: [name], keys: [{path: template, usesAll: true}], anyKey: [spec], shared: [metadata.labels]}]\n",
		"apiVersion: v1\nkind: ConfigMap\ndata: {podTemplatePaths: '[{kind: Experiment, path: \"spec.templates[name=a].template\"}]'}\n",
		"kind: Something\n",
		"[a, b]\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, config []byte) {
		path := filepath.Join(t.TempDir(), "config.yaml")
		if err := os.WriteFile(path, config, 0o600); err != nil {
			t.Fatal(err)
		}
		stream := checkRun(t, []string{"--config", path}, nil, []byte(fuzzWorkload))
		fc, err := yaml.Parse(string(config))
		if err != nil || fc.YNode().Kind != yaml.MappingNode {
			return
		}
		rl := checkRun(t, nil, nil, resourceList(t, readStreamTB(t, []byte(fuzzWorkload)), fc))
		if (stream.code == 0) != (rl.code == 0) {
			t.Fatalf("--config exits %d, functionConfig exits %d\n--config stderr: %s\nResourceList: %s", stream.code, rl.code, stream.stderr, rl.stdout)
		}
		if stream.code != 0 {
			return
		}
		if a, b := canonical(t, stream.stdout), readItems(t, rl.stdout); a != b {
			t.Errorf("--config and functionConfig write different items:\n%s", corpusFirstDiff(a, b))
		}
	})
}

// goldenSeed is a golden case's input and functionConfig.
type goldenSeed struct {
	input  []byte
	config *yaml.RNode // nil: none
}

// goldenSeeds reads the golden cases (testdata/<case>/input.yaml and
// config.yaml, see golden_test.go) for a fuzz target.
func goldenSeeds(tb testing.TB) []goldenSeed {
	tb.Helper()
	inputs, err := filepath.Glob(filepath.Join(testdata, "*", "input.yaml"))
	if err != nil || len(inputs) == 0 {
		tb.Fatalf("no golden cases under %s (%v)", testdata, err)
	}
	var seeds []goldenSeed
	for _, in := range inputs {
		data, err := os.ReadFile(in)
		if err != nil {
			tb.Fatal(err)
		}
		s := goldenSeed{input: data}
		if cfg, err := os.ReadFile(filepath.Join(filepath.Dir(in), "config.yaml")); err == nil {
			if s.config, err = yaml.Parse(string(cfg)); err != nil {
				tb.Fatalf("%s: %v", in, err)
			}
		}
		seeds = append(seeds, s)
	}
	return seeds
}

func readStreamTB(tb testing.TB, stream []byte) []*yaml.RNode {
	tb.Helper()
	items, err := (&kio.ByteReader{Reader: bytes.NewReader(stream), OmitReaderAnnotations: true}).Read()
	if err != nil {
		tb.Fatalf("reading YAML stream: %v", err)
	}
	return items
}

// resourceList wraps items and a functionConfig as kustomize and kpt do.
func resourceList(t testing.TB, items []*yaml.RNode, fc *yaml.RNode) []byte {
	t.Helper()
	var b bytes.Buffer
	w := kio.ByteWriter{Writer: &b, FunctionConfig: fc, WrappingKind: kio.ResourceListKind, WrappingAPIVersion: kio.ResourceListAPIVersion}
	if err := w.Write(items); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// readItems is the canonical form of a ResourceList's items.
func readItems(t *testing.T, out []byte) string {
	t.Helper()
	items, _ := readResourceList(t, string(out))
	return items
}
