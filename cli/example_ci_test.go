package cli_test

// examples/ci-check is a CI job that runs confighash check (and, on a pull
// request, confighash diff) on a repository of rendered manifests. This test
// runs the steps of its GitHub Actions workflow and its GitLab CI job as they
// are written, with bash and a confighash built from this repository, in a
// copy of the example: as committed (current), after a hand edit of a
// ConfigMap without a new render (stale), and as a pull request that edits
// and renders again (git, a base branch, the diff in the job summary).

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

const ciExample = "../examples/ci-check"

// renderCommand is how the example's README and deploy/app.yaml say to
// render again after an edit.
const renderCommand = "confighash --config confighash.yaml < deploy/app.yaml > app.yaml && mv app.yaml deploy/"

func TestCIExample(t *testing.T) {
	bash := tool(t, "bash", "apt-get install bash")
	git := tool(t, "git", "apt-get install git")
	bin := buildConfighash(t)

	workflow := yaml.MustParse(string(readFile(t, filepath.Join(ciExample, "github-workflow.yml"))))
	checkStep, diffStep := workflowStep(t, workflow, "Annotations are current"), workflowStep(t, workflow, "Workloads this pull request rolls")
	gitlab := yaml.MustParse(string(readFile(t, filepath.Join(ciExample, "gitlab-ci.yml"))))
	var gitlabScript []string
	for _, line := range yamlStrings(t, gitlab, "confighash", "script") {
		if !strings.Contains(line, "go install") {
			gitlabScript = append(gitlabScript, line)
		}
	}
	if len(gitlabScript) == 0 {
		t.Fatal("gitlab-ci.yml runs no confighash command")
	}
	if !strings.Contains(string(readFile(t, filepath.Join(ciExample, "deploy", "app.yaml"))), renderCommand) {
		t.Errorf("deploy/app.yaml does not say how to render again: %s", renderCommand)
	}

	run := func(t *testing.T, dir, script string, env ...string) (int, string) {
		t.Helper()
		cmd := exec.Command(bash, "-e", "-o", "pipefail", "-c", script)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), append([]string{"PATH=" + filepath.Dir(bin) + string(os.PathListSeparator) + os.Getenv("PATH")}, env...)...)
		var out, errOut bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errOut
		err := cmd.Run()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatalf("%s: %v", script, err)
		}
		if errOut.Len() > 0 {
			t.Logf("%s: stderr:\n%s", script, errOut.String())
		}
		return code, out.String()
	}
	expect := func(t *testing.T, name string, code, wantCode int, out, file string) {
		t.Helper()
		path := filepath.Join(ciExample, file)
		if *update {
			writeFile(t, path, []byte(out))
		}
		if code != wantCode {
			t.Errorf("%s: exit %d, want %d; output:\n%s", name, code, wantCode, out)
		}
		if want := string(readFile(t, path)); out != want {
			t.Errorf("%s: output differs from %s\n--- got:\n%s\n--- want:\n%s", name, file, out, want)
		}
	}

	readme := string(readFile(t, filepath.Join(ciExample, "README.md")))
	for _, f := range []string{"expected-check.txt", "expected-check-stale.txt", "expected-diff.txt"} {
		if want := "```\n" + string(readFile(t, filepath.Join(ciExample, f))) + "```"; !strings.Contains(readme, want) {
			t.Errorf("examples/ci-check/README.md does not show %s as it is", f)
		}
	}
	if !strings.Contains(readme, renderCommand) {
		t.Errorf("examples/ci-check/README.md does not say how to render again: %s", renderCommand)
	}

	t.Run("current", func(t *testing.T) {
		work := copyDir(t, ciExample)
		code, out := run(t, work, checkStep)
		expect(t, "GitHub check step", code, 0, out, "expected-check.txt")
		code, out = run(t, work, strings.Join(gitlabScript, "\n"))
		expect(t, "GitLab script", code, 0, out, "expected-check.txt")
	})

	t.Run("edited without a render", func(t *testing.T) {
		work := copyDir(t, ciExample)
		editLogLevel(t, work)
		code, out := run(t, work, checkStep)
		expect(t, "GitHub check step", code, 1, out, "expected-check-stale.txt")
		code, out = run(t, work, strings.Join(gitlabScript, "\n"))
		expect(t, "GitLab script", code, 1, out, "expected-check-stale.txt")
	})

	t.Run("pull request", func(t *testing.T) {
		gitCmd := func(dir string, args ...string) {
			t.Helper()
			cmd := exec.Command(git, append([]string{"-c", "user.name=ci", "-c", "user.email=ci@example.invalid", "-c", "init.defaultBranch=main"}, args...)...)
			cmd.Dir = dir
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
			}
		}
		origin := copyDir(t, ciExample)
		gitCmd(origin, "init", "-q")
		gitCmd(origin, "add", ".")
		gitCmd(origin, "commit", "-q", "-m", "base")
		parent := t.TempDir()
		gitCmd(parent, "clone", "-q", origin, "pr")
		pr := filepath.Join(parent, "pr")
		editLogLevel(t, pr)
		if code, out := run(t, pr, renderCommand); code != 0 {
			t.Fatalf("render: exit %d\n%s", code, out)
		}
		gitCmd(pr, "commit", "-q", "-am", "LOG_LEVEL debug")

		code, out := run(t, pr, checkStep)
		expect(t, "check after the render", code, 0, out, "expected-check.txt")
		summary := filepath.Join(t.TempDir(), "summary.md")
		code, out = run(t, pr, diffStep, "GITHUB_BASE_REF=main", "GITHUB_STEP_SUMMARY="+summary)
		expect(t, "GitHub diff step", code, 0, out, "expected-diff.txt")
		if got := string(readFile(t, summary)); got != out {
			t.Errorf("the job summary is not the diff:\n%s", got)
		}
	})
}

