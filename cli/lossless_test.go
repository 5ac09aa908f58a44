package cli_test

// Stream mode is lossless: every document that is not a target comes back
// byte for byte, and a target changes only in lines that are digest
// annotations (plus the annotations: and metadata: lines that hold them when
// the pod template had none). This is checked on the text, line by line, for
// every corpus input and kustomize build and for every golden case, so that
// a writer that re-encodes a document (and so reflows it, re-quotes it or
// re-indents it) fails here even when the YAML it writes means the same.
//
// Two kinds of document are checked otherwise, because their text changes by
// design: a JSON document, whose annotation is written in JSON inside its
// lines (it must still be JSON, and read as the input plus annotations), and
// a document whose annotations an alias or a merge key shares, which is
// written anew with that part copied (it must read, aliases and merges
// resolved, as the input plus annotations).

import (
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/yaml"

	"confighash.dev/confighash/fn"
)

func TestLosslessStreamCorpus(t *testing.T) {
	for _, in := range corpusInputs(t) {
		t.Run(in.name, func(t *testing.T) {
			t.Parallel()
			o := runInProcess(nil, nil, in.data)
			if o.code != 0 {
				t.Fatalf("exit %d: %s", o.code, o.stderr)
			}
			checkLossless(t, in.data, o.stdout, hasDefaultTarget)
		})
	}
}

func TestLosslessStreamGolden(t *testing.T) {
	for _, c := range loadGoldenCases(t) {
		if c.errors != nil {
			continue
		}
		t.Run(c.name, func(t *testing.T) {
			code, out, errOut := runMain(c, c.streamArgs(), c.input)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			// Options can make anything with a pod template a target.
			checkLossless(t, c.input, []byte(out), hasPodTemplate)
		})
	}
}

// streamDoc is one document of a YAML stream as text: the "---" line before
// it ("" for the first) and what follows up to the next one.
type streamDoc struct {
	separator string
	text      string
}

// separatorLine is a document separator as kyaml's reader and confighash
// cut streams: "---" alone or followed by a comment.
var separatorLine = regexp.MustCompile(`^---[ \t]*(?:[ \t]#.*)?\r?\n?$`)

func splitStreamDocs(s string) []streamDoc {
	var docs []streamDoc
	cur := streamDoc{}
	var b strings.Builder
	for _, line := range strings.SplitAfter(s, "\n") {
		if separatorLine.MatchString(line) {
			cur.text = b.String()
			docs = append(docs, cur)
			cur, b = streamDoc{separator: line}, strings.Builder{}
			continue
		}
		b.WriteString(line)
	}
	cur.text = b.String()
	return append(docs, cur)
}

// checkLossless compares a stream and its output document by document.
// isTarget says whether a document holds a target, which alone may change.
func checkLossless(t *testing.T, input, output []byte, isTarget func(t *testing.T, doc string) bool) {
	t.Helper()
	in, out := splitStreamDocs(string(input)), splitStreamDocs(string(output))
	if len(in) < len(out) {
		// Versions kept from a previous render come after the input's last
		// document.
		out = out[:len(in)]
	}
	if len(in) != len(out) {
		t.Fatalf("%d documents in, %d out", len(in), len(out))
	}
	renames := versionRenames(t, input, output)
	for i := range in {
		if in[i].separator != out[i].separator {
			t.Errorf("document %d: separator %q became %q", i+1, in[i].separator, out[i].separator)
		}
		// A versioned source's new name, in the object and in every
		// reference to it, is no lost byte: compare with the names made
		// alike.
		in[i].text, out[i].text = renames.Replace(in[i].text), renames.Replace(out[i].text)
		if in[i].text == out[i].text {
			continue
		}
		if !isTarget(t, in[i].text) && !isVersioned(out[i].text) {
			t.Errorf("document %d is not a target but changed:\n%s", i+1, corpusFirstDiff(in[i].text, out[i].text))
			continue
		}
		if err := checkLosslessDoc(in[i].text, out[i].text); err != nil {
			t.Errorf("document %d: %v", i+1, err)
		}
	}
}

