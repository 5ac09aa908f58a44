package fn

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// spliceRun reads input, runs Transform with default options, and returns
// the input and its changes.
func spliceRun(t *testing.T, input []byte, args ...string) (*Input, Changes) {
	t.Helper()
	in, err := ReadInput(input)
	if err != nil {
		t.Fatalf("ReadInput: %v", err)
	}
	var settings []setting
	for i := 0; i+1 < len(args); i += 2 {
		for _, o := range options {
			if o.flagName() == args[i] {
				settings = append(settings, setting{opt: o, value: args[i+1]})
			}
		}
	}
	cfg, err := gatherConfig(in, "", settings, func(string) string { return "" })
	if err != nil {
		t.Fatalf("options: %v", err)
	}
	results, changes, err := Transform(in.Items, cfg)
	if err != nil || results.ExitCode() != 0 {
		t.Fatalf("Transform: %v %v", err, results)
	}
	return in, changes
}

// requireSpliced checks that every changed document of a stream was
// spliced, not re-encoded, and that the output reads as the changed nodes.
func requireSpliced(t *testing.T, in *Input, changes Changes) {
	t.Helper()
	for _, c := range in.chunks {
		if !anyChanged(c.items, changes) {
			continue
		}
		edits, ok := in.spliceChunk(c, changes)
		var b bytes.Buffer
		if !ok || !applyEdits(&b, c.text, edits) {
			t.Errorf("document at line %d was re-encoded, not spliced:\n%s", c.line, c.text)
			continue
		}
		text := b.String()
		docs, err := decodeAll(text)
		if err != nil {
			t.Fatalf("spliced document at line %d does not parse: %v\n%s", c.line, err, text)
		}
		var got []*yaml.Node
		for _, d := range docs {
			if !isEmptyDocument(d) {
				got = append(got, d)
			}
		}
		if len(got) != len(c.items) {
			t.Fatalf("spliced document at line %d has %d objects, want %d", c.line, len(got), len(c.items))
		}
		for j, i := range c.items {
			if !sameNode(got[j], in.Items[i].YNode()) {
				t.Errorf("spliced document at line %d does not read as the annotated object:\n%s", c.line, text)
			}
		}
	}
}

// requireSplicedList does the same for a ResourceList: the fast path must
// be taken, and the items read back must be the changed nodes.
func requireSplicedList(t *testing.T, in *Input, changes Changes) {
	t.Helper()
	edits, ok, err := in.spliceResourceList(nil, changes)
	var b bytes.Buffer
	if err != nil || !ok || !applyEdits(&b, in.chunks[in.listChunk].text, edits) {
		t.Fatalf("ResourceList was re-encoded, not spliced (err %v)", err)
	}
	out, err := ReadInput(b.Bytes())
	if err != nil {
		t.Fatalf("spliced ResourceList does not read back: %v", err)
	}
	if len(out.Items) != len(in.Items) {
		t.Fatalf("spliced ResourceList has %d items, want %d", len(out.Items), len(in.Items))
	}
	for i := range in.Items {
		if !sameNode(out.Items[i].YNode(), in.Items[i].YNode()) {
			t.Errorf("item %d does not read as the annotated object", i)
		}
	}
}

