package cli_test

// Shared by the reliability tests (fuzz, bad input, lossless, secret safety,
// parallel runs): one way to run confighash in process or as the built
// binary, the properties every run must have, and the inputs of the corpus.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"sigs.k8s.io/kustomize/kyaml/yaml"

	"confighash.dev/confighash/cli"
	"confighash.dev/confighash/internal/yamltext"
)

// runDeadline bounds every run of the binary: far above what any input of
// these tests needs, so that only a hang reaches it.
const runDeadline = 30 * time.Second

// outcome is what one run of confighash did.
type outcome struct {
	code           int
	stdout, stderr []byte
	maxRSS         int64 // bytes; the binary only
}

// runInProcess runs fn.Main with env as its whole environment.
func runInProcess(args []string, env map[string]string, stdin []byte) outcome {
	var out, errOut bytes.Buffer
	code := cli.Main(args, cli.Streams{In: bytes.NewReader(stdin), Out: &out, Err: &errOut}, func(k string) string { return env[k] })
	return outcome{code: code, stdout: out.Bytes(), stderr: errOut.Bytes()}
}

// buildBinary builds confighash as users do (go build .) into a directory
// of the test.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "confighash")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Dir = ".."
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// runBinary runs the built binary with an empty environment, fails the test
// when it does not finish within runDeadline, and reports its peak memory.
//
// The binary runs under a helper process (this test binary again, see
// init): Linux counts in a child's peak memory the memory of the process
// that started it, at the moment it started it (Go starts children with
// vfork, sharing its memory until exec), so a child of this test process,
// which holds large inputs, would report the test's peak rather than its
// own. The helper is small, so the peak it reports for its child is the
// binary's.
func runBinary(t *testing.T, bin string, args []string, stdin []byte) outcome {
	t.Helper()
	argv, err := json.Marshal(append([]string{bin}, args...))
	if err != nil {
		t.Fatal(err)
	}
	report, reportW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer report.Close()
	ctx, cancel := context.WithTimeout(context.Background(), runDeadline+10*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), rusageHelperEnv+"="+string(argv))
	cmd.ExtraFiles = []*os.File{reportW}
	var out, errOut bytes.Buffer
	cmd.Stdin, cmd.Stdout, cmd.Stderr = bytes.NewReader(stdin), &out, &errOut
	err = cmd.Start()
	reportW.Close()
	if err != nil {
		t.Fatalf("starting the helper process: %v", err)
	}
	var rep bytes.Buffer
	if _, err := rep.ReadFrom(report); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	o := outcome{stdout: out.Bytes(), stderr: errOut.Bytes()}
	switch {
	case rep.String() == "timeout":
		t.Fatalf("confighash %s did not finish within %s", strings.Join(args, " "), runDeadline)
	case ctx.Err() != nil:
		t.Fatalf("the helper process running confighash did not finish")
	}
	if _, err := fmt.Sscanf(rep.String(), "%d %d", &o.code, &o.maxRSS); err != nil {
		t.Fatalf("helper process report %q: %v; stderr:\n%s", rep.String(), err, o.stderr)
	}
	return o
}

// rusageHelperEnv, set to a JSON list (a command and its arguments), makes
// this test binary the helper of runBinary: it runs the command with its
// own standard streams and an empty environment, and writes "<exit code>
// <peak memory in bytes>", or "timeout", on file descriptor 3.
const rusageHelperEnv = "CONFIGHASH_TEST_RUSAGE_HELPER"

func init() {
	if spec := os.Getenv(rusageHelperEnv); spec != "" {
		os.Exit(rusageHelper(spec))
	}
}

func rusageHelper(spec string) int {
	var argv []string
	if err := json.Unmarshal([]byte(spec), &argv); err != nil || len(argv) == 0 {
		fmt.Fprintf(os.Stderr, "%s: %v\n", rusageHelperEnv, err)
		return 2
	}
	report := os.NewFile(3, "report")
	ctx, cancel := context.WithTimeout(context.Background(), runDeadline)
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Env = []string{}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	err := cmd.Run()
	if ctx.Err() != nil {
		fmt.Fprint(report, "timeout")
		return 2
	}
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		fmt.Fprintf(os.Stderr, "running %s: %v\n", argv[0], err)
		return 2
	}
	var maxRSS int64
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		maxRSS = ru.Maxrss * 1024 // Linux reports KiB
	}
	fmt.Fprintf(report, "%d %d", cmd.ProcessState.ExitCode(), maxRSS)
	return 0
}

