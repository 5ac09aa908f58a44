package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// ciExample is examples/ci-pipeline.
const ciExample = "ci-pipeline"

func readCIFile(t *testing.T, name string) *yaml.RNode {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot, "examples", ciExample, name))
	if err != nil {
		t.Fatal(err)
	}
	node, err := yaml.Parse(string(data))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return node
}

func stringAt(t *testing.T, node *yaml.RNode, path ...string) string {
	t.Helper()
	v, err := node.Pipe(yaml.Lookup(path...))
	if err != nil || v == nil {
		t.Fatalf("no %s", strings.Join(path, "."))
	}
	return v.YNode().Value
}

// ciShell runs a CI job's script in a sandbox with the ci-pipeline example,
// with CONFIGHASH_IMAGE set to the image the tests build.
func ciShell(t *testing.T, tools map[string]string) *shell {
	t.Helper()
	image(t)
	docker(t)
	return newShell(t, sandbox(t, ciExample), tools)
}

func expectedCIOutput(t *testing.T) []byte {
	t.Helper()
	want, err := os.ReadFile(filepath.Join(repoRoot, "examples", ciExample, "expected.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return want
}

// TestGitHubWorkflow runs the render step of the example GitHub Actions
// workflow, with the shell GitHub runs for `shell: bash`, and compares what
// it writes with the example's expected output.
func TestGitHubWorkflow(t *testing.T) {
	t.Parallel()
	wf := readCIFile(t, "github-workflow.yaml")
	steps, err := wf.Pipe(yaml.Lookup("jobs", "deploy", "steps"))
	if err != nil || steps == nil {
		t.Fatal("no jobs.deploy.steps")
	}
	var step *yaml.RNode
	for _, s := range steps.Content() {
		n := yaml.NewRNode(s)
		if name, _ := n.Pipe(yaml.Lookup("name")); name != nil && name.YNode().Value == "Render with confighash" {
			step = n
		}
	}
	if step == nil {
		t.Fatal("no step named 'Render with confighash'")
	}
	if shell := stringAt(t, step, "shell"); shell != "bash" {
		t.Errorf("render step shell %q: without bash's pipefail a failure passes an empty stream on", shell)
	}
	if stringAt(t, wf, "jobs", "deploy", "env", "CONFIGHASH_IMAGE") == "" {
		t.Error("the job sets no CONFIGHASH_IMAGE")
	}
	script := stringAt(t, step, "run")
	sh := ciShell(t, map[string]string{"kustomize": kustomizeTool.path(t)})
	// GitHub runs `shell: bash` as bash --noprofile --norc -eo pipefail.
	sh.run(script, "CONFIGHASH_IMAGE="+imageRef)
	got, err := os.ReadFile(filepath.Join(sh.dir, "manifests.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	sameBytes(t, "manifests.yaml of the GitHub workflow's render step", got, expectedCIOutput(t))
}

// TestGitLabPipeline runs the build and render jobs of the example GitLab
// pipeline, line by line as GitLab does, and compares rendered.yaml with the
// example's expected output. The build job's `go run` of kustomize uses the
// module and build caches that make tools filled.
func TestGitLabPipeline(t *testing.T) {
	t.Parallel()
	kustomizeTool.path(t) // the pinned kustomize is in the caches
	ci := readCIFile(t, "gitlab-ci.yml")
	if stringAt(t, ci, "variables", "CONFIGHASH_IMAGE") == "" {
		t.Error("the pipeline sets no CONFIGHASH_IMAGE")
	}
	if img := stringAt(t, ci, "render", "image"); strings.Contains(img, "confighash") {
		t.Errorf("render job image %q: the confighash image has no shell for GitLab to run a script in", img)
	}
	goEnv, err := exec.Command("go", "env", "GOMODCACHE", "GOCACHE", "GOPATH").Output()
	if err != nil {
		t.Fatal(err)
	}
	v := strings.Split(strings.TrimSpace(string(goEnv)), "\n")
	env := []string{"CONFIGHASH_IMAGE=" + imageRef, "GOMODCACHE=" + v[0], "GOCACHE=" + v[1], "GOPATH=" + v[2]}
	sh := ciShell(t, nil)
	for _, job := range []string{"build", "render"} {
		script, err := ci.Pipe(yaml.Lookup(job, "script"))
		if err != nil || script == nil {
			t.Fatalf("no %s.script", job)
		}
		for _, line := range script.Content() {
			sh.run(line.Value, env...)
		}
	}
	got, err := os.ReadFile(filepath.Join(sh.dir, "rendered.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	sameBytes(t, "rendered.yaml of the GitLab pipeline", got, expectedCIOutput(t))
}