// asResourceList wraps a stream the way kustomize and kpt hand it over.
func asResourceList(t *testing.T, stream []byte) []byte {
	t.Helper()
	items, err := (&kio.ByteReader{Reader: bytes.NewReader(stream)}).Read()
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	w := kio.ByteWriter{Writer: &b, WrappingKind: kio.ResourceListKind, WrappingAPIVersion: kio.ResourceListAPIVersion}
	if err := w.Write(items); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestSpliceCoversRealLayouts pins that the golden inputs and every manifest
// of the corpus are annotated by splicing, in both modes: a layout that
// silently fell back to re-encoding would lose bytes and speed.
func TestSpliceCoversRealLayouts(t *testing.T) {
	var files []string
	goldens, _ := filepath.Glob("../testdata/*/input.yaml")
	files = append(files, goldens...)
	err := filepath.WalkDir("../testdata/corpus", func(p string, d os.DirEntry, err error) error {
		if ext := filepath.Ext(p); err == nil && (ext == ".yaml" || ext == ".yml") && filepath.Base(p) != "kustomization.yaml" {
			files = append(files, p)
		}
		return err
	})
	if err != nil || len(files) < 100 {
		t.Fatalf("found %d files (%v)", len(files), err)
	}
	changed := 0
	for _, f := range files {
		input, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ReadInput(input); err != nil {
			continue // a golden case about bad input
		}
		t.Run(strings.TrimPrefix(f, "../testdata/"), func(t *testing.T) {
			in, changes := spliceRunLenient(t, input)
			if in == nil {
				return
			}
			changed += len(changes.splices)
			requireSpliced(t, in, changes)
			list, listChanges := spliceRunLenient(t, asResourceList(t, input))
			requireSplicedList(t, list, listChanges)
		})
	}
	if changed < 50 {
		t.Errorf("only %d objects changed across %d files: the test is not looking at annotated objects", changed, len(files))
	}
}

// spliceRunLenient is spliceRun for files that may hold error cases: those
// are skipped, as they change nothing.
func spliceRunLenient(t *testing.T, input []byte) (*Input, Changes) {
	t.Helper()
	in, err := ReadInput(input)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := gatherConfig(in, "", nil, func(string) string { return "" })
	if err != nil {
		return nil, Changes{}
	}
	results, changes, err := Transform(in.Items, cfg)
	if err != nil || results.ExitCode() != 0 {
		return nil, Changes{}
	}
	return in, changes
}

func TestSpliceLayouts(t *testing.T) {
	const cm = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {k: v}\n---\n"
	tests := []struct {
		name    string
		target  string
		args    []string
		spliced bool
		// want are lines the output must hold, in this order.
		want []string
	}{{
		name: "annotations exist: new key first, comment above it kept above it",
		target: `apiVersion: apps/v1
kind: Deployment
metadata:
    name: web
spec:
    template:
        metadata:
            annotations:
                # scraped
                prometheus.io/scrape: "true"
        spec:
            containers: [{name: a, envFrom: [{configMapRef: {name: c}}]}]
`,
		spliced: true,
		want:    []string{"            annotations:", "                checksum/config: '", "                # scraped", `                prometheus.io/scrape: "true"`},
	}, {
		name: "no annotations: added above labels",
		target: `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    metadata:
      labels: {app: web}
    spec:
      containers: [{name: a, envFrom: [{configMapRef: {name: c}}]}]
`,
		spliced: true,
		want:    []string{"    metadata:", "      annotations:", "        checksum/config: '", "      labels: {app: web}"},
	}, {
		name: "no metadata: added above spec",
		target: `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      containers: [{name: a, envFrom: [{configMapRef: {name: c}}]}]
`,
		spliced: true,
		want:    []string{"  template:", "    metadata:", "      annotations:", "        checksum/config: '", "    spec:"},
	}, {
		name: "stale value replaced in place, its comment kept",
		target: `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    metadata:
      annotations:
        checksum/config: "old" # rolled by confighash
        other: x
    spec:
      containers: [{name: a, envFrom: [{configMapRef: {name: c}}]}]
`,
		spliced: true,
		want:    []string{"        checksum/config: '", "' # rolled by confighash", "        other: x"},
	}, {
		name: "stale per-source key deleted",
		target: `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    metadata:
      annotations:
        checksum/configmap.gone: abc # old
        other: x
    spec:
      containers: [{name: a, envFrom: [{configMapRef: {name: c}}]}]
`,
		args:    []string{"mode", "perSource"},
		spliced: true,
		want:    []string{"      annotations:", "        checksum/configmap.c: '", "        other: x"},
	}, {
		name: "CRLF line endings stay CRLF",
		target: strings.ReplaceAll(`apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    metadata:
      labels: {app: web}
    spec:
      containers: [{name: a, envFrom: [{configMapRef: {name: c}}]}]
`, "\n", "\r\n"),
		spliced: true,
		want:    []string{"      annotations:\r\n", "        checksum/config: '", "'\r\n      labels: {app: web}\r\n"},
	}, {
		name: "flow-style metadata is re-encoded",
		target: `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: a, envFrom: [{configMapRef: {name: c}}]}]
`,
		spliced: false,
		want:    []string{"checksum/config: '"},
	}, {
		name: "a multi-line value is re-encoded",
		target: `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    metadata:
      annotations:
        checksum/config: |
          old
    spec:
      containers: [{name: a, envFrom: [{configMapRef: {name: c}}]}]
`,
		spliced: false,
		want:    []string{"checksum/config: '"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			input := []byte(cm + tt.target)
			in, changes := spliceRun(t, input, tt.args...)
			c := in.chunks[len(in.chunks)-1]
			if _, ok := in.spliceChunk(c, changes); ok != tt.spliced {
				t.Errorf("spliced = %v, want %v", ok, tt.spliced)
			}
			var out bytes.Buffer
			if err := in.WriteOutput(&out, nil, changes); err != nil {
				t.Fatal(err)
			}
			got := out.String()
			if !strings.HasPrefix(got, cm) {
				t.Errorf("the ConfigMap's document changed:\n%s", got)
			}
			rest := got
			for _, w := range tt.want {
				i := strings.Index(rest, w)
				if i < 0 {
					t.Fatalf("output lacks %q (in order):\n%s", w, got)
				}
				rest = rest[i+len(w):]
			}
			if tt.spliced {
				requireSpliced(t, in, changes)
				// Every input line is still there: only lines were added, or
				// the one value replaced or deleted.
				gotLines := strings.Split(got, "\n")
				kept := 0
				for _, l := range strings.Split(string(input), "\n") {
					for _, g := range gotLines {
						if g == l {
							kept++
							break
						}
					}
				}
				if lost := len(strings.Split(string(input), "\n")) - kept; lost > 1 {
					t.Errorf("%d input lines are gone from the output:\n%s", lost, got)
				}
			}
			if _, again := spliceRun(t, out.Bytes(), tt.args...); len(again.splices) != 0 {
				t.Errorf("a second run changes %d objects again", len(again.splices))
			}
		})
	}
}

func TestSameNode(t *testing.T) {
	parse := func(s string) *yaml.Node {
		n, err := yaml.Parse(s)
		if err != nil {
			t.Fatal(err)
		}
		return n.YNode()
	}
	tests := []struct {
		a, b string
		same bool
	}{
		{"a: 1\nb: [x, y]", "{a: 1, b: [x, y]} # style does not matter", true},
		{"a: '1'", "a: 1", false},
		{"a: 1\nb: 2", "b: 2\na: 1", false},
		{"a: &x v\nb: *x", "a: &x v\nb: *x", true},
		{"a: &x v\nb: *x", "a: &x v\nb: v", false},
		{"a: [x]", "a: [x, y]", false},
	}
	for _, tt := range tests {
		if got := sameNode(parse(tt.a), parse(tt.b)); got != tt.same {
			t.Errorf("sameNode(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.same)
		}
	}
}

// FuzzSplice checks, on any input that Transform annotates, that the text
// the writer splices reads back as the annotated nodes, in both modes, and
// that a second run changes nothing.
//
//	go test ./fn -run '^$' -fuzz FuzzSplice -fuzztime 30s
func FuzzSplice(f *testing.F) {
	goldens, _ := filepath.Glob("../testdata/*/input.yaml")
	for _, g := range goldens {
		if b, err := os.ReadFile(g); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, input []byte) {
		for _, text := range [][]byte{input, asResourceListOrNil(input)} {
			in, err := ReadInput(text)
			if err != nil {
				return
			}
			cfg, err := gatherConfig(in, "", nil, func(string) string { return "" })
			if err != nil {
				return
			}
			results, changes, err := Transform(in.Items, cfg)
			if err != nil || results.ExitCode() != 0 || hasNullKey(in.Items) {
				return
			}
			var out bytes.Buffer
			if err := in.WriteOutput(&out, results, changes); err != nil {
				t.Fatalf("WriteOutput: %v", err)
			}
			back, err := ReadInput(out.Bytes())
			if err != nil {
				t.Fatalf("output does not read back: %v\n%s", err, out.String())
			}
			if len(back.Items) != len(in.Items) {
				t.Fatalf("output has %d objects, want %d:\n%s", len(back.Items), len(in.Items), out.String())
			}
			for i := range in.Items {
				if !sameNode(back.Items[i].YNode(), in.Items[i].YNode()) {
					t.Fatalf("object %d does not read back as annotated:\n%s", i, out.String())
				}
			}
			cfg2, _ := gatherConfig(back, "", nil, func(string) string { return "" })
			if _, again, _ := Transform(back.Items, cfg2); len(again.splices) != 0 {
				t.Fatalf("a second run changes %d objects:\n%s", len(again.splices), out.String())
			}
		}
	})
}

// asResourceListOrNil wraps a stream in a ResourceList, nil when it is not
// one kyaml can read.
func asResourceListOrNil(stream []byte) []byte {
	items, err := (&kio.ByteReader{Reader: bytes.NewReader(stream)}).Read()
	if err != nil {
		return nil
	}
	var b bytes.Buffer
	w := kio.ByteWriter{Writer: &b, WrappingKind: kio.ResourceListKind, WrappingAPIVersion: kio.ResourceListAPIVersion}
	if w.Write(items) != nil {
		return nil
	}
	return b.Bytes()
}

// hasNullKey finds a mapping key that is null ("? " or an anchor with no
// name). The YAML library writes such a key back as ” (a string), so a
// document that has to be re-encoded would not read back the same; no
// Kubernetes object has one.
func hasNullKey(items []*yaml.RNode) bool {
	var walk func(n *yaml.Node) bool
	walk = func(n *yaml.Node) bool {
		for i, c := range n.Content {
			if n.Kind == yaml.MappingNode && i%2 == 0 && c.Kind == yaml.ScalarNode && c.ShortTag() == yaml.NodeTagNull {
				return true
			}
			if c.Kind != yaml.AliasNode && walk(c) {
				return true
			}
		}
		return false
	}
	for _, it := range items {
		if walk(it.YNode()) {
			return true
		}
	}
	return false
}

// sameNode reports whether two YAML trees hold the same data: kinds, keys
// in order, values with their resolved tags. Style, comments and positions
// do not matter. Aliases are compared by anchor name, never expanded, so
// the check stays linear in the size of the text.
func sameNode(a, b *yaml.Node) bool {
	if a.Kind == yaml.DocumentNode && len(a.Content) == 1 {
		a = a.Content[0]
	}
	if b.Kind == yaml.DocumentNode && len(b.Content) == 1 {
		b = b.Content[0]
	}
	if a.Kind != b.Kind || a.Anchor != b.Anchor || len(a.Content) != len(b.Content) {
		return false
	}
	switch a.Kind {
	case yaml.ScalarNode:
		return a.Value == b.Value && a.ShortTag() == b.ShortTag()
	case yaml.AliasNode:
		return a.Value == b.Value
	}
	for i := range a.Content {
		if !sameNode(a.Content[i], b.Content[i]) {
			return false
		}
	}
	return true
}

// TestResourceListItemBeyondSplice pins that in a ResourceList an item whose
// layout a splice cannot handle is written anew alone: every other byte of
// the list, the next item's comment included, is kept.
func TestResourceListItemBeyondSplice(t *testing.T) {
	const list = `apiVersion: config.kubernetes.io/v1
kind: ResourceList
items:
  - apiVersion: v1
    kind: ConfigMap
    metadata: {name: c}   # odd spacing, kept
    data: {k: v}
  - apiVersion: apps/v1
    kind: Deployment
    metadata: {name: flow}
    spec:
      template:
        metadata: {labels: {app: flow}}
        spec: {containers: [{name: a, envFrom: [{configMapRef: {name: c}}]}]}
  # about the next item
  - apiVersion: apps/v1
    kind: Deployment
    metadata: {name: block}
    spec:
      template:
        metadata:
          labels: {app: block}
        spec: {containers: [{name: a, envFrom: [{configMapRef: {name: c}}]}]}
`
	in, changes := spliceRun(t, []byte(list))
	var out bytes.Buffer
	if err := in.WriteOutput(&out, nil, changes); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	for _, kept := range []string{
		"items:\n  - apiVersion: v1\n    kind: ConfigMap\n    metadata: {name: c}   # odd spacing, kept\n    data: {k: v}\n  - apiVersion: apps/v1\n",
		"  # about the next item\n  - apiVersion: apps/v1\n    kind: Deployment\n    metadata: {name: block}\n",
		"        metadata:\n          annotations:\n            checksum/config: '",
	} {
		if !strings.Contains(got, kept) {
			t.Errorf("output lacks %q:\n%s", kept, got)
		}
	}
	back, err := ReadInput(out.Bytes())
	if err != nil {
		t.Fatalf("output does not read back: %v\n%s", err, got)
	}
	for i := range in.Items {
		if !sameNode(back.Items[i].YNode(), in.Items[i].YNode()) {
			t.Errorf("item %d does not read back as annotated:\n%s", i, got)
		}
	}
}
