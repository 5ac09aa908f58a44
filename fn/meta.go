package fn

import "sigs.k8s.io/kustomize/kyaml/yaml"

// metaOf reads an object's type and metadata. kyaml's getters index a
// metadata field as a map whatever it is, and panic when it is a list;
// input is untrusted, so a field of the wrong shape reads as absent here.
func metaOf(n *yaml.Node) yaml.ResourceMeta {
	md := mapField(n, "metadata")
	return yaml.ResourceMeta{
		TypeMeta: yaml.TypeMeta{APIVersion: stringField(n, "apiVersion"), Kind: stringField(n, "kind")},
		ObjectMeta: yaml.ObjectMeta{
			NameMeta:    yaml.NameMeta{Name: stringField(md, "name"), Namespace: stringField(md, "namespace")},
			Labels:      stringMapField(md, "labels"),
			Annotations: stringMapField(md, "annotations"),
		},
	}
}

// stringMapField reads a map of strings; entries whose value is not a
// scalar are left out.
func stringMapField(n *yaml.Node, field string) map[string]string {
	m := mapField(n, field)
	if m == nil {
		return nil
	}
	out := make(map[string]string, len(m.Content)/2)
	for i := 0; i+1 < len(m.Content); i += 2 {
		if v := deref(m.Content[i+1]); v.Kind == yaml.ScalarNode {
			out[m.Content[i].Value] = v.Value
		}
	}
	return out
}
