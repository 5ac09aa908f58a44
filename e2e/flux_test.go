package e2e

// examples/flux-hydrated (issue 14): a repository whose CI renders the
// manifests with confighash and commits them, and whose Flux objects apply
// them. Flux does not run here: its objects are checked against the fields
// of its API types (source-controller v1.9.1 api/v1 GitRepository,
// kustomize-controller v1.9.4 api/v1 Kustomization), and kustomize-controller's
// build is stood for by kustomize without plugins, as it builds.

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

const fluxExample = "flux-hydrated"

// workflowStep is a step of a GitHub Actions job, as the tests run it.
type workflowStep struct {
	Name  string            `yaml:"name"`
	Uses  string            `yaml:"uses"`
	With  map[string]string `yaml:"with"`
	If    string            `yaml:"if"`
	Shell string            `yaml:"shell"`
	Run   string            `yaml:"run"`
}

func fluxWorkflow(t *testing.T) []workflowStep {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot, "examples", fluxExample, "github-workflow.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var wf struct {
		Name        string
		On          map[string]any `yaml:"on"`
		Permissions map[string]string
		Jobs        map[string]struct {
			RunsOn string         `yaml:"runs-on"`
			Steps  []workflowStep `yaml:"steps"`
		}
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&wf); err != nil {
		t.Fatalf("github-workflow.yml: %v", err)
	}
	if _, ok := wf.On["pull_request"]; !ok {
		t.Error("the workflow does not run on pull requests")
	}
	if wf.Permissions["contents"] != "write" {
		t.Error("the workflow pushes the render: it needs permissions contents: write")
	}
	job, ok := wf.Jobs["hydrate"]
	if !ok || len(job.Steps) == 0 {
		t.Fatal("github-workflow.yml has no job hydrate")
	}
	return job.Steps
}

// workflowRun is one run of the workflow's job in a clone of the
// repository: the outputs of the steps that ran, up to the first failure.
type workflowRun struct {
	outputs map[string]string
	failed  string // the step that failed, "" when none did
	code    int
}

// runWorkflow runs the job's steps as GitHub does: uses: steps stand for
// the checkout (the clone) and setup-go; the install step for the tools on
// PATH; run: scripts with the step's shell (bash -eo pipefail for shell:
// bash, bash -e otherwise); `if: github.event_name == '...'` decides.
func runWorkflow(t *testing.T, steps []workflowStep, dir, event string, env ...string) workflowRun {
	t.Helper()
	kustomize := kustomizeTool.path(t)
	tools := t.TempDir()
	for name, bin := range map[string]string{"kustomize": kustomize, "confighash": confighash} {
		if err := os.Symlink(bin, filepath.Join(tools, name)); err != nil {
			t.Fatal(err)
		}
	}
	runnerTemp := t.TempDir()
	base := append(cleanEnv(), "PATH="+tools+string(os.PathListSeparator)+os.Getenv("PATH"),
		"GITHUB_EVENT_NAME="+event, "RUNNER_TEMP="+runnerTemp, "GITHUB_STEP_SUMMARY="+filepath.Join(runnerTemp, "summary.md"))
	ifEvent := regexp.MustCompile(`^github\.event_name == '([a-z_]+)'$`)
	run := workflowRun{outputs: map[string]string{}}
	for _, s := range steps {
		if s.If != "" {
			m := ifEvent.FindStringSubmatch(s.If)
			if m == nil {
				t.Fatalf("step %q: the test cannot evaluate if: %s", s.Name, s.If)
			}
			if m[1] != event {
				continue
			}
		}
		switch {
		case s.Uses != "":
			if strings.HasPrefix(s.Uses, "actions/checkout@") && s.With["fetch-depth"] != "0" {
				t.Errorf("the checkout needs fetch-depth: 0, for the base branch's deploy/")
			}
			continue
		case strings.Contains(s.Run, "go install"):
			for _, want := range []string{"sigs.k8s.io/kustomize/kustomize/v5@" + kustomizeTool.version, "confighash.dev/confighash@"} {
				if !strings.Contains(s.Run, want) {
					t.Errorf("step %q does not install %s", s.Name, want)
				}
			}
			continue
		}
		args := []string{"--noprofile", "--norc", "-e"}
		switch s.Shell {
		case "bash":
			args = append(args, "-o", "pipefail")
		case "":
		default:
			t.Fatalf("step %q: shell %q", s.Name, s.Shell)
		}
		cmd := exec.Command("bash", append(args, "-c", s.Run)...)
		cmd.Dir = dir
		cmd.Env = append(append([]string{}, base...), env...)
		var out, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &stderr
		err := cmd.Run()
		run.outputs[s.Name] = out.String()
		if stderr.Len() > 0 {
			t.Logf("step %q: stderr:\n%s", s.Name, stderr.String())
		}
		if err != nil {
			ee, ok := err.(*exec.ExitError)
			if !ok {
				t.Fatalf("step %q: %v", s.Name, err)
			}
			run.failed, run.code = s.Name, ee.ExitCode()
			break
		}
	}
	summary, err := os.ReadFile(filepath.Join(runnerTemp, "summary.md"))
	if err == nil {
		run.outputs["summary"] = string(summary)
	}
	return run
}

