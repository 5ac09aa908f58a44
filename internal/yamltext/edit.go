package yamltext

import (
	"bytes"
	"encoding/json"
	"sort"
	"strings"
	"unicode/utf8"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Changes are the edits made to the items of one input. The caller asks
// for them through an Editor, anchored on the nodes it read; each edit is
// made at once on the node tree (so that a caller holding the nodes, such as
// kyaml's framework, sees the result) and recorded as a splice of the text
// the nodes were parsed from, so that the writer can change those few bytes
// and give back every other byte as it came. The writer checks each splice
// against the text, writes it in the document's own syntax (block YAML, flow
// YAML or JSON), and writes a document anew when its layout is beyond a
// splice (a multi-line value, a comment inside a flow mapping) or when an
// edit had to copy what an alias or a merge key shares.
type Changes struct {
	items map[int][]splice // by item index; absent: unchanged
	// added are objects to write after the last item.
	added []*yaml.RNode
}

// Add has the writer write nodes as objects after the input's last item.
func (c *Changes) Add(nodes ...*yaml.RNode) { c.added = append(c.added, nodes...) }

// Added are the objects Add was given.
func (c *Changes) Added() []*yaml.RNode { return c.added }

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

// Entry is a mapping entry to insert: a string value (a plain scalar, such
// as true, when Plain is set), or a mapping of Entries when Entries is not
// nil.
type Entry struct {
	Key     string
	Value   string
	Plain   bool
	Entries []Entry
}

// Insert puts entries first in mapping m, in their order: that is where
// they can be written without knowing where the mapping ends. Values are
// strings, written quoted (single quotes in YAML, as kyaml's SetAnnotation
// writes them: some tools misread a bare value that looks like a number).
func (e Editor) Insert(m *yaml.Node, entries ...Entry) {
	s := splice{op: spliceInsert, entries: entries, flow: m.Style&yaml.FlowStyle != 0}
	switch {
	case s.flow:
		s.at = posOf(m)
		if len(m.Content) > 0 {
			s.first = posOf(m.Content[0])
		}
	case len(m.Content) > 0:
		s.at = posOf(m.Content[0])
	}
	e.record(s)
	m.Content = append(entryNodes(entries), m.Content...)
}

// Replace makes scalar v the string value.
func (e Editor) Replace(v *yaml.Node, value string) {
	e.record(splice{op: spliceReplace, at: posOf(v), text: value})
	v.Kind, v.Tag, v.Value, v.Style, v.Content = yaml.ScalarNode, yaml.NodeTagString, value, yaml.SingleQuotedStyle, nil
}

// ReplaceKeepingStyle makes scalar v the string value in the style it had
// (plain, single- or double-quoted) when the value reads back as that
// string in it: a name replaced by a name looks as it did. Otherwise it is
// Replace.
func (e Editor) ReplaceKeepingStyle(v *yaml.Node, value string) {
	style := v.Style &^ yaml.TaggedStyle
	if style == 0 && !plainString(value) || style != 0 && style != yaml.SingleQuotedStyle && style != yaml.DoubleQuotedStyle {
		e.Replace(v, value)
		return
	}
	e.record(splice{op: spliceReplace, at: posOf(v), text: value, style: style, plain: style == 0})
	v.Kind, v.Tag, v.Value, v.Style, v.Content = yaml.ScalarNode, yaml.NodeTagString, value, style, nil
}

// plainString says whether value, written plain, reads back as that string:
// made of the characters of names and not a number, a boolean or null.
func plainString(value string) bool {
	if value == "" || !isAlnum(value[0]) {
		return false
	}
	for i := 0; i < len(value); i++ {
		if c := value[i]; !isAlnum(c) && c != '-' && c != '.' && c != '_' {
			return false
		}
	}
	return (&yaml.Node{Kind: yaml.ScalarNode, Value: value}).ShortTag() == yaml.NodeTagString
}

// InsertAfter puts entries in mapping m after its entry whose key is
// m.Content[i], whose value must be a scalar on one line (kind: Thing):
// where a field such as immutable reads naturally.
func (e Editor) InsertAfter(m *yaml.Node, i int, entries ...Entry) {
	e.record(splice{op: spliceInsertAfter, at: posOf(m.Content[i+1]), entries: entries, flow: m.Style&yaml.FlowStyle != 0})
	content := append([]*yaml.Node{}, m.Content[:i+2]...)
	content = append(content, entryNodes(entries)...)
	m.Content = append(content, m.Content[i+2:]...)
}

// Fill makes the null value of the entry whose key is m.Content[i]
// (written as nothing, ~ or null) a mapping of entries, written in place:
// the lines below the key, or {...} in a flow mapping. It returns the
// mapping.
func (e Editor) Fill(m *yaml.Node, i int, entries ...Entry) *yaml.Node {
	e.record(splice{op: spliceFill, at: posOf(m.Content[i]), value: posOf(m.Content[i+1]), entries: entries, flow: m.Style&yaml.FlowStyle != 0})
	v := &yaml.Node{Kind: yaml.MappingNode, Tag: yaml.NodeTagMap, Content: entryNodes(entries)}
	m.Content[i+1] = v
	return v
}

// ReplacePlain makes scalar v the plain scalar value (true, 3), which
// reads as its resolved type, not as a string.
func (e Editor) ReplacePlain(v *yaml.Node, value string) {
	e.record(splice{op: spliceReplace, at: posOf(v), text: value, plain: true})
	v.Kind, v.Tag, v.Value, v.Style, v.Content = yaml.ScalarNode, "", value, 0, nil
}

// Delete removes the entry whose key is m.Content[i].
func (e Editor) Delete(m *yaml.Node, i int) {
	e.record(splice{op: spliceDelete, at: posOf(m.Content[i]), value: posOf(m.Content[i+1]), flow: m.Style&yaml.FlowStyle != 0})
	m.Content = append(m.Content[:i], m.Content[i+2:]...)
}

// Unalias gives the entry of mapping m whose key is m.Content[i] a value of
// its own: the alias there becomes a copy of the node it names, so that an
// edit of it changes this place only. The document is written anew.
func (e Editor) Unalias(m *yaml.Node, i int) *yaml.Node {
	v := deepCopy(Deref(m.Content[i+1]))
	m.Content[i+1] = v
	e.record(splice{op: spliceRewrite})
	return v
}

// Override gives mapping m an entry of its own for field, first, holding a
// copy of the value a merge key brings in, so that an edit of it changes m
// only and m keeps every value it had. The document is written anew.
func (e Editor) Override(m *yaml.Node, field string) *yaml.Node {
	v := deepCopy(Lookup(m, field))
	m.Content = append([]*yaml.Node{scalarNode(field, 0), v}, m.Content...)
	e.record(splice{op: spliceRewrite})
	return v
}

// Expand makes the entries that the merge keys of mapping m bring in its
// own, in place of the merge keys, so that any of them can be edited or
// deleted in m alone. The document is written anew.
func (e Editor) Expand(m *yaml.Node) {
	entries := Entries(m)
	content := make([]*yaml.Node, 0, 2*len(entries))
	for _, en := range entries {
		content = append(content, en[0], en[1])
	}
	for i := len(m.Content) / 2; i < len(content)/2; i++ {
		content[2*i] = deepCopy(content[2*i])
		content[2*i+1] = deepCopy(content[2*i+1])
	}
	m.Content = content
	e.record(splice{op: spliceRewrite})
}

// deepCopy copies a tree without its anchors; an alias in it still names
// the node it named.
func deepCopy(n *yaml.Node) *yaml.Node {
	if n == nil {
		return nil
	}
	c := *n
	c.Anchor = ""
	if n.Kind == yaml.AliasNode {
		return &c
	}
	c.Content = make([]*yaml.Node, len(n.Content))
	for i, child := range n.Content {
		c.Content[i] = deepCopy(child)
	}
	return &c
}

func entryNodes(entries []Entry) []*yaml.Node {
	nodes := make([]*yaml.Node, 0, 2*len(entries))
	for _, en := range entries {
		nodes = append(nodes, scalarNode(en.Key, 0))
		switch {
		case en.Entries != nil:
			nodes = append(nodes, &yaml.Node{Kind: yaml.MappingNode, Tag: yaml.NodeTagMap, Content: entryNodes(en.Entries)})
		case en.Plain:
			nodes = append(nodes, &yaml.Node{Kind: yaml.ScalarNode, Value: en.Value})
		default:
			nodes = append(nodes, scalarNode(en.Value, yaml.SingleQuotedStyle))
		}
	}
	return nodes
}

func scalarNode(value string, style yaml.Style) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: yaml.NodeTagString, Value: value, Style: style}
}

