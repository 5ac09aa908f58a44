package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const kustomizeExec = "kustomize build --enable-alpha-plugins --enable-exec examples/kustomize-exec"

// TestKustomizeRollsOutOnlyWhatThePodsRead changes the kustomize-exec
// example and builds it with the real kustomize and the exec transformer: a
// change to content the pods read changes the annotation, anything else
// leaves it alone.
func TestKustomizeRollsOutOnlyWhatThePodsRead(t *testing.T) {
	t.Parallel()
	kustomize := kustomizeTool.path(t)
	build := func(t *testing.T, change func(dir string)) []byte {
		root := sandbox(t, "kustomize-exec")
		change(filepath.Join(root, "examples", "kustomize-exec"))
		return newShell(t, root, map[string]string{"kustomize": kustomize}).run(kustomizeExec)
	}
	base := build(t, func(string) {})
	before := checksum(t, base, "Deployment/web")
	for _, c := range []struct {
		name   string
		file   string
		old    string
		new    string
		change bool
	}{
		{"literal of a ConfigMap with a hash suffix", "kustomization.yaml", "LOG_LEVEL=info", "LOG_LEVEL=debug", true},
		{"referenced key of a ConfigMap without hash suffix", "kustomization.yaml", "checkout.v2=on", "checkout.v2=off", true},
		{"key no pod references", "kustomization.yaml", "search.beta=off", "search.beta=on", false},
		{"label on the Deployment", "deployment.yaml", "  labels:\n    app: web\nspec:", "  labels:\n    app: web\n    team: storefront\nspec:", false},
		{"container image", "deployment.yaml", "registry.example/web:1.0", "registry.example/web:1.1", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			out := build(t, func(dir string) { edit(t, filepath.Join(dir, c.file), c.old, c.new) })
			after := checksum(t, out, "Deployment/web")
			if changed := after != before; changed != c.change {
				t.Errorf("checksum.confighash.dev/config %s -> %s: changed %v, want %v", before, after, changed, c.change)
			}
			if c.name == "referenced key of a ConfigMap without hash suffix" && !strings.Contains(string(out), "name: web-flags\n") {
				t.Errorf("web-flags was renamed; without the hash suffix only the annotation may change:\n%s", out)
			}
		})
	}
}

// TestKustomizeTransformerMatchesBinary records the ResourceList that
// kustomize gives the exec function and runs this build of confighash on it
// directly: the annotation must be the one kustomize's output has.
func TestKustomizeTransformerMatchesBinary(t *testing.T) {
	t.Parallel()
	kustomize := kustomizeTool.path(t)
	root := sandbox(t, "kustomize-exec")
	sh := newShell(t, root, map[string]string{"kustomize": kustomize})
	direct := sh.run(kustomizeExec)

	recorder := filepath.Join(root, "bin", "record")
	script := "#!/bin/sh\ntee \"$RECORD\" | exec confighash\n"
	if err := os.WriteFile(recorder, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	edit(t, filepath.Join(root, "examples", "kustomize-exec", "confighash.yaml"), "../../bin/confighash", "../../bin/record")
	record := filepath.Join(root, "input.yaml")
	recorded := sh.run(kustomizeExec, "RECORD="+record)
	sameBytes(t, "kustomize output through the recorder", recorded, direct)

	input, err := os.ReadFile(record)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(input), "kind: ResourceList") {
		t.Fatalf("kustomize did not pass a ResourceList:\n%s", input)
	}
	// Run outside kustomize, the function sees the same input and must
	// write the same annotation.
	if got, want := checksum(t, stream(t, input), "Deployment/web"), checksum(t, direct, "Deployment/web"); got != want {
		t.Errorf("confighash on kustomize's ResourceList: %s; kustomize's output: %s", got, want)
	}
}

// TestKustomizeContainerMatchesExec checks that the container transformer
// (the image, run by kustomize with docker) gives what the exec transformer
// gives on the same resources.
func TestKustomizeContainerMatchesExec(t *testing.T) {
	t.Parallel()
	kustomize := kustomizeTool.path(t)
	image(t)
	docker(t)
	root := sandbox(t, "kustomize-exec", "kustomize-container")
	for _, f := range []string{"deployment.yaml"} {
		a, _ := os.ReadFile(filepath.Join(root, "examples", "kustomize-exec", f))
		b, _ := os.ReadFile(filepath.Join(root, "examples", "kustomize-container", f))
		sameBytes(t, "kustomize-container/"+f+" vs kustomize-exec/"+f, b, a)
	}
	sh := newShell(t, root, map[string]string{"kustomize": kustomize})
	viaExec := sh.run(kustomizeExec)
	viaContainer := sh.run("kustomize build --enable-alpha-plugins examples/kustomize-container")
	sameBytes(t, "container transformer output vs exec transformer output", viaContainer, viaExec)
}

// TestKustomizeSkipsExecWithoutEnableExec pins the trap README warns about:
// without --enable-exec kustomize v5 leaves the function out and says
// nothing.
func TestKustomizeSkipsExecWithoutEnableExec(t *testing.T) {
	t.Parallel()
	kustomize := kustomizeTool.path(t)
	root := sandbox(t, "kustomize-exec")
	out, stderr, err := newShell(t, root, map[string]string{"kustomize": kustomize}).
		try("kustomize build --enable-alpha-plugins examples/kustomize-exec")
	if err != nil {
		t.Fatalf("kustomize failed (README says it skips silently): %v\n%s", err, stderr)
	}
	if strings.Contains(string(out), "checksum.confighash.dev/config") {
		t.Errorf("kustomize ran the exec function without --enable-exec; README's warning is out of date:\n%s", out)
	}
	if len(stderr) != 0 {
		t.Errorf("kustomize now says something when it skips the function; README says it is silent:\n%s", stderr)
	}
}

// TestKubectlKustomize pins what README says of `kubectl kustomize`: it runs
// the container function, and skips the exec one (it has no --enable-exec).
func TestKubectlKustomize(t *testing.T) {
	t.Parallel()
	kubectl, err := exec.LookPath("kubectl")
	if err != nil {
		missing(t, "kubectl not found; install kubectl to test what README says of kubectl kustomize")
	}
	image(t)
	docker(t)
	root := sandbox(t, "kustomize-exec", "kustomize-container")
	sh := newShell(t, root, map[string]string{"kubectl": kubectl})
	out := sh.run("kubectl kustomize --enable-alpha-plugins examples/kustomize-container")
	want, err := os.ReadFile(filepath.Join(repoRoot, "examples", "kustomize-container", "expected.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := checksum(t, out, "Deployment/web"), checksum(t, want, "Deployment/web"); got != want {
		t.Errorf("kubectl kustomize with the container function: %s, want %s", got, want)
	}
	out, stderr, err := sh.try("kubectl kustomize --enable-alpha-plugins examples/kustomize-exec")
	if err == nil && strings.Contains(string(out), "checksum.confighash.dev/config") {
		t.Errorf("kubectl kustomize ran the exec function; README says it cannot:\n%s", out)
	}
	t.Logf("kubectl kustomize with the exec function: err %v, stderr %q", err, stderr)
}
