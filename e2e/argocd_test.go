package e2e

// Argo CD (issue 14), without Argo CD: make test has no Argo CD to run (CI
// has no checkout of it; make argocd-verify runs Argo CD's own code on the
// examples when given one), so these tests run what Argo CD runs, the way
// Argo CD v3.5.1 runs it (argoproj/argo-cd at
// 109ca7ca71139e514114499d294a492e7910a965):
//
//   - kustomize in the repo-server (util/kustomize/kustomize.go, Build):
//     `kustomize build <absolute app path>` followed by argocd-cm's
//     kustomize.buildOptions split at white space, in the root of the
//     repository's copy, with the repo-server's environment and the build
//     environment (reposerver/repository/repository.go, newEnv);
//   - a Config Management Plugin's generate command in its sidecar
//     (cmpserver/plugin/plugin.go, runCommand and generateManifest): exec of
//     command[0] with command[1:] and args, no shell, in the Application's
//     path inside the copy of the repository the cmp-server unpacks under
//     /tmp/_cmp_server, with the sidecar's environment, the build
//     environment and ARGOCD_ENV_<name> for each plugin.env entry; the
//     output, its last newline cut, split into documents.
//
// The examples' patches are applied with kustomize to the objects of Argo
// CD's install manifest that they change (testdata/argocd), and the
// containers run with podman as the patched specs say.

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// cmpImageRef is the tag `make image-cmp` gives by default, and the one the
// argocd-cmp example's README runs.
const cmpImageRef = "localhost/confighash-argocd-cmp:dev"

var cmpImageOnce struct {
	sync.Once
	err error
	out []byte
}

// imageCMP builds the plugin image with `make image-cmp` under podman, once
// per run, and returns its tag.
func imageCMP(t *testing.T) string {
	t.Helper()
	podman(t)
	cmpImageOnce.Do(func() {
		cmpImageOnce.out, cmpImageOnce.err = makeImage("image-cmp", "CONTAINER_TOOL=podman", "CMP_IMAGE="+cmpImageRef)
	})
	if cmpImageOnce.err != nil {
		t.Fatalf("make image-cmp: %v\n%s", cmpImageOnce.err, cmpImageOnce.out)
	}
	return cmpImageRef
}

// argocdInstallURL is the manifest the examples' Argo CD kustomizations
// patch; testdata/argocd/install-excerpt.yaml holds the objects of it that
// the patches change.
const argocdInstallURL = "https://raw.githubusercontent.com/argoproj/argo-cd/v3.5.1/manifests/install.yaml"

// argocdPATH is the PATH of Argo CD's image (ubuntu's, which its
// Dockerfile keeps); kustomize and helm are in /usr/local/bin.
var argocdPATH = []string{"/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"}

