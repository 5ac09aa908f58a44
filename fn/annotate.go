package fn

import (
	"fmt"
	"maps"
	"slices"

	"sigs.k8s.io/kustomize/kyaml/yaml"

	"confighash.dev/confighash/internal/yamltext"
)

// annotationChange is what a target's annotations must become: keys to set
// and keys of confighash's to remove.
type annotationChange struct {
	set    map[string]string
	remove []string
}

// apply is the one place that writes annotations. It asks for only what
// differs, so that an up-to-date template keeps every byte, and reports
// whether anything changed. The editor makes each change on the nodes and
// as a splice of the text they were parsed from. New keys go first in their
// mapping.
func (c annotationChange) apply(e yamltext.Editor, tpl *yaml.RNode) (bool, error) {
	return c.applyAt(e, tpl.YNode(), []string{"metadata", "annotations"})
}

// applyAt writes the annotations in the map at path from root
// (metadata.annotations of a pod template, spec.podMetadata.annotations of
// a Prometheus), creating the maps on the way that are missing or null.
func (c annotationChange) applyAt(e yamltext.Editor, root *yaml.Node, path []string) (bool, error) {
	changed := false
	cur := root
	for i, field := range path {
		m, null, err := childMap(e, cur, field, &changed)
		if err != nil {
			return false, err
		}
		if null >= 0 {
			// field: with nothing after it, as a chart renders an empty
			// block: filled in where it stands.
			e.Fill(cur, null, nested(path[i+1:], c.entries())...)
			return true, nil
		}
		if m == nil {
			if len(c.set) == 0 {
				return changed, nil
			}
			e.Insert(cur, nested(path[i:], c.entries())...)
			return true, nil
		}
		cur = m
	}
	annotations := cur

	if annotations != nil && yamltext.HasMerge(annotations) && slices.ContainsFunc(c.remove, func(k string) bool { return yamltext.Lookup(annotations, k) != nil }) {
		// A key a merge brings in cannot be deleted from this mapping
		// alone: its merged entries become its own.
		e.Expand(annotations)
		changed = true
	}
	{
		// From the last entry back, so that deleting one leaves the indexes
		// of those still to look at as they were.
		for i := len(annotations.Content) - 2; i >= 0; i -= 2 {
			key := annotations.Content[i].Value
			if _, keep := c.set[key]; keep || !slices.Contains(c.remove, key) {
				continue
			}
			e.Delete(annotations, i)
			changed = true
		}
	}
	var added []yamltext.Entry // sorted by key
	for _, key := range slices.Sorted(maps.Keys(c.set)) {
		value := c.set[key]
		if v := yamltext.Own(annotations, key); v != nil {
			if v.Kind != yaml.ScalarNode || v.Value != value {
				e.Replace(v, value)
				changed = true
			}
			continue
		}
		added = append(added, yamltext.Entry{Key: key, Value: value})
	}
	if len(added) == 0 {
		return changed, nil
	}

	e.Insert(annotations, added...)
	return true, nil
}

// nested wraps entries in maps at the fields of path, the outermost first.
func nested(path []string, entries []yamltext.Entry) []yamltext.Entry {
	for i := len(path) - 1; i >= 0; i-- {
		entries = []yamltext.Entry{{Key: path[i], Entries: entries}}
	}
	return entries
}

// entries are the annotations to set, as entries to write, sorted by key.
func (c annotationChange) entries() []yamltext.Entry {
	var out []yamltext.Entry
	for _, key := range slices.Sorted(maps.Keys(c.set)) {
		out = append(out, yamltext.Entry{Key: key, Value: c.set[key]})
	}
	return out
}

// childMap returns the mapping under field for this object alone, or nil
// when the field is missing; null is the index of its key when its value is
// null (to be filled in place), -1 otherwise. A mapping that an alias or a
// merge key shares with other places is copied first, so that writing to it
// changes this place only and keeps every value it had. Anything else
// cannot hold annotations.
func childMap(e yamltext.Editor, n *yaml.Node, field string, changed *bool) (m *yaml.Node, null int, err error) {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if yamltext.IsMerge(n.Content[i]) || n.Content[i].Value != field {
			continue
		}
		switch v := n.Content[i+1]; {
		case v.Kind == yaml.ScalarNode && v.ShortTag() == yaml.NodeTagNull:
			return nil, i, nil
		case v.Kind == yaml.AliasNode && yamltext.Deref(v).Kind == yaml.MappingNode:
			*changed = true
			return e.Unalias(n, i), -1, nil
		case yamltext.Deref(v).Kind != yaml.MappingNode:
			return nil, -1, fmt.Errorf("field %s is not a map but a YAML %s", field, yamltext.KindName(yamltext.Deref(v)))
		default:
			return v, -1, nil
		}
	}
	if v := yamltext.Lookup(n, field); v != nil {
		if v.Kind != yaml.MappingNode {
			return nil, -1, fmt.Errorf("field %s, which a merge key brings in, is not a map but a YAML %s", field, yamltext.KindName(v))
		}
		*changed = true
		return e.Override(n, field), -1, nil
	}
	return nil, -1, nil
}