// checkRun runs confighash in process and checks checkOutcome's properties.
func checkRun(t *testing.T, args []string, env map[string]string, input []byte) outcome {
	t.Helper()
	return checkOutcome(t, input, func(stdin []byte) outcome { return runInProcess(args, env, stdin) })
}

// checkOutcome checks what must hold for any input, with run as the way to
// run confighash: a run that fails exits 1, says why on standard error and
// half-writes nothing; a run that succeeds gives back the same items in the
// same order, changed at most in digest annotations, and gives back its own
// output unchanged. It returns the first run's outcome.
func checkOutcome(t *testing.T, input []byte, run func([]byte) outcome) outcome {
	t.Helper()
	o := run(input)
	if o.code != 0 {
		checkFailedRun(t, input, o)
		return o
	}
	in, err := yamltext.Read(input)
	if err != nil {
		t.Fatalf("the run succeeded on input that yamltext.Read rejects: %v", err)
	}
	out, err := yamltext.Read(o.stdout)
	if err != nil {
		t.Fatalf("the output cannot be read back: %v\n%.2000s", err, o.stdout)
	}
	if in.ResourceList != out.ResourceList {
		t.Fatalf("input ResourceList=%v, output ResourceList=%v", in.ResourceList, out.ResourceList)
	}
	if len(in.Items) != len(out.Items) {
		t.Fatalf("%d items in, %d out", len(in.Items), len(out.Items))
	}
	renames := versionRenamesOf(in.Items, out.Items)
	for i := range in.Items {
		before := renames.apply(in.Items[i].YNode(), out.Items[i].YNode())
		if err := onlyDigestAnnotationsChanged(before, out.Items[i].YNode()); err != nil {
			t.Errorf("item %d: %v", i, err)
		}
	}
	again := run(o.stdout)
	if again.code != 0 {
		t.Fatalf("second run on the output failed (exit %d): %s", again.code, again.stderr)
	}
	if !in.ResourceList {
		if !bytes.Equal(again.stdout, o.stdout) {
			t.Errorf("not idempotent: a second run changed the output\n%s", corpusFirstDiff(string(o.stdout), string(again.stdout)))
		}
		return o
	}
	againIn, err := yamltext.Read(again.stdout)
	if err != nil {
		t.Fatalf("second output cannot be read back: %v", err)
	}
	if a, b := itemsString(t, out.Items), itemsString(t, againIn.Items); a != b {
		t.Errorf("not idempotent: a second run changed the items\n%s", corpusFirstDiff(a, b))
	}
	return o
}

// checkFailedRun: exit code 1 and a message; in stream mode nothing on
// standard output; a ResourceList, when one is written, with the items as
// they came and an error result.
func checkFailedRun(t *testing.T, input []byte, o outcome) {
	t.Helper()
	if o.code != 1 {
		t.Errorf("exit code %d, want 0 or 1", o.code)
	}
	if len(bytes.TrimSpace(o.stderr)) == 0 {
		t.Errorf("failed (exit %d) without a message on standard error", o.code)
	}
	if len(o.stdout) == 0 {
		return
	}
	in, err := yamltext.Read(input)
	if err != nil || !in.ResourceList {
		t.Fatalf("a failed stream run wrote to standard output:\n%s", o.stdout)
	}
	out, err := yamltext.Read(o.stdout)
	if err != nil || !out.ResourceList {
		t.Fatalf("a failed run wrote something that is not a ResourceList (%v):\n%s", err, o.stdout)
	}
	if a, b := itemsString(t, in.Items), itemsString(t, out.Items); a != b {
		t.Errorf("a failed run changed the items:\n%s", corpusFirstDiff(a, b))
	}
	if !bytes.Contains(o.stdout, []byte("severity: error")) {
		t.Errorf("a failed ResourceList run has no error result:\n%s", o.stdout)
	}
}

func itemsString(t *testing.T, items []*yaml.RNode) string {
	t.Helper()
	var b strings.Builder
	for _, it := range items {
		s, err := yaml.NewRNode(it.YNode()).String()
		if err != nil {
			t.Fatal(err)
		}
		b.WriteString(s + "---\n")
	}
	return b.String()
}

// digestValue is the form of every value confighash writes (SPEC 4).
var digestValue = regexp.MustCompile(`^[0-9a-f]{64}$`)