// patchedArgoCD builds the example's argocd/ kustomization with its
// resources replaced by the excerpt of Argo CD's install manifest, and
// returns the objects by "Kind/name".
func patchedArgoCD(t *testing.T, kustomize, example string) map[string]*yaml.RNode {
	t.Helper()
	src := filepath.Join(repoRoot, "examples", example, "argocd")
	k, err := yaml.ReadFile(filepath.Join(src, "kustomization.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if got := yamlList(t, k, "resources"); !slices.Equal(got, []string{argocdInstallURL}) {
		t.Fatalf("examples/%s/argocd/kustomization.yaml: resources %q, want Argo CD's install manifest %s, which testdata/argocd stands for", example, got, argocdInstallURL)
	}
	dir := t.TempDir()
	copyDir(t, src, dir)
	excerpt, err := os.ReadFile(filepath.Join(repoRoot, "e2e", "testdata", "argocd", "install-excerpt.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "install.yaml"), excerpt, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := k.PipeE(yaml.SetField("resources", yaml.NewListRNode("install.yaml"))); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "kustomization.yaml"), []byte(k.MustString()), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(kustomize, "build", dir).CombinedOutput()
	if err != nil {
		t.Fatalf("kustomize build of examples/%s/argocd with the install manifest's excerpt: %v\n%s", example, err, out)
	}
	nodes, err := kio.FromBytes(out)
	if err != nil {
		t.Fatal(err)
	}
	objects := map[string]*yaml.RNode{}
	for _, n := range nodes {
		if n.GetNamespace() != "argocd" {
			t.Errorf("%s/%s is in namespace %q, not argocd", n.GetKind(), n.GetName(), n.GetNamespace())
		}
		objects[n.GetKind()+"/"+n.GetName()] = n
	}
	return objects
}

func yamlList(t *testing.T, n *yaml.RNode, path ...string) []string {
	t.Helper()
	l, err := n.Pipe(yaml.Lookup(path...))
	if err != nil {
		t.Fatal(err)
	}
	if l == nil {
		return nil
	}
	var s []string
	for _, e := range l.YNode().Content {
		s = append(s, e.Value)
	}
	return s
}

func yamlString(n *yaml.RNode, path ...string) string {
	v, err := n.Pipe(yaml.Lookup(path...))
	if err != nil || v == nil {
		return ""
	}
	return v.YNode().Value
}

// container is what the tests read of a pod's container spec.
type container struct {
	Name            string
	Image           string
	Command         []string
	Args            []string
	Env             []struct{ Name, Value string }
	VolumeMounts    []volumeMount `yaml:"volumeMounts"`
	SecurityContext struct {
		RunAsUser    *int64 `yaml:"runAsUser"`
		RunAsNonRoot bool   `yaml:"runAsNonRoot"`
		ReadOnlyRoot bool   `yaml:"readOnlyRootFilesystem"`
	} `yaml:"securityContext"`
}

type volumeMount struct {
	Name      string
	MountPath string `yaml:"mountPath"`
	SubPath   string `yaml:"subPath"`
}

type podSpec struct {
	InitContainers []container `yaml:"initContainers"`
	Containers     []container
	Volumes        []struct {
		Name     string
		EmptyDir *struct{} `yaml:"emptyDir"`
	}
}

func repoServerPod(t *testing.T, objects map[string]*yaml.RNode) podSpec {
	t.Helper()
	d := objects["Deployment/argocd-repo-server"]
	if d == nil {
		t.Fatal("no Deployment argocd-repo-server after the patches")
	}
	spec, err := d.Pipe(yaml.Lookup("spec", "template", "spec"))
	if err != nil || spec == nil {
		t.Fatal("argocd-repo-server has no pod spec")
	}
	var p podSpec
	if err := spec.YNode().Decode(&p); err != nil {
		t.Fatal(err)
	}
	return p
}

func (p podSpec) container(t *testing.T, init bool, name string) container {
	t.Helper()
	list := p.Containers
	if init {
		list = p.InitContainers
	}
	for _, c := range list {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("argocd-repo-server has no container %s after the patches", name)
	return container{}
}

func (p podSpec) emptyDir(name string) bool {
	for _, v := range p.Volumes {
		if v.Name == name {
			return v.EmptyDir != nil
		}
	}
	return false
}

// localImage maps the registry name of an example's image to the tag the
// tests build: the examples name your registry, the tests use podman's.
func localImage(t *testing.T, image, want string) {
	t.Helper()
	if !regexp.MustCompile(`^ghcr\.io/your-org/` + regexp.QuoteMeta(path.Base(strings.Split(want, ":")[0])) + `:v[0-9.]+$`).MatchString(image) {
		t.Errorf("image %s: want ghcr.io/your-org/%s:<version>, the image of %s pushed to a registry", image, path.Base(strings.Split(want, ":")[0]), want)
	}
}

// TestArgoCDKustomize installs confighash into the repo-server as the
// patched Deployment says, with the init container's own image and
// command, and builds the example's application as the repo-server builds
// a kustomize Application.
func TestArgoCDKustomize(t *testing.T) {
	t.Parallel()
	kustomize := kustomizeTool.path(t)
	objects := patchedArgoCD(t, kustomize, "argocd-kustomize")
	ref := image(t)

	options := yamlString(objects["ConfigMap/argocd-cm"], "data", "kustomize.buildOptions")
	for _, flag := range []string{"--enable-alpha-plugins", "--enable-exec"} {
		if !slices.Contains(strings.Fields(options), flag) {
			t.Errorf("argocd-cm kustomize.buildOptions %q lacks %s", options, flag)
		}
	}
	pod := repoServerPod(t, objects)
	if c := pod.container(t, true, "copyutil"); c.Image != "quay.io/argoproj/argocd:v3.5.1" {
		t.Errorf("the patch changed Argo CD's own init container: %+v", c)
	}

	// The init container, as its spec says, on an emptyDir.
	init := pod.container(t, true, "install-confighash")
	localImage(t, init.Image, ref)
	if len(init.VolumeMounts) != 1 || !pod.emptyDir(init.VolumeMounts[0].Name) {
		t.Fatalf("install-confighash mounts %+v, want one emptyDir", init.VolumeMounts)
	}
	volume := init.VolumeMounts[0]
	emptyDir := t.TempDir()
	if err := os.Chmod(emptyDir, 0o777); err != nil { // as the kubelet makes an emptyDir
		t.Fatal(err)
	}
	args := []string{"run", "--rm", "--read-only", "--network", "none", "--cap-drop", "all", "--security-opt", "no-new-privileges",
		"-v", emptyDir + ":" + volume.MountPath}
	if u := init.SecurityContext.RunAsUser; u != nil {
		args = append(args, "--user", fmt.Sprint(*u))
	}
	if len(init.Command) == 0 {
		t.Fatal("install-confighash has no command")
	}
	args = append(append(append(args, "--entrypoint", init.Command[0], ref), init.Command[1:]...), init.Args...)
	if got, want := string(podmanOut(t, nil, args...)), "installed "+path.Join(volume.MountPath, "confighash")+"\n"; got != want {
		t.Errorf("the init container printed %q, want %q", got, want)
	}

	// The repo-server's subPath mount of the installed file, on its PATH.
	var mount *volumeMount
	server := pod.container(t, false, "argocd-repo-server")
	for i, m := range server.VolumeMounts {
		if m.Name == volume.Name {
			mount = &server.VolumeMounts[i]
		}
	}
	if mount == nil || mount.SubPath == "" {
		t.Fatalf("argocd-repo-server does not mount a file of %s: %+v", volume.Name, server.VolumeMounts)
	}
	if !slices.Contains(argocdPATH, path.Dir(mount.MountPath)) || path.Base(mount.MountPath) != "confighash" {
		t.Errorf("argocd-repo-server mounts confighash at %s, not as confighash in a directory of its PATH %v", mount.MountPath, argocdPATH)
	}
	if !slices.Contains(server.VolumeMounts, volumeMount{Name: "tmp", MountPath: "/tmp"}) {
		t.Error("the patch replaced argocd-repo-server's own volume mounts")
	}
	binDir := t.TempDir()
	installed := filepath.Join(emptyDir, mount.SubPath)
	info, err := os.Stat(installed)
	if err != nil || info.Mode().Perm() != 0o755 {
		t.Fatalf("the installed file: %v, %v; want mode 0755", info, err)
	}
	if err := os.Symlink(installed, filepath.Join(binDir, path.Base(mount.MountPath))); err != nil {
		t.Fatal(err)
	}

	// The Application's source path, built as the repo-server builds it:
	// from the root of the repository's copy, the installed confighash on
	// PATH (and no other: the test's own is not).
	app := readApplication(t, "argocd-kustomize", "application.yaml")
	repo := sandbox(t, "argocd-kustomize")
	root := filepath.Join(repo, "examples", "argocd-kustomize")
	appPath := filepath.Join(root, app.Spec.Source.Path)
	cmd := exec.Command(kustomize, append([]string{"build", appPath}, strings.Fields(options)...)...)
	cmd.Dir = root
	cmd.Env = append(cleanEnv(), "PATH="+binDir+string(os.PathListSeparator)+"/usr/bin:/bin")
	cmd.Env = append(cmd.Env, app.buildEnv()...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(cmd.Args, " "), err, stderr.String())
	}
	want, err := os.ReadFile(filepath.Join(repoRoot, "examples", "argocd-kustomize", "expected.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	sameBytes(t, "the repo-server's kustomize build", stdout.Bytes(), want)

	// Without --enable-exec, the trap README names: no error, no annotation.
	cmd = exec.Command(kustomize, "build", appPath, "--enable-alpha-plugins")
	cmd.Dir, cmd.Env = root, append(cleanEnv(), "PATH="+binDir)
	out, err := cmd.Output()
	if err != nil || bytes.Contains(out, []byte("checksum.confighash.dev")) || len(out) == 0 {
		t.Errorf("kustomize build without --enable-exec: %v; README says it skips the function silently:\n%s", err, out)
	}
	// Not on PATH: the message README quotes.
	cmd = exec.Command(kustomize, append([]string{"build", appPath}, strings.Fields(options)...)...)
	cmd.Dir, cmd.Env = root, append(cleanEnv(), "PATH=/usr/bin:/bin")
	if out, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(out), `couldn't execute function: exec: "confighash": executable file not found in $PATH`) {
		t.Errorf("kustomize build without confighash on PATH: %v\n%s", err, out)
	}
}

// cleanEnv is the test's environment without PATH and the variables that
// would change what kustomize or Helm do.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if name == "PATH" || strings.HasPrefix(name, "HELM_") || strings.HasPrefix(name, "ARGOCD_") || name == "KUBECONFIG" || name == "CONFIGHASH_SECRET_KEY" {
			continue
		}
		env = append(env, kv)
	}
	return env
}

// application is what the tests read of an Argo CD Application.
type application struct {
	Metadata struct{ Name, Namespace string }
	Spec     struct {
		Project string
		Source  struct {
			RepoURL        string `yaml:"repoURL"`
			TargetRevision string `yaml:"targetRevision"`
			Path           string
			Plugin         *struct {
				Name       string
				Env        []struct{ Name, Value string }
				Parameters []any
			}
		}
		Destination struct{ Server, Namespace string }
	}
}

func readApplication(t *testing.T, example, file string) application {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot, "examples", example, file))
	if err != nil {
		t.Fatal(err)
	}
	var app application
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&app); err != nil {
		t.Fatalf("examples/%s/%s: %v", example, file, err)
	}
	if app.Metadata.Name == "" || app.Spec.Source.Path == "" || app.Spec.Destination.Namespace == "" {
		t.Fatalf("examples/%s/%s: no name, source path or destination namespace", example, file)
	}
	return app
}

