package cli_test

// Bad input (SPEC 6), one row per kind of input that a deploy pipeline can
// feed confighash by mistake or by malice. Each row runs the built binary,
// as a pipeline does, under runDeadline and with its peak memory measured:
// it must exit with the row's code, name the object, field or line at fault,
// finish, and stay under badInputMaxRSS. Rows that are objects run again
// wrapped in a ResourceList. Every run also has checkOutcome's properties
// (nothing half-written, the same items back, idempotent).

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"regexp"
	"strings"
	"testing"
)

// badInputMaxRSS is far above what confighash needs for any row (the 20 MB
// ConfigMap takes a few hundred MB); an input that blows up memory, such as
// an alias bomb expanded, goes far past it.
const badInputMaxRSS = 1 << 30

const badSettings = `apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  namespace: shop
data:
  log-level: info
`

const badSecret = `apiVersion: v1
kind: Secret
metadata:
  name: db
  namespace: shop
stringData:
  password: hunter2
`

// badDeployment references ConfigMap shop/settings (all keys) and key
// password of Secret shop/db.
const badDeployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - name: web
        image: web:1
        envFrom:
        - configMapRef:
            name: settings
        env:
        - name: PASSWORD
          valueFrom:
            secretKeyRef:
              name: db
              key: password
