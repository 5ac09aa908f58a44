package fn

import (
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/kio"
)

// TestVersionedName pins the suffix of SPEC 4b against a shell: the worked
// example's ConfigMap, printf ... | sha256sum | cut -c1-10 | tr 013ae ghkmt,
// and a name too long to take it.
func TestVersionedName(t *testing.T) {
	if got, want := VersionedName("web-config", exampleConfigMapDigest), exampleVersionedName; got != want {
		t.Errorf("VersionedName = %s, want %s", got, want)
	}
	if got := VersionSuffix("0a1e3b2c4d55ff"); got != "gmhtkb2c4d" {
		t.Errorf("VersionSuffix of 0a1e3b2c4d55ff is %s, want gmhtkb2c4d (0, 1, 3, a, e written g, h, k, m, t; ten of them)", got)
	}
	long := strings.Repeat("a", 250) + ".b"
	if got := VersionedName(long, exampleConfigMapDigest); len(got) > 253 || !strings.HasSuffix(got, "-h9f646b527") || strings.Contains(got, ".-") {
		t.Errorf("a long name gives %q (%d characters)", got, len(got))
	}
}

// TestVersionSuffixInvariance: the versioned name depends on the object's
// content, every key of it, and on nothing else.
func TestVersionSuffixInvariance(t *testing.T) {
	const cm = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\n  namespace: shop\n  annotations: {confighash.dev/versioned: \"true\"}\ndata:\n  a: one\n  b: two\nbinaryData:\n  c: AAE=\n"
	const secret = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  namespace: shop\n  annotations: {confighash.dev/versioned: \"true\"}\ndata:\n  password: czNjcjN0\n"
	name := func(t *testing.T, input string) string {
		t.Helper()
		out, _ := runStream(t, []byte(input), nil)
		items, err := (&kio.ByteReader{Reader: strings.NewReader(out), OmitReaderAnnotations: true}).Read()
		if err != nil || len(items) != 1 {
			t.Fatalf("%v:\n%s", err, out)
		}
		return items[0].GetName()
	}
	baseCM, baseSecret := name(t, cm), name(t, secret)
	for _, c := range []struct {
		name, input string
		same        bool
	}{
		{"labels added", strings.Replace(cm, "  namespace: shop\n", "  namespace: shop\n  labels: {team: a}\n", 1), true},
		{"annotation added", strings.Replace(cm, "{confighash.dev/versioned: \"true\"}", "{confighash.dev/versioned: \"true\", owner: me}", 1), true},
		{"comments", "# the app's settings\n" + strings.Replace(cm, "a: one", "a: one # first", 1), true},
		{"keys reordered", strings.Replace(cm, "  a: one\n  b: two\n", "  b: two\n  a: one\n", 1), true},
		{"quoting and layout", strings.Replace(cm, "data:\n  a: one\n  b: two\n", "data: {\"a\": 'one', b: \"two\"}\n", 1), true},
		{"as JSON", `{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "app", "namespace": "shop", "annotations": {"confighash.dev/versioned": "true"}}, "data": {"a": "one", "b": "two"}, "binaryData": {"c": "AAE="}}` + "\n", true},
		{"a value changed", strings.Replace(cm, "a: one", "a: uno", 1), false},
		{"a key added", cm[:strings.Index(cm, "binaryData")] + "  d: four\n" + cm[strings.Index(cm, "binaryData"):], false},
		{"a key removed", strings.Replace(cm, "  b: two\n", "", 1), false},
		{"binaryData changed", strings.Replace(cm, "c: AAE=", "c: AAI=", 1), false},
		{"a key no reference counts, changed", strings.Replace(cm, "b: two", "b: deux", 1), false},
	} {
		if got := name(t, c.input); (got == baseCM) != c.same {
			t.Errorf("ConfigMap, %s: %s, base %s: want same=%v", c.name, got, baseCM, c.same)
		}
	}
	for _, c := range []struct {
		name, input string
		same        bool
	}{
		{"stringData in place of data", strings.Replace(secret, "data:\n  password: czNjcjN0\n", "stringData:\n  password: s3cr3t\n", 1), true},
		{"type added", strings.Replace(secret, "\ndata:", "\ntype: Opaque\ndata:", 1), true},
		{"value changed", strings.Replace(secret, "czNjcjN0", "czNjcjN1", 1), false},
	} {
		if got := name(t, c.input); (got == baseSecret) != c.same {
			t.Errorf("Secret, %s: %s, base %s: want same=%v", c.name, got, baseSecret, c.same)
		}
	}
}
