package yamltext

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Stream is one input as it was read: the items, whether they came in a
// ResourceList (with its functionConfig) or as a plain YAML stream, and the
// text they were parsed from, which Write gives back with only the edits
// made.
type Stream struct {
	Items []*yaml.RNode
	// ResourceList is true when the input was a config.kubernetes.io
	// ResourceList; APIVersion is its apiVersion.
	ResourceList   bool
	APIVersion     string
	FunctionConfig *yaml.RNode
	// chunks are the input's documents as they were read, so that output
	// can give back every byte that was not edited.
	chunks []chunk
	// list is the ResourceList's root mapping, from chunks[listChunk].
	list      *yaml.Node
	listChunk int
	size      int // of the text
	// reencoded counts the items the last Write wrote anew, their layout
	// being beyond a splice; the tests watch it.
	reencoded int
	// bom is set when the input began with a UTF-8 byte order mark, which
	// the output keeps.
	bom bool
}

var (
	utf8BOM        = []byte("\xef\xbb\xbf")
	yamlLineNumber = regexp.MustCompile(`^yaml: line (\d+): `)
)

// Read parses a ResourceList or a YAML stream. Every item must be an
// object (a YAML map); errors say which document and line is at fault.
func Read(data []byte) (*Stream, error) {
	text := string(bytes.TrimPrefix(data, utf8BOM))
	in := &Stream{size: len(text), bom: len(text) < len(data)}
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
				return nil, fmt.Errorf("document %d (line %d) is not an object but a YAML %s", len(docs)+1, c.line+root.Line-1, KindName(root))
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
	meta := Meta(n)
	return n.Kind == yaml.MappingNode && meta.Kind == kio.ResourceListKind &&
		strings.HasPrefix(meta.APIVersion, "config.kubernetes.io/")
}

func (in *Stream) readResourceList(rl *yaml.RNode) error {
	in.ResourceList = true
	in.APIVersion = Meta(rl.YNode()).APIVersion
	if fc := rl.Field("functionConfig"); fc != nil && !yaml.IsMissingOrNull(fc.Value) {
		in.FunctionConfig = fc.Value
	}
	items := rl.Field("items")
	if items == nil || yaml.IsMissingOrNull(items.Value) {
		return nil
	}
	if items.Value.YNode().Kind != yaml.SequenceNode {
		return fmt.Errorf("ResourceList field items (line %d) is not a list but a YAML %s", items.Value.YNode().Line, KindName(items.Value.YNode()))
	}
	for i, n := range items.Value.YNode().Content {
		if n.Kind != yaml.MappingNode {
			return fmt.Errorf("ResourceList items[%d] (line %d) is not an object but a YAML %s", i, n.Line, KindName(n))
		}
		in.Items = append(in.Items, yaml.NewRNode(n))
	}
	return nil
}

// chunk is the text between two "---" lines, with the directives (%YAML,
// %TAG) before the first of them.
type chunk struct {
	// separator is the "---" line before the chunk, "" for the first.
	separator string
	text      string
	line      int   // line of the chunk's first line in the input
	items     []int // the items decoded from text, usually one
	// json is set when the text is one JSON object (JSON is YAML): edits
	// are then written in JSON, and so is the document written anew.
	json bool
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
		// Directives belong to the document that the "---" after them
		// starts: the separator stays in their chunk, which the document
		// before them (ended by "...") does not hold.
		if isSeparator(text[pos:next]) && !onlyDirectives(text[start:pos]) {
			if d, dLine := directivesBefore(text, start, pos, line); d < pos {
				chunks = append(chunks, newChunk(separator, text[start:d], startLine))
				separator, start, startLine = "", d, dLine
				pos = next
				line++
				continue
			}
			chunks = append(chunks, newChunk(separator, text[start:pos], startLine))
			separator = text[pos:next]
			start, startLine = next, line+1
		}
		pos = next
		line++
	}
	return append(chunks, newChunk(separator, text[start:], startLine))
}

// directivesBefore finds, in text[start:pos] which ends at the line before
// a "---" line (line pos), the directives (%YAML, %TAG) that the "---"
// closes after a document ended by "...": it returns where they begin and
// their first line, or pos when there are none.
func directivesBefore(text string, start, pos, line int) (int, int) {
	d, dLine, seen := pos, line, false
	for d > start {
		prev := strings.LastIndexByte(text[:d-1], '\n') + 1
		if prev < start {
			prev = start
		}
		l := strings.TrimSpace(text[prev:d])
		switch {
		case strings.HasPrefix(l, "%"):
			seen = true
		case l == "" || strings.HasPrefix(l, "#"):
		case l == "..." || strings.HasPrefix(l, "... "):
			if seen {
				return d, dLine
			}
			return pos, line
		default:
			return pos, line
		}
		d, dLine = prev, dLine-1
	}
	return pos, line
}

func newChunk(separator, text string, line int) chunk {
	return chunk{separator: separator, text: text, line: line, json: isJSON(text)}
}

// onlyDirectives is true for text of directives (%YAML, %TAG), comments
// and blank lines, with at least one directive.
func onlyDirectives(text string) bool {
	directive := false
	for _, l := range strings.Split(text, "\n") {
		switch l = strings.TrimSpace(l); {
		case strings.HasPrefix(l, "%"):
			directive = true
		case l != "" && !strings.HasPrefix(l, "#"):
			return false
		}
	}
	return directive
}

// isJSON is true for a text that is one JSON object.
func isJSON(text string) bool {
	t := strings.TrimSpace(text)
	return strings.HasPrefix(t, "{") && json.Valid([]byte(t))
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
