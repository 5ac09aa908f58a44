package e2e

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/kio"
)

const chart = "examples/helm/chart"

// helmShell is a sandbox with the helm example and the given helm as `helm`;
// for Helm 4 the confighash plugin is installed into the sandbox's HOME.
func helmShell(t *testing.T, g goTool) *shell {
	t.Helper()
	helm := g.path(t)
	sh := newShell(t, sandbox(t, "helm"), map[string]string{"helm": helm})
	if g == helm4Tool {
		out := sh.run("helm plugin install helm-plugin/confighash && helm plugin list")
		if !strings.Contains(string(out), "confighash") || !strings.Contains(string(out), "postrenderer/v1") {
			t.Fatalf("helm plugin list does not show the confighash postrenderer/v1 plugin:\n%s", out)
		}
	}
	return sh
}

// postRenderer is the --post-renderer value for the helm: a path for Helm 3,
// the plugin's name for Helm 4.
func postRenderer(g goTool) string {
	if g == helm4Tool {
		return "confighash"
	}
	return "bin/confighash"
}

var helms = []goTool{helm3Tool, helm4Tool}

// TestHelmPostRendererMatchesBinary checks helm's post-rendered output
// against this build of confighash run on helm's plain output: the same
// bytes for Helm 3's executable, the same objects for Helm 4's plugin.
func TestHelmPostRendererMatchesBinary(t *testing.T) {
	t.Parallel()
	for _, g := range helms {
		t.Run(g.name, func(t *testing.T) {
			t.Parallel()
			sh := helmShell(t, g)
			plain := sh.run("helm template web " + chart)
			if strings.Contains(string(plain), "checksum/config") {
				t.Fatalf("the chart's own templates write checksum/config:\n%s", plain)
			}
			got := sh.run("helm template web " + chart + " --post-renderer " + postRenderer(g))
			want := stream(t, plain)
			if g == helm3Tool {
				sameBytes(t, "helm --post-renderer vs helm template | confighash", got, want)
				return
			}
			// Helm 4 parses the post-renderer's output and writes it out
			// again in its own layout: compare the objects.
			if g, w := objects(t, got), objects(t, want); !reflect.DeepEqual(g, w) {
				t.Errorf("helm --post-renderer:\n%v\nhelm template | confighash:\n%v", g, w)
			}
		})
	}
}

// TestHelmRollsOutOnlyWhatThePodsRead renders the chart with changed values
// through the real helm and post-renderer: a value the pods read changes the
// annotation, anything else leaves it alone.
func TestHelmRollsOutOnlyWhatThePodsRead(t *testing.T) {
	t.Parallel()
	for _, g := range helms {
		t.Run(g.name, func(t *testing.T) {
			t.Parallel()
			sh := helmShell(t, g)
			render := func(set string) string {
				return checksum(t, sh.run("helm template web "+chart+" --post-renderer "+postRenderer(g)+set), "Deployment/web")
			}
			before := render("")
			for _, c := range []struct {
				set    string
				change bool
			}{
				{" --set logLevel=debug", true},
				{" --set features.checkoutV2=false", true},
				{" --set apiToken=rotated", true},
				{" --set replicaCount=3", false},
				{" --set podLabels.team=payments", false},
				{" --set image=registry.example/shop:1.1", false},
			} {
				if changed := render(c.set) != before; changed != c.change {
					t.Errorf("%s: checksum.confighash.dev/config changed %v, want %v", c.set, changed, c.change)
				}
			}
		})
	}
}

