package yamltext

import (
	"errors"
	"fmt"
	"io"
	"regexp"
	"runtime"
	"strings"
	"sync"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Parsing the YAML is most of a run's time on a large input, and it is one
// core's work per document. So a large input is parsed on every core: a
// stream document by document, and the items of a ResourceList in slices
// cut at item boundaries. The result is the tree that one parse of the whole
// text gives, with the same line and column positions, which splices rely on
// (parse_test.go compares them node by node). Small inputs take the plain
// path: starting goroutines would only cost time.

// parallelMin is the input size from which parsing is spread over cores.
const parallelMin = 1 << 20

// decodeChunks parses every chunk; errs[i] is chunk i's error, so that the
// caller reports the first one in input order whatever finished first.
func decodeChunks(chunks []chunk, size int) (docs [][]*yaml.Node, errs []error) {
	docs, errs = make([][]*yaml.Node, len(chunks)), make([]error, len(chunks))
	workers := runtime.GOMAXPROCS(0)
	if size < parallelMin || workers < 2 {
		for i := range chunks {
			docs[i], errs[i] = decodeChunk(chunks[i], workers)
		}
		return docs, errs
	}
	next := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				docs[i], errs[i] = decodeChunk(chunks[i], workers)
			}
		}()
	}
	for i := range chunks {
		next <- i
	}
	close(next)
	wg.Wait()
	return docs, errs
}

// decodeChunk parses the documents of one chunk, a large ResourceList on
// several cores, and refuses a mapping with a key twice, as the API server
// does (the YAML library takes the last silently).
func decodeChunk(c chunk, workers int) ([]*yaml.Node, error) {
	text := parseable(c.text)
	if end := ignoredTail(text); end >= 0 {
		text = text[:end]
	}
	var docs []*yaml.Node
	if len(text) >= parallelMin && workers > 1 {
		if doc, ok := decodeListParallel(text, workers); ok {
			docs = []*yaml.Node{doc}
		}
	}
	if docs == nil {
		var err error
		if docs, err = decodeAll(text); err != nil {
			return nil, syntaxError(err, c)
		}
	}
	for _, d := range docs {
		if dup, first := duplicateKey(d); dup != nil {
			return nil, fmt.Errorf("input is not valid YAML: line %d: mapping key %q already defined at line %d", c.line+dup.Line-1, dup.Value, c.line+first.Line-1)
		}
	}
	return docs, nil
}

// ignoredTail finds text after a "..." document end marker, before the
// next "---", that is more than comments: kubectl's reader (and kustomize's)
// ends the document there and never reads that text, so it is no object
// here either. It returns where the text after the marker's line begins, -1
// when there is no such text. The text stays in the output as it came.
func ignoredTail(text string) int {
	for pos := 0; pos < len(text); {
		next := strings.IndexByte(text[pos:], '\n')
		end := len(text)
		if next >= 0 {
			end = pos + next + 1
		}
		if l := strings.TrimRight(text[pos:end], " \t\r\n"); l == "..." || strings.HasPrefix(l, "... ") {
			for _, rest := range strings.Split(text[end:], "\n") {
				if r := strings.TrimSpace(rest); r != "" && !strings.HasPrefix(r, "#") {
					return end
				}
			}
		}
		pos = end
	}
	return -1
}

// yamlVersion finds a %YAML 1.x directive of a version other than 1.1.
var yamlVersion = regexp.MustCompile(`(?m)^%YAML 1\.[02-9]\b`)

// parseable is text as the YAML library takes it: it refuses any %YAML
// directive but 1.1, where YAML 1.2 is what Kubernetes manifests are written
// in. The directive is rewritten as 1.1, in as many bytes, so that every
// position stays where it was; the text itself is kept for the output.
func parseable(text string) string {
	if !strings.HasPrefix(text, "%") && !strings.Contains(text, "\n%YAML") {
		return text
	}
	return yamlVersion.ReplaceAllString(text, "%YAML 1.1")
}

// duplicateKey finds a mapping key given twice in the tree under n, with
// its first occurrence; aliases are not followed (their target is checked
// where it stands). Small mappings, nearly all of them, are compared pair by
// pair, without allocating.
func duplicateKey(n *yaml.Node) (dup, first *yaml.Node) {
	if n.Kind == yaml.MappingNode {
		if len(n.Content) <= 32 {
			for i := 2; i+1 < len(n.Content); i += 2 {
				k := n.Content[i]
				for j := 0; j < i; j += 2 {
					if sameKey(n.Content[j], k) {
						return k, n.Content[j]
					}
				}
			}
		} else {
			seen := make(map[string]*yaml.Node, len(n.Content)/2)
			for i := 0; i+1 < len(n.Content); i += 2 {
				k := n.Content[i]
				if k.Kind != yaml.ScalarNode {
					continue
				}
				key := k.Tag + "\x00" + k.Value
				if f, ok := seen[key]; ok {
					return k, f
				}
				seen[key] = k
			}
		}
	}
	for _, c := range n.Content {
		if c.Kind != yaml.AliasNode {
			if dup, first := duplicateKey(c); dup != nil {
				return dup, first
			}
		}
	}
	return nil, nil
}