// A splice is one edit expressed on the text the nodes were parsed from.
// Splices are planned from node positions (yaml.Node Line and Column) when
// the edit is made, and resolved against the text by the writer.
type splice struct {
	op spliceOp
	// at is the node the splice is anchored on: the first key of the block
	// mapping to insert into (a flow mapping itself), the scalar to
	// replace, or the key to delete.
	at textPos
	// first is the first key of a flow mapping to insert into, if any.
	first textPos
	// value is the scalar after a key to delete.
	value textPos
	// flow says the mapping to insert into or delete from is in flow style
	// ({...}, and every mapping of a JSON document).
	flow bool
	// entries to insert.
	entries []Entry
	// text is the string replacing the scalar at at; plain writes it as
	// it is, not quoted; style, when set, is the quoting to write it in.
	text  string
	plain bool
	style yaml.Style
}

type spliceOp int

const (
	spliceInsert spliceOp = iota
	spliceReplace
	spliceDelete
	// spliceInsertAfter inserts entries after the entry whose value is at.
	spliceInsertAfter
	// spliceFill writes entries as the value of the key at, in place of a
	// null written as nothing, ~ or null.
	spliceFill
	// spliceRewrite marks a document that an edit made beyond splices: it is
	// written anew.
	spliceRewrite
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

// syntax writes entries and strings in the form of one document.
type syntax struct {
	json bool
}

func (sx syntax) key(k string) string {
	if sx.json {
		return jsonString(k)
	}
	return plainKey(k)
}

func (sx syntax) value(v string) string {
	if sx.json {
		return jsonString(v)
	}
	return quoteValue(v)
}

// of writes an entry's value: quoted, or as it is when plain.
func (sx syntax) of(en Entry) string {
	if en.Plain {
		return en.Value
	}
	return sx.value(en.Value)
}

// colon is what stands between a key and its value: ": ", or ":" in
// compact JSON.
func (sx syntax) entry(k, v, colon string) string { return sx.key(k) + colon + v }

// blockLines writes entries as block YAML lines, nested two spaces deeper.
func (sx syntax) blockLines(entries []Entry) []string {
	var lines []string
	for _, en := range entries {
		if en.Entries == nil {
			lines = append(lines, sx.entry(en.Key, sx.of(en), ": "))
			continue
		}
		lines = append(lines, sx.key(en.Key)+":")
		for _, l := range sx.blockLines(en.Entries) {
			lines = append(lines, "  "+l)
		}
	}
	return lines
}

// inline writes entries on one line, as in {a: 'b', c: {d: 'e'}}, without
// the outer braces; colon and comma are the separators of the document.
func (sx syntax) inline(entries []Entry, colon, comma string) string {
	parts := make([]string, len(entries))
	for i, en := range entries {
		if en.Entries == nil {
			parts[i] = sx.entry(en.Key, sx.of(en), colon)
		} else {
			parts[i] = sx.entry(en.Key, "{"+sx.inline(en.Entries, colon, comma)+"}", colon)
		}
	}
	return strings.Join(parts, comma)
}

// lines writes entries one per line, nested mappings over several lines as
// pretty-printed JSON has them: each line after the first starts with
// indent, a level deeper by unit.
func (sx syntax) lines(entries []Entry, indent, unit, newline string) string {
	parts := make([]string, len(entries))
	for i, en := range entries {
		if en.Entries == nil {
			parts[i] = sx.entry(en.Key, sx.of(en), ": ")
			continue
		}
		inner := indent + unit
		parts[i] = sx.entry(en.Key, "{"+newline+inner+sx.lines(en.Entries, inner, unit, newline)+newline+indent+"}", ": ")
	}
	return strings.Join(parts, ","+newline+indent)
}

// jsonString writes a JSON string, with <, > and & as they are.
func jsonString(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil {
		panic(err) // a string always encodes
	}
	return strings.TrimSuffix(b.String(), "\n")
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

// edit replaces text[start:end] with insert.
type edit struct {
	start, end int
	insert     string
}

// lineIndex maps yaml.Node positions to byte offsets in a text, and knows
// its syntax.
type lineIndex struct {
	text   string
	starts []int // byte offset of each line
	syntax syntax
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

// resolve turns splices into edits of x.text, written in the syntax of the
// document; ok is false when one of them cannot be placed safely.
func (x *lineIndex) resolve(splices []splice, edits []edit) ([]edit, bool) {
	for _, s := range splices {
		if s.op == spliceRewrite {
			return edits, false
		}
		off, ok := x.offset(s.at.line, s.at.column)
		if !ok || s.at.line == 0 {
			return edits, false
		}
		if s.op == spliceInsert && s.flow {
			if edits, ok = x.insertFlow(s, off, edits); !ok {
				return edits, false
			}
			continue
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
			newline := x.newline(off)
			var b strings.Builder
			for _, l := range x.syntax.blockLines(s.entries) {
				b.WriteString(indent)
				b.WriteString(l)
				b.WriteString(newline)
			}
			edits = append(edits, edit{start: start, end: start, insert: b.String()})
		case spliceReplace:
			text := x.syntax.value(s.text)
			switch {
			case s.plain:
				text = s.text
			case s.style == yaml.DoubleQuotedStyle:
				text = jsonString(s.text)
			case s.style == yaml.SingleQuotedStyle:
				text = quoteValue(s.text)
			}
			edits = append(edits, edit{start: off, end: anchorEnd, insert: text})
		case spliceFill:
			if edits, ok = x.fill(s, off, anchorEnd, edits); !ok {
				return edits, false
			}
		case spliceInsertAfter:
			end := x.lineEnd(anchorEnd)
			newline := x.newline(off)
			if s.flow {
				edits = append(edits, edit{start: anchorEnd, end: anchorEnd, insert: x.flowAfter(s, anchorEnd, newline)})
				continue
			}
			key, ok := x.keyBefore(off)
			if !ok || strings.TrimSpace(x.text[anchorEnd:end]) != "" && !strings.HasPrefix(strings.TrimSpace(x.text[anchorEnd:end]), "#") {
				return edits, false
			}
			var b strings.Builder
			if end == len(x.text) && !strings.HasSuffix(x.text, "\n") {
				b.WriteString(newline)
			}
			for _, l := range x.syntax.blockLines(s.entries) {
				b.WriteString(key + l + newline)
			}
			edits = append(edits, edit{start: end, end: end, insert: b.String()})
		case spliceDelete:
			voff, ok := x.offset(s.value.line, s.value.column)
			if !ok {
				return edits, false
			}
			end, ok := x.scalarEnd(voff, s.value)
			if !ok {
				return edits, false
			}
			if s.flow {
				if edits, ok = x.deleteFlow(off, end, edits); !ok {
					return edits, false
				}
				continue
			}
			start, ok := x.startsLine(off)
			rest := strings.TrimSpace(x.text[end:x.lineEnd(end)])
			if !ok || s.value.line != s.at.line || rest != "" && !strings.HasPrefix(rest, "#") {
				return edits, false
			}
			edits = append(edits, edit{start: start, end: x.lineEnd(end)})
		}
	}
	return edits, true
}

// flowAfter writes entries to follow a value in a flow mapping: on its own
// line at the indentation of the value's key when the mapping has an entry
// a line (pretty-printed JSON), else on the value's line; the comma that
// followed the value then follows them.
func (x *lineIndex) flowAfter(s splice, end int, newline string) string {
	sx := x.syntax
	if s.at.style == yaml.DoubleQuotedStyle {
		sx.json = true
	}
	next := x.skipSpace(end)
	if next < len(x.text) && x.text[next] == ',' {
		next = x.skipSpace(next + 1)
	}
	if strings.Contains(x.text[end:next], "\n") {
		start := strings.LastIndexByte(x.text[:end], '\n') + 1
		indent := x.text[start:x.startsAfter(start)]
		return "," + newline + indent + sx.inline(s.entries, ": ", ", "+newline+indent)
	}
	colon, comma := ": ", ", "
	if sx.json && !strings.HasPrefix(x.text[end:], ", ") && strings.HasPrefix(x.text[end:], ",") {
		colon, comma = ":", ","
	}
	return comma + sx.inline(s.entries, colon, comma)
}

// fill writes entries in place of the null value of the key at off
// (keyEnd is where the key ends).
func (x *lineIndex) fill(s splice, off, keyEnd int, edits []edit) ([]edit, bool) {
	// The value: nothing, ~ or null, up to the end of the line or a comment.
	rest := x.text[keyEnd:x.lineEnd(keyEnd)]
	colon := strings.IndexByte(rest, ':')
	if colon < 0 {
		return edits, false
	}
	valueStart := keyEnd + colon + 1
	value := strings.TrimRight(x.text[valueStart:x.lineEnd(keyEnd)], "\r\n")
	comment := ""
	if c := strings.Index(value, " #"); c >= 0 {
		value, comment = value[:c], value[c:]
	}
	sx := x.syntax
	if s.at.style == yaml.DoubleQuotedStyle {
		sx.json = true
	}
	if s.flow {
		// The value runs to the comma or brace that ends it.
		tail := x.text[valueStart:]
		end := strings.IndexAny(tail, ",}\n")
		if end < 0 || strings.Contains(tail[:end], "#") {
			return edits, false
		}
		switch strings.TrimSpace(tail[:end]) {
		case "", "~", "null", "Null", "NULL":
		default:
			return edits, false
		}
		return append(edits, edit{start: valueStart, end: valueStart + end, insert: " {" + sx.inline(s.entries, ": ", ", ") + "}"}), true
	}
	switch strings.TrimSpace(value) {
	case "", "~", "null", "Null", "NULL":
	default:
		return edits, false
	}
	start, ok := x.startsLine(off)
	if !ok {
		return edits, false
	}
	indent := strings.Repeat(" ", off-start+2)
	newline := x.newline(off)
	var b strings.Builder
	b.WriteString(comment + newline)
	for _, l := range sx.blockLines(s.entries) {
		b.WriteString(indent + l + newline)
	}
	lineEnd := x.lineEnd(keyEnd)
	return append(edits, edit{start: valueStart, end: lineEnd, insert: b.String()}), true
}

// keyBefore is the indentation of the key whose value starts at off, on the
// same line; ok is false when the value is not on its key's line.
func (x *lineIndex) keyBefore(off int) (string, bool) {
	start := strings.LastIndexByte(x.text[:off], '\n') + 1
	line := x.text[start:off]
	if !strings.Contains(line, ":") {
		return "", false
	}
	return x.text[start:x.startsAfter(start)], true
}

// insertFlow inserts entries first in the flow mapping whose "{" is at off:
// on their own lines when the mapping has its first key on a line of its
// own (pretty-printed JSON), else inline, with the document's separators.
func (x *lineIndex) insertFlow(s splice, off int, edits []edit) ([]edit, bool) {
	if off >= len(x.text) || x.text[off] != '{' {
		return edits, false
	}
	if s.first.line == 0 {
		// An empty mapping: between its braces, in JSON when its key is
		// written as JSON ("annotations": {}).
		end := x.skipSpace(off + 1)
		if end >= len(x.text) || x.text[end] != '}' {
			return edits, false
		}
		sx := x.syntax
		before := strings.TrimRight(x.text[:off], " \t")
		if strings.HasSuffix(before, "\":") || strings.HasSuffix(strings.TrimRight(strings.TrimSuffix(before, ":"), " \t"), "\"") {
			sx.json = true
		}
		return append(edits, edit{start: off + 1, end: end, insert: sx.inline(s.entries, ": ", ", ")}), true
	}
	first, ok := x.offset(s.first.line, s.first.column)
	if !ok || x.skipSpace(off+1) != first {
		return edits, false
	}
	// A flow mapping written as JSON inside YAML (a JSON document that an
	// orchestrator put in a ResourceList) takes its entries as JSON too.
	sx := x.syntax
	if s.first.style == yaml.DoubleQuotedStyle {
		sx.json = true
	}
	keyEnd, ok := x.scalarEnd(first, s.first)
	if !ok {
		return edits, false
	}
	if start, own := x.startsLine(first); own && s.first.line > s.at.line {
		indent := x.text[start:first]
		outer, _ := x.startsLine(off)
		unit := strings.Repeat(" ", max(2, len(indent)-(x.startsAfter(outer)-outer)))
		newline := x.newline(first)
		return append(edits, edit{start: first, end: first, insert: sx.lines(s.entries, indent, unit, newline) + "," + newline + indent}), true
	}
	// Compact JSON ({"a":1}) gets compact separators.
	colon, comma := ": ", ", "
	if sx.json && strings.HasPrefix(x.text[keyEnd:], ":") && !strings.HasPrefix(x.text[keyEnd:], ": ") {
		colon, comma = ":", ","
	}
	return append(edits, edit{start: first, end: first, insert: sx.inline(s.entries, colon, comma) + comma}), true
}

// deleteFlow deletes the entry of a flow mapping from its key at off to the
// end of its value, with the comma after it, or before it when it is the
// last; the only entry leaves {}. Only white space may stand between the
// tokens (a comment is beyond this).
func (x *lineIndex) deleteFlow(off, end int, edits []edit) ([]edit, bool) {
	after := x.skipSpace(end)
	if after >= len(x.text) {
		return edits, false
	}
	if x.text[after] == ',' {
		next := x.skipSpace(after + 1)
		if next >= len(x.text) || x.text[next] == '#' {
			return edits, false
		}
		return append(edits, edit{start: off, end: next}), true
	}
	if x.text[after] != '}' {
		return edits, false
	}
	before := off
	for before > 0 && isSpace(x.text[before-1]) {
		before--
	}
	switch {
	case before > 0 && x.text[before-1] == ',':
		return append(edits, edit{start: before - 1, end: end}), true
	case before > 0 && x.text[before-1] == '{':
		return append(edits, edit{start: before, end: after}), true
	}
	return edits, false
}

// skipSpace is the offset of the first character from off on that is not
// white space.
func (x *lineIndex) skipSpace(off int) int {
	for off < len(x.text) && isSpace(x.text[off]) {
		off++
	}
	return off
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// newline is the line ending of the line holding off.
func (x *lineIndex) newline(off int) string {
	if end := x.lineEnd(off); end >= 2 && x.text[end-2:end] == "\r\n" {
		return "\r\n"
	}
	return "\n"
}

// scalarEnd finds the end of a one-line scalar that starts at off. Block
// scalars, multi-line values and anything with a tag or anchor are left to
// the encoder.
func (x *lineIndex) scalarEnd(off int, p textPos) (int, bool) {
	rest := x.text[off:x.lineEnd(off)]
	// A merge key as the YAML library and Helm write it: "!!merge <<".
	if p.kind == yaml.ScalarNode && p.value == "<<" && strings.HasPrefix(rest, "!!merge <<") {
		return off + len("!!merge <<"), true
	}
	if p.kind != yaml.ScalarNode || p.tagged {
		return 0, false
	}
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
		// A plain scalar ends at the end of the line, at a comment, for a
		// key at its colon, and in a flow collection at a comma or bracket.
		tail := rest[len(p.value):]
		t := strings.TrimLeft(tail, " \t")
		if t == "" || t == "\n" || t == "\r\n" || strings.HasPrefix(t, "#") && len(t) < len(tail) || t != "" && strings.ContainsRune(":,}]", rune(t[0])) {
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