// TestHelmNamespace renders the example chart into namespace prod: its
// ConfigMap says namespace: {{ .Release.Namespace }} and its Deployment says
// nothing, as many charts do, and Helm installs both into prod. confighash
// must be told the namespace, or the ConfigMap is "not in the input": Helm 3
// through --post-renderer-args, Helm 4 through HELM_NAMESPACE, which its
// plugin passes on (Helm 4.3 gives a post-renderer plugin the environment it
// was started with, not its --namespace flag; pinned here).
func TestHelmNamespace(t *testing.T) {
	t.Parallel()
	for _, g := range helms {
		t.Run(g.name, func(t *testing.T) {
			t.Parallel()
			sh := helmShell(t, g)
			inDefault := checksum(t, sh.run("helm template web "+chart+" --post-renderer "+postRenderer(g)), "Deployment/web")
			told := "helm template web " + chart + " --namespace prod --post-renderer " + postRenderer(g) + " --post-renderer-args=--namespace=prod"
			untold := "helm template web " + chart + " --namespace prod --post-renderer " + postRenderer(g)
			if g == helm4Tool {
				told = "HELM_NAMESPACE=prod helm template web " + chart + " --post-renderer confighash"
			}
			// The pods read the same values in prod as in default: the same
			// annotation, when confighash knows the namespace.
			if got := checksum(t, sh.run(told), "Deployment/web"); got != inDefault {
				t.Errorf("%s: %s, want %s (the same objects, in prod)", told, got, inDefault)
			}
			// Not told, confighash puts the Deployment in default, finds the
			// ConfigMap in prod only, and counts the Secret alone.
			out := sh.run(untold)
			if got := checksum(t, out, "Deployment/web"); got == inDefault {
				t.Errorf("%s: the ConfigMap counted though confighash was not told the namespace", untold)
			}
			if g == helm3Tool {
				_, stderr, _ := sh.try("helm template web " + chart + " --namespace prod | bin/confighash")
				if !strings.Contains(string(stderr), "a ConfigMap web-config is, in namespace prod") {
					t.Errorf("the warning does not say where the ConfigMap is:\n%s", stderr)
				}
			}
		})
	}
}

// TestHelm4Plugin covers the rest of the Helm 4 path: install --dry-run
// (which needs no cluster in Helm 4), flags through --post-renderer-args,
// and the two traps README names.
func TestHelm4Plugin(t *testing.T) {
	t.Parallel()
	sh := helmShell(t, helm4Tool)
	want := checksum(t, sh.run("helm template web "+chart+" --post-renderer confighash"), "Deployment/web")

	t.Run("install", func(t *testing.T) {
		out := sh.run("helm install web " + chart + " --dry-run=client --post-renderer confighash")
		if got := checksum(t, manifestOf(t, out), "Deployment/web"); got != want {
			t.Errorf("helm install --dry-run: %s; helm template: %s", got, want)
		}
	})
	t.Run("post-renderer-args", func(t *testing.T) {
		out := sh.run("helm template web " + chart + " --post-renderer confighash --post-renderer-args=--mode=perSource")
		got := podAnnotations(t, out)["Deployment/web"]
		if len(got) != 2 || got["checksum.confighash.dev/configmap.web-config"] == "" || got["checksum.confighash.dev/secret.web-api"] == "" {
			t.Errorf("with --mode=perSource: %v, want checksum.confighash.dev/configmap.web-config and checksum.confighash.dev/secret.web-api", got)
		}
	})
	t.Run("a path is not a plugin", func(t *testing.T) {
		_, stderr, err := sh.try("helm template web " + chart + " --post-renderer bin/confighash")
		if err == nil || !strings.Contains(string(stderr), "Type:postrenderer/v1} not found") {
			t.Errorf("Helm 4 with a path: err %v, stderr %q; README quotes its 'not found'", err, stderr)
		}
	})
	t.Run("errors lose their message", func(t *testing.T) {
		_, stderr, err := sh.try("helm template web " + chart + " --post-renderer confighash --post-renderer-args=--mode=bogus")
		if err == nil || !strings.Contains(string(stderr), `plugin "confighash" exited with error`) {
			t.Errorf("a failing plugin: err %v, stderr %q", err, stderr)
		}
		if strings.Contains(string(stderr), "bogus") {
			t.Errorf("Helm 4 now shows the post-renderer's message; update README's trap:\n%s", stderr)
		}
	})
	t.Run("not on PATH", func(t *testing.T) {
		_, stderr, err := sh.try(sh.tools["helm"]+" template web "+chart+" --post-renderer confighash", "PATH=/usr/bin:/bin")
		if err == nil || !strings.Contains(string(stderr), `"confighash": executable file not found`) {
			t.Errorf("plugin without confighash on PATH: err %v, stderr %q", err, stderr)
		}
	})
}