// onlyDigestAnnotationsChanged compares an item before and after a run. The
// only differences allowed are in a metadata.annotations map, wherever it is
// (podTemplatePaths can put a pod template anywhere): entries added or
// changed to a digest, entries removed (perSource drops stale keys), and the
// metadata and annotations maps created to hold them. Aliases are compared
// by name and never followed, so an alias bomb costs nothing here.
func onlyDigestAnnotationsChanged(before, after *yaml.Node) error {
	err := compareNodes(before, after, "", false)
	if err != nil && hasAliasOrMerge(before) {
		// Written through an alias or a merge key, a document is written
		// anew with the shared part copied: it must read back, aliases and
		// merges resolved, as the input plus the annotations.
		if rerr := compareResolved(before, after); rerr != nil {
			return fmt.Errorf("%v; resolved: %v", err, rerr)
		}
		return nil
	}
	return err
}

// hasAliasOrMerge says whether a tree holds an alias or a merge key.
func hasAliasOrMerge(n *yaml.Node) bool {
	if n.Kind == yaml.AliasNode || n.Kind == yaml.ScalarNode && n.Tag == "!!merge" {
		return true
	}
	for _, c := range n.Content {
		if hasAliasOrMerge(c) {
			return true
		}
	}
	return false
}

// compareResolved decodes both trees as a Kubernetes client reads YAML
// (aliases and merge keys resolved) and compares them with the same
// allowances as compareNodes.
func compareResolved(before, after *yaml.Node) error {
	var a, b any
	if err := before.Decode(&a); err != nil {
		return err
	}
	if err := after.Decode(&b); err != nil {
		return err
	}
	return compareValues(a, b, "")
}