// gitRepo is the example as a repository with an origin, as GitHub holds it.
type gitRepo struct {
	t      *testing.T
	origin string
}

func (g gitRepo) git(dir string, args ...string) string {
	g.t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=dev", "GIT_AUTHOR_EMAIL=dev@example.invalid",
		"GIT_COMMITTER_NAME=dev", "GIT_COMMITTER_EMAIL=dev@example.invalid", "GIT_CONFIG_NOSYSTEM=1", "HOME="+g.t.TempDir())
	out, err := cmd.CombinedOutput()
	if err != nil {
		g.t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

func newGitRepo(t *testing.T) gitRepo {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		missing(t, "git not found: install git (apt-get install git)")
	}
	g := gitRepo{t: t, origin: filepath.Join(t.TempDir(), "origin.git")}
	g.git(".", "init", "--quiet", "--bare", "--initial-branch=main", g.origin)
	seed := t.TempDir()
	copyDir(t, filepath.Join(repoRoot, "examples", fluxExample), seed)
	g.git(seed, "init", "--quiet", "--initial-branch=main")
	g.git(seed, "add", ".")
	g.git(seed, "commit", "--quiet", "-m", "base")
	g.git(seed, "push", "--quiet", g.origin, "main")
	return g
}

// clone is actions/checkout with fetch-depth: 0, of branch.
func (g gitRepo) clone(branch string) string {
	g.t.Helper()
	dir := filepath.Join(g.t.TempDir(), "work")
	g.git(".", "clone", "--quiet", "--branch", branch, g.origin, dir)
	return dir
}

// editFile replaces old with new, once, in dir/name.
func editFile(t *testing.T, dir, name, old, new string) {
	t.Helper()
	edit(t, filepath.Join(dir, name), old, new)
}

func expectFile(t *testing.T, what, got, file string) {
	t.Helper()
	path := filepath.Join(repoRoot, "examples", fluxExample, file)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sameBytes(t, what+" vs "+file, []byte(got), want)
}

const (
	stepCheck  = "Committed manifests are current"
	stepStable = "The render is stable"
	stepRolls  = "Workloads this pull request rolls"
	stepCommit = "Commit the hydrated manifests"
)

