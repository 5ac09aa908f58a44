package fn

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

func TestParseConfig(t *testing.T) {
	full := func(c *Config) {
		c.Annotation = "example.com/hash"
		c.Mode = ModePerSource
		c.Keys = KeysAll
		c.Sources = []string{kindSecret}
		c.IncludeJobs = true
		c.OnMissing = OnMissingError
		c.SecretKeyFile = "/key"
		c.Selector = Selector{Names: []string{"web"}, Namespaces: []string{"shop"}, Kinds: []string{"Deployment", "StatefulSet"}, Labels: map[string]string{"app": "web"}, Annotations: map[string]string{"team": "a"}}
		c.PodTemplatePaths = []PodTemplatePath{{APIVersion: "example.com/v1", Kind: "Worker", Path: "spec.worker.template"}}
		c.Namespace = "prod"
		c.IgnoreSources = Selector{Labels: map[string]string{"reload": "self"}}
		c.ExtraRefs = []ExtraRefs{{Selector: Selector{Names: []string{"argocd-server"}}, ConfigMaps: []string{"argocd-cm"}, Secrets: []string{"argocd/argocd-secret"}}}
		c.FollowArgs = true
	}
	tests := []struct {
		name   string
		config string
		want   func(*Config)
	}{
		{"none", ``, func(*Config) {}},
		{"typed, every option", `
apiVersion: fn.confighash.dev/v1alpha1
kind: ConfigHash
metadata:
  name: confighash
  annotations:
    config.kubernetes.io/function: "exec: {path: confighash}"
annotation: example.com/hash
mode: perSource
keys: all
sources: [Secret]
includeJobs: true
onMissing: error
secretKeyFile: /key
selector:
  names: [web]
  namespaces: [shop]
  kinds: [Deployment, StatefulSet]
  labels: {app: web}
  annotations: {team: a}
podTemplatePaths:
- {apiVersion: example.com/v1, kind: Worker, path: spec.worker.template}
namespace: prod
ignoreSources: {labels: {reload: self}}
extraRefs:
- selector: {names: [argocd-server]}
  configMaps: [argocd-cm]
  secrets: [argocd/argocd-secret]
followArgs: true
`, full},
		{"ConfigMap, every option as strings", `
apiVersion: v1
kind: ConfigMap
metadata:
  name: fn-config
data:
  annotation: example.com/hash
  mode: perSource
  keys: all
  sources: Secret
  includeJobs: "true"
  onMissing: error
  secretKeyFile: /key
  selector: "{names: [web], namespaces: [shop], kinds: [Deployment, StatefulSet], labels: {app: web}, annotations: {team: a}}"
  podTemplatePaths: '[{"apiVersion": "example.com/v1", "kind": "Worker", "path": "spec.worker.template"}]'
  namespace: prod
  ignoreSources: "{labels: {reload: self}}"
  extraRefs: "[{selector: {names: [argocd-server]}, configMaps: [argocd-cm], secrets: [argocd/argocd-secret]}]"
  followArgs: "true"
`, full},
		{"ConfigMap, comma-separated list", `
apiVersion: v1
kind: ConfigMap
data:
  sources: " Secret , ConfigMap,Secret"
`, func(c *Config) { c.Sources = []string{kindSecret, kindConfigMap} }},
		{"ConfigMap without data", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n", func(*Config) {}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var node *yaml.RNode
			if tt.config != "" {
				node = yaml.MustParse(tt.config)
			}
			got, err := ParseConfig(node)
			if err != nil {
				t.Fatalf("ParseConfig: %v", err)
			}
			want := DefaultConfig()
			tt.want(want)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("got  %+v\nwant %+v", got, want)
			}
		})
	}
}

