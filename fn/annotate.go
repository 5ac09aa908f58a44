package fn

import (
	"fmt"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// annotationChange is what a target's annotations must become: keys to set
// and, in perSource mode, the prefixes whose other keys are stale.
type annotationChange struct {
	set        map[string]string
	stalePrefs []string
}

// apply is the one place that writes annotations. It writes only what
// differs, so that an up-to-date template keeps every byte, and reports
// whether anything changed. Alongside the change to the nodes it returns
// the same change as splices of the text the nodes were parsed from, so
// that the writer can give back every other byte as it was. New keys go
// first in their mapping: that is where a line can be inserted without
// knowing where the mapping ends.
func (c annotationChange) apply(tpl *yaml.RNode) (bool, []splice, error) {
	root := tpl.YNode()
	var splices []splice
	metadata, err := childMap(root, "metadata", &splices)
	if err != nil {
		return false, nil, err
	}
	var annotations *yaml.Node
	if metadata != nil {
		if annotations, err = childMap(metadata, "annotations", &splices); err != nil {
			return false, nil, err
		}
	}

	var removed []int // key indexes in annotations.Content, in order
	if annotations != nil {
		for i := 0; i+1 < len(annotations.Content); i += 2 {
			key := annotations.Content[i].Value
			if _, keep := c.set[key]; keep || !c.isStale(key) {
				continue
			}
			removed = append(removed, i)
			splices = append(splices, deleteEntry(annotations.Content[i], annotations.Content[i+1]))
		}
	}
	var added []string // "key: 'value'" lines, sorted by key
	for _, key := range sortedKeys(c.set) {
		value := c.set[key]
		if v := valueOf(annotations, key); v != nil {
			if v.Kind == yaml.ScalarNode && v.Value == value {
				continue
			}
			splices = append(splices, replaceScalar(v, quoteValue(value)))
			v.Kind, v.Tag, v.Value, v.Style, v.Content = yaml.ScalarNode, yaml.NodeTagString, value, yaml.SingleQuotedStyle, nil
			continue
		}
		added = append(added, plainKey(key)+": "+quoteValue(value))
	}
	for j := len(removed) - 1; j >= 0; j-- {
		i := removed[j]
		annotations.Content = append(annotations.Content[:i], annotations.Content[i+2:]...)
	}
	if len(added) == 0 {
		return len(splices) > 0, splices, nil
	}

	// New keys, and the mappings that hold them where they are missing.
	pairs := make([]*yaml.Node, 0, 2*len(c.set))
	for _, key := range sortedKeys(c.set) {
		if valueOf(annotations, key) == nil {
			pairs = append(pairs, scalarNode(key, 0), scalarNode(c.set[key], yaml.SingleQuotedStyle))
		}
	}
	switch {
	case annotations != nil:
		splices = append(splices, insertBefore(annotations, added))
		annotations.Content = append(pairs, annotations.Content...)
	case metadata != nil:
		splices = append(splices, insertBefore(metadata, nest("annotations:", added)))
		prepend(metadata, "annotations", &yaml.Node{Kind: yaml.MappingNode, Content: pairs})
	default:
		splices = append(splices, insertBefore(root, nest("metadata:", nest("annotations:", added))))
		prepend(root, "metadata", &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{
			scalarNode("annotations", 0), {Kind: yaml.MappingNode, Content: pairs},
		}})
	}
	return true, splices, nil
}

func (c annotationChange) isStale(key string) bool {
	for _, p := range c.stalePrefs {
		if strings.HasPrefix(key, p) {
			return true
		}
	}
	return false
}

// childMap returns the mapping under field, or nil when the field is missing
// or null. A null field is removed, with a splice that deletes its line, to
// be written anew with the rest. Anything else cannot hold annotations.
func childMap(n *yaml.Node, field string, splices *[]splice) (*yaml.Node, error) {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value != field {
			continue
		}
		switch v := n.Content[i+1]; {
		case v.Kind == yaml.ScalarNode && v.ShortTag() == yaml.NodeTagNull:
			*splices = append(*splices, deleteEntry(n.Content[i], v))
			n.Content = append(n.Content[:i], n.Content[i+2:]...)
			return nil, nil
		case v.Kind == yaml.AliasNode:
			return nil, fmt.Errorf("field %s is a YAML alias (*%s), which confighash does not write through", field, v.Value)
		case v.Kind != yaml.MappingNode:
			return nil, fmt.Errorf("field %s is not a map but a YAML %s", field, kindName(v))
		default:
			return v, nil
		}
	}
	return nil, nil
}

// valueOf is the value node of a field of mapping n, nil when absent. Unlike
// lookup it does not follow aliases: it finds what is to be written.
func valueOf(n *yaml.Node, field string) *yaml.Node {
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

// prepend makes field the first field of mapping n.
func prepend(n *yaml.Node, field string, v *yaml.Node) {
	n.Content = append([]*yaml.Node{scalarNode(field, 0), v}, n.Content...)
}

func scalarNode(value string, style yaml.Style) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: yaml.NodeTagString, Value: value, Style: style}
}

// nest puts lines under a key, two spaces deeper.
func nest(key string, lines []string) []string {
	out := make([]string, 0, len(lines)+1)
	out = append(out, key)
	for _, l := range lines {
		out = append(out, "  "+l)
	}
	return out
}

// quoteValue writes an annotation value single-quoted, as kyaml's
// SetAnnotation does: some tools misread a bare value that looks like a
// number.
func quoteValue(v string) string {
	return "'" + strings.ReplaceAll(v, "'", "''") + "'"
}

// plainKey writes an annotation key bare when it is a valid Kubernetes
// annotation key (letters, digits, '-', '_', '.', one '/'), else quoted.
func plainKey(k string) string {
	if k == "" || !isAlnum(k[0]) {
		return quoteValue(k)
	}
	for i := 0; i < len(k); i++ {
		if c := k[i]; !isAlnum(c) && c != '-' && c != '_' && c != '.' && c != '/' {
			return quoteValue(k)
		}
	}
	return k
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}
