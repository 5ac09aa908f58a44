package yamltext

import "sigs.k8s.io/kustomize/kyaml/yaml"

// The accessors below read plain YAML nodes the way every layer of the
// program reads them, and the way the API server's YAML reader does: they
// follow aliases and merge keys (<<: *base, <<: [*a, *b]; a key of the
// mapping itself wins over a merged one, and an earlier merged mapping over
// a later one), and a field of the wrong shape reads as absent. Input is
// untrusted, so none of them panics on any tree, and merges are followed to
// a bounded depth, so that a merge of a merge of ... stays cheap.

// Deref follows a YAML alias to the node it names.
func Deref(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

// Lookup is the value of field in mapping n, aliases and merge keys
// followed; nil when n is not a mapping or has no such field.
func Lookup(n *yaml.Node, field string) *yaml.Node {
	return lookup(n, field, 0)
}

// maxMergeDepth bounds how deep merges of merges are followed.
const maxMergeDepth = 16

func lookup(n *yaml.Node, field string, depth int) *yaml.Node {
	n = Deref(n)
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	merges := false
	for i := 0; i+1 < len(n.Content); i += 2 {
		if k := n.Content[i]; IsMerge(k) {
			merges = true
		} else if k.Value == field {
			return Deref(n.Content[i+1])
		}
	}
	if !merges || depth >= maxMergeDepth {
		return nil
	}
	for _, m := range mergedMaps(n) {
		if v := lookup(m, field, depth+1); v != nil {
			return v
		}
	}
	return nil
}

// IsMerge says whether a mapping key is the merge key <<.
func IsMerge(k *yaml.Node) bool {
	return k.Kind == yaml.ScalarNode && k.Tag == "!!merge"
}

// mergedMaps are the mappings that the merge keys of mapping n bring in, in
// the order they take precedence.
func mergedMaps(n *yaml.Node) []*yaml.Node {
	var maps []*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		if !IsMerge(n.Content[i]) {
			continue
		}
		switch v := Deref(n.Content[i+1]); v.Kind {
		case yaml.MappingNode:
			maps = append(maps, v)
		case yaml.SequenceNode:
			for _, e := range v.Content {
				if e = Deref(e); e.Kind == yaml.MappingNode {
					maps = append(maps, e)
				}
			}
		}
	}
	return maps
}

// HasMerge says whether mapping n has a merge key of its own.
func HasMerge(n *yaml.Node) bool {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if IsMerge(n.Content[i]) {
			return true
		}
	}
	return false
}

// Entries are the key and value nodes of mapping n as a reader sees them:
// its own keys first, in order, then those its merge keys bring in that it
// does not have. Values are dereferenced; nil when n is not a mapping.
func Entries(n *yaml.Node) [][2]*yaml.Node {
	n = Deref(n)
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	entries := make([][2]*yaml.Node, 0, len(n.Content)/2)
	var seen map[string]bool
	appendEntries(&entries, &seen, n, 0)
	return entries
}

func appendEntries(entries *[][2]*yaml.Node, seen *map[string]bool, n *yaml.Node, depth int) {
	merges := false
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		if IsMerge(k) {
			merges = true
			continue
		}
		if *seen != nil {
			if (*seen)[k.Value] {
				continue
			}
			(*seen)[k.Value] = true
		}
		*entries = append(*entries, [2]*yaml.Node{k, Deref(n.Content[i+1])})
	}
	if !merges || depth >= maxMergeDepth {
		return
	}
	if *seen == nil {
		*seen = make(map[string]bool, len(*entries))
		for _, e := range *entries {
			(*seen)[e[0].Value] = true
		}
	}
	for _, m := range mergedMaps(n) {
		appendEntries(entries, seen, m, depth+1)
	}
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
	entries := Entries(m)
	out := make(map[string]string, len(entries))
	for _, e := range entries {
		if e[1].Kind == yaml.ScalarNode {
			out[e[0].Value] = e[1].Value
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
