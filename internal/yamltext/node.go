package yamltext

import "sigs.k8s.io/kustomize/kyaml/yaml"

// The accessors below read plain YAML nodes the way every layer of the
// program reads them: they follow aliases, and a field of the wrong shape
// reads as absent. Input is untrusted, so none of them panics on any tree.

// Deref follows a YAML alias to the node it names.
func Deref(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

// Lookup is the value of field in mapping n, aliases followed; nil when n
// is not a mapping or has no such field.
func Lookup(n *yaml.Node, field string) *yaml.Node {
	n = Deref(n)
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == field {
			return Deref(n.Content[i+1])
		}
	}
	return nil
}

// Own is the value node of field as it is written in mapping n, nil when
// absent. Unlike Lookup it follows no alias: it finds what is to be edited.
func Own(n *yaml.Node, field string) *yaml.Node {
	if n == nil {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == field {
			return n.Content[i+1]
		}
	}
	return nil
}

// Map is the mapping at field of n, nil when absent or not a mapping.
func Map(n *yaml.Node, field string) *yaml.Node {
	v := Lookup(n, field)
	if v == nil || v.Kind != yaml.MappingNode {
		return nil
	}
	return v
}

// Seq is the mappings of the sequence at field of n; elements that are not
// mappings are left out.
func Seq(n *yaml.Node, field string) []*yaml.Node {
	v := Lookup(n, field)
	if v == nil || v.Kind != yaml.SequenceNode {
		return nil
	}
	elems := make([]*yaml.Node, 0, len(v.Content))
	for _, e := range v.Content {
		if e = Deref(e); e.Kind == yaml.MappingNode {
			elems = append(elems, e)
		}
	}
	return elems
}

// String is the scalar at field of n, "" when absent or not a scalar.
func String(n *yaml.Node, field string) string {
	v := Lookup(n, field)
	if v == nil || v.Kind != yaml.ScalarNode {
		return ""
	}
	return v.Value
}

// StringMap reads a map of strings at field of n; entries whose value is
// not a scalar are left out.
func StringMap(n *yaml.Node, field string) map[string]string {
	m := Map(n, field)
	if m == nil {
		return nil
	}
	out := make(map[string]string, len(m.Content)/2)
	for i := 0; i+1 < len(m.Content); i += 2 {
		if v := Deref(m.Content[i+1]); v.Kind == yaml.ScalarNode {
			out[m.Content[i].Value] = v.Value
		}
	}
	return out
}

// Meta reads an object's type and metadata. kyaml's getters index a
// metadata field as a map whatever it is, and panic when it is a list; here
// a field of the wrong shape reads as absent.
func Meta(n *yaml.Node) yaml.ResourceMeta {
	md := Map(n, "metadata")
	return yaml.ResourceMeta{
		TypeMeta: yaml.TypeMeta{APIVersion: String(n, "apiVersion"), Kind: String(n, "kind")},
		ObjectMeta: yaml.ObjectMeta{
			NameMeta:    yaml.NameMeta{Name: String(md, "name"), Namespace: String(md, "namespace")},
			Labels:      StringMap(md, "labels"),
			Annotations: StringMap(md, "annotations"),
		},
	}
}

// KindName names the kind of a node for messages: "map", "list", ...
func KindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "map"
	case yaml.SequenceNode:
		return "list"
	case yaml.ScalarNode:
		return "scalar"
	case yaml.AliasNode:
		return "alias"
	case yaml.DocumentNode:
		return "document"
	}
	return "node"
}
