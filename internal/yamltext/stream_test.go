package yamltext

import (
	"bytes"
	"strings"
	"testing"
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