`

type badInput struct {
	class, name string
	input       []byte
	args        []string
	code        int
	// stderr lists what the message must say: the object, field or line;
	// stderrMatch, as regular expressions, where more than one answer is
	// right (an unclosed bracket is at the line that opens it or at the end).
	stderr      []string
	stderrMatch []string
	// resourceList also runs the items wrapped in a ResourceList.
	resourceList bool
	// check adds checks on the stream run.
	check func(t *testing.T, bin string, input []byte, o outcome)
}

func badInputs() []badInput {
	lines := func(s string) []byte { return []byte(s) }
	return []badInput{
		// Not YAML.
		{class: "not YAML", name: "unclosed flow sequence", input: lines("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata: [\n"),
			code: 1, stderr: []string{"not valid YAML"}, stderrMatch: []string{`line [56]\b`}},
		{class: "not YAML", name: "mapping in a scalar", input: stream(badSettings, "key: value\n  bad indent: x\n"),
			code: 1, stderr: []string{"not valid YAML", "line 10"}},
		{class: "not YAML", name: "binary bytes", input: lines("\x1f\x8b\x08\x00binary"),
			code: 1, stderr: []string{"not valid YAML", "line 1"}},
		{class: "not YAML", name: "ResourceList with broken YAML", input: lines("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- {apiVersion: v1, kind: ConfigMap\n"),
			code: 1, stderr: []string{"not valid YAML"}, stderrMatch: []string{`line [45]\b`}},

		// Truncated YAML: a pipeline cut short mid-document.
		{class: "truncated YAML", name: "inside a quoted string", input: stream(badSettings, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  a: \"trunc"),
			code: 1, stderr: []string{"not valid YAML", "line 14"}},
		{class: "truncated YAML", name: "inside a flow map", input: stream(badSettings, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  labels: {a: b"),
			code: 1, stderr: []string{"not valid YAML", "line 13"}},
		{class: "truncated YAML", name: "inside a flow map of a reference", input: stream(badSettings, badSecret, badDeployment[:strings.Index(badDeployment, "        - configMapRef:")]+"        - configMapRef: {name: sett\n"),
			code: 1, stderr: []string{"not valid YAML"}, stderrMatch: []string{`line 3[23]\b`}},
		// A cut at the end of a line can leave valid YAML, which is read as
		// it is: the Deployment lost its references and is not annotated.
		{class: "truncated YAML", name: "at the end of a line, still YAML", resourceList: true,
			input: stream(badSettings, badSecret, badDeployment[:strings.Index(badDeployment, "        envFrom:")]),
			check: func(t *testing.T, _ string, input []byte, o outcome) {
				if !bytes.Equal(o.stdout, input) {
					t.Errorf("the cut Deployment has no reference left, yet the output changed:\n%s", corpusFirstDiff(string(input), string(o.stdout)))
				}
			}},

		// Tabs: YAML indents with spaces only.
		{class: "tabs", name: "tab indentation", input: stream(badSettings, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n\tname: x\n"),
			code: 1, stderr: []string{"not valid YAML", "line 12", "tab"}},
		{class: "tabs", name: "tab in a ResourceList item", input: lines("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n  \tname: x\n"),
			code: 1, stderr: []string{"not valid YAML", "line 7", "tab"}},

		// A mapping key given twice: kubectl refuses it, and the YAML library
		// would keep the last silently.
		{class: "duplicate key", name: "in a ConfigMap's data", input: stream(badSettings+"  log-level: debug\n", badDeployment),
			code: 1, stderr: []string{"not valid YAML", `line 8: mapping key "log-level" already defined at line 7`}},
		{class: "duplicate key", name: "in a ResourceList item", input: lines("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  kind: Secret\n"),
			code: 1, stderr: []string{"not valid YAML", `line 6: mapping key "kind" already defined at line 5`}},

		// A document that is not an object.
		{class: "scalar or list document", name: "scalar", input: stream(badSettings, "just text\n"),
			code: 1, stderr: []string{"document 2 (line 9) is not an object but a YAML scalar"}},
		{class: "scalar or list document", name: "list", input: stream(badSettings, "- a\n- b\n"),
			code: 1, stderr: []string{"document 2 (line 9) is not an object but a YAML list"}},
		{class: "scalar or list document", name: "ResourceList item that is a scalar", input: lines("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- {apiVersion: v1, kind: ConfigMap, metadata: {name: a}}\n- text\n"),
			code: 1, stderr: []string{"ResourceList items[1] (line 5) is not an object but a YAML scalar"}},

		// ResourceList whose items are not a list.
		{class: "ResourceList items not a list", name: "map", input: lines("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: {a: 1}\n"),
			code: 1, stderr: []string{"ResourceList field items (line 3) is not a list but a YAML map"}},
		{class: "ResourceList items not a list", name: "scalar", input: lines("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: none\n"),
			code: 1, stderr: []string{"ResourceList field items (line 3) is not a list but a YAML scalar"}},

		// A referenced source that is malformed.
		{class: "malformed referenced source", name: "ConfigMap data is a list", resourceList: true,
			input: stream(strings.Replace(badSettings, "data:\n  log-level: info\n", "data:\n- log-level=info\n", 1), badSecret, badDeployment),
			code:  1, stderr: []string{"ConfigMap shop/settings", "field data", "want a map of strings"}},
		{class: "malformed referenced source", name: "ConfigMap value is a number", resourceList: true,
			input: stream(badSettings+"  workers: 4\n", badSecret, badDeployment),
			code:  1, stderr: []string{"ConfigMap shop/settings", "field data.workers", "want a string"}},
		{class: "malformed referenced source", name: "Secret value is a map", resourceList: true,
			input: stream(badSettings, strings.Replace(badSecret, "password: hunter2", "password: {nested: hunter2}", 1), badDeployment),
			code:  1, stderr: []string{"Secret shop/db", "field stringData.password", "want a string"}},
		{class: "malformed referenced source", name: "ConfigMap binaryData is a scalar", resourceList: true,
			input: stream(badSettings+"binaryData: AAAA\n", badSecret, badDeployment),
			code:  1, stderr: []string{"ConfigMap shop/settings", "field binaryData", "want a map of strings"}},

		// Unreferenced junk passes through untouched.
		{class: "unreferenced junk", name: "objects confighash cannot read", resourceList: true,
			input: stream(
				"# a document with only a comment\n",
				"not: a kubernetes object\nlist: [1, 2]\n",
				"apiVersion: v1\nkind: ConfigMap\nmetadata: 5\n",
				"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: legacy\n  namespace: shop\ndata:\n- a=b\n",
				"apiVersion: v1\nkind: Secret\nmetadata: {name: legacy, namespace: shop}\ndata: {k: 12, j: [x]}\n",
				"apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: half}\nspec:\n  template:\n    spec:\n      containers: not-a-list\n",
				"apiVersion: kpt.dev/v1\nkind: Kptfile\nmetadata: {name: pkg}\n",
				"{{ .Values.unrendered }}: true\n",
				badSettings, badSecret, badDeployment),
			check: func(t *testing.T, _ string, input []byte, o outcome) {
				checkLossless(t, input, o.stdout, hasDefaultTarget)
				if !bytes.Contains(o.stdout, []byte("checksum.confighash.dev/config: ")) {
					t.Errorf("the Deployment among the junk was not annotated:\n%s", o.stdout)
				}
			}},

		// Duplicate objects: a source twice is ambiguous; anything else is
		// passed on as it came, neither merged nor dropped.
		{class: "duplicate objects", name: "referenced ConfigMap twice", resourceList: true,
			input: stream(badSettings, strings.Replace(badSettings, "info", "debug", 1), badSecret, badDeployment),
			code:  1, stderr: []string{"ConfigMap shop/settings appears 2 times in the input"}},
		{class: "duplicate objects", name: "referenced Secret twice", resourceList: true,
			input: stream(badSettings, badSecret, badSecret, badDeployment),
			code:  1, stderr: []string{"Secret shop/db appears 2 times in the input"}},
		{class: "duplicate objects", name: "Deployment twice", resourceList: true,
			input: stream(badSettings, badSecret, badDeployment, badDeployment),
			check: func(t *testing.T, _ string, input []byte, o outcome) {
				if n := bytes.Count(o.stdout, []byte("checksum.confighash.dev/config: ")); n != 2 {
					t.Errorf("%d annotations written, want one on each copy of the Deployment:\n%s", n, o.stdout)
				}
				checkLossless(t, input, o.stdout, hasDefaultTarget)
			}},

		// A YAML alias bomb (billion laughs): aliases must never be expanded.
		{class: "alias bomb", name: "in an unreferenced ConfigMap", resourceList: false,
			input: stream(aliasBomb("ConfigMap", "bomb", "data"), badSettings, badSecret, badDeployment),
			check: func(t *testing.T, _ string, input []byte, o outcome) {
				checkLossless(t, input, o.stdout, hasDefaultTarget)
			}},
		{class: "alias bomb", name: "as a referenced ConfigMap's data",
			input: stream(aliasBomb("ConfigMap", "settings", "data"), badSecret, badDeployment),
			code:  1, stderr: []string{"ConfigMap shop/settings", "field data.a", "want a string"}},
		{class: "alias bomb", name: "in a target's pod template",
			input: stream(badSettings, badSecret, strings.NewReplacer(
				"spec:\n  template:", aliasBombField("bomb", 2)+"spec:\n  template:",
				"        app: web\n", "        app: web\n      annotations:\n        bomb: *l9\n").Replace(badDeployment)),
			check: func(t *testing.T, _ string, _ []byte, o outcome) {
				if !bytes.Contains(o.stdout, []byte("checksum.confighash.dev/config: ")) {
					t.Errorf("the Deployment was not annotated:\n%.2000s", o.stdout)
				}
			}},

		// 10,000 levels of nesting: the YAML library's limit is 10,000.
		{class: "deep nesting", name: "10,000 levels in an unreferenced object", resourceList: true,
			input: stream("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: deep, namespace: shop}\nlegacy:\n"+strings.Repeat("- ", 9990)+"v\n", badSettings, badSecret, badDeployment),
			check: func(t *testing.T, _ string, input []byte, o outcome) {
				checkLossless(t, input, o.stdout, hasDefaultTarget)
			}},
		{class: "deep nesting", name: "10,000 levels in a pod spec", resourceList: true,
			input: stream(badSettings, badSecret, badDeployment+"        args:\n        "+strings.Repeat("- ", 9980)+"v\n"),
			check: func(t *testing.T, _ string, _ []byte, o outcome) {
				if !bytes.Contains(o.stdout, []byte("checksum.confighash.dev/config: ")) {
					t.Errorf("the Deployment was not annotated")
				}
			}},
		{class: "deep nesting", name: "over the limit", input: stream(badSettings, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: deep}\nx: "+strings.Repeat("[", 10010)+strings.Repeat("]", 10010)+"\n"),
			code: 1, stderr: []string{"not valid YAML", "line 12", "depth"}},

		// A 20 MB ConfigMap: a large file and a large binary, both referenced.
		{class: "20 MB ConfigMap", name: "referenced", resourceList: true,
			input: stream(bigConfigMap(), badSecret, badDeployment),
			check: func(t *testing.T, _ string, input []byte, o outcome) {
				checkLossless(t, input, o.stdout, hasDefaultTarget)
			}},

		// CRLF line endings and a UTF-8 byte order mark, as editors on
		// Windows write them: read like the plain file, same hash.
		{class: "CRLF line endings", name: "whole stream",
			input: []byte(strings.ReplaceAll(string(stream(badSettings, badSecret, badDeployment)), "\n", "\r\n")),
			check: func(t *testing.T, bin string, input []byte, o outcome) {
				plain := runBinary(t, bin, nil, stream(badSettings, badSecret, badDeployment))
				if got := strings.ReplaceAll(string(o.stdout), "\r\n", "\n"); got != string(plain.stdout) {
					t.Errorf("CRLF output, with LF line endings, differs from the output for the LF input:\n%s", corpusFirstDiff(string(plain.stdout), got))
				}
				checkLossless(t, input, o.stdout, hasDefaultTarget)
			}},
		{class: "UTF-8 BOM", name: "before the first document",
			input: append([]byte("\xef\xbb\xbf"), stream(badSettings, badSecret, badDeployment)...),
			check: func(t *testing.T, bin string, input []byte, o outcome) {
				plain := runBinary(t, bin, nil, stream(badSettings, badSecret, badDeployment))
				if got := bytes.TrimPrefix(o.stdout, []byte("\xef\xbb\xbf")); !bytes.Equal(got, plain.stdout) {
					t.Errorf("output for the input with a BOM (BOM aside) differs from the output without:\n%s", corpusFirstDiff(string(plain.stdout), string(got)))
				}
			}},
	}
}

func TestBadInput(t *testing.T) {
	bin := buildBinary(t)
	for _, c := range badInputs() {
		t.Run(c.class+"/"+c.name, func(t *testing.T) {
			t.Parallel()
			o := checkBadInput(t, bin, c, c.input)
			if c.check != nil && o.code == 0 {
				c.check(t, bin, c.input, o)
			}
			if !c.resourceList {
				return
			}
			t.Run("ResourceList", func(t *testing.T) {
				checkBadInput(t, bin, c, corpusWrap(t, readStreamTB(t, c.input)))
			})
		})
	}
}

// checkBadInput runs one input through the binary and checks the exit
// code, the message, the bounds and checkOutcome's properties.
func checkBadInput(t *testing.T, bin string, c badInput, input []byte) outcome {
	t.Helper()
	var peak int64
	o := checkOutcome(t, input, func(stdin []byte) outcome {
		o := runBinary(t, bin, c.args, stdin)
		peak = max(peak, o.maxRSS)
		return o
	})
	if o.code != c.code {
		t.Errorf("exit code %d, want %d; stderr:\n%s", o.code, c.code, o.stderr)
	}
	if c.code != 0 {
		for _, s := range c.stderr {
			if !bytes.Contains(o.stderr, []byte(s)) {
				t.Errorf("the message does not say %q; stderr:\n%s", s, o.stderr)
			}
		}
		for _, re := range c.stderrMatch {
			if !regexp.MustCompile(re).Match(o.stderr) {
				t.Errorf("the message does not match %s; stderr:\n%s", re, o.stderr)
			}
		}
	}
	if peak > badInputMaxRSS {
		t.Errorf("peak memory %d MiB, over the bound of %d MiB", peak>>20, badInputMaxRSS>>20)
	}
	if peak == 0 {
		t.Errorf("peak memory was not measured")
	}
	t.Logf("exit %d, peak memory %d MiB", o.code, peak>>20)
	return o
}

// stream joins documents into a YAML stream.
func stream(docs ...string) []byte {
	var b strings.Builder
	for i, d := range docs {
		if i > 0 {
			b.WriteString("---\n")
		}
		b.WriteString(d)
	}
	return []byte(b.String())
}

// aliasBombField is a field holding ten levels of anchors, each a list of
// nine aliases of the one before: expanded, the last is 9^10 (3.5 billion)
// strings.
func aliasBombField(field string, indent int) string {
	pad := strings.Repeat(" ", indent)
	var b strings.Builder
	fmt.Fprintf(&b, "%s:\n%sl0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n", field, pad)
	for i := 1; i < 10; i++ {
		prev := fmt.Sprintf("*l%d", i-1)
		fmt.Fprintf(&b, "%sl%d: &l%d [%s]\n", pad, i, i, strings.TrimSuffix(strings.Repeat(prev+", ", 9), ", "))
	}
	return b.String()
}

// aliasBomb is an object of kind in namespace shop whose field (data) is
// an alias bomb: a key a holding the largest expansion.
func aliasBomb(kind, name, field string) string {
	return fmt.Sprintf("apiVersion: v1\nkind: %s\nmetadata:\n  name: %s\n  namespace: shop\nbomb:\n%s%s:\n  a: *l9\n",
		kind, name, strings.TrimPrefix(aliasBombField("", 2), ":\n"), field)
}

// bigConfigMap is ConfigMap shop/settings of about 20 MB: a 10 MB file in
// data and 10 MB of binaryData.
func bigConfigMap() string {
	var b strings.Builder
	b.WriteString(badSettings)
	b.WriteString("  app.properties: |\n")
	line := "    " + strings.Repeat("property.value=0123456789abcdef", 3) + "\n"
	for b.Len() < 10<<20 {
		b.WriteString(line)
	}
	b.WriteString("binaryData:\n  blob: ")
	b.WriteString(base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{0, 1, 2, 3, 250, 251, 252, 253}, 10<<20/8*3/4)))
	b.WriteString("\n")
	return b.String()
}
