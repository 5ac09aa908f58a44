package yamltext

import (
	"bytes"
	"sort"
	"strings"
	"unicode/utf8"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Changes are the edits made to the items of one input. The function asks
// for them through an Editor, anchored on the nodes it read; each edit is
// made at once on the node tree (so that a caller holding the nodes, such as
// kyaml's framework, sees the result) and recorded as a splice of the text
// the nodes were parsed from, so that the writer can change those few lines
// and give back every other byte as it came. The writer checks each splice
// against the text and writes a document anew when its layout is beyond them
// (flow style, multi-line values).
type Changes struct {
	items map[int][]splice // by item index; absent: unchanged
}

// NewChanges returns an empty set of changes.
func NewChanges() *Changes { return &Changes{items: map[int][]splice{}} }

// Changed reports whether item i was edited.
func (c *Changes) Changed(i int) bool {
	_, ok := c.items[i]
	return ok
}

// Len is the number of items edited.
func (c *Changes) Len() int { return len(c.items) }

// Item returns the editor of item i: every edit made through it belongs to
// that item's text.
func (c *Changes) Item(i int) Editor { return Editor{c: c, item: i} }

// Editor edits the nodes of one item.
type Editor struct {
	c    *Changes
	item int
}

func (e Editor) record(s splice) { e.c.items[e.item] = append(e.c.items[e.item], s) }

// Entry is a mapping entry to insert: a string value, or a mapping of
// Entries when Entries is not nil.
type Entry struct {
	Key     string
	Value   string
	Entries []Entry
}

// Insert puts entries first in mapping m, in their order: that is where a
// line can be inserted without knowing where the mapping ends. Values are
// written single-quoted, as kyaml's SetAnnotation writes them: some tools
// misread a bare value that looks like a number.
func (e Editor) Insert(m *yaml.Node, entries ...Entry) {
	e.record(insertBefore(m, entryLines(entries)))
	m.Content = append(entryNodes(entries), m.Content...)
}

// Replace makes scalar v the string value.
func (e Editor) Replace(v *yaml.Node, value string) {
	e.record(replaceScalar(v, quoteValue(value)))
	v.Kind, v.Tag, v.Value, v.Style, v.Content = yaml.ScalarNode, yaml.NodeTagString, value, yaml.SingleQuotedStyle, nil
}

// Delete removes the entry whose key is m.Content[i].
func (e Editor) Delete(m *yaml.Node, i int) {
	e.record(deleteEntry(m.Content[i], m.Content[i+1]))
	m.Content = append(m.Content[:i], m.Content[i+2:]...)
}

func entryNodes(entries []Entry) []*yaml.Node {
	nodes := make([]*yaml.Node, 0, 2*len(entries))
	for _, en := range entries {
		nodes = append(nodes, scalarNode(en.Key, 0))
		if en.Entries != nil {
			nodes = append(nodes, &yaml.Node{Kind: yaml.MappingNode, Tag: yaml.NodeTagMap, Content: entryNodes(en.Entries)})
		} else {
			nodes = append(nodes, scalarNode(en.Value, yaml.SingleQuotedStyle))
		}
	}
	return nodes
}

func scalarNode(value string, style yaml.Style) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: yaml.NodeTagString, Value: value, Style: style}
}

// entryLines writes entries as block YAML lines, nested two spaces deeper.
func entryLines(entries []Entry) []string {
	var lines []string
	for _, en := range entries {
		if en.Entries == nil {
			lines = append(lines, plainKey(en.Key)+": "+quoteValue(en.Value))
			continue
		}
		lines = append(lines, plainKey(en.Key)+":")
		for _, l := range entryLines(en.Entries) {
			lines = append(lines, "  "+l)
		}
	}
	return lines
}

// quoteValue writes a string single-quoted.
func quoteValue(v string) string {
	return "'" + strings.ReplaceAll(v, "'", "''") + "'"
}

// plainKey writes a key bare when it is made of letters, digits, '-', '_',
// '.' and '/' (every valid Kubernetes annotation key), else quoted.
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