// testRevision stands for the commit Argo CD resolved targetRevision to.
const testRevision = "f913b6cbf58aa5ae5ca1f8a2b149477aebcbd9d8"

// buildEnv is Argo CD's build environment for the Application
// (reposerver/repository/repository.go, newEnv).
func (a application) buildEnv() []string {
	return []string{
		"ARGOCD_APP_NAME=" + a.Metadata.Name,
		"ARGOCD_APP_NAMESPACE=" + a.Spec.Destination.Namespace,
		"ARGOCD_APP_PROJECT_NAME=" + a.Spec.Project,
		"ARGOCD_APP_REVISION=" + testRevision,
		"ARGOCD_APP_REVISION_SHORT=" + testRevision[:7],
		"ARGOCD_APP_REVISION_SHORT_8=" + testRevision[:8],
		"ARGOCD_APP_SOURCE_REPO_URL=" + a.Spec.Source.RepoURL,
		"ARGOCD_APP_SOURCE_PATH=" + a.Spec.Source.Path,
		"ARGOCD_APP_SOURCE_TARGET_REVISION=" + a.Spec.Source.TargetRevision,
	}
}

// pluginEnv is the environment a plugin's commands get on top of the
// sidecar's (getPluginEnvs, getPluginParamEnvs): the build environment, the
// cluster's version, and each plugin.env entry as ARGOCD_ENV_<name>, its
// value with references to the build environment expanded (os.Expand).
func (a application) pluginEnv() []string {
	env := append(a.buildEnv(), "KUBE_VERSION=1.31.0", "KUBE_API_VERSIONS=v1,apps/v1,batch/v1")
	build := map[string]string{}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		build[k] = v
	}
	for _, e := range a.Spec.Source.Plugin.Env {
		env = append(env, "ARGOCD_ENV_"+e.Name+"="+os.Expand(e.Value, func(k string) string { return build[k] }))
	}
	return env
}