func compareValues(a, b any, path string) error {
	switch av := a.(type) {
	case map[string]any:
		bv, ok := b.(map[string]any)
		if !ok {
			return fmt.Errorf("%s changed kind", orRoot(path))
		}
		annotations := strings.HasSuffix(path, "metadata.annotations") || path == "annotations"
		for k, old := range av {
			now, kept := bv[k]
			p := joinPath(path, k)
			if !annotations {
				if !kept {
					return fmt.Errorf("%s was removed", p)
				}
				if err := compareValues(old, now, p); err != nil {
					return err
				}
				continue
			}
			if kept && fmt.Sprint(old) == fmt.Sprint(now) {
				continue
			}
			if !confighashKey(k, stringValues(av)) {
				return fmt.Errorf("%s is not confighash's and was changed or removed", p)
			}
		}
		for k, now := range bv {
			if _, had := av[k]; had {
				continue
			}
			p := joinPath(path, k)
			switch {
			case annotations:
				if !writable(k, fmt.Sprint(now)) {
					return fmt.Errorf("%s was written with %v, not a digest", p, now)
				}
			case k == "metadata" || k == "annotations" && isMetadataPath(path), newAnnotationChain(map[string]any{k: now}):
				if err := compareValues(map[string]any{}, now, p); err != nil {
					return err
				}
			default:
				return fmt.Errorf("%s was added", p)
			}
		}
		return nil
	case []any:
		bv, ok := b.([]any)
		if !ok || len(av) != len(bv) {
			return fmt.Errorf("%s changed length or kind", orRoot(path))
		}
		for i := range av {
			if err := compareValues(av[i], bv[i], fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
		return nil
	}
	if fmt.Sprintf("%T %v", a, a) != fmt.Sprintf("%T %v", b, b) {
		return fmt.Errorf("%s changed: %v -> %v", orRoot(path), a, b)
	}
	return nil
}

func stringValues(m map[string]any) map[string]string {
	out := map[string]string{}
	for k, v := range m {
		out[k] = fmt.Sprint(v)
	}
	return out
}

// ownsAnnotation lists the keys outside confighash's domain that it wrote.
const ownsAnnotation = "confighash.dev/owns"

// writable says whether confighash may write value under annotation key k:
// a digest, or the list of keys it owns.
func writable(k, value string) bool {
	switch k {
	case ownsAnnotation, originalNameAnnotation:
		return value != ""
	}
	return digestValue.MatchString(value)
}

// renames are the names that versioning changed (SPEC 4b): each name a
// versioned source had in the input, mapped to its name in the output.
type renames map[string]string

// versionRenamesOf reads the renames from the output: a ConfigMap or Secret
// that records its original name was renamed from that name, and from
// whatever name the input gave the same object.
func versionRenamesOf(in, out []*yaml.RNode) renames {
	r := renames{}
	for _, o := range out {
		original := yamltext.Meta(o.YNode()).Annotations[originalNameAnnotation]
		if original == "" {
			continue
		}
		m := yamltext.Meta(o.YNode())
		r[original] = m.Name
		for _, i := range in {
			im := yamltext.Meta(i.YNode())
			if im.Kind == m.Kind && im.Namespace == m.Namespace && im.Annotations[originalNameAnnotation] == original {
				r[im.Name] = m.Name
			}
		}
		delete(r, m.Name)
	}
	return r
}

// apply gives a copy of before in which each scalar that the run renamed,
// as after shows, holds its new name: a name, or "namespace/name" in an
// annotation. A scalar that keeps its name (a reference the run cannot
// follow) keeps it in the copy, and any other change is left for the
// comparison to find.
func (r renames) apply(before, after *yaml.Node) *yaml.Node {
	if len(r) == 0 || after == nil || before.Kind != after.Kind {
		return before
	}
	c := *before
	switch before.Kind {
	case yaml.ScalarNode:
		if before.Value != after.Value && r.renamed(before.Value) == after.Value {
			c.Value = after.Value
		}
		return &c
	case yaml.MappingNode:
		c.Content = slices.Clone(before.Content)
		for i := 1; i < len(c.Content); i += 2 {
			c.Content[i] = r.apply(c.Content[i], yamltext.Own(after, c.Content[i-1].Value))
		}
	default:
		c.Content = slices.Clone(before.Content)
		for i := range c.Content {
			if i < len(after.Content) {
				c.Content[i] = r.apply(c.Content[i], after.Content[i])
			}
		}
	}
	return &c
}

func (r renames) renamed(value string) string {
	prefix, name := "", value
	if i := strings.LastIndexByte(value, '/'); i >= 0 {
		prefix, name = value[:i+1], value[i+1:]
	}
	if to, ok := r[name]; ok {
		return prefix + to
	}
	return value
}

// confighashKey says whether annotation k, among the annotations a pod
// template had before a run, is one confighash may change or remove: in
// its domain and not one that people write, or listed as its own.
func confighashKey(k string, before map[string]string) bool {
	prefix, _, _ := strings.Cut(k, "/")
	switch k {
	case "confighash.dev/configmaps", "confighash.dev/secrets", "confighash.dev/skip", "confighash.dev/ignore", "confighash.dev/versioned":
		return false
	case ownsAnnotation:
		return true
	}
	if prefix == "confighash.dev" || strings.HasSuffix(prefix, ".confighash.dev") {
		return true
	}
	for _, owned := range strings.Split(before[ownsAnnotation], ",") {
		if strings.TrimSpace(owned) == k {
			return true
		}
	}
	return false
}

func compareNodes(a, b *yaml.Node, path string, annotations bool) error {
	if a.Kind != b.Kind || a.ShortTag() != b.ShortTag() || a.Value != b.Value || a.Anchor != b.Anchor {
		return fmt.Errorf("%s changed: %s", orRoot(path), nodeSummary(a, b))
	}
	switch a.Kind {
	case yaml.SequenceNode, yaml.DocumentNode:
		if len(a.Content) != len(b.Content) {
			return fmt.Errorf("%s: %d elements before, %d after", orRoot(path), len(a.Content), len(b.Content))
		}
		for i := range a.Content {
			if err := compareNodes(a.Content[i], b.Content[i], fmt.Sprintf("%s[%d]", path, i), false); err != nil {
				return err
			}
		}
	case yaml.MappingNode:
		return compareMaps(a, b, path, annotations)
	}
	return nil
}

func compareMaps(a, b *yaml.Node, path string, annotations bool) error {
	av, bv := mapEntries(a), mapEntries(b)
	var before map[string]string // the annotations, when a and b hold them
	if annotations {
		before = annotationValues(a)
	}
	var kept []string
	for _, k := range mapKeys(a) {
		switch _, ok := bv[k]; {
		case ok:
			kept = append(kept, k)
		case !annotations:
			return fmt.Errorf("%s was removed", joinPath(path, k))
		case !confighashKey(k, before):
			return fmt.Errorf("%s is not confighash's and was removed", joinPath(path, k))
		}
	}
	var keptAfter []string
	for _, k := range mapKeys(b) {
		p := joinPath(path, k)
		old, had := av[k]
		now := bv[k]
		if had {
			keptAfter = append(keptAfter, k)
		}
		if err := compareEntry(old, now, p, k, before, annotations, isMetadataPath(path)); err != nil {
			return err
		}
	}
	// The keys that were there before keep their order.
	if strings.Join(kept, "\x00") != strings.Join(keptAfter, "\x00") {
		return fmt.Errorf("%s: keys reordered: %q became %q", orRoot(path), kept, keptAfter)
	}
	return nil
}

// compareEntry compares the value of key k (path p) of a map before (old,
// nil when absent) and after; inAnnotations says the map is an annotations
// map, inMetadata that it is a metadata map. Each subtree is compared once.
func compareEntry(old, now *yaml.Node, p, k string, before map[string]string, inAnnotations, inMetadata bool) error {
	holder := !inAnnotations && (k == "metadata" || k == "annotations" && inMetadata)
	switch {
	case inAnnotations:
		switch {
		case old != nil && compareNodes(old, now, p, false) == nil:
			return nil
		case now.Kind != yaml.ScalarNode || !writable(k, now.Value):
			return fmt.Errorf("%s was written with %q, not a digest", p, now.Value)
		case old != nil && !confighashKey(k, before):
			return fmt.Errorf("%s is not confighash's and was changed", p)
		}
		return nil
	case old == nil && holder:
		// Created to hold annotations.
		return onlyNewAnnotations(now, p, k == "annotations")
	case old == nil && isMapping(now) && onlyNewAnnotationChain(now, p) == nil:
		// Created on the way to an operator's annotations
		// (spec.kafka.template.pod.metadata.annotations).
		return nil
	case old == nil && p == "immutable" && now.Value == "true":
		return nil // a versioned source, made immutable (SPEC 4b)
	case old == nil:
		return fmt.Errorf("%s was added", p)
	}
	err := compareNodes(old, now, p, k == "annotations" && inMetadata)
	if err != nil && holder && isNull(old) && onlyNewAnnotations(now, p, k == "annotations") == nil {
		return nil // filled in where it was null, to hold annotations
	}
	return err
}

// isMetadataPath says whether a path is that of a map that holds
// annotations: metadata, or an operator's podMetadata.
func isMetadataPath(path string) bool { return strings.HasSuffix(strings.ToLower(path), "metadata") }

func isMapping(n *yaml.Node) bool { return n.Kind == yaml.MappingNode }

// onlyNewAnnotationChain checks a map that the run created on the way to
// annotations: one key each down to a metadata map with annotations only.
func onlyNewAnnotationChain(n *yaml.Node, path string) error {
	if isMetadataPath(path) {
		return onlyNewAnnotations(n, path, false)
	}
	if strings.HasSuffix(strings.ToLower(path), "annotations") {
		return onlyNewAnnotations(n, path, true) // spec.podAnnotations
	}
	entries := mapEntries(n)
	if n.Kind != yaml.MappingNode || len(entries) != 1 {
		return fmt.Errorf("%s was added", path)
	}
	for k, v := range entries {
		return onlyNewAnnotationChain(v, path+"."+k)
	}
	return nil
}

// newAnnotationChain is onlyNewAnnotationChain on decoded values.
func newAnnotationChain(v any) bool {
	m, ok := v.(map[string]any)
	if !ok || len(m) != 1 {
		return false
	}
	for k, c := range m {
		if k == "metadata" || strings.HasSuffix(strings.ToLower(k), "annotations") {
			return true // compareValues checks what it holds
		}
		return newAnnotationChain(c)
	}
	return false
}

func isNull(n *yaml.Node) bool { return n.Kind == yaml.ScalarNode && n.ShortTag() == yaml.NodeTagNull }

// onlyNewAnnotations checks a metadata map (or, with isAnnotations, an
// annotations map) that the run created: it may hold nothing but
// annotations with digests.
func onlyNewAnnotations(n *yaml.Node, path string, isAnnotations bool) error {
	if n.Kind != yaml.MappingNode {
		return fmt.Errorf("%s was written as %s", path, nodeSummary(n, n))
	}
	for k, v := range mapEntries(n) {
		switch {
		case isAnnotations:
			if v.Kind != yaml.ScalarNode || !writable(k, v.Value) {
				return fmt.Errorf("%s.%s was written with %q, not a digest", path, k, v.Value)
			}
		case k != "annotations":
			return fmt.Errorf("%s was created with %s", path, k)
		default:
			if err := onlyNewAnnotations(v, path+".annotations", true); err != nil {
				return err
			}
		}
	}
	return nil
}

// annotationValues reads an annotations map as strings.
func annotationValues(m *yaml.Node) map[string]string {
	out := map[string]string{}
	for k, v := range mapEntries(m) {
		out[k] = v.Value
	}
	return out
}

func mapKeys(m *yaml.Node) []string {
	keys := make([]string, 0, len(m.Content)/2)
	for i := 0; i+1 < len(m.Content); i += 2 {
		keys = append(keys, m.Content[i].Value)
	}
	return keys
}

// mapEntries indexes a map by key; with a repeated key the last one wins,
// on both sides alike.
func mapEntries(m *yaml.Node) map[string]*yaml.Node {
	e := make(map[string]*yaml.Node, len(m.Content)/2)
	for i := 0; i+1 < len(m.Content); i += 2 {
		e[m.Content[i].Value] = m.Content[i+1]
	}
	return e
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func orRoot(path string) string {
	if path == "" {
		return "the item"
	}
	return path
}

func nodeSummary(a, b *yaml.Node) string {
	short := func(n *yaml.Node) string {
		v := n.Value
		if len(v) > 40 {
			v = v[:40] + "..."
		}
		return fmt.Sprintf("kind %d tag %s value %q anchor %q", n.Kind, n.ShortTag(), v, n.Anchor)
	}
	return short(a) + " became " + short(b)
}

// corpusInput is one input of the corpus tests: a file, a folder applied
// together, or a kustomize build.
type corpusInput struct {
	name string
	data []byte
	// build is true for kustomize output.
	build bool
}

// corpusInputs lists every input that the corpus tests check, in the same
// order and with the same names (corpusFileName, corpusDirName,
// corpusBuildName). Builds need kustomize: without it they fail in CI and
// are left out elsewhere, with a log line saying so.
func corpusInputs(t *testing.T) []corpusInput {
	t.Helper()
	files := corpusFiles(t)
	var inputs []corpusInput
	for _, rel := range files {
		inputs = append(inputs, corpusInput{name: corpusFileName(rel), data: readFile(t, filepath.Join(corpusDir, rel))})
	}
	for _, dir := range corpusApplyDirs {
		var stream bytes.Buffer
		for _, rel := range files {
			if filepath.Dir(rel) != dir {
				continue
			}
			if stream.Len() > 0 {
				stream.WriteString("---\n")
			}
			data := readFile(t, filepath.Join(corpusDir, rel))
			stream.Write(data)
			if !bytes.HasSuffix(data, []byte("\n")) {
				stream.WriteString("\n")
			}
		}
		inputs = append(inputs, corpusInput{name: corpusDirName(dir), data: stream.Bytes()})
	}
	builds, err := corpusBuildOutputs(t)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal(err)
		}
		t.Logf("kustomize builds left out: %v", err)
		return inputs
	}
	for _, b := range corpusBuilds {
		inputs = append(inputs, corpusInput{name: corpusBuildName(b.dir), data: builds[b.dir], build: true})
	}
	return inputs
}

var (
	buildsOnce   sync.Once
	buildsOutput map[string][]byte
	buildsErr    error
)

// corpusBuildOutputs runs kustomize build for every corpusBuilds entry once
// per test binary.
func corpusBuildOutputs(t *testing.T) (map[string][]byte, error) {
	t.Helper()
	buildsOnce.Do(func() {
		bin := os.Getenv("KUSTOMIZE")
		if bin == "" {
			bin = filepath.Join("..", "bin", "kustomize")
		}
		if _, err := exec.LookPath(bin); err != nil {
			buildsErr = fmt.Errorf("%s: %v; %s", bin, err, kustomizeMissing)
			return
		}
		buildsOutput = map[string][]byte{}
		for _, b := range corpusBuilds {
			args := append([]string{"build", filepath.Join(corpusDir, b.dir)}, b.args...)
			out, err := exec.Command(bin, args...).Output()
			if err != nil {
				buildsErr = fmt.Errorf("kustomize %s: %v", strings.Join(args, " "), err)
				return
			}
			buildsOutput[b.dir] = out
		}
	})
	return buildsOutput, buildsErr
}
