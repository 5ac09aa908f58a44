package e2e

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// TestReadmeArgoCD keeps README's Argo CD section what the examples run:
// the build options, the init container and the mount of
// examples/argocd-kustomize, and the generate command of the Helm plugin.
func TestReadmeArgoCD(t *testing.T) {
	t.Parallel()
	yamls := fences(readmeSection(t, "### Argo CD"), "yaml")
	if len(yamls) != 2 {
		t.Fatalf("README's Argo CD section has %d yaml blocks, want the kustomize patches and the plugin command", len(yamls))
	}
	docs := strings.Split(yamls[0], "---\n")
	if len(docs) != 2 {
		t.Fatalf("README's first Argo CD block: %d documents, want argocd-cm and the repo-server patch", len(docs))
	}
	read := func(text string) *yaml.RNode {
		t.Helper()
		n, err := yaml.Parse(text)
		if err != nil {
			t.Fatalf("README's Argo CD section: %v\n%s", err, text)
		}
		return n
	}
	example := func(name string) *yaml.RNode {
		t.Helper()
		n, err := yaml.ReadFile(filepath.Join(repoRoot, "examples", "argocd-kustomize", "argocd", name))
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	cm, patch := read(docs[0]), read(docs[1])
	if got, want := yamlString(cm, "data", "kustomize.buildOptions"), yamlString(example("argocd-cm.yaml"), "data", "kustomize.buildOptions"); got != want {
		t.Errorf("README's kustomize.buildOptions %q, the example's %q", got, want)
	}
	var readme, ex podSpec
	for node, spec := range map[*yaml.RNode]*podSpec{patch: &readme, example("repo-server.yaml"): &ex} {
		s, err := node.Pipe(yaml.Lookup("spec", "template", "spec"))
		if err != nil || s == nil {
			t.Fatal("no pod spec in the repo-server patch")
		}
		if err := s.YNode().Decode(spec); err != nil {
			t.Fatal(err)
		}
	}
	ri, ei := readme.container(t, true, "install-confighash"), ex.container(t, true, "install-confighash")
	if ri.Image != ei.Image || !reflect.DeepEqual(ri.Command, ei.Command) || !reflect.DeepEqual(ri.VolumeMounts, ei.VolumeMounts) {
		t.Errorf("README's init container %+v differs from the example's %+v", ri, ei)
	}
	if rc, ec := readme.container(t, false, "argocd-repo-server"), ex.container(t, false, "argocd-repo-server"); !reflect.DeepEqual(rc.VolumeMounts, ec.VolumeMounts) {
		t.Errorf("README's repo-server mounts %+v, the example's %+v", rc.VolumeMounts, ec.VolumeMounts)
	}
	if !readme.emptyDir("custom-tools") {
		t.Error("README's patch has no emptyDir custom-tools")
	}

	var gen struct{ Generate cmpCommand }
	if err := yaml.Unmarshal([]byte(yamls[1]), &gen); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(repoRoot, "argocd-cmp", "helm", "plugin.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if p := readPlugin(t, "argocd-cmp/helm/plugin.yaml", data); !reflect.DeepEqual(gen.Generate, p.Spec.Generate) {
		t.Errorf("README's generate command %q differs from argocd-cmp/helm/plugin.yaml's %q", gen.Generate.Command, p.Spec.Generate.Command)
	}
}

// TestReadmeFlux keeps the commands of README's Flux section those that
// the example's workflow and render.sh run.
func TestReadmeFlux(t *testing.T) {
	t.Parallel()
	shs := fences(readmeSection(t, "### Flux"), "sh")
	if len(shs) != 1 {
		t.Fatalf("README's Flux section has %d sh blocks, want 1", len(shs))
	}
	var ran strings.Builder
	for _, f := range []string{"github-workflow.yml", "render.sh"} {
		data, err := os.ReadFile(filepath.Join(repoRoot, "examples", fluxExample, f))
		if err != nil {
			t.Fatal(err)
		}
		ran.Write(data)
	}
	for _, line := range strings.Split(strings.TrimSpace(shs[0]), "\n") {
		command, _, _ := strings.Cut(line, "  #")
		if command = strings.TrimSpace(command); !strings.Contains(ran.String(), command) {
			t.Errorf("README's Flux section runs %q, which the example does not", command)
		}
	}
}