// cmpPlugin is Argo CD's ConfigManagementPlugin (cmpserver/plugin/config.go,
// PluginConfig, and the ParameterAnnouncement of reposerver/apiclient), as
// its documentation describes it. Argo CD reads it through JSON and ignores
// an unknown field; the test decodes it strictly, so that a misspelt field
// (discovery: for discover:), which Argo CD would drop without a word, fails.
type cmpPlugin struct {
	APIVersion string `yaml:"apiVersion"`
	Kind       string `yaml:"kind"`
	Metadata   struct {
		Name        string            `yaml:"name"`
		Labels      map[string]string `yaml:"labels"`
		Annotations map[string]string `yaml:"annotations"`
	} `yaml:"metadata"`
	Spec struct {
		Version  string     `yaml:"version"`
		Init     cmpCommand `yaml:"init"`
		Generate cmpCommand `yaml:"generate"`
		Discover struct {
			Find struct {
				Command []string `yaml:"command"`
				Args    []string `yaml:"args"`
				Glob    string   `yaml:"glob"`
			} `yaml:"find"`
			FileName string `yaml:"fileName"`
		} `yaml:"discover"`
		Parameters struct {
			Static []struct {
				Name           string            `yaml:"name"`
				Title          string            `yaml:"title"`
				Tooltip        string            `yaml:"tooltip"`
				Required       bool              `yaml:"required"`
				ItemType       string            `yaml:"itemType"`
				CollectionType string            `yaml:"collectionType"`
				String         string            `yaml:"string"`
				Array          []string          `yaml:"array"`
				Map            map[string]string `yaml:"map"`
			} `yaml:"static"`
			Dynamic cmpCommand `yaml:"dynamic"`
		} `yaml:"parameters"`
		PreserveFileMode bool `yaml:"preserveFileMode"`
		ProvideGitCreds  bool `yaml:"provideGitCreds"`
	} `yaml:"spec"`
}

