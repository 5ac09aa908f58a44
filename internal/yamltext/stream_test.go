package yamltext

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

func TestRead(t *testing.T) {
	tests := []struct {
		name         string
		input        string
		items        int
		resourceList bool
		wantErr      []string
	}{
		{"empty", "", 0, false, nil},
		{"stream", "a: 1\n---\nb: 2\n", 2, false, nil},
		{"empty documents and comments", "---\n# only a comment\n---\na: 1\n---\n", 1, false, nil},
		{"separator with comment", "a: 1\n--- # next\nb: 2\n", 2, false, nil},
		{"CRLF", "a: 1\r\n---\r\nb: 2\r\n", 2, false, nil},
		{"BOM", "\xef\xbb\xbfa: 1\n", 1, false, nil},
		{"ResourceList", "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- a: 1\n- b: 2\nfunctionConfig: {c: 3}\n", 2, true, nil},
		{"ResourceList without items", "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\n", 0, true, nil},
		{"a ResourceList among others is an object", "kind: ResourceList\napiVersion: config.kubernetes.io/v1\nitems: []\n---\na: 1\n", 2, false, nil},
		{"broken YAML names the line of the stream", "a: 1\n---\nb: 2\n---\nc: [\n", 0, false, []string{"not valid YAML", "line 5:"}},
		{"tab", "a: 1\n---\nb:\n\tc: 2\n", 0, false, []string{"not valid YAML", "line 4"}},
		{"scalar document", "a: 1\n---\njust text\n", 0, false, []string{"document 2 (line 3) is not an object but a YAML scalar"}},
		{"list document", "- a\n- b\n", 0, false, []string{"document 1 (line 1) is not an object but a YAML list"}},
		{"items not a list", "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: {a: 1}\n", 0, true, []string{"ResourceList field items (line 3) is not a list but a YAML map"}},
		{"item not an object", "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- a: 1\n- text\n", 0, true, []string{"ResourceList items[1] (line 5) is not an object but a YAML scalar"}},
		{"%YAML 1.1 directive", "%YAML 1.1\n---\na: 1\n---\nb: 2\n", 2, false, nil},
		{"%YAML 1.2 directive, after a document", "a: 1\n---\n# the next one\n%YAML 1.2\n---\nb: 2\n", 2, false, nil},
		{"%TAG directive", "%TAG !k! tag:example.com,2020:\n---\na: !k!x 1\n", 1, false, nil},
		{"duplicate key", "a: 1\n---\nb:\n  c: 1\n  d: 2\n  c: 3\n", 0, false, []string{"line 6: mapping key \"c\" already defined at line 4"}},
		{"duplicate key in a flow mapping", "a: {x: 1, y: 2, x: 3}\n", 0, false, []string{"line 1: mapping key \"x\" already defined at line 1"}},
		{"duplicate key in a large mapping", "a:\n" + strings.Repeat("  k: 1\n", 1)[:0] + bigMapping(40) + "  k5: 0\n", 0, false, []string{"line 42: mapping key \"k5\" already defined at line 7"}},
		{"text after a document end marker is not read, as kubectl does not", "a: 1\n...\nignored: [by kubectl\n---\nb: 2\n", 2, false, nil},
		{"the same key in two mappings is no duplicate", "a: {x: 1}\nb: {x: 1}\n", 1, false, nil},
		{"duplicate key in a ResourceList item", "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- a: 1\n  a: 2\n", 0, true, []string{"line 5: mapping key \"a\" already defined at line 4"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in, err := Read([]byte(tt.input))
			if tt.wantErr != nil {
				if err == nil {
					t.Fatalf("Read succeeded, want an error")
				}
				for _, w := range tt.wantErr {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q lacks %q", err, w)
					}
				}
				return
			}
			if err != nil {
				t.Fatalf("Read: %v", err)
			}
			if len(in.Items) != tt.items || in.ResourceList != tt.resourceList {
				t.Errorf("got %d items, ResourceList %v; want %d, %v", len(in.Items), in.ResourceList, tt.items, tt.resourceList)
			}
		})
	}
}