// TestHelm3ShowsErrors pins the other half of README's Helm trap: Helm 3
// shows confighash's message when it fails.
func TestHelm3ShowsErrors(t *testing.T) {
	t.Parallel()
	sh := helmShell(t, helm3Tool)
	_, stderr, err := sh.try("helm template web " + chart + " --post-renderer bin/confighash --post-renderer-args=--mode=bogus")
	if err == nil || !strings.Contains(string(stderr), `--mode: "bogus"`) {
		t.Errorf("Helm 3 with a failing post-renderer: err %v, stderr %q", err, stderr)
	}
}

// manifestOf cuts the manifests out of `helm install --dry-run` output: the
// text after "MANIFEST:", up to the notes.
func manifestOf(t *testing.T, out []byte) []byte {
	t.Helper()
	s := string(out)
	i := strings.Index(s, "MANIFEST:\n")
	if i < 0 {
		t.Fatalf("no MANIFEST in helm install output:\n%s", out)
	}
	s = s[i+len("MANIFEST:\n"):]
	if j := strings.Index(s, "\nNOTES:"); j >= 0 {
		s = s[:j]
	}
	return []byte(s)
}

// objects parses a YAML stream into plain values, for comparing content
// regardless of layout.
func objects(t *testing.T, data []byte) []map[string]any {
	t.Helper()
	nodes, err := (&kio.ByteReader{Reader: bytes.NewReader(data), OmitReaderAnnotations: true}).Read()
	if err != nil {
		t.Fatalf("reading output: %v\n%s", err, data)
	}
	var out []map[string]any
	for _, n := range nodes {
		m, err := n.Map()
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, m)
	}
	return out
}

// apiServer is a stand-in for a cluster's API server, enough for `helm
// install` to run to the end: discovery for ConfigMaps, Secrets and
// Deployments, nothing found, and every create or apply accepted and
// recorded. It lets the test see the objects Helm sends to a cluster.
type apiServer struct {
	*httptest.Server
	mu   sync.Mutex
	sent map[string][]byte // "Kind/name" -> the JSON body Helm sent
}

func newAPIServer(t *testing.T) *apiServer {
	t.Helper()
	s := &apiServer{sent: map[string][]byte{}}
	discovery := map[string]string{
		"/version": `{"major":"1","minor":"32","gitVersion":"v1.32.0","platform":"linux/amd64"}`,
		"/api":     `{"kind":"APIVersions","versions":["v1"],"serverAddressByClientCIDRs":[{"clientCIDR":"0.0.0.0/0","serverAddress":"127.0.0.1"}]}`,
		"/apis":    `{"kind":"APIGroupList","apiVersion":"v1","groups":[{"name":"apps","versions":[{"groupVersion":"apps/v1","version":"v1"}],"preferredVersion":{"groupVersion":"apps/v1","version":"v1"}}]}`,
		"/api/v1": `{"kind":"APIResourceList","groupVersion":"v1","resources":[` +
			`{"name":"configmaps","namespaced":true,"kind":"ConfigMap","verbs":["get","list","create","patch","update"]},` +
			`{"name":"secrets","namespaced":true,"kind":"Secret","verbs":["get","list","create","patch","update"]}]}`,
		"/apis/apps/v1": `{"kind":"APIResourceList","groupVersion":"apps/v1","resources":[` +
			`{"name":"deployments","namespaced":true,"kind":"Deployment","verbs":["get","list","create","patch","update"]}]}`,
	}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if body, ok := discovery[r.URL.Path]; ok {
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, body)
			return
		}
		switch r.Method {
		case http.MethodPost, http.MethodPut, http.MethodPatch:
			body, err := io.ReadAll(r.Body)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			// Helm writes its release records as protobuf, and the
			// chart's objects as JSON (create, or server-side apply).
			ct := r.Header.Get("Content-Type")
			if !strings.Contains(ct, "protobuf") {
				var obj struct {
					Kind     string
					Metadata struct{ Name string }
				}
				if json.Unmarshal(body, &obj) == nil {
					s.mu.Lock()
					s.sent[obj.Kind+"/"+obj.Metadata.Name] = body
					s.mu.Unlock()
				}
				ct = "application/json"
			}
			w.Header().Set("Content-Type", ct)
			if r.Method == http.MethodPost {
				w.WriteHeader(http.StatusCreated)
			}
			w.Write(body)
		case http.MethodGet:
			w.Header().Set("Content-Type", "application/json")
			if strings.HasSuffix(r.URL.Path, "/secrets") || strings.HasSuffix(r.URL.Path, "/configmaps") {
				io.WriteString(w, `{"kind":"List","apiVersion":"v1","metadata":{},"items":[]}`)
				return
			}
			w.WriteHeader(http.StatusNotFound)
			io.WriteString(w, `{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"NotFound","code":404}`)
		default:
			http.Error(w, "not supported", http.StatusMethodNotAllowed)
		}
	}))
	t.Cleanup(s.Close)
	return s
}

