package bundle

import (
	"bytes"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

func TestBundleIsDeterministic(t *testing.T) {
	for _, mode := range []Mode{ResourceList, Stream} {
		if a, b := Bytes(300, mode), Bytes(300, mode); !bytes.Equal(a, b) {
			t.Errorf("mode %s: two runs gave different bytes", mode)
		}
	}
}

// TestBundleHoldsWhatCountsSays parses both forms with kyaml and checks the
// kinds, and that every reference that is neither optional nor meant to be
// missing names an object of the bundle in the workload's namespace.
func TestBundleHoldsWhatCountsSays(t *testing.T) {
	const n = 600
	want := CountsFor(n)
	for _, mode := range []Mode{ResourceList, Stream} {
		nodes, err := (&kio.ByteReader{Reader: bytes.NewReader(Bytes(n, mode))}).Read()
		if err != nil {
			t.Fatalf("mode %s: %v", mode, err)
		}
		if len(nodes) != want.Resources() {
			t.Fatalf("mode %s: %d objects, want %d", mode, len(nodes), want.Resources())
		}
		byKind := map[string]int{}
		exists := map[string]bool{}
		for _, n := range nodes {
			byKind[n.GetKind()]++
			exists[n.GetKind()+" "+n.GetNamespace()+"/"+n.GetName()] = true
		}
		if byKind["ConfigMap"] != want.ConfigMaps || byKind["Secret"] != want.Secrets || byKind["Namespace"] != want.Namespaces || byKind["Job"] != want.Jobs {
			t.Errorf("mode %s: kinds %v, want %+v", mode, byKind, want)
		}
		missing := 0
		for _, n := range nodes {
			ns := n.GetNamespace()
			check := func(kind string, ref *yaml.RNode, nameField string) {
				name := yaml.GetValue(ref.Field(nameField).Value)
				if exists[kind+" "+ns+"/"+name] {
					return
				}
				if opt := ref.Field("optional"); opt != nil && yaml.GetValue(opt.Value) == "true" {
					return
				}
				missing++
			}
			walk(n.YNode(), func(field string, v *yaml.RNode) {
				switch field {
				case "configMapRef", "configMapKeyRef", "configMap":
					check("ConfigMap", v, "name")
				case "secretRef", "secretKeyRef":
					check("Secret", v, "name")
				case "secret":
					if v.Field("secretName") != nil {
						check("Secret", v, "secretName")
					} else {
						check("Secret", v, "name")
					}
				}
			})
		}
		if missing != want.Missing {
			t.Errorf("mode %s: %d references to absent objects, want %d", mode, missing, want.Missing)
		}
	}
}

func walk(n *yaml.Node, f func(string, *yaml.RNode)) {
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i+1].Kind == yaml.MappingNode {
				f(n.Content[i].Value, yaml.NewRNode(n.Content[i+1]))
			}
			walk(n.Content[i+1], f)
		}
	case yaml.SequenceNode:
		for _, c := range n.Content {
			walk(c, f)
		}
	}
}

func TestWriteRejectsUnknownMode(t *testing.T) {
	if err := Write(&bytes.Buffer{}, 1, "json"); err == nil {
		t.Error("mode json: no error")
	}
}