func bigMapping(n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "  k%d: %d\n", i, i)
	}
	return b.String()
}

// TestWriteKeepsMarkers pins what a document carries beyond its object, in
// a document written anew (here, one whose annotation value is a block
// scalar) as in one spliced: directives, a byte order mark, "..." markers.
func TestWriteKeepsMarkers(t *testing.T) {
	const spliced = "kind: A\nmetadata:\n  annotations:\n    x: old\n"
	const rewritten = "kind: A\nmetadata:\n  annotations:\n    x: |\n      old\n"
	tests := []struct {
		name, input, want string
	}{
		{"BOM, spliced", "\xef\xbb\xbf" + spliced, "\xef\xbb\xbfkind: A\nmetadata:\n  annotations:\n    x: 'new'\n"},
		{"BOM, written anew", "\xef\xbb\xbf" + rewritten, "\xef\xbb\xbfkind: A\nmetadata:\n  annotations:\n    x: 'new'\n"},
		{"document end, spliced", spliced + "...\n", "kind: A\nmetadata:\n  annotations:\n    x: 'new'\n...\n"},
		{"document end, written anew", rewritten + "...\n# after\n", "kind: A\nmetadata:\n  annotations:\n    x: 'new'\n...\n# after\n"},
		{"text after the end marker, written anew", rewritten + "...\nstale: {tail\n", "kind: A\nmetadata:\n  annotations:\n    x: 'new'\n...\nstale: {tail\n"},
		{"directives, written anew", "%YAML 1.2\n%TAG !e! tag:example.com,2020:\n--- # first\n" + rewritten, "%YAML 1.2\n%TAG !e! tag:example.com,2020:\n--- # first\nkind: A\nmetadata:\n  annotations:\n    x: 'new'\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in, err := Read([]byte(tt.input))
			if err != nil {
				t.Fatal(err)
			}
			changes := NewChanges()
			changes.Item(0).Replace(Lookup(Lookup(Lookup(in.Items[0].YNode(), "metadata"), "annotations"), "x"), "new")
			var out bytes.Buffer
			if err := in.Write(&out, nil, changes); err != nil {
				t.Fatal(err)
			}
			if out.String() != tt.want {
				t.Errorf("got\n%q\nwant\n%q", out.String(), tt.want)
			}
		})
	}
}

