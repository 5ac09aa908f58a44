package yamltext

import (
	"strconv"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// TestMergeKeys pins that the accessors read a mapping as the API server's
// YAML reader does: own keys win over merged ones, an earlier merged mapping
// over a later one, and merges of merges are followed.
func TestMergeKeys(t *testing.T) {
	const doc = `base: &base {a: base-a, b: base-b, deep: {x: 1}}
other: &other {b: other-b, c: other-c}
chained: &chained
  <<: *base
  d: chained-d
m:
  <<: [*other, *base]
  a: own-a
n:
  <<: *chained
list:
  <<: *base
  items: [*base, {e: 1}]
`
	root := yaml.MustParse(doc).YNode()
	m, n := Lookup(root, "m"), Lookup(root, "n")
	for _, tt := range []struct {
		node  *yaml.Node
		field string
		want  string
	}{
		{m, "a", "own-a"},
		{m, "b", "other-b"},
		{m, "c", "other-c"},
		{m, "missing", ""},
		{n, "d", "chained-d"},
		{n, "a", "base-a"},
		{Lookup(n, "deep"), "x", "1"},
	} {
		if got := String(tt.node, tt.field); got != tt.want {
			t.Errorf("String(%s) = %q, want %q", tt.field, got, tt.want)
		}
	}
	var keys []string
	for _, e := range Entries(m) {
		keys = append(keys, e[0].Value+"="+e[1].Value)
	}
	if got, want := strings.Join(keys, " "), "a=own-a b=other-b c=other-c deep="; got != want {
		t.Errorf("Entries = %q, want %q", got, want)
	}
	if got := len(Seq(Lookup(root, "list"), "items")); got != 2 {
		t.Errorf("Seq through an alias element: %d mappings, want 2", got)
	}
	if !HasMerge(m) || HasMerge(Lookup(root, "base")) {
		t.Error("HasMerge is wrong")
	}
	// A key written "<<" in quotes is a plain key, not a merge.
	q := yaml.MustParse("x: &x {a: 1}\ny:\n  '<<': *x\n").YNode()
	if String(Lookup(q, "y"), "a") != "" {
		t.Error("a quoted << was read as a merge key")
	}
}

// TestMergeDepthIsBounded: a chain of merges longer than any real document
// is cut, not followed to the end.
func TestMergeDepthIsBounded(t *testing.T) {
	var b strings.Builder
	b.WriteString("m0: &m0 {deep: found}\n")
	for i := 1; i <= 40; i++ {
		b.WriteString("m" + strconv.Itoa(i) + ": &m" + strconv.Itoa(i) + " {<<: *m" + strconv.Itoa(i-1) + "}\n")
	}
	root := yaml.MustParse(b.String()).YNode()
	if String(Lookup(root, "m5"), "deep") != "found" {
		t.Error("a short chain of merges is not followed")
	}
	if String(Lookup(root, "m40"), "deep") != "" {
		t.Error("a chain of 40 merges is followed to its end")
	}
}
