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
	// chunks are the stream's documents as they were read, so that stream
	// output can give back every byte of what confighash did not change.
	chunks []chunk
}

var (
	utf8BOM        = []byte("\xef\xbb\xbf")
	yamlLineNumber = regexp.MustCompile(`^yaml: line (\d+): `)
)

// ReadInput parses a ResourceList or a YAML stream. Every item must be an
// object (a YAML map); errors say which document and line is at fault.
func ReadInput(data []byte) (*Input, error) {
	text := string(bytes.TrimPrefix(data, utf8BOM))
	in := &Input{}
	var docs []*yaml.Node
	chunks := splitDocuments(text)
	for i := range chunks {
		c := &chunks[i]
		dec := yaml.NewDecoder(strings.NewReader(c.text))
		for {
			var n yaml.Node
			err := dec.Decode(&n)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return nil, fmt.Errorf("input is not valid YAML: %s", shiftLine(err.Error(), c.line))
			}
			if yaml.IsYNodeEmptyDoc(&n) || len(n.Content) == 0 || n.Content[0].Tag == yaml.NodeTagNull {
				continue
			}
			if root := n.Content[0]; root.Kind != yaml.MappingNode {
				return nil, fmt.Errorf("document %d (line %d) is not an object but a YAML %s", len(docs)+1, c.line+root.Line-1, kindName(root))
			}
			// The document node is kept: it holds the comments above the object.
			c.items = append(c.items, len(docs))
			docs = append(docs, &n)
		}
	}

	if len(docs) == 1 && isResourceList(docs[0].Content[0]) {
		if err := in.readResourceList(yaml.NewRNode(docs[0])); err != nil {
			return nil, err
		}
		return in, nil
	}
	for _, d := range docs {
		in.Items = append(in.Items, yaml.NewRNode(d))
	}
	in.chunks = chunks
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

// chunk is the text between two "---" lines.
type chunk struct {
	// separator is the "---" line before the chunk, "" for the first.
	separator string
	text      string
	line      int   // line of the chunk's first line in the input
	items     []int // the items decoded from text, usually one
}

// splitDocuments cuts a stream at "---" lines (with nothing but a comment
// after them), as kyaml's reader does, remembering where each part starts so
// that errors name lines of the whole input.
func splitDocuments(text string) []chunk {
	var chunks []chunk
	separator := ""
	start, startLine, line := 0, 1, 1
	for pos := 0; pos < len(text); {
		end := strings.IndexByte(text[pos:], '\n')
		next := len(text)
		if end >= 0 {
			next = pos + end + 1
		}
		if isSeparator(text[pos:next]) {
			chunks = append(chunks, chunk{separator: separator, text: text[start:pos], line: startLine})
			separator = text[pos:next]
			start, startLine = next, line+1
		}
		pos = next
		line++
	}
	return append(chunks, chunk{separator: separator, text: text[start:], line: startLine})
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
// the results, or a YAML stream (results go to the caller, for stderr). In a
// stream, a document whose items did not change is written back byte for
// byte; changed is indexed like Items, and nil means nothing changed.
func (in *Input) WriteOutput(w io.Writer, results framework.Results, changed []bool) error {
	if in.ResourceList {
		return in.writeResourceList(w, results)
	}
	var out bytes.Buffer
	for _, c := range in.chunks {
		out.WriteString(c.separator)
		if !anyChanged(c.items, changed) {
			out.WriteString(c.text)
			continue
		}
		enc := yaml.NewEncoder(&out)
		if yaml.DeriveSeqIndentStyle(c.text) == string(yaml.WideSequenceStyle) {
			enc.DefaultSeqIndent()
		}
		for _, i := range c.items {
			if err := enc.Encode(in.Items[i].Document()); err != nil {
				return err
			}
		}
		if err := enc.Close(); err != nil {
			return err
		}
	}
	_, err := w.Write(out.Bytes())
	return err
}

func anyChanged(items []int, changed []bool) bool {
	for _, i := range items {
		if i < len(changed) && changed[i] {
			return true
		}
	}
	return false
}

// writeResourceList writes apiVersion, kind, functionConfig and results
// first and items last: a comment at the end of the last item then stays at
// the end of the document, where a second run reads it the same way (after
// it, the YAML library would move it into the item).
func (in *Input) writeResourceList(w io.Writer, results framework.Results) error {
	scalar := func(v string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Value: v} }
	list := &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{
		scalar("apiVersion"), scalar(in.APIVersion),
		scalar("kind"), scalar(kio.ResourceListKind),
	}}
	if in.FunctionConfig != nil {
		list.Content = append(list.Content, scalar("functionConfig"), in.FunctionConfig.YNode())
	}
	if len(results) > 0 {
		b, err := yaml.Marshal(results)
		if err != nil {
			return err
		}
		res, err := yaml.Parse(string(b))
		if err != nil {
			return err
		}
		list.Content = append(list.Content, scalar("results"), res.YNode())
	}
	items := &yaml.Node{Kind: yaml.SequenceNode, Content: make([]*yaml.Node, len(in.Items))}
	for i, n := range in.Items {
		items.Content[i] = n.YNode()
	}
	list.Content = append(list.Content, scalar("items"), items)
	enc := yaml.NewEncoder(w)
	if err := enc.Encode(&yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{list}}); err != nil {
		return err
	}
	return enc.Close()
}