// editLogLevel makes the edit of the example's README: LOG_LEVEL info to
// debug in the committed manifests.
func editLogLevel(t *testing.T, dir string) {
	t.Helper()
	path := filepath.Join(dir, "deploy", "app.yaml")
	b := readFile(t, path)
	if !bytes.Contains(b, []byte("LOG_LEVEL: info")) {
		t.Fatal("deploy/app.yaml has no LOG_LEVEL: info")
	}
	writeFile(t, path, bytes.Replace(b, []byte("LOG_LEVEL: info"), []byte("LOG_LEVEL: debug"), 1))
}

// workflowStep returns the run script of the step of the workflow's job
// confighash that has the name.
func workflowStep(t *testing.T, workflow *yaml.RNode, name string) string {
	t.Helper()
	steps, err := workflow.Pipe(yaml.Lookup("jobs", "confighash", "steps"))
	if err != nil || steps == nil {
		t.Fatalf("github-workflow.yml has no jobs.confighash.steps: %v", err)
	}
	elems, err := steps.Elements()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range elems {
		if n := s.Field("name"); n != nil && n.Value.YNode().Value == name {
			return s.Field("run").Value.YNode().Value
		}
	}
	t.Fatalf("github-workflow.yml has no step %q", name)
	return ""
}

func yamlStrings(t *testing.T, n *yaml.RNode, path ...string) []string {
	t.Helper()
	list, err := n.Pipe(yaml.Lookup(path...))
	if err != nil || list == nil || list.YNode().Kind != yaml.SequenceNode {
		t.Fatalf("no list at %s: %v", strings.Join(path, "."), err)
	}
	var s []string
	for _, e := range list.YNode().Content {
		s = append(s, e.Value)
	}
	return s
}

// buildConfighash builds the command into a temporary directory.
func buildConfighash(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "confighash")
	cmd := exec.Command("go", "build", "-o", bin, "..")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// copyDir copies a directory tree into a new temporary directory.
func copyDir(t *testing.T, src string) string {
	t.Helper()
	dst := t.TempDir()
	if err := os.CopyFS(dst, os.DirFS(src)); err != nil {
		t.Fatal(err)
	}
	return dst
}
