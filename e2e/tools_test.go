package e2e

import (
	"bytes"
	"debug/buildinfo"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// imageRef is the tag `make image` gives by default, and the one the
// examples' READMEs run.
const imageRef = "localhost/confighash:dev"

// missing reports a tool that a test needs and cannot find: in CI, where
// .ci/run installs everything, that is a failure; elsewhere a skip that says
// what to run.
func missing(t *testing.T, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if os.Getenv("CI") != "" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// goTool is a tool the Makefile installs with go install at a pinned version.
type goTool struct {
	name    string // as the tests call it
	env     string // the variable that names the binary
	bin     string // else this file under the repository
	module  string // its main module, checked in the binary's build info
	version string
	install string // what installs it
}

var (
	kustomizeTool = goTool{"kustomize", "KUSTOMIZE", "bin/kustomize", "sigs.k8s.io/kustomize/kustomize/v5", "v5.8.2", "make tools"}
	helm3Tool     = goTool{"helm3", "HELM3", "bin/helm3", "helm.sh/helm/v3", "v3.22.0", "make tools"}
	helm4Tool     = goTool{"helm4", "HELM4", "bin/helm4", "helm.sh/helm/v4", "v4.3.1", "make tools"}
	// govulncheck for make vuln's offline database (e2e/vuln_test.go).
	govulncheckTool = goTool{"govulncheck", "GOVULNCHECK", "bin/govulncheck", "golang.org/x/vuln", "v1.9.0", "make tools"}
)

// path finds the tool and checks that it is the pinned version: another
// version may format its output differently from the expected files.
func (g goTool) path(t *testing.T) string {
	t.Helper()
	p := os.Getenv(g.env)
	if p == "" {
		p = filepath.Join(repoRoot, g.bin)
	}
	if !filepath.IsAbs(p) {
		p = filepath.Join(repoRoot, p)
	}
	info, err := buildinfo.ReadFile(p)
	if err != nil {
		missing(t, "%s: %v; run %s (it installs %s %s into ./bin)", g.name, err, g.install, g.module, g.version)
	}
	if info.Main.Path != g.module || info.Main.Version != g.version {
		missing(t, "%s is %s %s, the tests need %s %s; run make clean && %s", p, info.Main.Path, info.Main.Version, g.module, g.version, g.install)
	}
	return p
}

// kptVersion is the kpt the expected outputs were made with.
const kptVersion = "1.0.0-beta.56"

// kpt finds kpt: $KPT, else on PATH. It is not go-installable; CI machines
// have it in their image.
func kpt(t *testing.T) string {
	t.Helper()
	p := os.Getenv("KPT")
	if p == "" {
		p = "kpt"
	}
	p, err := exec.LookPath(p)
	if err != nil {
		missing(t, "kpt not found: install kpt %s (https://kpt.dev/installation) or set KPT", kptVersion)
	}
	out, err := exec.Command(p, "version").Output()
	if err != nil || !strings.Contains(string(out), kptVersion) {
		missing(t, "%s version: %q, %v; the tests need kpt %s", p, bytes.TrimSpace(out), err, kptVersion)
	}
	return p
}

// podman checks that podman runs in the environment of hack/podman.sh env,
// which `make test` and `make e2e` export.
func podman(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("podman"); err != nil {
		missing(t, "podman not found: run make podman (installs it with apt-get, as root), then make e2e")
	}
	if os.Getenv("CONFIGHASH_PODMAN_ENV") == "" {
		missing(t, "podman's environment is not set: run the tests with make e2e or make test (they export hack/podman.sh env)")
	}
}

// docker checks that the docker CLI reaches an engine: the podman service
// that hack/podman.sh starts for DOCKER_HOST, or a real one.
func docker(t *testing.T) {
	t.Helper()
	podman(t)
	if _, err := exec.LookPath("docker"); err != nil {
		missing(t, "the docker CLI is not installed; kustomize container functions and the CI examples run it")
	}
	if out, err := exec.Command("docker", "version").CombinedOutput(); err != nil {
		missing(t, "docker version: %v\n%s\nrun the tests with make e2e, which starts podman's docker API service", err, out)
	}
}

var imageOnce struct {
	sync.Once
	err error
	out []byte
}

// imageBuilds runs one `make image*` at a time: each rebuilds
// bin/linux_<arch>/confighash and restages bin/image-context, the build
// context, which another build must not change under it.
var imageBuilds sync.Mutex

// makeImage runs make with the arguments (a target and its variables) in
// the repository, after the image builds of other tests, and returns its
// output.
func makeImage(args ...string) ([]byte, error) {
	imageBuilds.Lock()
	defer imageBuilds.Unlock()
	cmd := exec.Command("make", append([]string{"--no-print-directory"}, args...)...)
	cmd.Dir = repoRoot
	return cmd.CombinedOutput()
}

// image builds the image with `make image` under podman, once per run, and
// returns its tag.
func image(t *testing.T) string {
	t.Helper()
	podman(t)
	imageOnce.Do(func() {
		imageOnce.out, imageOnce.err = makeImage("image", "CONTAINER_TOOL=podman", "IMAGE="+imageRef)
	})
	if imageOnce.err != nil {
		t.Fatalf("make image: %v\n%s", imageOnce.err, imageOnce.out)
	}
	return imageRef
}

// sandbox lays out, in a temporary directory, what the examples' commands
// use from the repository: examples/<name> for each name, helm-plugin/, and
// bin/confighash (this run's build). Commands run in it as from the root of
// a clone after `make build`.
func sandbox(t *testing.T, examples ...string) string {
	t.Helper()
	dir := t.TempDir()
	for _, name := range examples {
		copyDir(t, filepath.Join(repoRoot, "examples", name), filepath.Join(dir, "examples", name))
	}
	copyDir(t, filepath.Join(repoRoot, "helm-plugin"), filepath.Join(dir, "helm-plugin"))
	if err := os.MkdirAll(filepath.Join(dir, "bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(confighash, filepath.Join(dir, "bin", "confighash")); err != nil {
		t.Fatal(err)
	}
	return dir
}

func copyDir(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.WalkDir(from, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(from, path)
		if err != nil {
			return err
		}
		target := filepath.Join(to, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, info.Mode().Perm())
	})
	if err != nil {
		t.Fatal(err)
	}
}

// shell is how the tests run commands: in dir, with the named tools on
// PATH under the names users type (kustomize, kpt, helm, confighash), and a
// HOME of its own (dir/.home) so that Helm's plugins and caches stay in the
// test.
type shell struct {
	t     *testing.T
	dir   string
	env   []string
	tools map[string]string // name on PATH -> binary
}

// newShell prepares a shell in dir; tools maps the names to put on PATH to
// the binaries.
func newShell(t *testing.T, dir string, tools map[string]string) *shell {
	t.Helper()
	toolDir := t.TempDir()
	// One HOME per sandbox, shared by its shells: a plugin that one command
	// installs is there for the next.
	home := filepath.Join(dir, ".home")
	if err := os.MkdirAll(home, 0o755); err != nil {
		t.Fatal(err)
	}
	all := map[string]string{"confighash": confighash}
	for name, bin := range tools {
		all[name] = bin
	}
	for name, bin := range all {
		if err := os.Symlink(bin, filepath.Join(toolDir, name)); err != nil {
			t.Fatal(err)
		}
	}
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		switch {
		case name == "PATH", name == "HOME", strings.HasPrefix(name, "XDG_"), strings.HasPrefix(name, "HELM_"),
			name == "KUBECONFIG", name == "KPT_FN_RUNTIME", name == "CONFIGHASH_SECRET_KEY":
			continue
		}
		env = append(env, kv)
	}
	env = append(env, "PATH="+toolDir+string(os.PathListSeparator)+os.Getenv("PATH"), "HOME="+home,
		"KUBECONFIG="+filepath.Join(home, "no-cluster"))
	return &shell{t: t, dir: dir, env: env, tools: all}
}

// run runs script with bash (-e, pipefail) and returns its standard output;
// it fails the test when the script fails.
func (s *shell) run(script string, env ...string) []byte {
	s.t.Helper()
	out, stderr, err := s.try(script, env...)
	if err != nil {
		s.t.Fatalf("%s\nin %s: %v\nstderr:\n%s", script, s.dir, err, stderr)
	}
	return out
}

// try is run that returns the failure instead.
func (s *shell) try(script string, env ...string) (stdout, stderr []byte, err error) {
	s.t.Helper()
	cmd := exec.Command("bash", "-e", "-o", "pipefail", "-c", script)
	cmd.Dir = s.dir
	cmd.Env = append(append([]string{}, s.env...), env...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err = cmd.Run()
	return o.Bytes(), e.Bytes(), err
}

// podAnnotations reads a YAML stream or a ResourceList and returns, for
// each object with a pod template, "Kind/name" -> the template's annotations.
func podAnnotations(t *testing.T, data []byte) map[string]map[string]string {
	t.Helper()
	nodes, err := (&kio.ByteReader{Reader: bytes.NewReader(data), OmitReaderAnnotations: true}).Read()
	if err != nil {
		t.Fatalf("reading output: %v\n%s", err, data)
	}
	got := map[string]map[string]string{}
	for _, n := range nodes {
		for _, path := range [][]string{{"spec", "template"}, {"spec", "jobTemplate", "spec", "template"}} {
			tmpl, err := n.Pipe(yaml.Lookup(path...))
			if err != nil || tmpl == nil {
				continue
			}
			ann := map[string]string{}
			if a, _ := tmpl.Pipe(yaml.Lookup("metadata", "annotations")); a != nil {
				if err := a.VisitFields(func(f *yaml.MapNode) error {
					ann[f.Key.YNode().Value] = f.Value.YNode().Value
					return nil
				}); err != nil {
					t.Fatal(err)
				}
			}
			got[n.GetKind()+"/"+n.GetName()] = ann
		}
	}
	return got
}

// checksum returns the combined-mode annotation of one pod template, failing
// when there is none.
func checksum(t *testing.T, data []byte, target string) string {
	t.Helper()
	ann, ok := podAnnotations(t, data)[target]
	if !ok {
		t.Fatalf("no pod template %s in:\n%s", target, data)
	}
	v := ann["checksum.confighash.dev/config"]
	if len(v) != 64 {
		t.Fatalf("%s: checksum.confighash.dev/config is %q, want 64 hex digits; output:\n%s", target, v, data)
	}
	return v
}

// stream runs this build of confighash in stream mode on input, with args.
func stream(t *testing.T, input []byte, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(confighash, args...)
	cmd.Stdin = bytes.NewReader(input)
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("confighash %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return out.Bytes()
}

// sameBytes fails with the first differing line when got is not want.
func sameBytes(t *testing.T, what string, got, want []byte) {
	t.Helper()
	if bytes.Equal(got, want) {
		return
	}
	g, w := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
	i := 0
	for i < len(g) && i < len(w) && g[i] == w[i] {
		i++
	}
	line := func(l []string) string {
		if i < len(l) {
			return fmt.Sprintf("%q", l[i])
		}
		return "(end)"
	}
	t.Errorf("%s differs at line %d:\n got: %s\nwant: %s\nwhole output:\n%s", what, i+1, line(g), line(w), got)
}

// edit replaces old with new in file, which must contain old exactly once.
func edit(t *testing.T, file, old, new string) {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(data), old); n != 1 {
		t.Fatalf("%s has %q %d times, want once", file, old, n)
	}
	if err := os.WriteFile(file, []byte(strings.Replace(string(data), old, new, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
}