func sameKey(a, b *yaml.Node) bool {
	return a.Kind == yaml.ScalarNode && b.Kind == yaml.ScalarNode && a.Value == b.Value && a.Tag == b.Tag
}

func decodeAll(text string) ([]*yaml.Node, error) {
	dec := yaml.NewDecoder(strings.NewReader(text))
	var docs []*yaml.Node
	for {
		var n yaml.Node
		err := dec.Decode(&n)
		if errors.Is(err, io.EOF) {
			return docs, nil
		}
		if err != nil {
			return nil, err
		}
		docs = append(docs, &n)
	}
}

// decodeListParallel parses a ResourceList written as kustomize and kpt
// write it: a block mapping at column 1 with "items:" alone on its line,
// followed by a block sequence. The items are cut into slices at the lines
// that start an item ("- " at the sequence's indentation), and each slice is
// parsed after as many empty lines as precede it, so that positions are
// those of the whole text. The rest is parsed with the items' lines left
// empty. ok is false when the text is not of that form or a slice does not
// parse on its own (a multi-line flow value or an alias across items): the
// caller then parses the whole text at once, which also gives the errors.
func decodeListParallel(text string, workers int) (*yaml.Node, bool) {
	x := newLineIndex(text)
	lines := len(x.starts)
	line := func(i int) string { // line i (0-based) without its newline
		end := len(text)
		if i+1 < lines {
			end = x.starts[i+1] - 1
		}
		return text[x.starts[i]:end]
	}
	topLevel := func(l string) bool {
		return l != "" && l[0] != ' ' && l[0] != '#' && l[0] != '-' && l[0] != '\r'
	}

	first, last := -1, lines // the items' lines: [first, last)
	for i := 0; i < lines; i++ {
		l := line(i)
		if first < 0 {
			if strings.TrimRight(l, " \r") == "items:" {
				first = i + 1
			}
			continue
		}
		if topLevel(l) {
			last = i
			break
		}
	}
	if first < 0 || first >= last {
		return nil, false
	}

	// The sequence's indentation is that of its first entry; an entry starts
	// at a line with a dash there and not a space before it.
	dash := ""
	for i := first; i < last && dash == ""; i++ {
		l := line(i)
		trimmed := strings.TrimLeft(l, " ")
		if trimmed == "" || trimmed[0] == '#' || trimmed == "\r" {
			continue
		}
		if !strings.HasPrefix(trimmed, "- ") {
			return nil, false
		}
		dash = l[:len(l)-len(trimmed)] + "-"
	}
	var starts []int // lines where an item starts
	for i := first; i < last; i++ {
		if l := line(i); strings.HasPrefix(l, dash) && (len(l) == len(dash) || l[len(dash)] == ' ' || l[len(dash)] == '\r') {
			starts = append(starts, i)
		}
	}
	if len(starts) < workers {
		return nil, false
	}

	// Slices of about equal size, cut at item starts.
	end := len(text)
	if last < lines {
		end = x.starts[last]
	}
	var cuts []int // first line of each slice
	per := (end - x.starts[starts[0]]) / workers
	for _, s := range starts {
		if len(cuts) == 0 || x.starts[s]-x.starts[cuts[len(cuts)-1]] >= per {
			cuts = append(cuts, s)
		}
	}

	head := text[:x.starts[first]] + strings.Repeat("\n", last-first) + text[end:]
	parts := make([]*yaml.Node, len(cuts))
	ok := make([]bool, len(cuts)+1)
	var wg sync.WaitGroup
	for p := range cuts {
		from, to := x.starts[cuts[p]], end
		if p+1 < len(cuts) {
			to = x.starts[cuts[p+1]]
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			docs, err := decodeAll(strings.Repeat("\n", cuts[p]) + text[from:to])
			if err == nil && len(docs) == 1 && len(docs[0].Content) == 1 && docs[0].Content[0].Kind == yaml.SequenceNode {
				parts[p], ok[p] = docs[0].Content[0], true
			}
		}()
	}
	docs, err := decodeAll(head)
	wg.Wait()
	for _, good := range ok[:len(cuts)] {
		if !good {
			return nil, false
		}
	}
	if err != nil || len(docs) != 1 || len(docs[0].Content) != 1 {
		return nil, false
	}
	root := docs[0].Content[0]
	if root.Kind != yaml.MappingNode || root.Style&yaml.FlowStyle != 0 || root.Column != 1 {
		return nil, false
	}
	items := Own(root, "items")
	if items == nil || items.Kind != yaml.ScalarNode || items.ShortTag() != yaml.NodeTagNull {
		return nil, false
	}
	seq := *parts[0]
	for _, p := range parts[1:] {
		seq.Content = append(seq.Content, p.Content...)
	}
	*items = seq
	return docs[0], true
}
