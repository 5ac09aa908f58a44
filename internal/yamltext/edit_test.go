package yamltext

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// The text layer is tested with its own edits, not with the function's:
// annotateAll makes, on any input, the edits a caller makes on metadata
// (insert an entry first, replace a value, delete an entry, insert a
// mapping where there is none), on every block mapping where they apply.

// annotateAll edits every item of in and returns the changes and how many
// edits it made. Mappings in flow style and anchored or aliased nodes are
// left alone: a flow mapping is written anew by design, and an edit through
// an anchor is the caller's to decide.
func annotateAll(in *Stream) (*Changes, int) {
	changes := NewChanges()
	edits := 0
	for i, item := range in.Items {
		e := changes.Item(i)
		walkMappings(item.YNode(), func(m *yaml.Node) {
			md := Own(m, "metadata")
			switch {
			case md != nil && isBlockMapping(md) && len(md.Content) > 0:
				edits += annotateMetadata(e, md)
			case md == nil && Own(m, "spec") != nil:
				e.Insert(m, Entry{Key: "metadata", Entries: []Entry{{Key: "annotations", Entries: []Entry{{Key: "example.com/added", Value: "v"}}}}})
				edits++
			}
		})
	}
	return changes, edits
}

// annotateMetadata deletes the last annotation and replaces the first when
// they are one-line scalars, and inserts one; or inserts the annotations.
func annotateMetadata(e Editor, md *yaml.Node) int {
	a := Own(md, "annotations")
	if a == nil {
		e.Insert(md, Entry{Key: "annotations", Entries: []Entry{{Key: "example.com/added", Value: "v"}}})
		return 1
	}
	if !isBlockMapping(a) || len(a.Content) == 0 || !isOneLine(a.Content[0]) {
		return 0
	}
	n := 0
	if last := len(a.Content) - 2; last > 0 && isOneLine(a.Content[last]) && isOneLine(a.Content[last+1]) && a.Content[last].Line == a.Content[last+1].Line {
		e.Delete(a, last)
		n++
	}
	if isOneLine(a.Content[1]) {
		e.Replace(a.Content[1], "replaced")
		n++
	}
	e.Insert(a, Entry{Key: "example.com/added", Value: "v"})
	return n + 1
}

func isBlockMapping(n *yaml.Node) bool {
	return n.Kind == yaml.MappingNode && n.Style&yaml.FlowStyle == 0 && n.Anchor == ""
}

// isOneLine is a scalar that a splice can find the end of: no tag or
// anchor, not a block scalar, and written on one line.
func isOneLine(n *yaml.Node) bool {
	// A plain scalar may run over several lines, folded into one with
	// spaces: one with a space is left alone.
	return n.Kind == yaml.ScalarNode && n.Anchor == "" && n.Style&(yaml.TaggedStyle|yaml.LiteralStyle|yaml.FoldedStyle) == 0 &&
		!strings.Contains(n.Value, "\n") && (n.Style != 0 || n.Value != "" && !strings.Contains(n.Value, " "))
}

// walkMappings calls f on every mapping under n, parents first; it does
// not go through aliases.
func walkMappings(n *yaml.Node, f func(*yaml.Node)) {
	if n.Kind == yaml.AliasNode {
		return
	}
	if n.Kind == yaml.MappingNode && n.Anchor == "" {
		f(n)
	}
	for _, c := range n.Content {
		walkMappings(c, f)
	}
}

// requireReadsBack writes in with changes and checks that the output reads
// back as the edited nodes.
func requireReadsBack(t *testing.T, in *Stream, changes *Changes) []byte {
	t.Helper()
	var out bytes.Buffer
	if err := in.Write(&out, nil, changes); err != nil {
		t.Fatalf("Write: %v", err)
	}
	back, err := Read(out.Bytes())
	if err != nil {
		t.Fatalf("output does not read back: %v\n%s", err, out.String())
	}
	if len(back.Items) != len(in.Items) || back.ResourceList != in.ResourceList {
		t.Fatalf("output has %d items (ResourceList %v), want %d (%v):\n%s", len(back.Items), back.ResourceList, len(in.Items), in.ResourceList, out.String())
	}
	for i := range in.Items {
		if !sameNode(back.Items[i].YNode(), in.Items[i].YNode()) {
			t.Fatalf("item %d does not read back as edited:\n%s", i, out.String())
		}
	}
	return out.Bytes()
}