// TestJSONDocuments pins that a JSON document (jsonnet -y, Tanka, kubectl
// -o json; JSON is YAML) stays JSON: an edit is spliced in JSON syntax in
// the document's own layout, and a document written anew is JSON again.
func TestJSONDocuments(t *testing.T) {
	const pretty = `{
    "kind": "Deployment",
    "spec": {
        "template": {
            "metadata": {
                "labels": {
                    "app": "web"
                }
            }
        }
    }
}
`
	metadata := func(n *yaml.Node) *yaml.Node { return Lookup(Lookup(Lookup(n, "spec"), "template"), "metadata") }
	tests := []struct {
		name     string
		input    string
		edit     func(e Editor, root *yaml.Node)
		want     string
		rewrites bool
	}{{
		name:  "pretty: a nested mapping inserted",
		input: pretty,
		edit: func(e Editor, root *yaml.Node) {
			e.Insert(metadata(root), Entry{Key: "annotations", Entries: []Entry{{Key: "checksum/config", Value: "abc"}}})
		},
		want: strings.Replace(pretty, `            "metadata": {
`, `            "metadata": {
                "annotations": {
                    "checksum/config": "abc"
                },
`, 1),
	}, {
		name:  "pretty: a value replaced and one deleted",
		input: "{\n  \"kind\": \"A\",\n  \"metadata\": {\n    \"annotations\": {\n      \"a\": \"1\",\n      \"b\": \"2\"\n    }\n  }\n}\n",
		edit: func(e Editor, root *yaml.Node) {
			a := Lookup(Lookup(root, "metadata"), "annotations")
			e.Replace(Lookup(a, "a"), "it's <new>")
			e.Delete(a, 2)
		},
		want: "{\n  \"kind\": \"A\",\n  \"metadata\": {\n    \"annotations\": {\n      \"a\": \"it's <new>\"\n    }\n  }\n}\n",
	}, {
		name:  "an empty map of a JSON object",
		input: "{\"kind\": \"A\", \"metadata\": {\"annotations\": { }}}\n",
		edit: func(e Editor, root *yaml.Node) {
			e.Insert(Lookup(Lookup(root, "metadata"), "annotations"), Entry{Key: "k", Value: "v"})
		},
		want: "{\"kind\": \"A\", \"metadata\": {\"annotations\": {\"k\": \"v\"}}}\n",
	}, {
		name:  "compact",
		input: `{"kind":"A","metadata":{"name":"x"}}`,
		edit: func(e Editor, root *yaml.Node) {
			e.Insert(Lookup(root, "metadata"), Entry{Key: "annotations", Entries: []Entry{{Key: "k", Value: "v"}}})
		},
		want: `{"kind":"A","metadata":{"annotations":{"k":"v"},"name":"x"}}`,
	}, {
		name:  "one line with spaces",
		input: "{\"kind\": \"A\", \"metadata\": {}}\n",
		edit: func(e Editor, root *yaml.Node) {
			e.Insert(Lookup(root, "metadata"), Entry{Key: "k", Value: "v"})
		},
		want: "{\"kind\": \"A\", \"metadata\": {\"k\": \"v\"}}\n",
	}, {
		name:  "written anew through an alias edit, still JSON in its layout",
		input: "{\n  \"kind\": \"A\",\n  \"n\": 1,\n  \"ok\": true,\n  \"none\": null,\n  \"list\": [1, \"two\"],\n  \"metadata\": {}\n}\n",
		edit: func(e Editor, root *yaml.Node) {
			e.Insert(e.Unalias(root, 10), Entry{Key: "k", Value: "v"})
		},
		want:     "{\n  \"kind\": \"A\",\n  \"n\": 1,\n  \"ok\": true,\n  \"none\": null,\n  \"list\": [\n    1,\n    \"two\"\n  ],\n  \"metadata\": {\n    \"k\": \"v\"\n  }\n}\n",
		rewrites: true,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			input := "kind: Other\n---\n" + tt.input
			in, err := Read([]byte(input))
			if err != nil {
				t.Fatal(err)
			}
			changes := NewChanges()
			tt.edit(changes.Item(1), in.Items[1].YNode())
			var out bytes.Buffer
			if err := in.Write(&out, nil, changes); err != nil {
				t.Fatal(err)
			}
			got := strings.TrimPrefix(out.String(), "kind: Other\n---\n")
			if got != tt.want {
				t.Errorf("got\n%s\nwant\n%s", got, tt.want)
			}
			if !json.Valid([]byte(got)) {
				t.Errorf("output is not JSON:\n%s", got)
			}
			if (in.reencoded > 0) != tt.rewrites {
				t.Errorf("written anew: %v, want %v", in.reencoded > 0, tt.rewrites)
			}
			back, err := Read(out.Bytes())
			if err != nil || !sameNode(back.Items[1].YNode(), in.Items[1].YNode()) {
				t.Errorf("output does not read back as the edited object (%v)", err)
			}
		})
	}
}

// TestStreamOutputKeepsLayout pins what stream mode keeps of a document that
// it does not change: comments above and inside it, and its sequence indentation.
func TestStreamOutputKeepsLayout(t *testing.T) {
	input := "# Source: chart/templates/a.yaml\napiVersion: v1\nkind: List\nitems:\n  - a # wide\n---\n# Source: b.yaml\nkind: X\nlist:\n- b\n"
	in, err := Read([]byte(input))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := in.Write(&out, nil, nil); err != nil {
		t.Fatal(err)
	}
	want := "# Source: chart/templates/a.yaml\napiVersion: v1\nkind: List\nitems:\n  - a # wide\n---\n# Source: b.yaml\nkind: X\nlist:\n- b\n"
	if out.String() != want {
		t.Errorf("got\n%s\nwant\n%s", out.String(), want)
	}
}