// kubeconfig writes a kubeconfig for the server and returns its path.
func (s *apiServer) kubeconfig(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "kubeconfig")
	config := "apiVersion: v1\nkind: Config\n" +
		"clusters: [{name: test, cluster: {server: " + s.URL + "}}]\n" +
		"contexts: [{name: test, context: {cluster: test, namespace: default}}]\n" +
		"current-context: test\nusers: [{name: test, user: {}}]\n"
	if err := os.WriteFile(path, []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestHelmInstallSendsAnnotatedPods runs `helm install` with the
// post-renderer against a recording API server (there is no cluster here)
// and checks the Deployment that Helm sends: it carries the annotation that
// `helm template` shows.
func TestHelmInstallSendsAnnotatedPods(t *testing.T) {
	t.Parallel()
	for _, g := range helms {
		t.Run(g.name, func(t *testing.T) {
			t.Parallel()
			sh := helmShell(t, g)
			want := checksum(t, sh.run("helm template web "+chart+" --post-renderer "+postRenderer(g)), "Deployment/web")
			api := newAPIServer(t)
			// No OpenAPI document to validate against: the server has none.
			sh.run("helm install web "+chart+" --disable-openapi-validation --post-renderer "+postRenderer(g),
				"KUBECONFIG="+api.kubeconfig(t))
			api.mu.Lock()
			sent := api.sent["Deployment/web"]
			api.mu.Unlock()
			if sent == nil {
				t.Fatalf("helm install sent no Deployment/web; it sent %v", api.sent)
			}
			var d struct {
				Spec struct {
					Template struct {
						Metadata struct{ Annotations map[string]string }
					}
				}
			}
			if err := json.Unmarshal(sent, &d); err != nil {
				t.Fatal(err)
			}
			if got := d.Spec.Template.Metadata.Annotations["checksum.confighash.dev/config"]; got != want {
				t.Errorf("helm install sent checksum.confighash.dev/config %q, want %q (helm template); body:\n%s", got, want, sent)
			}
		})
	}
}

// TestHelm3BesideHelm4Plugin pins the trap of keeping both Helms: they share
// the plugins directory, Helm 3 cannot read a postrenderer/v1 plugin and
// complains on every command, and still works.
func TestHelm3BesideHelm4Plugin(t *testing.T) {
	t.Parallel()
	sh := helmShell(t, helm4Tool) // installs the plugin into the shared HOME
	helm3 := helm3Tool.path(t)
	out, stderr, err := sh.try(helm3 + " template web " + chart + " --post-renderer bin/confighash")
	if err != nil {
		t.Fatalf("Helm 3 beside the Helm 4 plugin: %v\n%s", err, stderr)
	}
	checksum(t, out, "Deployment/web")
	if !strings.Contains(string(stderr), `failed to load plugins`) || !strings.Contains(string(stderr), `unknown field "apiVersion"`) {
		t.Errorf("Helm 3 no longer complains about the Helm 4 plugin; update README's trap. stderr:\n%s", stderr)
	}
	// The way out README gives: Helm 4 with its own data directory.
	sh.run("HELM_DATA_HOME=$HOME/helm4-data helm plugin install helm-plugin/confighash")
	sh.run("rm -rf $HOME/.local/share/helm/plugins/confighash")
	out = sh.run("HELM_DATA_HOME=$HOME/helm4-data helm template web " + chart + " --post-renderer confighash")
	checksum(t, out, "Deployment/web")
	if _, stderr, _ := sh.try(helm3 + " version"); strings.Contains(string(stderr), "failed to load plugins") {
		t.Errorf("Helm 3 still sees the plugin installed under HELM_DATA_HOME:\n%s", stderr)
	}
}