func checkLosslessDoc(in, out string) error {
	trimmed := strings.TrimSpace(in)
	isJSON := strings.HasPrefix(trimmed, "{") && json.Valid([]byte(trimmed))
	if !isJSON && !strings.Contains(in, "*") && !strings.Contains(in, "<<") {
		return onlyAnnotationLinesChanged(in, out)
	}
	if isJSON && !json.Valid([]byte(strings.TrimSpace(out))) {
		return fmt.Errorf("a JSON document is no longer JSON:\n%s", out)
	}
	before, after := readDoc(in), readDoc(out)
	if before == nil || after == nil {
		return fmt.Errorf("document does not read")
	}
	if !isJSON && !hasAliasOrMerge(before) {
		return onlyAnnotationLinesChanged(in, out)
	}
	return compareResolved(before, after)
}

// readDoc parses one document, nil when it does not parse.
func readDoc(text string) *yaml.Node {
	var n yaml.Node
	if err := yaml.Unmarshal([]byte(text), &n); err != nil || len(n.Content) == 0 {
		return nil
	}
	return n.Content[0]
}

var (
	// annotationEntry is a line "key: value" of an annotations map; the
	// key must have a value (quoted or not) on the same line.
	annotationEntry = regexp.MustCompile(`^(\s*)(['"]?)([^\s'"#:][^\s'"]*)(['"]?):\s+(['"]?)(.*?)(['"]?)\s*\r?$`)
	// holderLine opens the metadata or annotations map of a pod template.
	// holderLine opens a map that holds annotations: a pod template's
	// metadata or annotations, or an operator's way to them
	// (spec.podMetadata.annotations, spec.kafka.template.pod.metadata).
	holderLine = regexp.MustCompile(`^\s*(metadata|annotations|podMetadata|podAnnotations|template|pod):\s*\r?$`)
	// emptyHolder is a holder written as an empty map, which the run may
	// open up to put an entry in.
	emptyHolder = regexp.MustCompile(`^\s*(metadata|annotations):\s*(\{\s*\}|null|~)?\s*\r?$`)
)

// onlyAnnotationLinesChanged checks that after is before with lines added
// and removed, where every added line is a digest annotation entry (or
// confighash.dev/owns) or a holder line, and every removed line is an
// annotation entry of confighash's that the run rewrote or dropped (never
// one it did not write: a chart's checksum/config stays), or an empty holder.
func onlyAnnotationLinesChanged(before, after string) error {
	b, a := strings.Split(before, "\n"), strings.Split(after, "\n")
	// Keys outside confighash's domain are its own when confighash.dev/owns
	// lists them, before the run or after it.
	owned := map[string]string{}
	for _, l := range append(append([]string{}, b...), a...) {
		if k, v, ok := entry(l); ok && k == ownsAnnotation {
			owned[ownsAnnotation] += "," + v
		}
	}
	added := 0
	i, j := 0, 0
	for i < len(b) || j < len(a) {
		switch {
		case i < len(b) && j < len(a) && b[i] == a[j]:
			i, j = i+1, j+1
		case j < len(a) && isAddedLine(a[j]):
			j, added = j+1, added+1
		case i < len(b) && isRemovedLine(b[i], owned):
			i++
		case i < len(b) && j < len(a) && stripFlowDigests(a[j]) == b[i]:
			// Entries put into a flow mapping on the line:
			// podMetadata: {annotations: {k: 'digest'}, labels: {...}}.
			i, j, added = i+1, j+1, added+1
		default:
			var bl, al string
			if i < len(b) {
				bl = b[i]
			}
			if j < len(a) {
				al = a[j]
			}
			return fmt.Errorf("changed beyond its annotations at line %d of the input, line %d of the output:\n- %q\n+ %q", i+1, j+1, bl, al)
		}
	}
	if added == 0 {
		return fmt.Errorf("changed, but no annotation line was added or rewritten")
	}
	return nil
}

var (
	flowDigest      = `['"]?[A-Za-z0-9./_-]+['"]?: ['"]?[0-9a-f]{64}['"]?`
	flowAnnotations = regexp.MustCompile(`annotations: \{` + flowDigest + `(, ` + flowDigest + `)*\}(, )?`)
	flowEntry       = regexp.MustCompile(`(` + flowDigest + `, |, ` + flowDigest + `)`)
)

// stripFlowDigests removes from a line the digest entries that a run puts
// into a flow mapping, and an annotations map that holds only them.
func stripFlowDigests(line string) string {
	return flowEntry.ReplaceAllString(flowAnnotations.ReplaceAllString(line, ""), "")
}

