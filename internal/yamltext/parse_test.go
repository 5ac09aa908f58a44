package yamltext

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/yaml"

	"confighash.dev/confighash/bench/bundle"
)

// samePositions is sameNode that also compares what splices rely on: the
// line, column and style of every node.
func samePositions(a, b *yaml.Node, path string) error {
	if a.Kind != b.Kind || a.Value != b.Value || a.Tag != b.Tag || a.Style != b.Style || a.Line != b.Line || a.Column != b.Column || len(a.Content) != len(b.Content) {
		return fmt.Errorf("%s: %v %q %s line %d col %d (%d children) vs %v %q %s line %d col %d (%d children)", path,
			a.Kind, a.Value, a.Tag, a.Line, a.Column, len(a.Content), b.Kind, b.Value, b.Tag, b.Line, b.Column, len(b.Content))
	}
	for i := range a.Content {
		if err := samePositions(a.Content[i], b.Content[i], fmt.Sprintf("%s/%d", path, i)); err != nil {
			return err
		}
	}
	return nil
}

func TestDecodeListParallelMatchesOneParse(t *testing.T) {
	inputs := map[string]string{
		"bench bundle, 300 workloads": string(bundle.Bytes(300, bundle.ResourceList)),
	}
	goldens, _ := filepath.Glob("../../testdata/*/input.yaml")
	for _, g := range goldens {
		b, err := os.ReadFile(g)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Read(b); err == nil {
			inputs[g] = string(asResourceList(t, b))
		}
	}
	// Layouts kustomize and kpt do not write, but a ResourceList may have.
	inputs["indented items, CRLF, comments between items"] = strings.ReplaceAll(`apiVersion: config.kubernetes.io/v1
kind: ResourceList
items:
  # first
  - apiVersion: v1
    kind: ConfigMap
    metadata: {name: a}
    data:
      script: |
        - not an item
  -   apiVersion: v1
      kind: ConfigMap
      metadata: {name: b}
  # between
  - apiVersion: v1
    kind: ConfigMap
    metadata:
      name: c
functionConfig:
  apiVersion: v1
  kind: ConfigMap
`, "\n", "\r\n")

	for name, text := range inputs {
		t.Run(name, func(t *testing.T) {
			one, err := decodeAll(text)
			if err != nil || len(one) != 1 {
				t.Fatalf("one parse: %v", err)
			}
			for _, workers := range []int{2, 3, 7} {
				got, ok := decodeListParallel(text, workers)
				if !ok {
					if n := len(Own(one[0].Content[0], "items").Content); n >= workers {
						t.Errorf("%d workers: not parsed in slices, though it has %d items", workers, n)
					}
					continue
				}
				if err := samePositions(got, one[0], "root"); err != nil {
					t.Errorf("%d workers: %v", workers, err)
				}
			}
		})
	}
}

// TestDecodeListParallelIsSafe pins the layouts where cutting the items
// apart at a line that looks like an item start would not give the tree of
// one parse: in slices, such a text is declined (and parsed at once) or, when
// no cut falls there, parsed to the same tree.
func TestDecodeListParallelIsSafe(t *testing.T) {
	var items strings.Builder
	for i := 0; i < 12; i++ {
		fmt.Fprintf(&items, "- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: c%d}\n", i)
		if i == 6 {
			items.WriteString("  data: {k: \"x\n- apiVersion: v1\n  kind: y\"}\n")
		}
	}
	head := "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\n"
	tests := map[string]string{
		"a quoted value runs over a line that starts an item": head + "items:\n" + items.String(),
		"an alias to an anchor in another item":               head + "items:\n- &obj {apiVersion: v1, kind: ConfigMap}\n" + items.String() + "- *obj\n",
		"flow items":                                          head + "items: [{kind: A}, {kind: B}, {kind: C}]\n",
		"no items":                                            head + "functionConfig: {}\n",
		"a flow ResourceList":                                 "{apiVersion: config.kubernetes.io/v1, kind: ResourceList, items: [\n{kind: A},\n{kind: B}]}\n",
	}
	for name, text := range tests {
		t.Run(name, func(t *testing.T) {
			one, err := decodeAll(text)
			if err != nil {
				t.Fatal(err)
			}
			declined := 0
			for workers := 2; workers <= 14; workers++ {
				got, ok := decodeListParallel(text, workers)
				if !ok {
					declined++
					continue
				}
				if err := samePositions(got, one[0], "root"); err != nil {
					t.Errorf("%d workers: %v", workers, err)
				}
			}
			if declined == 0 {
				t.Errorf("never declined: no cut fell where it matters")
			}
		})
	}
}

// TestDecodeChunksKeepsErrorOrder pins that a large stream, parsed on
// several cores, reports the first bad document of the input.
func TestDecodeChunksKeepsErrorOrder(t *testing.T) {
	good := string(bundle.Bytes(800, bundle.Stream))
	if len(good) < parallelMin {
		t.Fatalf("the bundle (%d bytes) is too small to be parsed in parallel", len(good))
	}
	text := good + "---\nkind: [first\n---\n" + good + "---\nkind: {second\n"
	_, err := Read([]byte(text))
	line := strings.Count(good, "\n") + 2
	if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("line %d:", line)) {
		t.Errorf("want the error of line %d, got %v", line, err)
	}
}