// TestFluxWorkflow runs the example's workflow on a pull request, on a
// pull request that edits the hydrated manifests by hand, and on main.
func TestFluxWorkflow(t *testing.T) {
	t.Parallel()
	steps := fluxWorkflow(t)
	for _, name := range []string{stepCheck, "Render", stepStable, stepRolls, stepCommit} {
		found := false
		for _, s := range steps {
			found = found || s.Name == name
		}
		if !found {
			t.Fatalf("github-workflow.yml has no step %q", name)
		}
	}

	t.Run("pull request", func(t *testing.T) {
		t.Parallel()
		g := newGitRepo(t)
		pr := g.clone("main")
		g.git(pr, "checkout", "--quiet", "-b", "log-level")
		editFile(t, pr, "src/kustomization.yaml", "LOG_LEVEL=info", "LOG_LEVEL=debug")
		g.git(pr, "commit", "--quiet", "-am", "LOG_LEVEL debug")
		run := runWorkflow(t, steps, pr, "pull_request", "GITHUB_BASE_REF=main")
		if run.failed != "" {
			t.Fatalf("step %q failed (exit %d)", run.failed, run.code)
		}
		expectFile(t, "the check step", run.outputs[stepCheck], "expected-check.txt")
		expectFile(t, "the stability step", run.outputs[stepStable], "expected-stable.txt")
		expectFile(t, "the diff step", run.outputs[stepRolls], "expected-diff.txt")
		if run.outputs["summary"] != run.outputs[stepRolls] {
			t.Errorf("the job summary is not the diff:\n%s", run.outputs["summary"])
		}
		if _, ran := run.outputs[stepCommit]; ran {
			t.Error("the commit step ran on a pull request")
		}
	})

	t.Run("hand edit of deploy", func(t *testing.T) {
		t.Parallel()
		g := newGitRepo(t)
		pr := g.clone("main")
		g.git(pr, "checkout", "--quiet", "-b", "hand-edit")
		editFile(t, pr, "deploy/manifests.yaml", "LOG_LEVEL: info", "LOG_LEVEL: debug")
		g.git(pr, "commit", "--quiet", "-am", "LOG_LEVEL debug, by hand")
		run := runWorkflow(t, steps, pr, "pull_request", "GITHUB_BASE_REF=main")
		if run.failed != stepCheck || run.code != 1 {
			t.Fatalf("failed at %q (exit %d), want the check step, exit 1", run.failed, run.code)
		}
		expectFile(t, "the check step", run.outputs[stepCheck], "expected-check-stale.txt")
	})

	t.Run("push to main", func(t *testing.T) {
		t.Parallel()
		g := newGitRepo(t)
		dev := g.clone("main")
		editFile(t, dev, "src/kustomization.yaml", "LOG_LEVEL=info", "LOG_LEVEL=debug")
		g.git(dev, "commit", "--quiet", "-am", "LOG_LEVEL debug")
		g.git(dev, "push", "--quiet", "origin", "main")
		merged := g.git(dev, "rev-parse", "HEAD")

		ci := g.clone("main")
		run := runWorkflow(t, steps, ci, "push", "GITHUB_SHA="+merged, "GITHUB_REF_NAME=main")
		if run.failed != "" {
			t.Fatalf("step %q failed (exit %d)", run.failed, run.code)
		}
		if _, ran := run.outputs[stepRolls]; ran {
			t.Error("the pull request step ran on a push")
		}
		after := g.clone("main")
		if msg := g.git(after, "log", "-1", "--format=%s"); msg != "Render deploy/ from "+merged {
			t.Errorf("origin main's last commit is %q, want the render of %s", msg, merged)
		}
		if files := g.git(after, "show", "--name-only", "--format=", "HEAD"); files != "deploy/manifests.yaml" {
			t.Errorf("the render commit changes %q, want deploy/manifests.yaml alone", files)
		}
		rendered, err := os.ReadFile(filepath.Join(after, "deploy", "manifests.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		committed, err := os.ReadFile(filepath.Join(repoRoot, "examples", fluxExample, "deploy", "manifests.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"LOG_LEVEL: debug", "checksum.confighash.dev/configmap.web-config"} {
			if !strings.Contains(string(rendered), want) {
				t.Errorf("the committed render has no %q:\n%s", want, rendered)
			}
		}
		// The Deployment reads LOG_LEVEL and rolls; the CronJob does not.
		old, now := podAnnotations(t, committed), podAnnotations(t, rendered)
		if old["Deployment/web"]["checksum.confighash.dev/configmap.web-config"] == now["Deployment/web"]["checksum.confighash.dev/configmap.web-config"] {
			t.Error("the Deployment's annotation did not change with LOG_LEVEL")
		}
		if old["CronJob/report"]["checksum.confighash.dev/configmap.web-config"] != now["CronJob/report"]["checksum.confighash.dev/configmap.web-config"] {
			t.Error("the CronJob's annotation changed with LOG_LEVEL, which it does not read")
		}

		// The next run on main has nothing to commit.
		head := g.git(after, "rev-parse", "HEAD")
		again := runWorkflow(t, steps, g.clone("main"), "push", "GITHUB_SHA="+head, "GITHUB_REF_NAME=main")
		if again.failed != "" {
			t.Fatalf("second run: step %q failed", again.failed)
		}
		if got := again.outputs[stepCommit]; got != "deploy/ is the render of "+head+" already\n" {
			t.Errorf("second run's commit step: %q", got)
		}
		if now := g.git(g.clone("main"), "rev-parse", "HEAD"); now != head {
			t.Error("the second run committed again")
		}
	})
}

// fluxObjects reads flux/shop.yaml strictly, with the fields of Flux's
// types: a misspelt field, which the API server would drop (or refuse),
// fails here.
type fluxGitRepository struct {
	APIVersion string `yaml:"apiVersion"`
	Kind       string `yaml:"kind"`
	Metadata   struct{ Name, Namespace string }
	Spec       struct {
		URL                string            `yaml:"url"`
		SecretRef          map[string]string `yaml:"secretRef"`
		Provider           string            `yaml:"provider"`
		ServiceAccountName string            `yaml:"serviceAccountName"`
		Interval           string            `yaml:"interval"`
		Timeout            string            `yaml:"timeout"`
		Ref                *struct {
			Branch string `yaml:"branch"`
			Tag    string `yaml:"tag"`
			SemVer string `yaml:"semver"`
			Name   string `yaml:"name"`
			Commit string `yaml:"commit"`
		} `yaml:"ref"`
		Verify            map[string]any    `yaml:"verify"`
		ProxySecretRef    map[string]string `yaml:"proxySecretRef"`
		Ignore            *string           `yaml:"ignore"`
		Suspend           bool              `yaml:"suspend"`
		RecurseSubmodules bool              `yaml:"recurseSubmodules"`
		Include           []map[string]any  `yaml:"include"`
		SparseCheckout    []string          `yaml:"sparseCheckout"`
	}
}

type fluxKustomization struct {
	APIVersion string `yaml:"apiVersion"`
	Kind       string `yaml:"kind"`
	Metadata   struct{ Name, Namespace string }
	Spec       struct {
		CommonMetadata          map[string]any    `yaml:"commonMetadata"`
		DependsOn               []map[string]any  `yaml:"dependsOn"`
		Decryption              map[string]any    `yaml:"decryption"`
		Interval                string            `yaml:"interval"`
		RetryInterval           string            `yaml:"retryInterval"`
		KubeConfig              map[string]any    `yaml:"kubeConfig"`
		Path                    string            `yaml:"path"`
		PostBuild               map[string]any    `yaml:"postBuild"`
		Prune                   *bool             `yaml:"prune"`
		DeletionPolicy          string            `yaml:"deletionPolicy"`
		HealthChecks            []map[string]any  `yaml:"healthChecks"`
		NamePrefix              string            `yaml:"namePrefix"`
		NameSuffix              string            `yaml:"nameSuffix"`
		Patches                 []map[string]any  `yaml:"patches"`
		Images                  []map[string]any  `yaml:"images"`
		ServiceAccountName      string            `yaml:"serviceAccountName"`
		SourceRef               map[string]string `yaml:"sourceRef"`
		Suspend                 bool              `yaml:"suspend"`
		TargetNamespace         string            `yaml:"targetNamespace"`
		Timeout                 string            `yaml:"timeout"`
		Force                   bool              `yaml:"force"`
		Wait                    bool              `yaml:"wait"`
		BuildMetadata           []string          `yaml:"buildMetadata"`
		Components              []string          `yaml:"components"`
		IgnoreMissingComponents bool              `yaml:"ignoreMissingComponents"`
		HealthCheckExprs        []map[string]any  `yaml:"healthCheckExprs"`
		Ignore                  []map[string]any  `yaml:"ignore"`
	}
}

// fluxDuration is the pattern of the types' interval fields.
var fluxDuration = regexp.MustCompile(`^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$`)

// TestFluxObjects checks the Flux objects of the example: their fields,
// that they apply what render.sh writes, and that they change nothing that
// confighash hashed.
func TestFluxObjects(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(filepath.Join(repoRoot, "examples", fluxExample, "flux", "shop.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	docs := strings.Split(string(data), "\n---\n")
	if len(docs) != 2 {
		t.Fatalf("flux/shop.yaml has %d documents, want a GitRepository and a Kustomization", len(docs))
	}
	strict := func(doc string, v any) {
		t.Helper()
		dec := yaml.NewDecoder(strings.NewReader(doc))
		dec.KnownFields(true)
		if err := dec.Decode(v); err != nil {
			t.Fatalf("flux/shop.yaml: %v", err)
		}
	}
	var repo fluxGitRepository
	var ks fluxKustomization
	strict(docs[0], &repo)
	strict(docs[1], &ks)

	if repo.APIVersion != "source.toolkit.fluxcd.io/v1" || repo.Kind != "GitRepository" {
		t.Errorf("%s %s, want source.toolkit.fluxcd.io/v1 GitRepository", repo.APIVersion, repo.Kind)
	}
	if !regexp.MustCompile(`^(http|https|ssh)://.*$`).MatchString(repo.Spec.URL) || !fluxDuration.MatchString(repo.Spec.Interval) {
		t.Errorf("GitRepository: url %q and interval %q, both required, do not match Flux's patterns", repo.Spec.URL, repo.Spec.Interval)
	}
	if repo.Spec.Ref == nil || repo.Spec.Ref.Branch != "main" {
		t.Errorf("GitRepository follows %+v, want branch main, which the workflow commits the render to", repo.Spec.Ref)
	}

	if ks.APIVersion != "kustomize.toolkit.fluxcd.io/v1" || ks.Kind != "Kustomization" {
		t.Errorf("%s %s, want kustomize.toolkit.fluxcd.io/v1 Kustomization", ks.APIVersion, ks.Kind)
	}
	if !fluxDuration.MatchString(ks.Spec.Interval) || ks.Spec.Prune == nil {
		t.Errorf("Kustomization: interval %q and prune (%v) are required", ks.Spec.Interval, ks.Spec.Prune)
	}
	for _, d := range []string{ks.Spec.Timeout, ks.Spec.RetryInterval} {
		if d != "" && !fluxDuration.MatchString(d) {
			t.Errorf("Kustomization: duration %q does not match Flux's pattern", d)
		}
	}
	ref := ks.Spec.SourceRef
	refNamespace := ref["namespace"]
	if refNamespace == "" {
		refNamespace = ks.Metadata.Namespace
	}
	if ref["kind"] != "GitRepository" || ref["name"] != repo.Metadata.Name || refNamespace != repo.Metadata.Namespace {
		t.Errorf("Kustomization sourceRef %v is not GitRepository %s/%s", ref, repo.Metadata.Namespace, repo.Metadata.Name)
	}
	if path := filepath.Clean(ks.Spec.Path); path != "deploy" {
		t.Errorf("Kustomization path %q, want ./deploy, where render.sh writes", ks.Spec.Path)
	}
	if ks.Spec.PostBuild != nil || len(ks.Spec.Patches) > 0 || len(ks.Spec.Components) > 0 {
		t.Error("the Kustomization changes the manifests after confighash hashed them (postBuild, patches, components): README's first trap")
	}

	// kustomize-controller generates a kustomization of the files of
	// deploy/ and builds it without plugins; kustomize without flags does
	// the same. It builds, and keeps every annotation.
	kustomize := kustomizeTool.path(t)
	dir := t.TempDir()
	copyDir(t, filepath.Join(repoRoot, "examples", fluxExample, "deploy"), dir)
	if err := os.WriteFile(filepath.Join(dir, "kustomization.yaml"), []byte("resources: [manifests.yaml]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	built, err := exec.Command(kustomize, "build", dir).Output()
	if err != nil {
		t.Fatalf("kustomize build of deploy/: %v", err)
	}
	committed, err := os.ReadFile(filepath.Join(repoRoot, "examples", fluxExample, "deploy", "manifests.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := podAnnotations(t, built), podAnnotations(t, committed); len(want) != 2 || !equalAnnotations(got, want) {
		t.Errorf("Flux's build of deploy/ has the pod annotations %v, deploy/ has %v", got, want)
	}
	// The trap README opens with: a kustomization that names confighash as
	// a transformer does not build there.
	app := t.TempDir()
	copyDir(t, filepath.Join(repoRoot, "examples", "argocd-kustomize", "app"), app)
	out, err := exec.Command(kustomize, "build", app).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "external plugins disabled; unable to load external plugin 'ConfigHash'") {
		t.Errorf("kustomize build without plugins of a kustomization with confighash: %v\n%s", err, out)
	}
}

func equalAnnotations(a, b map[string]map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		w, ok := b[k]
		if !ok || len(v) != len(w) {
			return false
		}
		for kk, vv := range v {
			if w[kk] != vv {
				return false
			}
		}
	}
	return true
}

// TestFluxReadmeShowsOutput keeps the outputs examples/flux-hydrated's
// README shows equal to its expected files.
func TestFluxReadmeShowsOutput(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(repoRoot, "examples", fluxExample)
	readme, err := os.ReadFile(filepath.Join(dir, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"expected-stable.txt", "expected-diff.txt", "expected-check-stale.txt"} {
		want, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(readme), "```\n"+string(want)+"```") {
			t.Errorf("examples/%s/README.md does not show %s as it is", fluxExample, f)
		}
	}
}
