package yamltext

import (
	"bytes"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// writeJSON writes the object n as JSON, in the layout of text, the JSON
// document it was read from: indented as it is (json.MarshalIndent's form)
// when its first key has a line of its own, else on one line, compact when
// text is. Keys keep their order; a trailing newline is kept.
func writeJSON(b *bytes.Buffer, n *yaml.Node, text string) {
	t := strings.TrimSpace(text)
	unit, colon, comma := "", ": ", ", "
	if i := strings.IndexAny(t[1:], "\n\"}"); i >= 0 && t[1+i] == '\n' {
		line := t[2+i:]
		unit = line[:len(line)-len(strings.TrimLeft(line, " \t"))]
		if unit == "" {
			unit = "  "
		}
		comma = ","
	} else if strings.Contains(t, `":`) && !strings.Contains(t, `": `) {
		colon, comma = ":", ","
	}
	newline := "\n"
	if strings.Contains(text, "\r\n") {
		newline = "\r\n"
	}
	lead := text[:len(text)-len(strings.TrimLeft(text, " \t\r\n"))]
	b.WriteString(lead)
	jsonValue(b, n, "", unit, colon, comma, newline)
	if strings.HasSuffix(text, "\n") {
		b.WriteString(newline)
	}
}

func jsonValue(b *bytes.Buffer, n *yaml.Node, indent, unit, colon, comma, newline string) {
	n = Deref(n)
	open, close := "{", "}"
	switch n.Kind {
	case yaml.ScalarNode:
		b.WriteString(jsonScalar(n))
		return
	case yaml.SequenceNode:
		open, close = "[", "]"
	case yaml.MappingNode:
	default:
		b.WriteString("null")
		return
	}
	step := 1
	if n.Kind == yaml.MappingNode {
		step = 2
	}
	b.WriteString(open)
	inner := indent + unit
	for i := 0; i+step-1 < len(n.Content); i += step {
		if i > 0 {
			b.WriteString(comma)
		}
		if unit != "" {
			b.WriteString(newline + inner)
		}
		if step == 2 {
			b.WriteString(jsonString(n.Content[i].Value) + colon)
		}
		jsonValue(b, n.Content[i+step-1], inner, unit, colon, comma, newline)
	}
	if unit != "" && len(n.Content) > 0 {
		b.WriteString(newline + indent)
	}
	b.WriteString(close)
}

// jsonScalar writes a scalar by its resolved tag: strings quoted, numbers,
// booleans and null as they are.
func jsonScalar(n *yaml.Node) string {
	switch n.ShortTag() {
	case yaml.NodeTagNull:
		return "null"
	case yaml.NodeTagBool:
		if strings.EqualFold(n.Value, "true") {
			return "true"
		}
		return "false"
	case yaml.NodeTagInt, yaml.NodeTagFloat:
		if isJSONNumber(n.Value) {
			return n.Value
		}
	}
	return jsonString(n.Value)
}

func isJSONNumber(s string) bool {
	if s == "" {
		return false
	}
	for i, c := range s {
		if !(c >= '0' && c <= '9' || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-' && (i == 0 || s[i-1] == 'e' || s[i-1] == 'E')) {
			return false
		}
	}
	return s[0] != '+' && s[0] != '.'
}
