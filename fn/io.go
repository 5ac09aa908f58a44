package fn

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// This file is the only place that reads and writes the function's input
// and output, so that it can be replaced by a faster one without touching
// the rest.

// Input is what was read from standard input: the items, and whether they
// came in a ResourceList (with its functionConfig) or as a plain YAML stream.
type Input struct {
	Items []*yaml.RNode
	// ResourceList is true when the input was a config.kubernetes.io
	// ResourceList; APIVersion is its apiVersion.
	ResourceList   bool
	APIVersion     string
	FunctionConfig *yaml.RNode
	// seqIndent is the sequence indentation style of each stream document,
	// kept so that output looks like input.
	seqIndent []string
}

var (
	utf8BOM        = []byte("\xef\xbb\xbf")
	yamlLineNumber = regexp.MustCompile(`^yaml: line (\d+): `)
)

// ReadInput parses a ResourceList or a YAML stream. Every item must be an
// object (a YAML map); errors say which document and line is at fault.
func ReadInput(data []byte) (*Input, error) {
	data = bytes.TrimPrefix(data, utf8BOM)
	text := strings.ReplaceAll(string(data), "\r\n", "\n")
	in := &Input{}
	type document struct {
		node      *yaml.Node
		line      int
		seqIndent string
	}
	var docs []document
	for _, chunk := range splitDocuments(text) {
		dec := yaml.NewDecoder(strings.NewReader(chunk.text))
		seqIndent := yaml.DeriveSeqIndentStyle(chunk.text)
		for {
			var n yaml.Node
			err := dec.Decode(&n)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return nil, fmt.Errorf("input is not valid YAML: %s", shiftLine(err.Error(), chunk.line))
			}
			if yaml.IsYNodeEmptyDoc(&n) || len(n.Content) == 0 || n.Content[0].Tag == yaml.NodeTagNull {
				continue
			}
			// The document node is kept: it holds the comments above the object.
			docs = append(docs, document{node: &n, line: chunk.line + n.Content[0].Line - 1, seqIndent: seqIndent})
		}
	}

	if len(docs) == 1 && isResourceList(docs[0].node.Content[0]) {
		if err := in.readResourceList(yaml.NewRNode(docs[0].node)); err != nil {
			return nil, err
		}
		return in, nil
	}
	for i, d := range docs {
		if root := d.node.Content[0]; root.Kind != yaml.MappingNode {
			return nil, fmt.Errorf("document %d (line %d) is not an object but a YAML %s", i+1, d.line, kindName(root))
		}
		in.Items = append(in.Items, yaml.NewRNode(d.node))
		in.seqIndent = append(in.seqIndent, d.seqIndent)
	}
	return in, nil
}

func isResourceList(n *yaml.Node) bool {
	rn := yaml.NewRNode(n)
	return n.Kind == yaml.MappingNode && rn.GetKind() == kio.ResourceListKind &&
		strings.HasPrefix(rn.GetApiVersion(), "config.kubernetes.io/")
}

func (in *Input) readResourceList(rl *yaml.RNode) error {
	in.ResourceList = true
	in.APIVersion = rl.GetApiVersion()
	if fc := rl.Field("functionConfig"); fc != nil && !yaml.IsMissingOrNull(fc.Value) {
		in.FunctionConfig = fc.Value
	}
	items := rl.Field("items")
	if items == nil || yaml.IsMissingOrNull(items.Value) {
		return nil
	}
	if items.Value.YNode().Kind != yaml.SequenceNode {
		return fmt.Errorf("ResourceList field items (line %d) is not a list but a YAML %s", items.Value.YNode().Line, kindName(items.Value.YNode()))
	}
	for i, n := range items.Value.YNode().Content {
		if n.Kind != yaml.MappingNode {
			return fmt.Errorf("ResourceList items[%d] (line %d) is not an object but a YAML %s", i, n.Line, kindName(n))
		}
		in.Items = append(in.Items, yaml.NewRNode(n))
	}
	return nil
}

type chunk struct {
	text string
	line int // line of the chunk's first line in the input
}

// splitDocuments cuts a stream at "---" lines (with nothing but a comment
// after them), as kyaml's reader does, remembering where each part starts so
// that errors name lines of the whole input.
func splitDocuments(text string) []chunk {
	var chunks []chunk
	start, startLine, line := 0, 1, 1
	for pos := 0; pos < len(text); {
		end := strings.IndexByte(text[pos:], '\n')
		next := len(text)
		if end >= 0 {
			next = pos + end + 1
		}
		if isSeparator(text[pos:next]) {
			chunks = append(chunks, chunk{text: text[start:pos], line: startLine})
			start, startLine = next, line+1
		}
		pos = next
		line++
	}
	return append(chunks, chunk{text: text[start:], line: startLine})
}

func isSeparator(line string) bool {
	if !strings.HasPrefix(line, "---") {
		return false
	}
	rest := strings.TrimSpace(line[3:])
	return rest == "" || (line[3] == ' ' || line[3] == '\t') && strings.HasPrefix(rest, "#")
}

// shiftLine turns a yaml error's line within a chunk into a line of the input.
func shiftLine(msg string, chunkLine int) string {
	m := yamlLineNumber.FindStringSubmatch(msg)
	if m == nil {
		return strings.TrimPrefix(msg, "yaml: ")
	}
	n, _ := strconv.Atoi(m[1])
	return fmt.Sprintf("line %d: %s", n+chunkLine-1, msg[len(m[0]):])
}

// WriteOutput writes the items in the form they came in: a ResourceList with
// the results, or a YAML stream (results go to the caller, for stderr).
func (in *Input) WriteOutput(w io.Writer, results framework.Results) error {
	if in.ResourceList {
		var res *yaml.RNode
		if len(results) > 0 {
			b, err := yaml.Marshal(results)
			if err != nil {
				return err
			}
			if res, err = yaml.Parse(string(b)); err != nil {
				return err
			}
		}
		return kio.ByteWriter{
			Writer:                w,
			KeepReaderAnnotations: true,
			FunctionConfig:        in.FunctionConfig,
			Results:               res,
			WrappingKind:          kio.ResourceListKind,
			WrappingAPIVersion:    in.APIVersion,
		}.Write(in.Items)
	}
	enc := yaml.NewEncoder(w)
	for i, n := range in.Items {
		if i < len(in.seqIndent) && in.seqIndent[i] == string(yaml.WideSequenceStyle) {
			enc.DefaultSeqIndent()
		} else {
			enc.CompactSeqIndent()
		}
		if err := enc.Encode(n.Document()); err != nil {
			return err
		}
	}
	return enc.Close()
}
