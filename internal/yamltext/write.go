package yamltext

import (
	"bytes"
	"io"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Write writes the items in the form they came in: a ResourceList with the
// results, or a YAML stream (results go to the caller, for stderr). The
// input's text is given back as it came, with only the changes spliced in;
// a document whose layout is beyond a splice is written anew by the YAML
// library. changes may be nil: nothing changed.
func (in *Stream) Write(w io.Writer, results framework.Results, changes *Changes) error {
	if changes == nil {
		changes = NewChanges()
	}
	in.reencoded = 0
	var out bytes.Buffer
	out.Grow(in.size + 4096)
	if in.bom {
		out.Write(utf8BOM)
	}
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
			in.reencoded = len(in.Items)
			out.Reset()
			if in.bom {
				out.Write(utf8BOM)
			}
			if err := in.writeResourceList(&out, results, changes.added); err != nil {
				return err
			}
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
		in.reencoded += len(c.items)
		if err := in.rewriteChunk(&out, c); err != nil {
			return err
		}
	}
	if err := writeAdded(&out, changes.added); err != nil {
		return err
	}
	_, err := w.Write(out.Bytes())
	return err
}

// writeAdded writes the added objects as documents after the stream's last.
func writeAdded(out *bytes.Buffer, added []*yaml.RNode) error {
	for _, n := range added {
		if out.Len() > 0 {
			if !bytes.HasSuffix(out.Bytes(), []byte("\n")) {
				out.WriteString("\n")
			}
			out.WriteString("---\n")
		}
		enc := yaml.NewEncoder(out)
		restore := plainMergeKeys(n.YNode())
		err := enc.Encode(n.YNode())
		restore()
		if err != nil {
			return err
		}
		if err := enc.Close(); err != nil {
			return err
		}
	}
	return nil
}

// rewriteChunk writes the documents of a chunk anew: its directives and
// "---", then the documents through the YAML library (in JSON, with the
// text's indentation, for a JSON document), then the "..." line that ended
// it, if any, and what follows.
func (in *Stream) rewriteChunk(out *bytes.Buffer, c chunk) error {
	head, body := splitDirectives(c.text)
	tail := documentEnd(body)
	out.WriteString(head)
	if c.json {
		for _, i := range c.items {
			writeJSON(out, in.Items[i].YNode(), body)
		}
	} else {
		enc := yaml.NewEncoder(out)
		if yaml.DeriveSeqIndentStyle(body) == string(yaml.WideSequenceStyle) {
			enc.DefaultSeqIndent()
		}
		for _, i := range c.items {
			doc := in.Items[i].Document()
			restore := plainMergeKeys(doc)
			unsaid := withoutComments(doc, head, tail)
			err := enc.Encode(doc)
			unsaid()
			restore()
			if err != nil {
				return err
			}
		}
		if err := enc.Close(); err != nil {
			return err
		}
	}
	out.WriteString(tail)
	return nil
}

// withoutComments takes out of doc, until restore is called, the comments
// that the head and the tail of its chunk write already: the parser gives
// the comment of a "--- # ..." line to the first key, and the comments
// after a "..." line to the document.
func withoutComments(doc *yaml.Node, head, tail string) (restore func()) {
	var undo []func()
	if _, comment, ok := strings.Cut(lastLine(head), "#"); ok && len(doc.Content) == 1 && len(doc.Content[0].Content) > 0 {
		k := doc.Content[0].Content[0]
		was, c := k.HeadComment, "#"+strings.TrimRight(comment, " \r\n")
		if was == c || strings.HasPrefix(was, c+"\n") {
			k.HeadComment = strings.TrimPrefix(strings.TrimPrefix(was, c), "\n")
			undo = append(undo, func() { k.HeadComment = was })
		}
	}
	if tail != "" {
		was := doc.FootComment
		doc.FootComment = ""
		undo = append(undo, func() { doc.FootComment = was })
	}
	return func() {
		for _, u := range undo {
			u()
		}
	}
}

func lastLine(text string) string {
	text = strings.TrimRight(text, "\n")
	return text[strings.LastIndexByte(text, '\n')+1:]
}

// splitDirectives cuts a chunk after its directives and their "---" line.
func splitDirectives(text string) (head, body string) {
	if !strings.HasPrefix(text, "%") && !strings.HasPrefix(text, "#") {
		return "", text
	}
	for pos := 0; pos < len(text); {
		end := strings.IndexByte(text[pos:], '\n')
		next := len(text)
		if end >= 0 {
			next = pos + end + 1
		}
		if isSeparator(text[pos:next]) {
			return text[:next], text[next:]
		}
		pos = next
	}
	return "", text
}

// documentEnd is the text from the "..." line that ends a document on, ""
// when there is none.
func documentEnd(text string) string {
	for pos := 0; pos < len(text); {
		end := strings.IndexByte(text[pos:], '\n')
		next := len(text)
		if end >= 0 {
			next = pos + end + 1
		}
		if l := strings.TrimRight(text[pos:next], " \t\r\n"); l == "..." || strings.HasPrefix(l, "... ") {
			return text[pos:]
		}
		pos = next
	}
	return ""
}