func entry(line string) (key, value string, ok bool) {
	m := annotationEntry.FindStringSubmatch(line)
	if m == nil || m[2] != m[4] || m[5] != m[7] {
		return "", "", false
	}
	return m[3], m[6], true
}

func isAddedLine(l string) bool {
	if holderLine.MatchString(l) || strings.TrimSpace(l) == "immutable: true" {
		return true
	}
	k, v, ok := entry(l)
	return ok && (digestValue.MatchString(v) || k == ownsAnnotation || k == originalNameAnnotation)
}

const originalNameAnnotation = "confighash.dev/original-name"

// isVersioned says whether a document is a versioned source, which a run
// renames and records the original name of.
func isVersioned(doc string) bool {
	return strings.Contains(doc, "confighash.dev/versioned") || strings.Contains(doc, originalNameAnnotation)
}

// versionRenames maps the names of the versioned sources, in the input (the
// original name and the name the input gives) and in the output, to one
// placeholder each, as whole words of a name.
func versionRenames(t *testing.T, input, output []byte) *nameReplacer {
	t.Helper()
	r := &nameReplacer{}
	outItems, err := corpusRead(output)
	if err != nil {
		return r
	}
	inItems, _ := corpusRead(input)
	names := map[string][]string{} // output name -> the names it had
	for old, now := range versionRenamesOf(inItems, outItems) {
		names[now] = append(names[now], old)
	}
	for i, now := range slices.Sorted(maps.Keys(names)) {
		// A placeholder that holds no name, so that no pass renames it.
		r.add(fmt.Sprintf("#%d", i), append(slices.Sorted(slices.Values(names[now])), now))
	}
	return r
}

// nameReplacer replaces names, as whole words, by placeholders.
type nameReplacer struct {
	patterns []*regexp.Regexp
	with     []string
}

func (r *nameReplacer) add(placeholder string, names []string) {
	for _, n := range names {
		r.patterns = append(r.patterns, regexp.MustCompile(`(^|[^a-z0-9.-])`+regexp.QuoteMeta(n)+`($|[^a-z0-9.-])`))
		r.with = append(r.with, "${1}<"+placeholder+">${2}")
	}
}

func (r *nameReplacer) Replace(s string) string {
	// Twice: a match uses up the character before the next one.
	for pass := 0; pass < 2; pass++ {
		for i, p := range r.patterns {
			s = p.ReplaceAllString(s, r.with[i])
		}
	}
	return s
}

func isRemovedLine(l string, owned map[string]string) bool {
	if emptyHolder.MatchString(l) {
		return true
	}
	k, _, ok := entry(l)
	return ok && confighashKey(k, owned)
}

// hasDefaultTarget says whether a document holds a pod template that is a
// target under the default options (SPEC 2).
func hasDefaultTarget(t *testing.T, doc string) bool {
	t.Helper()
	items, err := corpusRead([]byte(doc))
	if err != nil {
		t.Fatalf("reading a document of the input: %v", err)
	}
	for _, it := range items {
		for _, tpl := range corpusPodTemplates(it) {
			if corpusNotTarget(it, tpl.path) == "" {
				return true
			}
		}
		if isBuiltinWorkload(it) {
			return true
		}
	}
	return false
}

// isBuiltinWorkload says whether an object is of a kind of an operator that
// confighash knows (a Prometheus, a Kafka, an Elasticsearch).
func isBuiltinWorkload(obj *yaml.RNode) bool {
	group, _, _ := strings.Cut(obj.GetApiVersion(), "/")
	for _, r := range fn.BuiltinReferences() {
		if r.Kind == obj.GetKind() && r.APIVersion == group {
			return true
		}
	}
	return false
}

// hasPodTemplate says whether a document holds any pod template.
func hasPodTemplate(t *testing.T, doc string) bool {
	t.Helper()
	items, err := corpusRead([]byte(doc))
	if err != nil {
		t.Fatalf("reading a document of the input: %v", err)
	}
	for _, it := range items {
		if len(corpusPodTemplates(it)) > 0 || isCustomResource(it) {
			return true
		}
	}
	return false
}

// isCustomResource says whether an object is of a kind of an API group
// (monitoring.coreos.com, kafka.strimzi.io): an operator's workload, by
// the built-in table or the option references.
func isCustomResource(obj *yaml.RNode) bool {
	group, _, ok := strings.Cut(obj.GetApiVersion(), "/")
	return ok && strings.Contains(group, ".") && !strings.HasSuffix(group, ".k8s.io")
}