// A splice is one edit expressed on the text the nodes were parsed from.
// Splices are planned from node positions (yaml.Node Line and Column) when
// the edit is made, and resolved against the text by the writer.
type splice struct {
	op spliceOp
	// at is the node the splice is anchored on: the first key of the
	// mapping to insert into, the scalar to replace, or the key to delete.
	at textPos
	// value is the scalar after a key to delete.
	value textPos
	// lines to insert, indented to at's column.
	lines []string
	// text replacing the scalar at at.
	text string
}

type spliceOp int

const (
	spliceInsert spliceOp = iota
	spliceReplace
	spliceDelete
)

// textPos is a node's position and the little of its form that is needed
// to find where it ends.
type textPos struct {
	line, column int // 1-based, as yaml.Node has them
	style        yaml.Style
	kind         yaml.Kind
	value        string
	tagged       bool // has an anchor or an explicit tag, written before it
}

func posOf(n *yaml.Node) textPos {
	return textPos{line: n.Line, column: n.Column, style: n.Style, kind: n.Kind, value: n.Value,
		tagged: n.Anchor != "" || n.Style&yaml.TaggedStyle != 0}
}

// insertBefore inserts lines at the start of mapping m, before its first key.
// An empty mapping ({}) has no key to anchor on: the splice then fails to
// resolve and the document is re-encoded.
func insertBefore(m *yaml.Node, lines []string) splice {
	s := splice{op: spliceInsert, lines: lines}
	if len(m.Content) > 0 && m.Style&yaml.FlowStyle == 0 {
		s.at = posOf(m.Content[0])
	}
	return s
}

func replaceScalar(v *yaml.Node, text string) splice {
	return splice{op: spliceReplace, at: posOf(v), text: text}
}

func deleteEntry(k, v *yaml.Node) splice {
	return splice{op: spliceDelete, at: posOf(k), value: posOf(v)}
}

// edit replaces text[start:end] with insert.
type edit struct {
	start, end int
	insert     string
}

// lineIndex maps yaml.Node positions to byte offsets in a text.
type lineIndex struct {
	text   string
	starts []int // byte offset of each line
}

func newLineIndex(text string) *lineIndex {
	starts := make([]int, 1, strings.Count(text, "\n")+1)
	for i := 0; ; {
		j := strings.IndexByte(text[i:], '\n')
		if j < 0 {
			break
		}
		i += j + 1
		starts = append(starts, i)
	}
	return &lineIndex{text: text, starts: starts}
}

// offset is the byte offset of a 1-based line and column (columns count
// characters, as the YAML parser does).
func (x *lineIndex) offset(line, column int) (int, bool) {
	if line < 1 || line > len(x.starts) || column < 1 {
		return 0, false
	}
	off := x.starts[line-1]
	for ; column > 1; column-- {
		if off >= len(x.text) || x.text[off] == '\n' {
			return 0, false
		}
		_, size := utf8.DecodeRuneInString(x.text[off:])
		off += size
	}
	return off, true
}

// lineEnd is the offset just past the newline of the line holding off.
func (x *lineIndex) lineEnd(off int) int {
	if i := strings.IndexByte(x.text[off:], '\n'); i >= 0 {
		return off + i + 1
	}
	return len(x.text)
}

// startsLine reports whether only spaces come before off on its line, and
// returns the line's start.
func (x *lineIndex) startsLine(off int) (int, bool) {
	start := strings.LastIndexByte(x.text[:off], '\n') + 1
	return start, strings.Trim(x.text[start:off], " ") == ""
}

// startsAfter is the offset of the first character after the spaces that
// begin the line at start.
func (x *lineIndex) startsAfter(start int) int {
	for start < len(x.text) && x.text[start] == ' ' {
		start++
	}
	return start
}

