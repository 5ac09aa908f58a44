//go:build ignore

package repository

// Copied into reposerver/repository of an Argo CD checkout by
// hack/argocd-verify.sh, without the build line above (go mod tidy of
// confighash must not see its imports).
//
// A verification of confighash's Argo CD examples against Argo CD's own
// repo-server code (v3.5.1): GenerateManifests, as the repo-server calls it
// for an Application, with a kustomize source (argocd-cm's build options)
// and with the confighash plugins served by argocd-cmp-server in sidecar
// containers of the confighash plugin image.

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/argoproj/argo-cd/v3/pkg/apis/application/v1alpha1"
	"github.com/argoproj/argo-cd/v3/reposerver/apiclient"
	"k8s.io/apimachinery/pkg/api/resource"
)

func confighashAnnotation(t *testing.T, manifests []string, kind, name string) string {
	t.Helper()
	for _, m := range manifests {
		var obj struct {
			Kind     string
			Metadata struct{ Name string }
			Spec     struct {
				Template struct {
					Metadata struct{ Annotations map[string]string }
				}
			}
		}
		if err := json.Unmarshal([]byte(m), &obj); err != nil {
			t.Fatal(err)
		}
		if obj.Kind == kind && obj.Metadata.Name == name {
			return obj.Spec.Template.Metadata.Annotations["checksum.confighash.dev/config"]
		}
	}
	t.Fatalf("no %s/%s in %q", kind, name, manifests)
	return ""
}

func TestConfighashExamples(t *testing.T) {
	examples := os.Getenv("CONFIGHASH_EXAMPLES")
	if examples == "" {
		t.Skip("CONFIGHASH_EXAMPLES not set")
	}
	for _, c := range []struct {
		name, example, path, kind, object, expected string
		source                                      v1alpha1.ApplicationSource
		kustomize                                   *v1alpha1.KustomizeOptions
	}{
		{name: "kustomize", example: "argocd-kustomize", path: "app", kind: "Deployment", object: "web",
			expected:  "expected.yaml",
			source:    v1alpha1.ApplicationSource{RepoURL: "https://github.com/your-org/shop-deploy.git", Path: "app", TargetRevision: "main"},
			kustomize: &v1alpha1.KustomizeOptions{BuildOptions: os.Getenv("KUSTOMIZE_BUILD_OPTIONS")}},
		{name: "plugin helm", example: "argocd-cmp", path: "chart", kind: "Deployment", object: "web",
			expected: "expected-helm.yaml",
			source: v1alpha1.ApplicationSource{RepoURL: "https://github.com/your-org/shop-deploy.git", Path: "chart", TargetRevision: "main",
				Plugin: &v1alpha1.ApplicationSourcePlugin{Name: "confighash-helm", Env: v1alpha1.Env{{Name: "HELM_ARGS", Value: "--values values-prod.yaml"}}}}},
		{name: "plugin directory", example: "argocd-cmp", path: "manifests", kind: "Deployment", object: "worker",
			expected: "expected-directory.yaml",
			source: v1alpha1.ApplicationSource{RepoURL: "https://github.com/your-org/shop-deploy.git", Path: "manifests", TargetRevision: "main",
				Plugin: &v1alpha1.ApplicationSourcePlugin{Name: "confighash-directory"}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			if c.kustomize != nil && os.Getenv("KUSTOMIZE_BUILD_OPTIONS") == "" {
				t.Skip("KUSTOMIZE_BUILD_OPTIONS not set")
			}
			repoRoot := filepath.Join(examples, c.example)
			source := c.source
			q := &apiclient.ManifestRequest{
				Repo:              &v1alpha1.Repository{Repo: source.RepoURL},
				AppName:           map[string]string{"web": "web", "worker": "worker"}[c.object],
				Namespace:         "shop",
				ProjectName:       "default",
				ApplicationSource: &source,
				KustomizeOptions:  c.kustomize,
				KubeVersion:       "1.31.0",
				ApiVersions:       []string{"v1", "apps/v1"},
			}
			if c.name == "kustomize" {
				q.AppName = "shop"
			}
			res, err := GenerateManifests(context.Background(), filepath.Join(repoRoot, c.path), repoRoot, "f913b6cbf58aa5ae5ca1f8a2b149477aebcbd9d8", q, false, nil, resource.MustParse("100Mi"), nil)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("source type %s, commands %q, %d manifests", res.SourceType, res.Commands, len(res.Manifests))
			data, err := os.ReadFile(filepath.Join(repoRoot, c.expected))
			if err != nil {
				t.Fatal(err)
			}
			m := regexp.MustCompile(`checksum\.confighash\.dev/config: '?([0-9a-f]{64})`).FindSubmatch(data)
			if m == nil {
				t.Fatalf("no annotation in %s", c.expected)
			}
			if got := confighashAnnotation(t, res.Manifests, c.kind, c.object); got != string(m[1]) {
				t.Errorf("%s/%s: checksum.confighash.dev/config %q, want %q (examples/%s/%s)", c.kind, c.object, got, m[1], c.example, c.expected)
			}
		})
	}
}

// A failing render reaches the repo-server as an error, with confighash's
// message, and no manifest: Argo CD shows it and prunes nothing.
func TestConfighashPluginFailure(t *testing.T) {
	examples := os.Getenv("CONFIGHASH_EXAMPLES")
	if examples == "" {
		t.Skip("CONFIGHASH_EXAMPLES not set")
	}
	repoRoot := filepath.Join(examples, "argocd-cmp")
	source := v1alpha1.ApplicationSource{RepoURL: "https://github.com/your-org/shop-deploy.git", Path: "chart", TargetRevision: "main",
		Plugin: &v1alpha1.ApplicationSourcePlugin{Name: "confighash-helm", Env: v1alpha1.Env{{Name: "HELM_ARGS", Value: "--values absent.yaml"}}}}
	q := &apiclient.ManifestRequest{Repo: &v1alpha1.Repository{Repo: source.RepoURL}, AppName: "web", Namespace: "shop", ApplicationSource: &source, KubeVersion: "1.31.0"}
	res, err := GenerateManifests(context.Background(), filepath.Join(repoRoot, "chart"), repoRoot, "f913b6cbf58aa5ae5ca1f8a2b149477aebcbd9d8", q, false, nil, resource.MustParse("100Mi"), nil)
	t.Logf("error: %v", err)
	if err == nil || res != nil {
		t.Fatalf("no error: %v", res)
	}
}