type cmpCommand struct {
	Command []string `yaml:"command"`
	Args    []string `yaml:"args"`
}

// readPlugin decodes and validates a plugin.yaml as Argo CD's
// ValidatePluginConfig does, and more strictly.
func readPlugin(t *testing.T, name string, data []byte) cmpPlugin {
	t.Helper()
	var p cmpPlugin
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&p); err != nil {
		t.Fatalf("%s is not a ConfigManagementPlugin: %v", name, err)
	}
	if p.APIVersion != "argoproj.io/v1alpha1" || p.Kind != "ConfigManagementPlugin" {
		t.Errorf("%s: %s %s, want argoproj.io/v1alpha1 ConfigManagementPlugin", name, p.APIVersion, p.Kind)
	}
	if p.Metadata.Name == "" {
		t.Errorf("%s: metadata.name should be non-empty (Argo CD refuses it)", name)
	}
	if len(p.Spec.Generate.Command) == 0 {
		t.Errorf("%s: spec.generate command should be non-empty (Argo CD refuses it)", name)
	}
	d := p.Spec.Discover
	if n := len(slices.DeleteFunc([]bool{d.FileName != "", d.Find.Glob != "", len(d.Find.Command) > 0}, func(b bool) bool { return !b })); n > 1 {
		t.Errorf("%s: %d of discover.fileName, find.glob and find.command: Argo CD evaluates only the first", name, n)
	}
	if len(d.Find.Args) > 0 && len(d.Find.Command) == 0 {
		t.Errorf("%s: discover.find.args without a command", name)
	}
	return p
}

// pluginName is how an Application names the plugin.
func (p cmpPlugin) pluginName() string {
	if p.Spec.Version != "" {
		return p.Metadata.Name + "-" + p.Spec.Version
	}
	return p.Metadata.Name
}