func TestParseConfigErrors(t *testing.T) {
	tests := []struct {
		name   string
		config string
		want   []string // each must appear in the error
	}{
		{"wrong kind", "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}", []string{"functionConfig Deployment/x", "unsupported kind", "fn.confighash.dev/v1alpha1 ConfigHash", "v1 ConfigMap"}},
		{"wrong version", "apiVersion: fn.confighash.dev/v2\nkind: ConfigHash", []string{"unsupported kind"}},
		{"unknown field", "apiVersion: fn.confighash.dev/v1alpha1\nkind: ConfigHash\nmetadata: {name: c}\nmodes: perSource", []string{"ConfigHash/c", `unknown field "modes"`, "accepted fields: annotation, mode, keys"}},
		{"bad mode", "apiVersion: fn.confighash.dev/v1alpha1\nkind: ConfigHash\nmode: fast", []string{"field mode", `"fast" is not one of combined, perSource`}},
		{"bad keys", "apiVersion: fn.confighash.dev/v1alpha1\nkind: ConfigHash\nkeys: some", []string{"field keys", "referenced, all"}},
		{"bad onMissing", "apiVersion: fn.confighash.dev/v1alpha1\nkind: ConfigHash\nonMissing: fail", []string{"field onMissing", "warn, error, ignore"}},
		{"mode is a list", "apiVersion: fn.confighash.dev/v1alpha1\nkind: ConfigHash\nmode: [combined]", []string{"field mode", "want a string, got a list", "accepted values: combined, perSource"}},
		{"includeJobs not a bool", "apiVersion: fn.confighash.dev/v1alpha1\nkind: ConfigHash\nincludeJobs: yes", []string{"field includeJobs", "want true or false", `"yes"`}},
		{"bad source kind", "apiVersion: fn.confighash.dev/v1alpha1\nkind: ConfigHash\nsources: [ConfigMap, Pod]", []string{"field sources", `"Pod" is not one of ConfigMap, Secret`}},
		{"sources is a map", "apiVersion: fn.confighash.dev/v1alpha1\nkind: ConfigHash\nsources: {a: b}", []string{"field sources", "want a list of strings"}},
		{"unknown selector field", "apiVersion: fn.confighash.dev/v1alpha1\nkind: ConfigHash\nselector: {name: web}", []string{"field selector", `unknown field "name"`, "names, namespaces, kinds, labels, annotations"}},
		{"selector labels not a map", "apiVersion: fn.confighash.dev/v1alpha1\nkind: ConfigHash\nselector: {labels: [a]}", []string{"field selector", "labels: want a map of strings"}},
		{"podTemplatePaths unknown field", "apiVersion: fn.confighash.dev/v1alpha1\nkind: ConfigHash\npodTemplatePaths: [{kind: X, paths: a}]", []string{"field podTemplatePaths", "[0]", `unknown field "paths"`}},
		{"bad namespace", "apiVersion: fn.confighash.dev/v1alpha1\nkind: ConfigHash\nnamespace: Prod_1", []string{"field namespace", `"Prod_1" is not a valid namespace name`}},
		{"extraRefs without a selector", "apiVersion: fn.confighash.dev/v1alpha1\nkind: ConfigHash\nextraRefs: [{configMaps: [a]}]", []string{"field extraRefs", "[0]: selector is required"}},
		{"extraRefs unknown field", "apiVersion: fn.confighash.dev/v1alpha1\nkind: ConfigHash\nextraRefs: [{selector: {names: [a]}, configmaps: [a]}]", []string{"field extraRefs", `unknown field "configmaps"`, "selector, configMaps, secrets"}},
		{"ignoreSources not a map", "apiVersion: fn.confighash.dev/v1alpha1\nkind: ConfigHash\nignoreSources: [a]", []string{"field ignoreSources", "want a map with names"}},
		{"followArgs not a bool", "apiVersion: fn.confighash.dev/v1alpha1\nkind: ConfigHash\nfollowArgs: sometimes", []string{"field followArgs", "want true or false"}},
		{"ConfigMap unknown key", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {mod: perSource}", []string{"ConfigMap/c", "unknown key data.mod", "accepted keys"}},
		{"ConfigMap bad value", "apiVersion: v1\nkind: ConfigMap\ndata: {mode: fast}", []string{"key data.mode", `"fast" is not one of combined, perSource`}},
		{"ConfigMap bad YAML", "apiVersion: v1\nkind: ConfigMap\ndata: {selector: '{names: [web'}", []string{"key data.selector", "not valid YAML"}},
		{"not a map", "- a\n- b", []string{"functionConfig must be", "got a YAML list"}},
		// Options of issues 12 and 13.
		{"keepPrevious negative", "apiVersion: fn.confighash.dev/v1alpha1\nkind: ConfigHash\nkeepPrevious: -1", []string{"field keepPrevious", "whole number, 0 or more"}},
		{"unfollowedRefs bad value", "apiVersion: fn.confighash.dev/v1alpha1\nkind: ConfigHash\nunfollowedRefs: fail", []string{"field unfollowedRefs", "warn, error"}},
		{"references without sourceKind", "apiVersion: fn.confighash.dev/v1alpha1\nkind: ConfigHash\nreferences: [{kind: Cache, path: spec.secretName}]", []string{"field references", "[0]", "sourceKind is required"}},
		{"references form with sourceKind", "apiVersion: fn.confighash.dev/v1alpha1\nkind: ConfigHash\nreferences: [{kind: Cache, path: spec.pod, form: podSpec, sourceKind: Secret}]", []string{"form podSpec takes no sourceKind"}},
		{"references bad form", "apiVersion: fn.confighash.dev/v1alpha1\nkind: ConfigHash\nreferences: [{kind: Cache, path: spec.pod, form: pod}]", []string{"field references", `"pod" is not one of podSpec, container`}},
		{"references annotationPath with a wildcard", "apiVersion: fn.confighash.dev/v1alpha1\nkind: ConfigHash\nreferences: [{kind: Cache, path: spec.s, sourceKind: Secret, annotationPath: spec.pods.*.annotations}]", []string{"annotationPath", "without * or [...]"}},
		{"references annotationPath not annotations", "apiVersion: fn.confighash.dev/v1alpha1\nkind: ConfigHash\nreferences: [{kind: Cache, path: spec.s, sourceKind: Secret, annotationPath: spec.podMetadata}]", []string{"annotationPath", "ending in annotations"}},
		{"references unknown field", "apiVersion: fn.confighash.dev/v1alpha1\nkind: ConfigHash\nreferences: [{kind: Cache, path: spec.s, sourceKind: Secret, key: k}]", []string{`unknown field "key"`, "keyField"}},
		{"producers without keys", "apiVersion: fn.confighash.dev/v1alpha1\nkind: ConfigHash\nproducers: [{kind: Bundle}]", []string{"field producers", "[0]", "keys or anyKey is required"}},
		{"producers keys without path", "apiVersion: fn.confighash.dev/v1alpha1\nkind: ConfigHash\nproducers: [{kind: Bundle, keys: [{keyField: k}]}]", []string{"keys: [0]: path is required"}},
		{"producers name not a list", "apiVersion: fn.confighash.dev/v1alpha1\nkind: ConfigHash\nproducers: [{kind: Bundle, name: {a: b}, anyKey: [spec]}]", []string{"name: want a list of strings"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseConfig(yaml.MustParse(tt.config))
			if err == nil {
				t.Fatal("ParseConfig succeeded, want an error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

func TestResolve(t *testing.T) {
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "key")
	if err := os.WriteFile(keyFile, []byte("from-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	emptyFile := filepath.Join(dir, "empty")
	if err := os.WriteFile(emptyFile, []byte("\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := func(k string) string {
		if k == SecretKeyEnv {
			return "from-env"
		}
		return ""
	}
	tests := []struct {
		name    string
		mod     func(*Config)
		getenv  func(string) string
		wantKey string
		wantErr string
	}{
		{"defaults, no key", func(*Config) {}, nil, "", ""},
		{"key from the environment", func(*Config) {}, env, "from-env", ""},
		{"key file wins, trailing newline dropped", func(c *Config) { c.SecretKeyFile = keyFile }, env, "from-file", ""},
		{"missing key file", func(c *Config) { c.SecretKeyFile = filepath.Join(dir, "nope") }, nil, "", "option secretKeyFile"},
		{"empty key file", func(c *Config) { c.SecretKeyFile = emptyFile }, nil, "", "is empty"},
		{"annotation without prefix is fine combined", func(c *Config) { c.Annotation = "confighash" }, nil, "", ""},
		{"annotation without prefix in perSource", func(c *Config) { c.Annotation = "confighash"; c.Mode = ModePerSource }, nil, "", "mode perSource needs a key with a prefix"},
		{"invalid annotation", func(c *Config) { c.Annotation = "Bad_Prefix/x" }, nil, "", "not a valid annotation key"},
		{"annotation name too long", func(c *Config) { c.Annotation = "a/" + strings.Repeat("x", 64) }, nil, "", "not a valid annotation key"},
		{"podTemplatePaths without kind", func(c *Config) { c.PodTemplatePaths = []PodTemplatePath{{Path: "spec.t"}} }, nil, "", "podTemplatePaths[0]: kind is required"},
		{"podTemplatePaths without path", func(c *Config) { c.PodTemplatePaths = []PodTemplatePath{{Kind: "X"}} }, nil, "", "podTemplatePaths[0]: path is required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := DefaultConfig()
			tt.mod(c)
			err := c.Resolve(tt.getenv)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Resolve() error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Resolve: %v", err)
			}
			if string(c.secretKey) != tt.wantKey {
				t.Errorf("secret key = %q, want %q", c.secretKey, tt.wantKey)
			}
		})
	}
}

func TestFlagNames(t *testing.T) {
	want := map[string]string{"includeJobs": "include-jobs", "onMissing": "on-missing", "secretKeyFile": "secret-key-file", "podTemplatePaths": "pod-template-paths", "mode": "mode"}
	for name, flag := range want {
		o, ok := lookupOption(name)
		if !ok {
			t.Fatalf("no option %s", name)
		}
		if got := o.FlagName(); got != flag {
			t.Errorf("FlagName(%s) = %s, want %s", name, got, flag)
		}
	}
}