// spliceChunk places the changes of a stream document in its text.
func (in *Stream) spliceChunk(c chunk, changes *Changes) ([]edit, bool) {
	x := newLineIndex(c.text)
	x.syntax.json = c.json
	var edits []edit
	for _, i := range c.items {
		var ok bool
		if edits, ok = x.resolve(changes.items[i], edits); !ok {
			return nil, false
		}
	}
	return edits, true
}

// spliceResourceList places the changes of the items in the ResourceList's
// text, and puts the results in place of the input's. It needs the usual
// layout that kustomize and kpt write (a block mapping, items a block
// sequence of "- " entries); ok is false for any other.
func (in *Stream) spliceResourceList(results framework.Results, changes *Changes) ([]edit, bool, error) {
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
	if len(changes.added) > 0 {
		if itemsKey < 0 {
			return nil, false, nil
		}
		seq := root.Content[itemsKey+1]
		if seq.Kind != yaml.SequenceNode || seq.Style&yaml.FlowStyle != 0 {
			return nil, false, nil
		}
		e, ok, err := in.appendItems(x, seq, fieldEnd(itemsKey), changes.added)
		if err != nil || !ok {
			return nil, false, err
		}
		edits = append(edits, e)
	}
	if itemsKey >= 0 && len(changes.items) > 0 {
		seq := root.Content[itemsKey+1]
		if seq.Kind != yaml.SequenceNode || seq.Style&yaml.FlowStyle != 0 {
			return nil, false, nil
		}
		for i := range seq.Content {
			splices, changed := changes.items[i]
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
			in.reencoded++
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
	text, err := itemText(node, x.text[start:x.startsAfter(start)])
	if err != nil {
		return edit{}, false, err
	}
	return edit{start: start, end: end, insert: text}, true, nil
}

// itemText writes node as an item of a block sequence whose dashes stand
// after indent.
func itemText(node *yaml.RNode, indent string) (string, error) {
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	restore := plainMergeKeys(node.YNode())
	err := enc.Encode(node.YNode())
	restore()
	if err != nil {
		return "", err
	}
	if err := enc.Close(); err != nil {
		return "", err
	}
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
	return out.String(), nil
}

// appendItems writes the added objects after the last item of a
// ResourceList, at the indentation of its items; ok is false when it has
// none to follow (an empty or flow list).
func (in *Stream) appendItems(x *lineIndex, seq *yaml.Node, end int, added []*yaml.RNode) (edit, bool, error) {
	if len(seq.Content) == 0 {
		return edit{}, false, nil
	}
	start, ok := itemStart(x, seq.Content[0])
	if !ok {
		return edit{}, false, nil
	}
	indent := x.text[start:x.startsAfter(start)]
	// After the last item's text, before the comments and blank lines that
	// end the list.
	for end > start {
		prev := strings.LastIndexByte(x.text[:end-1], '\n') + 1
		if l := strings.TrimSpace(x.text[prev:end]); l != "" && l[0] != '#' {
			break
		}
		end = prev
	}
	var b strings.Builder
	if end > 0 && x.text[end-1] != '\n' {
		b.WriteString("\n")
	}
	for _, n := range added {
		text, err := itemText(n, indent)
		if err != nil {
			return edit{}, false, err
		}
		b.WriteString(text)
	}
	return edit{start: end, end: end, insert: b.String()}, true, nil
}

func anyChanged(items []int, changes *Changes) bool {
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
func (in *Stream) writeResourceList(w io.Writer, results framework.Results, added []*yaml.RNode) error {
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
	items := &yaml.Node{Kind: yaml.SequenceNode, Content: make([]*yaml.Node, 0, len(in.Items)+len(added))}
	for _, n := range append(append([]*yaml.RNode{}, in.Items...), added...) {
		items.Content = append(items.Content, n.YNode())
	}
	list.Content = append(list.Content, scalar("items"), items)
	enc := yaml.NewEncoder(w)
	restore := plainMergeKeys(list)
	err := enc.Encode(&yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{list}})
	restore()
	if err != nil {
		return err
	}
	return enc.Close()
}

// plainMergeKeys clears the tag of every merge key under n until restore is
// called: the YAML library writes a merge key it read as "!!merge <<",
// which readers that know no YAML 1.1 tags refuse; untagged, "<<" is read
// back as the merge key it was.
func plainMergeKeys(n *yaml.Node) (restore func()) {
	var keys []*yaml.Node
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		for i, c := range n.Content {
			if n.Kind == yaml.MappingNode && i%2 == 0 && IsMerge(c) {
				keys = append(keys, c)
				c.Tag = ""
			} else if c.Kind != yaml.AliasNode {
				walk(c)
			}
		}
	}
	walk(n)
	return func() {
		for _, k := range keys {
			k.Tag = "!!merge"
		}
	}
}