// TestArgoCDPluginConfigs checks the plugin configurations of argocd-cmp/
// against Argo CD's type, and the commands against what the image holds.
func TestArgoCDPluginConfigs(t *testing.T) {
	t.Parallel()
	for _, dir := range []string{"helm", "directory"} {
		name := "argocd-cmp/" + dir + "/plugin.yaml"
		data, err := os.ReadFile(filepath.Join(repoRoot, name))
		if err != nil {
			t.Fatal(err)
		}
		p := readPlugin(t, name, data)
		if p.Metadata.Name != "confighash-"+dir {
			t.Errorf("%s: name %s, want confighash-%s", name, p.Metadata.Name, dir)
		}
		if cmd := p.Spec.Generate.Command; len(cmd) < 2 || cmd[0] != "confighash" || cmd[1] != "run" {
			t.Errorf("%s: generate runs %q, want confighash run: the image has no shell", name, cmd)
		}
		if p.Spec.PreserveFileMode || p.Spec.ProvideGitCreds {
			t.Errorf("%s asks for file modes or git credentials, which it does not need", name)
		}
	}
	// A misspelt field fails the strict decoding, as it should.
	bad := []byte("apiVersion: argoproj.io/v1alpha1\nkind: ConfigManagementPlugin\nmetadata: {name: x}\nspec:\n  generate: {command: [x]}\n  discovery: {fileName: Chart.yaml}\n")
	var p cmpPlugin
	dec := yaml.NewDecoder(bytes.NewReader(bad))
	dec.KnownFields(true)
	if err := dec.Decode(&p); err == nil || !strings.Contains(err.Error(), "discovery") {
		t.Errorf("a misspelt field decodes: %v", err)
	}
}

// sidecarPlugin is one plugin sidecar of the patched repo-server: its
// container and the plugin.yaml its command reads, out of the image.
type sidecarPlugin struct {
	container container
	plugin    cmpPlugin
}

