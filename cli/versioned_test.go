package cli_test

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

const rollbackDir = "../testdata/versioned-rollback"

// TestVersionedRollback runs testdata/versioned-rollback's four renders, each
// with the output of the one before as --previous: a change renames, the old
// version is kept one render, a rollback brings back the very name (and so
// object) of the first render, and a version two renders old is dropped.
func TestVersionedRollback(t *testing.T) {
	var outs [][]byte
	for n := 1; n <= 4; n++ {
		args := []string{"--keep-previous", "1"}
		if n > 1 {
			prev := filepath.Join(t.TempDir(), "previous.yaml")
			writeFile(t, prev, outs[n-2])
			args = append(args, "--previous", prev)
		}
		input := readFile(t, filepath.Join(rollbackDir, "render-"+itoa(n)+".yaml"))
		o := runInProcess(args, nil, input)
		if o.code != 0 {
			t.Fatalf("render %d: exit %d\n%s", n, o.code, o.stderr)
		}
		want := filepath.Join(rollbackDir, "out-"+itoa(n)+".yaml")
		if *update {
			writeFile(t, want, o.stdout)
		}
		if !bytes.Equal(o.stdout, readFile(t, want)) {
			t.Errorf("render %d differs from %s:\n%s", n, want, o.stdout)
		}
		outs = append(outs, o.stdout)
	}

	current := func(out []byte) string { return referenced(t, out) }
	kept := func(out []byte) map[string]string { return keptVersions(t, out) }
	s1, s2, s3 := current(outs[0]), current(outs[1]), current(outs[3])
	if s1 == s2 || s2 == s3 || s1 == s3 || !strings.HasPrefix(s1, "web-config-") {
		t.Fatalf("versioned names %s, %s, %s: want three different web-config-<suffix>", s1, s2, s3)
	}
	for _, c := range []struct {
		render  int
		current string
		kept    map[string]string
	}{
		{1, s1, map[string]string{}},
		{2, s2, map[string]string{s1: "1"}},
		{3, s1, map[string]string{s2: "1"}}, // the rollback: render 1's name again
		{4, s3, map[string]string{s1: "1"}}, // s2 is two renders old: dropped
	} {
		out := outs[c.render-1]
		if got := current(out); got != c.current {
			t.Errorf("render %d: the Deployment names %s, want %s", c.render, got, c.current)
		}
		if got := kept(out); !equalMaps(got, c.kept) {
			t.Errorf("render %d: kept %v, want %v", c.render, got, c.kept)
		}
	}

	// keepPrevious 2 keeps s2 in render 4, two renders old.
	prev := filepath.Join(t.TempDir(), "previous.yaml")
	writeFile(t, prev, outs[2])
	o := runInProcess([]string{"--keep-previous", "2", "--previous", prev}, nil, readFile(t, filepath.Join(rollbackDir, "render-4.yaml")))
	if got, want := kept(o.stdout), map[string]string{s1: "1", s2: "2"}; o.code != 0 || !equalMaps(got, want) {
		t.Errorf("keepPrevious 2, render 4: kept %v, want %v (exit %d: %s)", got, want, o.code, o.stderr)
	}
	// A second run on a render's own output changes nothing, kept versions
	// included.
	for n, out := range outs {
		if again := runInProcess([]string{"--keep-previous", "1"}, nil, out); again.code != 0 || !bytes.Equal(again.stdout, out) {
			t.Errorf("render %d: a second run changed the output:\n%s", n+1, corpusFirstDiff(string(out), string(again.stdout)))
		}
	}
	// The same scenario as ResourceLists, the option in the functionConfig:
	// kept versions are appended to the items.
	rl := "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nfunctionConfig:\n  apiVersion: v1\n  kind: ConfigMap\n  data: {previous: " + prev + ", keepPrevious: \"2\"}\nitems:\n" +
		indentStream(t, readFile(t, filepath.Join(rollbackDir, "render-4.yaml")))
	o = runInProcess(nil, nil, []byte(rl))
	if got, want := kept(o.stdout), map[string]string{s1: "1", s2: "2"}; o.code != 0 || !equalMaps(got, want) {
		t.Errorf("ResourceList, render 4: kept %v, want %v (exit %d: %s)\n%s", got, want, o.code, o.stderr, o.stdout)
	}
}

// referenced is the ConfigMap name that Deployment web's envFrom names.
func referenced(t *testing.T, out []byte) string {
	t.Helper()
	for _, n := range readObjects(t, out) {
		if n.GetKind() == "Deployment" {
			v, err := n.Pipe(yaml.Lookup("spec", "template", "spec", "containers", "[name=web]", "envFrom"))
			if err != nil || v == nil || len(v.Content()) == 0 {
				t.Fatalf("no envFrom (%v)", err)
			}
			return yaml.NewRNode(v.Content()[0]).Field("configMapRef").Value.Field("name").Value.YNode().Value
		}
	}
	t.Fatalf("no Deployment in:\n%s", out)
	return ""
}

// keptVersions are the ConfigMaps marked confighash.dev/previous, name ->
// age.
func keptVersions(t *testing.T, out []byte) map[string]string {
	t.Helper()
	kept := map[string]string{}
	for _, n := range readObjects(t, out) {
		if age := n.GetAnnotations()["confighash.dev/previous"]; age != "" {
			kept[n.GetName()] = age
		}
	}
	return kept
}

// readObjects reads a stream or a ResourceList's items.
func readObjects(t *testing.T, out []byte) []*yaml.RNode {
	t.Helper()
	nodes, err := (&kio.ByteReader{Reader: bytes.NewReader(out), OmitReaderAnnotations: true}).Read()
	if err != nil {
		t.Fatalf("%v:\n%s", err, out)
	}
	return nodes
}

// indentStream turns a stream into ResourceList items.
func indentStream(t *testing.T, stream []byte) string {
	t.Helper()
	var b strings.Builder
	for _, n := range readObjects(t, stream) {
		s, err := n.String()
		if err != nil {
			t.Fatal(err)
		}
		for i, l := range strings.Split(strings.TrimRight(s, "\n"), "\n") {
			if i == 0 {
				b.WriteString("- " + l + "\n")
			} else {
				b.WriteString("  " + l + "\n")
			}
		}
	}
	return b.String()
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func itoa(n int) string { return string(rune('0' + n)) }
