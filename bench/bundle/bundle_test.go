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
	for _, n := range []int{3, 600} {
		for _, mode := range []Mode{ResourceList, Stream} {
			checkBundle(t, n, mode)
		}
	}
}

func checkBundle(t *testing.T, n int, mode Mode) {
	t.Helper()
	want := CountsFor(n)
	nodes, err := (&kio.ByteReader{Reader: bytes.NewReader(Bytes(n, mode))}).Read()
	if err != nil {
		t.Fatalf("n %d mode %s: %v", n, mode, err)
	}
	if len(nodes) != want.Resources() {
		t.Fatalf("n %d mode %s: %d objects, want %d", n, mode, len(nodes), want.Resources())
	}
	byKind := map[string]int{}
	exists := map[string]bool{}
	for _, o := range nodes {
		byKind[o.GetKind()]++
		exists[o.GetKind()+" "+o.GetNamespace()+"/"+o.GetName()] = true
	}
	if byKind["ConfigMap"] != want.ConfigMaps || byKind["Secret"] != want.Secrets || byKind["Namespace"] != want.Namespaces || byKind["Job"] != want.Jobs {
		t.Errorf("n %d mode %s: kinds %v, want %+v", n, mode, byKind, want)
	}
	missing := 0
	for _, o := range nodes {
		ns := o.GetNamespace()
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
		walk(o.YNode(), func(field string, v *yaml.RNode) {
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
		t.Errorf("n %d mode %s: %d references to absent objects, want %d", n, mode, missing, want.Missing)
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
