package fn

import (
	"bytes"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// This file (with parse.go for the parsing itself) is the only place that
// reads and writes the function's input and output.

// Input is what was read from standard input: the items, and whether they
// came in a ResourceList (with its functionConfig) or as a plain YAML stream.
type Input struct {
	Items []*yaml.RNode
	// ResourceList is true when the input was a config.kubernetes.io
	// ResourceList; APIVersion is its apiVersion.
	ResourceList   bool
	APIVersion     string
	FunctionConfig *yaml.RNode
	// chunks are the input's documents as they were read, so that output
	// can give back every byte of what confighash did not change.
	chunks []chunk
	// list is the ResourceList's root mapping, from chunks[listChunk].
	list      *yaml.Node
	listChunk int
	size      int // of the text
}

var (
	utf8BOM        = []byte("\xef\xbb\xbf")
	yamlLineNumber = regexp.MustCompile(`^yaml: line (\d+): `)
)

// ReadInput parses a ResourceList or a YAML stream. Every item must be an
// object (a YAML map); errors say which document and line is at fault.
func ReadInput(data []byte) (*Input, error) {
	text := string(bytes.TrimPrefix(data, utf8BOM))
	in := &Input{size: len(text)}
	var docs []*yaml.Node
	chunks := splitDocuments(text)
	parsed, errs := decodeChunks(chunks, len(text))
	for i := range chunks {
		c := &chunks[i]
		if errs[i] != nil {
			return nil, errs[i]
		}
		for _, n := range parsed[i] {
			if isEmptyDocument(n) {
				continue
			}
			if root := n.Content[0]; root.Kind != yaml.MappingNode {
				return nil, fmt.Errorf("document %d (line %d) is not an object but a YAML %s", len(docs)+1, c.line+root.Line-1, kindName(root))
			}
			// The document node is kept: it holds the comments above the object.
			c.items = append(c.items, len(docs))
			docs = append(docs, n)
		}
	}

	in.chunks = chunks
	if len(docs) == 1 && isResourceList(docs[0].Content[0]) {
		for i, c := range chunks {
			if len(c.items) == 1 {
				in.listChunk = i
			}
		}
		in.list = docs[0].Content[0]
		if err := in.readResourceList(yaml.NewRNode(docs[0])); err != nil {
			return nil, err
		}
		return in, nil
	}
	for _, d := range docs {
		in.Items = append(in.Items, yaml.NewRNode(d))
	}
	return in, nil
}

// isEmptyDocument is true for a document with nothing in it but comments or null.
func isEmptyDocument(n *yaml.Node) bool {
	return yaml.IsYNodeEmptyDoc(n) || len(n.Content) == 0 || n.Content[0].Tag == yaml.NodeTagNull
}

func isResourceList(n *yaml.Node) bool {
	meta := metaOf(n)
	return n.Kind == yaml.MappingNode && meta.Kind == kio.ResourceListKind &&
		strings.HasPrefix(meta.APIVersion, "config.kubernetes.io/")
}

func (in *Input) readResourceList(rl *yaml.RNode) error {
	in.ResourceList = true
	in.APIVersion = metaOf(rl.YNode()).APIVersion
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

// syntaxError says where the YAML of a chunk is broken, as a line of the
// whole input. The YAML library counts the line of a parser error ("did not
// find expected ...") from 0 and that of a scanner error from 1; it gives
// no line for a byte that YAML does not allow, which is then looked for here.
func syntaxError(err error, c chunk) error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	m := yamlLineNumber.FindStringSubmatch(err.Error())
	if m == nil {
		if line, what := firstBadByte(c.text); line > 0 {
			return fmt.Errorf("input is not valid YAML: line %d: %s (%s)", c.line+line-1, msg, what)
		}
		return fmt.Errorf("input is not valid YAML: %s", msg)
	}
	n, _ := strconv.Atoi(m[1])
	msg = err.Error()[len(m[0]):]
	if isParserError(msg) {
		n++
	}
	// An error at the end of the input is said of its last line.
	if last := strings.Count(strings.TrimRight(c.text, "\n"), "\n") + 1; n > last {
		n = last
	}
	if l := chunkLine(c.text, n); strings.Contains(l[:len(l)-len(strings.TrimLeft(l, " \t"))], "\t") {
		msg += " (a tab: YAML indents with spaces only)"
	}
	return fmt.Errorf("input is not valid YAML: line %d: %s", n+c.line-1, msg)
}

func isParserError(msg string) bool {
	for _, p := range []string{"did not find expected", "found duplicate", "found incompatible", "found undefined tag"} {
		if strings.HasPrefix(msg, p) {
			return true
		}
	}
	return false
}

// chunkLine is line n (1-based) of text, "" past its end.
func chunkLine(text string, n int) string {
	for ; n > 1; n-- {
		i := strings.IndexByte(text, '\n')
		if i < 0 {
			return ""
		}
		text = text[i+1:]
	}
	line, _, _ := strings.Cut(text, "\n")
	return line
}

// firstBadByte finds the first character that YAML does not allow: a
// control character other than tab and line breaks, or bytes that are not
// UTF-8.
func firstBadByte(text string) (line int, what string) {
	line = 1
	for i, r := range text {
		switch {
		case r == '\n':
			line++
		case r == utf8.RuneError:
			if _, size := utf8.DecodeRuneInString(text[i:]); size == 1 {
				return line, fmt.Sprintf("byte 0x%02x is not UTF-8", text[i])
			}
		case r < 0x20 && r != '\t' && r != '\r', r == 0x7f:
			return line, fmt.Sprintf("control character 0x%02x", r)
		}
	}
	return 0, ""
}

// WriteOutput writes the items in the form they came in: a ResourceList with
// the results, or a YAML stream (results go to the caller, for stderr). The
// input's text is given back as it came, with only the changes spliced in;
// a document whose layout is beyond a splice is written anew by the YAML
// library.
func (in *Input) WriteOutput(w io.Writer, results framework.Results, changes Changes) error {
	var out bytes.Buffer
	out.Grow(in.size + 4096)
	if in.ResourceList {
		edits, ok, err := in.spliceResourceList(results, changes)
		if err != nil {
			return err
		}
		for i, c := range in.chunks {
			out.WriteString(c.separator)
			if i != in.listChunk {
				out.WriteString(c.text)
			} else if ok = ok && applyEdits(&out, c.text, edits); !ok {
				break
			}
		}
		if !ok {
			return in.writeResourceList(w, results)
		}
		_, err = w.Write(out.Bytes())
		return err
	}
	for _, c := range in.chunks {
		out.WriteString(c.separator)
		if !anyChanged(c.items, changes) {
			out.WriteString(c.text)
			continue
		}
		if edits, ok := in.spliceChunk(c, changes); ok {
			mark := out.Len()
			if applyEdits(&out, c.text, edits) {
				continue
			}
			out.Truncate(mark)
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

// spliceChunk places the changes of a stream document in its text.
func (in *Input) spliceChunk(c chunk, changes Changes) ([]edit, bool) {
	x := newLineIndex(c.text)
	var edits []edit
	for _, i := range c.items {
		var ok bool
		if edits, ok = x.resolve(changes.splices[i], edits); !ok {
			return nil, false
		}
	}
	return edits, true
}

// spliceResourceList places the changes of the items in the ResourceList's
// text, and puts the results in place of the input's. It needs the usual
// layout that kustomize and kpt write (a block mapping, items a block
// sequence of "- " entries); ok is false for any other.
func (in *Input) spliceResourceList(results framework.Results, changes Changes) ([]edit, bool, error) {
	c := in.chunks[in.listChunk]
	root := in.list
	if root.Style&yaml.FlowStyle != 0 || root.Column != 1 {
		return nil, false, nil
	}
	x := newLineIndex(c.text)
	// Each top-level field runs from the start of its key's line to the
	// start of the next one's.
	fieldStart := func(k int) int { return x.starts[root.Content[k].Line-1] }
	fieldEnd := func(k int) int {
		if k+2 < len(root.Content) {
			return fieldStart(k + 2)
		}
		return len(c.text)
	}
	resultsKey, itemsKey := -1, -1
	for k := 0; k+1 < len(root.Content); k += 2 {
		switch root.Content[k].Value {
		case "results":
			resultsKey = k
		case "items":
			itemsKey = k
		}
	}

	var edits []edit
	if itemsKey >= 0 && len(changes.splices) > 0 {
		seq := root.Content[itemsKey+1]
		if seq.Kind != yaml.SequenceNode || seq.Style&yaml.FlowStyle != 0 {
			return nil, false, nil
		}
		for i := range seq.Content {
			splices, changed := changes.splices[i]
			if !changed {
				continue
			}
			n := len(edits)
			var ok bool
			if edits, ok = x.resolve(splices, edits); ok {
				continue
			}
			// Beyond a splice: this item alone is written anew.
			end := fieldEnd(itemsKey)
			if i+1 < len(seq.Content) {
				if end, ok = itemStart(x, seq.Content[i+1]); !ok {
					return nil, false, nil
				}
			}
			e, ok, err := reencodeItem(x, seq.Content[i], end, in.Items[i])
			if err != nil || !ok {
				return nil, false, err
			}
			edits = append(edits[:n], e)
		}
	}

	if len(results) > 0 {
		var b bytes.Buffer
		enc := yaml.NewEncoder(&b)
		if err := enc.Encode(map[string]framework.Results{"results": results}); err != nil {
			return nil, false, err
		}
		if err := enc.Close(); err != nil {
			return nil, false, err
		}
		switch {
		case resultsKey >= 0:
			edits = append(edits, edit{start: fieldStart(resultsKey), end: fieldEnd(resultsKey), insert: b.String()})
		case itemsKey >= 0:
			edits = append(edits, edit{start: fieldStart(itemsKey), end: fieldStart(itemsKey), insert: b.String()})
		default:
			insert := b.String()
			if !strings.HasSuffix(c.text, "\n") {
				insert = "\n" + insert
			}
			edits = append(edits, edit{start: len(c.text), end: len(c.text), insert: insert})
		}
	} else if resultsKey >= 0 {
		edits = append(edits, edit{start: fieldStart(resultsKey), end: fieldEnd(resultsKey)})
	}
	return edits, true, nil
}

// itemStart is the start of the line of a ResourceList item, which must
// begin with "- " right before the item.
func itemStart(x *lineIndex, item *yaml.Node) (int, bool) {
	off, ok := x.offset(item.Line, item.Column)
	if !ok || off < 2 || x.text[off-2:off] != "- " {
		return 0, false
	}
	return x.startsLine(off - 2)
}

// reencodeItem writes a changed item anew in place of its text, which runs
// to end, less the comments and blank lines before the next item.
func reencodeItem(x *lineIndex, item *yaml.Node, end int, node *yaml.RNode) (edit, bool, error) {
	start, ok := itemStart(x, item)
	if !ok {
		return edit{}, false, nil
	}
	for end > start {
		prev := strings.LastIndexByte(x.text[:end-1], '\n') + 1
		if l := strings.TrimSpace(x.text[prev:end]); l != "" && l[0] != '#' {
			break
		}
		end = prev
	}
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	if err := enc.Encode(node.YNode()); err != nil {
		return edit{}, false, err
	}
	if err := enc.Close(); err != nil {
		return edit{}, false, err
	}
	indent := x.text[start:x.startsAfter(start)]
	var out strings.Builder
	for i, l := range strings.SplitAfter(strings.TrimSuffix(b.String(), "\n"), "\n") {
		switch {
		case i == 0:
			out.WriteString(indent + "- ")
		case strings.TrimSpace(l) != "":
			out.WriteString(indent + "  ")
		}
		out.WriteString(l)
	}
	out.WriteString("\n")
	return edit{start: start, end: end, insert: out.String()}, true, nil
}

func anyChanged(items []int, changes Changes) bool {
	for _, i := range items {
		if changes.Changed(i) {
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