// resolve turns splices into edits of x.text; ok is false when one of them
// cannot be placed safely.
func (x *lineIndex) resolve(splices []splice, edits []edit) ([]edit, bool) {
	for _, s := range splices {
		off, ok := x.offset(s.at.line, s.at.column)
		if !ok || s.at.line == 0 {
			return edits, false
		}
		// The text at the anchor must be the node the parser reported there:
		// a one-line scalar with no anchor or tag. That is the check that the
		// positions are right; the tests check the rest by reading the
		// output back.
		anchorEnd, ok := x.scalarEnd(off, s.at)
		if !ok {
			return edits, false
		}
		switch s.op {
		case spliceInsert:
			start, ok := x.startsLine(off)
			if !ok {
				return edits, false
			}
			indent := strings.Repeat(" ", off-start)
			// A comment just above the first key is about that key: the new
			// lines go above it.
			for start > 0 {
				prev := strings.LastIndexByte(x.text[:start-1], '\n') + 1
				if !strings.HasPrefix(x.text[prev:start], indent+"#") {
					break
				}
				start = prev
			}
			newline := "\n"
			if end := x.lineEnd(off); end >= 2 && x.text[end-2:end] == "\r\n" {
				newline = "\r\n"
			}
			var b strings.Builder
			for _, l := range s.lines {
				b.WriteString(indent)
				b.WriteString(l)
				b.WriteString(newline)
			}
			edits = append(edits, edit{start: start, end: start, insert: b.String()})
		case spliceReplace:
			edits = append(edits, edit{start: off, end: anchorEnd, insert: s.text})
		case spliceDelete:
			start, ok := x.startsLine(off)
			voff, vok := x.offset(s.value.line, s.value.column)
			if !ok || !vok || s.value.line != s.at.line {
				return edits, false
			}
			end, ok := x.scalarEnd(voff, s.value)
			if !ok || strings.TrimSpace(x.text[end:x.lineEnd(end)]) != "" && !strings.HasPrefix(strings.TrimSpace(x.text[end:x.lineEnd(end)]), "#") {
				return edits, false
			}
			edits = append(edits, edit{start: start, end: x.lineEnd(end)})
		}
	}
	return edits, true
}

// scalarEnd finds the end of a one-line scalar that starts at off. Block
// scalars, multi-line values and anything with a tag or anchor are left to
// the encoder.
func (x *lineIndex) scalarEnd(off int, p textPos) (int, bool) {
	if p.kind != yaml.ScalarNode || p.tagged {
		return 0, false
	}
	rest := x.text[off:x.lineEnd(off)]
	switch p.style {
	case yaml.DoubleQuotedStyle:
		if !strings.HasPrefix(rest, `"`) {
			return 0, false
		}
		for i := 1; i < len(rest); i++ {
			switch rest[i] {
			case '\\':
				i++
			case '"':
				return off + i + 1, true
			}
		}
	case yaml.SingleQuotedStyle:
		if !strings.HasPrefix(rest, "'") {
			return 0, false
		}
		for i := 1; i < len(rest); i++ {
			if rest[i] == '\'' {
				if i+1 < len(rest) && rest[i+1] == '\'' {
					i++
					continue
				}
				return off + i + 1, true
			}
		}
	case 0:
		if p.value == "" || !strings.HasPrefix(rest, p.value) {
			return 0, false
		}
		// A plain scalar ends at the end of the line, at a comment, or, for a
		// key, at its colon.
		tail := rest[len(p.value):]
		t := strings.TrimLeft(tail, " \t")
		if t == "" || t == "\n" || t == "\r\n" || strings.HasPrefix(t, ":") || strings.HasPrefix(t, "#") && len(t) < len(tail) {
			return off + len(p.value), true
		}
	}
	return 0, false
}

// applyEdits writes text with the edits made to b; they must not overlap.
// At the same offset, an insertion goes before a deletion.
func applyEdits(b *bytes.Buffer, text string, edits []edit) bool {
	sort.SliceStable(edits, func(i, j int) bool {
		if edits[i].start != edits[j].start {
			return edits[i].start < edits[j].start
		}
		return edits[i].end == edits[i].start && edits[j].end != edits[j].start
	})
	for i := 1; i < len(edits); i++ {
		if edits[i].start < edits[i-1].end {
			return false
		}
	}
	pos := 0
	for _, e := range edits {
		b.WriteString(text[pos:e.start])
		b.WriteString(e.insert)
		pos = e.end
	}
	b.WriteString(text[pos:])
	return true
}