// sidecars reads the plugin sidecars of the argocd-cmp example's patch
// from the patched Deployment, and their plugin.yaml from the image.
func sidecars(t *testing.T, ref string) map[string]sidecarPlugin {
	t.Helper()
	objects := patchedArgoCD(t, kustomizeTool.path(t), "argocd-cmp")
	pod := repoServerPod(t, objects)
	if c := pod.container(t, false, "argocd-repo-server"); c.Image != "quay.io/argoproj/argocd:v3.5.1" {
		t.Errorf("the patch changed the repo-server container: %+v", c)
	}
	files := imageFiles(t, ref)
	plugins := map[string]sidecarPlugin{}
	for _, c := range pod.Containers {
		if c.Name == "argocd-repo-server" {
			continue
		}
		localImage(t, c.Image, ref)
		// argocd-cmp-server [--config-dir-path DIR]: the copyutil init
		// container links it into var-files, mounted at /var/run/argocd.
		if len(c.Command) == 0 || c.Command[0] != "/var/run/argocd/argocd-cmp-server" {
			t.Errorf("sidecar %s runs %q, not Argo CD's /var/run/argocd/argocd-cmp-server", c.Name, c.Command)
			continue
		}
		configDir := "/home/argocd/cmp-server/config"
		rest := append(append([]string{}, c.Command[1:]...), c.Args...)
		if len(rest) == 2 && rest[0] == "--config-dir-path" {
			configDir, rest = rest[1], nil
		}
		if len(rest) > 0 {
			t.Errorf("sidecar %s: unexpected arguments %q", c.Name, rest)
		}
		mounts := map[string]string{}
		for _, m := range c.VolumeMounts {
			mounts[m.MountPath] = m.Name
		}
		if mounts["/var/run/argocd"] != "var-files" || mounts["/home/argocd/cmp-server/plugins"] != "plugins" {
			t.Errorf("sidecar %s mounts %v: it needs var-files at /var/run/argocd and plugins at /home/argocd/cmp-server/plugins", c.Name, mounts)
		}
		if tmp := mounts["/tmp"]; tmp == "" || tmp == "tmp" || !pod.emptyDir(tmp) {
			t.Errorf("sidecar %s: /tmp must be an emptyDir of its own, not %q", c.Name, tmp)
		}
		if u := c.SecurityContext.RunAsUser; u == nil || *u != 999 || !c.SecurityContext.ReadOnlyRoot {
			t.Errorf("sidecar %s: securityContext %+v; Argo CD asks for user 999, and the image needs no writable root", c.Name, c.SecurityContext)
		}
		file := strings.TrimPrefix(path.Join(configDir, "plugin.yaml"), "/")
		data, ok := files[file]
		if !ok {
			t.Errorf("sidecar %s reads %s, which the image does not hold", c.Name, file)
			continue
		}
		p := readPlugin(t, ref+":/"+file, data)
		if p.Metadata.Name != c.Name {
			t.Errorf("sidecar %s serves plugin %s: name them alike", c.Name, p.Metadata.Name)
		}
		plugins[p.pluginName()] = sidecarPlugin{container: c, plugin: p}
	}
	// The image holds what argocd-cmp/ holds.
	for dir, file := range map[string]string{"helm": "home/argocd/cmp-server/config/plugin.yaml", "directory": "home/argocd/cmp-server/directory/plugin.yaml"} {
		want, err := os.ReadFile(filepath.Join(repoRoot, "argocd-cmp", dir, "plugin.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		sameBytes(t, ref+":/"+file+" vs argocd-cmp/"+dir+"/plugin.yaml", files[file], want)
	}
	return plugins
}

// cmpGenerate runs a plugin's generate command as argocd-cmp-server does,
// in a container of the plugin image: the repository's copy under
// /tmp/_cmp_server, the working directory the Application's path, the
// environment of the sidecar and of Argo CD. It returns the standard
// output and error, and the exit error.
func cmpGenerate(t *testing.T, ref string, s sidecarPlugin, repo string, app application, extraEnv ...string) (stdout, stderr []byte, err error) {
	t.Helper()
	// The cmp-server unpacks the repository as its user, 999; here the
	// copy is read-only and readable by everyone.
	if err := filepath.WalkDir(repo, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		mode := os.FileMode(0o644)
		if d.IsDir() {
			mode = 0o755
		}
		return os.Chmod(p, mode)
	}); err != nil {
		t.Fatal(err)
	}
	workDir := "/tmp/_cmp_server/3f2c1"
	args := []string{"run", "--rm", "--read-only", "--network", "none", "--cap-drop", "all", "--security-opt", "no-new-privileges",
		"--user", fmt.Sprint(*s.container.SecurityContext.RunAsUser), "--tmpfs", "/tmp:rw,mode=1777",
		"-v", repo + ":" + workDir + ":ro", "-w", path.Join(workDir, app.Spec.Source.Path)}
	for _, e := range s.container.Env {
		args = append(args, "-e", e.Name+"="+e.Value)
	}
	for _, kv := range append(app.pluginEnv(), extraEnv...) {
		args = append(args, "-e", kv)
	}
	gen := s.plugin.Spec.Generate
	args = append(append(append(args, "--entrypoint", gen.Command[0], ref), gen.Command[1:]...), gen.Args...)
	cmd := exec.Command("podman", args...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err = cmd.Run()
	return o.Bytes(), e.Bytes(), err
}

// TestArgoCDPlugin runs each example Application through its plugin, as
// the cmp-server would, and compares the manifests with the expected ones.
func TestArgoCDPlugin(t *testing.T) {
	t.Parallel()
	ref := imageCMP(t)
	plugins := sidecars(t, ref)
	for _, c := range []struct{ application, expected string }{
		{"application-helm.yaml", "expected-helm.yaml"},
		{"application-directory.yaml", "expected-directory.yaml"},
	} {
		t.Run(c.application, func(t *testing.T) {
			app := readApplication(t, "argocd-cmp", c.application)
			if app.Spec.Source.Plugin == nil {
				t.Fatal("the Application names no plugin")
			}
			s, ok := plugins[app.Spec.Source.Plugin.Name]
			if !ok {
				t.Fatalf("no sidecar serves plugin %q", app.Spec.Source.Plugin.Name)
			}
			repo := filepath.Join(sandbox(t, "argocd-cmp"), "examples", "argocd-cmp")
			stdout, stderr, err := cmpGenerate(t, ref, s, repo, app)
			if err != nil {
				t.Fatalf("generate: %v\n%s", err, stderr)
			}
			want, err := os.ReadFile(filepath.Join(repoRoot, "examples", "argocd-cmp", c.expected))
			if err != nil {
				t.Fatal(err)
			}
			sameBytes(t, "plugin "+s.plugin.Metadata.Name+" for "+c.application, stdout, want)
			// What the cmp-server does with it: the last newline cut, the
			// rest split into documents, each a Kubernetes object.
			docs, err := kio.FromBytes([]byte(strings.TrimSuffix(string(stdout), "\n")))
			if err != nil {
				t.Fatalf("the cmp-server could not split the output: %v", err)
			}
			for _, d := range docs {
				if d.GetApiVersion() == "" || d.GetKind() == "" || d.GetName() == "" {
					t.Errorf("not a Kubernetes object:\n%s", d.MustString())
				}
			}
			if !strings.Contains(string(stderr), "info: confighash: ") {
				t.Errorf("no summary on standard error (the cmp-server logs it):\n%s", stderr)
			}
		})
	}

	t.Run("failures write nothing", func(t *testing.T) {
		app := readApplication(t, "argocd-cmp", "application-helm.yaml")
		s := plugins[app.Spec.Source.Plugin.Name]
		repo := filepath.Join(sandbox(t, "argocd-cmp"), "examples", "argocd-cmp")
		for _, c := range []struct {
			name string
			env  []string
			want string
		}{
			{"helm fails", []string{"ARGOCD_ENV_HELM_ARGS=--values absent.yaml"}, "run: helm failed (exit status 1); nothing written"},
			{"a confighash flag fails", []string{"ARGOCD_ENV_CONFIGHASH_ARGS=--mode=fast"}, `--mode: "fast"`},
			// Apps in any namespace: ARGOCD_APP_NAME is <namespace>_<name>.
			{"an application in another namespace", []string{"ARGOCD_APP_NAME=team_web"}, `release name "team_web": invalid release name`},
		} {
			stdout, stderr, err := cmpGenerate(t, ref, s, repo, app, c.env...)
			if err == nil || len(stdout) != 0 || !strings.Contains(string(stderr), c.want) {
				t.Errorf("%s: %v, stdout %q, stderr %q; want a failure saying %q and no output", c.name, err, stdout, stderr, c.want)
			}
		}
	})
}

// TestArgoCDPluginReadmeRunsThePlugin keeps the example README's commands
// the plugins' generate commands: every argument of each is in the block.
func TestArgoCDPluginReadmeRunsThePlugin(t *testing.T) {
	t.Parallel()
	blocks := readExampleBlocks(t, filepath.Join(repoRoot, "examples", "argocd-cmp", "README.md"))
	for i, dir := range []string{"helm", "directory"} {
		data, err := os.ReadFile(filepath.Join(repoRoot, "argocd-cmp", dir, "plugin.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		p := readPlugin(t, dir, data)
		if i >= len(blocks) {
			t.Fatalf("examples/argocd-cmp/README.md has no block for plugin %s", p.Metadata.Name)
		}
		script := strings.ReplaceAll(blocks[i].script, "\\\n", " ")
		at := 0
		for _, arg := range append(p.Spec.Generate.Command[1:], p.Spec.Generate.Args...) {
			quoted := arg
			if strings.Contains(arg, "$") {
				quoted = "'" + arg + "'"
			}
			j := strings.Index(script[at:], " "+quoted)
			if j < 0 {
				t.Errorf("README.md:%d does not run plugin %s as it is written: no %s after column %d", blocks[i].line, p.Metadata.Name, quoted, at)
				break
			}
			at += j + len(quoted) + 1
		}
	}
}