// asResourceList wraps a stream the way kustomize and kpt hand it over.
func asResourceList(t testing.TB, stream []byte) []byte {
	t.Helper()
	b := asResourceListOrNil(stream)
	if b == nil {
		t.Fatal("kyaml cannot read the stream")
	}
	return b
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

// TestEditsSpliceRealLayouts pins that on the golden inputs and every
// manifest of the corpus, as streams and as ResourceLists, every edit is
// made as a splice, never by writing a document anew: a layout that
// silently fell back to re-encoding would lose bytes and speed.
func TestEditsSpliceRealLayouts(t *testing.T) {
	files, _ := filepath.Glob("../../testdata/*/input.yaml")
	err := filepath.WalkDir("../../testdata/corpus", func(p string, d os.DirEntry, err error) error {
		if ext := filepath.Ext(p); err == nil && (ext == ".yaml" || ext == ".yml") && filepath.Base(p) != "kustomization.yaml" {
			files = append(files, p)
		}
		return err
	})
	if err != nil || len(files) < 100 {
		t.Fatalf("found %d files (%v)", len(files), err)
	}
	total := 0
	for _, f := range files {
		input, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Read(input); err != nil {
			continue // a golden case about bad input
		}
		t.Run(strings.TrimPrefix(f, "../../testdata/"), func(t *testing.T) {
			for _, text := range [][]byte{input, asResourceList(t, input)} {
				in, err := Read(text)
				if err != nil {
					t.Fatal(err)
				}
				changes, n := annotateAll(in)
				total += n
				requireReadsBack(t, in, changes)
				if in.reencoded != 0 {
					t.Errorf("ResourceList %v: %d items written anew, not spliced", in.ResourceList, in.reencoded)
				}
			}
		})
	}
	if total < 500 {
		t.Errorf("only %d edits across %d files: the test is not editing", total, len(files))
	}
}

// TestEditLayouts pins where each edit goes in the text, and which layouts
// are written anew.
func TestEditLayouts(t *testing.T) {
	const other = "kind: Other\nmetadata: {name: c}   # odd spacing, kept\n---\n"
	// at finds the mapping or value to edit: a field path from the root.
	at := func(n *yaml.Node, path ...string) *yaml.Node {
		for _, p := range path {
			n = Lookup(n, p)
		}
		return n
	}
	tests := []struct {
		name    string
		target  string
		edit    func(e Editor, root *yaml.Node)
		spliced bool
		// want are texts the output must hold, in this order.
		want []string
	}{{
		name: "insert first; a comment above the first key stays above it",
		target: `kind: Deployment
spec:
    template:
        metadata:
            annotations:
                # scraped
                prometheus.io/scrape: "true"
`,
		edit: func(e Editor, root *yaml.Node) {
			e.Insert(at(root, "spec", "template", "metadata", "annotations"), Entry{Key: "checksum/config", Value: "abc"})
		},
		spliced: true,
		want:    []string{"            annotations:\n", "                checksum/config: 'abc'\n", "                # scraped\n", `                prometheus.io/scrape: "true"`},
	}, {
		name:   "insert a mapping above the first key",
		target: "kind: Deployment\nspec:\n  template:\n    metadata:\n      labels: {app: web}\n",
		edit: func(e Editor, root *yaml.Node) {
			e.Insert(at(root, "spec", "template", "metadata"), annotations("abc"))
		},
		spliced: true,
		want:    []string{"    metadata:\n", "      annotations:\n", "        checksum/config: 'abc'\n", "      labels: {app: web}\n"},
	}, {
		name:   "insert nested mappings",
		target: "kind: Deployment\nspec:\n  template:\n    spec:\n      containers: []\n",
		edit: func(e Editor, root *yaml.Node) {
			e.Insert(at(root, "spec", "template"), Entry{Key: "metadata", Entries: []Entry{annotations("abc")}})
		},
		spliced: true,
		want:    []string{"  template:\n", "    metadata:\n", "      annotations:\n", "        checksum/config: 'abc'\n", "    spec:\n"},
	}, {
		name:   "replace in place, the comment kept",
		target: "kind: Deployment\nmetadata:\n  annotations:\n    checksum/config: \"old\" # rolled\n    other: x\n",
		edit: func(e Editor, root *yaml.Node) {
			e.Replace(at(root, "metadata", "annotations", "checksum/config"), "new")
		},
		spliced: true,
		want:    []string{"    checksum/config: 'new' # rolled\n", "    other: x\n"},
	}, {
		name:    "delete an entry's line, its comment with it",
		target:  "kind: Deployment\nmetadata:\n  annotations:\n    checksum/configmap.gone: abc # old\n    other: x\n",
		edit:    func(e Editor, root *yaml.Node) { e.Delete(at(root, "metadata", "annotations"), 0) },
		spliced: true,
		want:    []string{"  annotations:\n    other: x\n"},
	}, {
		name:    "a key that needs quotes, a value with a quote",
		target:  "kind: Deployment\nmetadata:\n  labels: {}\n",
		edit:    func(e Editor, root *yaml.Node) { e.Insert(at(root, "metadata"), Entry{Key: "a key", Value: "it's"}) },
		spliced: true,
		want:    []string{"metadata:\n  'a key': 'it''s'\n  labels: {}\n"},
	}, {
		name:   "CRLF line endings stay CRLF",
		target: strings.ReplaceAll("kind: Deployment\nspec:\n  template:\n    metadata:\n      labels: {app: web}\n", "\n", "\r\n"),
		edit: func(e Editor, root *yaml.Node) {
			e.Insert(at(root, "spec", "template", "metadata"), annotations("abc"))
		},
		spliced: true,
		want:    []string{"      annotations:\r\n", "        checksum/config: 'abc'\r\n      labels: {app: web}\r\n"},
	}, {
		name:   "insert into a flow mapping, inline",
		target: "kind: Deployment\nspec:\n  template:\n    metadata: {labels: {app: web}}\n",
		edit: func(e Editor, root *yaml.Node) {
			e.Insert(at(root, "spec", "template", "metadata"), annotations("abc"))
		},
		spliced: true,
		want:    []string{"    metadata: {annotations: {checksum/config: 'abc'}, labels: {app: web}}\n"},
	}, {
		name:   "insert into an empty flow mapping",
		target: "kind: Deployment\nmetadata:\n  annotations: { }\n",
		edit: func(e Editor, root *yaml.Node) {
			e.Insert(at(root, "metadata", "annotations"), Entry{Key: "a", Value: "1"})
		},
		spliced: true,
		want:    []string{"  annotations: {a: '1'}\n"},
	}, {
		name:    "delete from a flow mapping: the first entry",
		target:  "kind: Deployment\nmetadata:\n  annotations: {a: '1', b: \"2\", c: 3}\n",
		edit:    func(e Editor, root *yaml.Node) { e.Delete(at(root, "metadata", "annotations"), 0) },
		spliced: true,
		want:    []string{"  annotations: {b: \"2\", c: 3}\n"},
	}, {
		name:    "delete from a flow mapping: the last entry",
		target:  "kind: Deployment\nmetadata:\n  annotations: {a: '1', b: \"2\", c: 3}\n",
		edit:    func(e Editor, root *yaml.Node) { e.Delete(at(root, "metadata", "annotations"), 4) },
		spliced: true,
		want:    []string{"  annotations: {a: '1', b: \"2\"}\n"},
	}, {
		name:    "delete from a flow mapping: the only entry",
		target:  "kind: Deployment\nmetadata:\n  annotations: { a: x }\n",
		edit:    func(e Editor, root *yaml.Node) { e.Delete(at(root, "metadata", "annotations"), 0) },
		spliced: true,
		want:    []string{"  annotations: {}\n"},
	}, {
		name:    "insert above a merge key written as Helm and kyaml write it",
		target:  "kind: Deployment\nbase: &b {team: a}\nmetadata:\n  !!merge <<: *b\n  name: web\n",
		edit:    func(e Editor, root *yaml.Node) { e.Insert(at(root, "metadata"), annotations("abc")) },
		spliced: true,
		want:    []string{"metadata:\n  annotations:\n    checksum/config: 'abc'\n  !!merge <<: *b\n"},
	}, {
		name:   "fill a null value written as nothing, as charts render an empty block",
		target: "kind: Deployment\nmetadata:\n  labels: {app: web}\n  annotations:\n  name: web\n",
		edit: func(e Editor, root *yaml.Node) {
			e.Fill(at(root, "metadata"), 2, Entry{Key: "checksum/config", Value: "abc"})
		},
		spliced: true,
		want:    []string{"  labels: {app: web}\n  annotations:\n    checksum/config: 'abc'\n  name: web\n"},
	}, {
		name:    "fill a null value written ~, its comment kept",
		target:  "kind: Deployment\nmetadata: ~ # none, gone\nspec: {}\n",
		edit:    func(e Editor, root *yaml.Node) { e.Fill(root, 2, annotations("abc")) },
		spliced: true,
		want:    []string{"metadata: # none, gone\n  annotations:\n    checksum/config: 'abc'\nspec: {}\n"},
	}, {
		name:    "fill a null value in a flow mapping",
		target:  "kind: Deployment\nmetadata: {name: web, annotations: null}\n",
		edit:    func(e Editor, root *yaml.Node) { e.Fill(at(root, "metadata"), 2, Entry{Key: "k", Value: "v"}) },
		spliced: true,
		want:    []string{"metadata: {name: web, annotations: {k: 'v'}}\n"},
	}, {
		name:   "insert after a one-line value",
		target: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n",
		edit: func(e Editor, root *yaml.Node) {
			e.InsertAfter(root, 2, Entry{Key: "immutable", Value: "true", Plain: true})
		},
		spliced: true,
		want:    []string{"apiVersion: v1\nkind: ConfigMap\nimmutable: true\nmetadata: {name: c}\n"},
	}, {
		name:   "a name replaced keeps its plain style, a name that would read as a number is quoted",
		target: "kind: Deployment\nspec:\n  a: {name: web}\n  b: {name: \"web\"}\n  c: {name: web}\n",
		edit: func(e Editor, root *yaml.Node) {
			e.ReplaceKeepingStyle(at(root, "spec", "a", "name"), "web-h9f646b527")
			e.ReplaceKeepingStyle(at(root, "spec", "b", "name"), "web-h9f646b527")
			e.ReplaceKeepingStyle(at(root, "spec", "c", "name"), "1e5")
		},
		spliced: true,
		want:    []string{"  a: {name: web-h9f646b527}\n  b: {name: \"web-h9f646b527\"}\n  c: {name: '1e5'}\n"},
	}, {
		name:    "a comment inside a flow mapping is beyond a splice",
		target:  "kind: Deployment\nmetadata:\n  annotations: {a: x, # why\n    b: y}\n",
		edit:    func(e Editor, root *yaml.Node) { e.Delete(at(root, "metadata", "annotations"), 0) },
		spliced: false,
		want:    []string{"b: y"},
	}, {
		name:   "a multi-line value is written anew",
		target: "kind: Deployment\nmetadata:\n  annotations:\n    checksum/config: |\n      old\n",
		edit: func(e Editor, root *yaml.Node) {
			e.Replace(at(root, "metadata", "annotations", "checksum/config"), "new")
		},
		spliced: false,
		want:    []string{"checksum/config: 'new'"},
	}, {
		name:   "an alias made a value of its own is written anew, the anchor kept",
		target: "kind: Deployment\nmetadata: &m\n  labels: {app: web}\nspec:\n  template:\n    metadata: *m\n",
		edit: func(e Editor, root *yaml.Node) {
			tpl := at(root, "spec", "template")
			e.Insert(e.Unalias(tpl, 0), annotations("abc"))
		},
		spliced: false,
		want:    []string{"metadata: &m\n  labels: {app: web}\n", "    metadata:\n      annotations:\n        checksum/config: 'abc'\n      labels: {app: web}\n"},
	}, {
		name:   "a merged mapping overridden keeps what it merged",
		target: "kind: Deployment\nbase: &b\n  annotations: {team: a}\nmetadata:\n  <<: *b\n  name: web\n",
		edit: func(e Editor, root *yaml.Node) {
			e.Insert(e.Override(at(root, "metadata"), "annotations"), Entry{Key: "k", Value: "v"})
		},
		spliced: false,
		want:    []string{"metadata:\n  annotations: {k: 'v', team: a}\n  <<: *b\n"},
	}, {
		name:   "a mapping expanded holds its merged entries as its own",
		target: "kind: Deployment\nbase: &b {team: a, x: y}\nmetadata:\n  annotations:\n    <<: *b\n    own: o\n",
		edit: func(e Editor, root *yaml.Node) {
			a := at(root, "metadata", "annotations")
			e.Expand(a)
			e.Delete(a, 4)
		},
		spliced: false,
		want:    []string{"  annotations:\n    own: o\n    team: a\n"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			input := []byte(other + tt.target)
			in, err := Read(input)
			if err != nil {
				t.Fatal(err)
			}
			changes := NewChanges()
			tt.edit(changes.Item(1), in.Items[1].YNode())
			got := string(requireReadsBack(t, in, changes))
			if spliced := in.reencoded == 0; spliced != tt.spliced {
				t.Errorf("spliced = %v, want %v", spliced, tt.spliced)
			}
			if !strings.HasPrefix(got, other) {
				t.Errorf("the other document changed:\n%s", got)
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
				// Every input line is still there but the one edited.
				for _, l := range strings.SplitAfter(string(input), "\n") {
					if !strings.Contains(got, l) && !strings.Contains(l, "checksum/config") && !strings.Contains(l, "gone") && !strings.Contains(l, "{") {
						t.Errorf("input line %q is gone from the output:\n%s", l, got)
					}
				}
			}
		})
	}
}

func annotations(value string) Entry {
	return Entry{Key: "annotations", Entries: []Entry{{Key: "checksum/config", Value: value}}}
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

// FuzzEdit checks, on any input, that the text written after annotateAll's
// edits reads back as the edited nodes, as a stream and as a ResourceList.
//
//	go test ./internal/yamltext -run '^$' -fuzz FuzzEdit -fuzztime 30s
func FuzzEdit(f *testing.F) {
	goldens, _ := filepath.Glob("../../testdata/*/input.yaml")
	for _, g := range goldens {
		if b, err := os.ReadFile(g); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, input []byte) {
		for _, text := range [][]byte{input, asResourceListOrNil(input)} {
			in, err := Read(text)
			if err != nil || hasNullKey(in.Items) {
				return
			}
			changes, _ := annotateAll(in)
			requireReadsBack(t, in, changes)
		}
	})
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
  - kind: Other
    metadata: {name: c}   # odd spacing, kept
  - kind: Deployment
    metadata: {name: folded}
    spec:
      template:
        metadata:
          annotations:
            checksum/config: >-
              old
  # about the next item
  - kind: Deployment
    metadata: {name: block}
    spec:
      template:
        metadata:
          labels: {app: block}
`
	in, err := Read([]byte(list))
	if err != nil {
		t.Fatal(err)
	}
	changes := NewChanges()
	metadata := func(i int) *yaml.Node {
		return Lookup(Lookup(Lookup(in.Items[i].YNode(), "spec"), "template"), "metadata")
	}
	changes.Item(1).Replace(Lookup(Lookup(metadata(1), "annotations"), "checksum/config"), "abc")
	changes.Item(2).Insert(metadata(2), annotations("abc"))
	got := string(requireReadsBack(t, in, changes))
	if in.reencoded != 1 {
		t.Errorf("%d items written anew, want 1", in.reencoded)
	}
	for _, kept := range []string{
		"items:\n  - kind: Other\n    metadata: {name: c}   # odd spacing, kept\n  - kind: Deployment\n",
		"  # about the next item\n  - kind: Deployment\n    metadata: {name: block}\n",
		"        metadata:\n          annotations:\n            checksum/config: 'abc'\n          labels: {app: block}\n",
	} {
		if !strings.Contains(got, kept) {
			t.Errorf("output lacks %q:\n%s", kept, got)
		}
	}
}
