package e2e

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// TestKptEvalMatchesBinary runs kpt fn eval with the binary and with the
// image, under both of kpt's runtimes (podman, and docker through podman's
// API), and checks each against this build of confighash run on the
// package's files in stream mode.
func TestKptEvalMatchesBinary(t *testing.T) {
	t.Parallel()
	kptBin := kpt(t)
	input, err := os.ReadFile(filepath.Join(repoRoot, "examples", "kpt-eval", "resources.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	want := podAnnotations(t, stream(t, input, "--mode", "perSource"))
	if len(want["Deployment/api"]) != 2 || len(want["CronJob/api-cleanup"]) != 1 {
		t.Fatalf("stream mode annotations: %v; want two on the Deployment, one on the CronJob", want)
	}
	root := sandbox(t, "kpt-eval")
	sh := newShell(t, root, map[string]string{"kpt": kptBin})
	viaExec := sh.run("kpt fn eval examples/kpt-eval --exec bin/confighash -o unwrap -- mode=perSource")
	if got := podAnnotations(t, viaExec); !reflect.DeepEqual(got, want) {
		t.Errorf("kpt fn eval --exec: %v\nstream mode: %v", got, want)
	}

	image(t)
	docker(t)
	for _, runtime := range []string{"podman", "docker"} {
		t.Run(runtime, func(t *testing.T) {
			out := sh.run("kpt fn eval examples/kpt-eval --image "+imageRef+" -o unwrap -- mode=perSource", "KPT_FN_RUNTIME="+runtime)
			sameBytes(t, "kpt fn eval --image ("+runtime+") vs --exec", out, viaExec)
		})
	}
}

// TestKptRenderInPlace renders the exec pipeline into the package's files,
// as users run it, then again: the second render must change nothing.
func TestKptRenderInPlace(t *testing.T) {
	t.Parallel()
	kptBin := kpt(t)
	root := sandbox(t, "kpt-render-exec")
	pkg := filepath.Join(root, "examples", "kpt-render-exec")
	sh := newShell(t, pkg, map[string]string{"kpt": kptBin})
	sh.run("kpt fn render --allow-exec")
	first, err := os.ReadFile(filepath.Join(pkg, "resources.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	expected, err := os.ReadFile(filepath.Join(repoRoot, "examples", "kpt-render-exec", "expected.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := podAnnotations(t, first), podAnnotations(t, expected); !reflect.DeepEqual(got, want) {
		t.Errorf("rendered in place: %v; expected.yaml: %v", got, want)
	}
	sh.run("kpt fn render --allow-exec")
	second, err := os.ReadFile(filepath.Join(pkg, "resources.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	sameBytes(t, "resources.yaml after a second render", second, first)
}

// TestKptRenderExecTraps pins the two traps README names: render refuses an
// exec function without --allow-exec, and resolves its path against the
// working directory, not the Kptfile.
func TestKptRenderExecTraps(t *testing.T) {
	t.Parallel()
	kptBin := kpt(t)
	root := sandbox(t, "kpt-render-exec")
	tools := map[string]string{"kpt": kptBin}

	_, stderr, err := newShell(t, filepath.Join(root, "examples", "kpt-render-exec"), tools).try("kpt fn render -o unwrap")
	if err == nil || !strings.Contains(string(stderr), "allow-exec") {
		t.Errorf("kpt fn render without --allow-exec: err %v, stderr %q; README says it refuses, naming --allow-exec", err, stderr)
	}

	out, stderr, err := newShell(t, root, tools).try("kpt fn render examples/kpt-render-exec --allow-exec -o unwrap")
	if err == nil {
		t.Errorf("kpt fn render from the repository root found ../../bin/confighash: README says kpt resolves it against the working directory\n%s", out)
	}
	t.Logf("from the root: %v: %s", err, bytes.TrimSpace(stderr))
}

// TestKptCatalogMetadata checks metadata.yaml against the kpt functions
// catalog's schema (krm-functions-catalog scripts/generate_docs/
// metadata-schema.json): its fields only, the required ones present, tags
// from the allowed list, and example URLs that name examples of this
// repository.
func TestKptCatalogMetadata(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(filepath.Join(repoRoot, "metadata.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var meta struct {
		Image              string   `yaml:"image"`
		Description        string   `yaml:"description"`
		Tags               []string `yaml:"tags"`
		SourceURL          string   `yaml:"sourceURL"`
		ExamplePackageURLs []string `yaml:"examplePackageURLs"`
		License            string   `yaml:"license"`
		Hidden             bool     `yaml:"hidden"`
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true) // additionalProperties: false
	if err := dec.Decode(&meta); err != nil {
		t.Fatalf("metadata.yaml: %v", err)
	}
	if meta.Image == "" || meta.Description == "" || len(meta.Tags) == 0 {
		t.Errorf("metadata.yaml needs image, description and at least one tag: %+v", meta)
	}
	if strings.Contains(meta.Image[strings.LastIndex(meta.Image, "/")+1:], ":") {
		t.Errorf("image %q has a tag; the catalog's release process appends it", meta.Image)
	}
	allowed := map[string]bool{"mutator": true, "validator": true, "generator": true, "viewer": true,
		"test": true, "testing": true, "timing": true, "name prefix": true, "name suffix": true}
	for _, tag := range meta.Tags {
		if !allowed[tag] {
			t.Errorf("tag %q is not one the catalog allows", tag)
		}
	}
	prefix := strings.TrimSuffix(meta.SourceURL, "/") + "/tree/main/examples/"
	for _, u := range meta.ExamplePackageURLs {
		name, ok := strings.CutPrefix(u, prefix)
		if !ok {
			t.Errorf("example URL %s is not under %s", u, prefix)
			continue
		}
		if _, err := os.Stat(filepath.Join(repoRoot, "examples", name, "Kptfile")); err != nil {
			t.Errorf("example URL %s: no kpt package examples/%s: %v", u, name, err)
		}
	}
	if len(meta.ExamplePackageURLs) == 0 {
		t.Error("metadata.yaml names no example package")
	}
}
