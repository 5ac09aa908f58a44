package fn

import (
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/kio"
)

// These tests pin SPEC 4's promise from the outside: what the pods can see
// decides the hash, and nothing else does. Each variant rewrites the base
// input and must keep, or must change, the combined annotation of Deployment
// shop/web, which counts settings[log-level] (configMapKeyRef),
// nginx[nginx.conf] (volume items) and every key of Secret db (envFrom).

const invDeployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - name: web
        image: ghcr.io/example/web:1.4.2
        env:
        - name: LOG_LEVEL
          valueFrom:
            configMapKeyRef:
              name: settings
              key: log-level
        envFrom:
        - secretRef:
            name: db
      volumes:
      - name: nginx
        configMap:
          name: nginx
          items:
          - key: nginx.conf
            path: nginx.conf
`

const invSettings = `apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  namespace: shop
data:
  log-level: info
  cache-size: 64Mi
`

const invNginx = `apiVersion: v1
kind: ConfigMap
metadata:
  name: nginx
  namespace: shop
data:
  nginx.conf: |
    worker_processes 2;
  mime.types: text/html html
`

// invDB holds password s3cr3t-v1 and user app.
const invDB = `apiVersion: v1
kind: Secret
metadata:
  name: db
  namespace: shop
type: Opaque
data:
  password: czNjcjN0LXYx
  user: YXBw
`

// invVariant is the base input with its documents replaced or reordered.
type invVariant struct {
	name                        string
	deployment, settings, nginx string
	db                          string
	sourcesLast                 bool
	// warns is the warning the variant must give, "" for none.
	warns string
}

func (v invVariant) input() string {
	pick := func(s, base string) string {
		if s == "" {
			return base
		}
		return s
	}
	sources := []string{pick(v.settings, invSettings), pick(v.nginx, invNginx), pick(v.db, invDB)}
	docs := append([]string{pick(v.deployment, invDeployment)}, sources...)
	if v.sourcesLast {
		docs = append(sources, docs[0])
	}
	return strings.Join(docs, "---\n")
}

func TestHashInvariance(t *testing.T) {
	base := configHashOf(t, invVariant{}.input(), "")
	same := []invVariant{
		{name: "sources before the target", sourcesLast: true},
		{name: "flow style", settings: `{apiVersion: v1, kind: ConfigMap, metadata: {name: settings, namespace: shop}, data: {log-level: info, cache-size: 64Mi}}` + "\n"},
		{name: "four-space indentation", settings: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n    name: settings\n    namespace: shop\ndata:\n    log-level: info\n    cache-size: 64Mi\n"},
		{name: "double-quoted value", settings: replace(t, invSettings, "log-level: info", `log-level: "info"`)},
		{name: "single-quoted key and value", settings: replace(t, invSettings, "log-level: info", `'log-level': 'info'`)},
		{name: "escaped string instead of block scalar", nginx: replace(t, invNginx, "nginx.conf: |\n    worker_processes 2;\n", `nginx.conf: "worker_processes 2;\n"`+"\n")},
		{name: "keys reordered", settings: "data:\n  cache-size: 64Mi\n  log-level: info\nmetadata:\n  namespace: shop\n  name: settings\nkind: ConfigMap\napiVersion: v1\n"},
		{name: "labels added", settings: replace(t, invSettings, "  namespace: shop\n", "  namespace: shop\n  labels:\n    app.kubernetes.io/part-of: shop\n")},
		{name: "annotations added", db: replace(t, invDB, "  namespace: shop\n", "  namespace: shop\n  annotations:\n    owner: platform-team\n")},
		{name: "comments added", settings: "# settings of the shop\n" + replace(t, invSettings, "log-level: info", "log-level: info # or debug")},
		{name: "Secret as stringData", db: replace(t, invDB, "data:\n  password: czNjcjN0LXYx\n  user: YXBw\n", "stringData:\n  password: s3cr3t-v1\n  user: app\n")},
		{name: "Secret half data, half stringData", db: replace(t, invDB, "  user: YXBw\n", "stringData:\n  user: app\n")},
		{name: "Secret stringData overrides data", db: replace(t, invDB, "  user: YXBw\n", "  user: b2xkLXVzZXI=\nstringData:\n  user: app\n")},
		{name: "Secret base64 with line breaks", db: replace(t, invDB, "password: czNjcjN0LXYx", "password: |\n    czNjcjN0\n    LXYx")},
		{name: "target reformatted", deployment: "{apiVersion: apps/v1, kind: Deployment, metadata: {name: web, namespace: shop}, spec: {selector: {matchLabels: {app: web}}, template: {metadata: {labels: {app: web}}, spec: {containers: [{name: web, image: ghcr.io/example/web:1.4.2, env: [{name: LOG_LEVEL, valueFrom: {configMapKeyRef: {key: log-level, name: settings}}}], envFrom: [{secretRef: {name: db}}]}], volumes: [{name: nginx, configMap: {name: nginx, items: [{key: nginx.conf, path: nginx.conf}]}}]}}}}\n"},
		{name: "uncounted keyRef key changed", settings: replace(t, invSettings, "cache-size: 64Mi", "cache-size: 128Mi")},
		{name: "uncounted keyRef key removed", settings: replace(t, invSettings, "  cache-size: 64Mi\n", "")},
		{name: "uncounted keyRef key added", settings: invSettings + "  feature-flags: checkout-v2\n"},
		{name: "uncounted items key changed", nginx: replace(t, invNginx, "mime.types: text/html html", "mime.types: text/css css")},
		{name: "uncounted items key added", nginx: invNginx + "  fastcgi_params: fastcgi_param QUERY_STRING $query_string;\n"},
		// YAML as the API server reads it (issue 11).
		{name: "data through a merge key", settings: replace(t, invSettings, "data:\n  log-level: info\n  cache-size: 64Mi\n", "data:\n  <<: {log-level: info}\n  cache-size: 64Mi\n")},
		{name: "data through an anchor and alias", db: "x-data: &d {password: czNjcjN0LXYx, user: YXBw}\n" + replace(t, invDB, "data:\n  password: czNjcjN0LXYx\n  user: YXBw\n", "data: *d\n")},
		{name: "references through merge keys", deployment: replace(t, invDeployment, "      containers:\n      - name: web\n", "      containers:\n      - <<: {name: web}\n")},
		{name: "target as JSON", deployment: `{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "shop"}, "spec": {"template": {"spec": {"containers": [{"name": "web", "env": [{"name": "LOG_LEVEL", "valueFrom": {"configMapKeyRef": {"name": "settings", "key": "log-level"}}}], "envFrom": [{"secretRef": {"name": "db"}}]}], "volumes": [{"name": "nginx", "configMap": {"name": "nginx", "items": [{"key": "nginx.conf", "path": "nginx.conf"}]}}]}}}}` + "\n"},
		{name: "sources inside a List", settings: "apiVersion: v1\nkind: List\nitems:\n- " + strings.ReplaceAll(strings.TrimSuffix(invSettings, "\n"), "\n", "\n  ") + "\n"},
		{name: "volume mounted through subPath, an uncounted key changed", deployment: withSubPath(t, "nginx.conf"), nginx: replace(t, invNginx, "mime.types: text/html html", "mime.types: text/css css")},
	}
	changed := []invVariant{
		{name: "keyRef value", settings: replace(t, invSettings, "log-level: info", "log-level: debug")},
		{name: "keyRef key removed", settings: replace(t, invSettings, "  log-level: info\n", ""), warns: "names key log-level, which ConfigMap shop/settings does not have"},
		{name: "items value", nginx: replace(t, invNginx, "worker_processes 2;", "worker_processes 4;")},
		{name: "items value trailing newline", nginx: replace(t, invNginx, "nginx.conf: |\n", "nginx.conf: |-\n")},
		{name: "envFrom Secret value in data", db: replace(t, invDB, "password: czNjcjN0LXYx", "password: czNjcjN0LXYy")},
		{name: "envFrom Secret value in stringData", db: invDB + "stringData:\n  password: s3cr3t-v2\n"},
		{name: "envFrom Secret key added", db: invDB + "  host: ZGI=\n"},
		{name: "envFrom Secret key removed", db: replace(t, invDB, "  user: YXBw\n", "")},
		{name: "data through a merge key changed", settings: replace(t, invSettings, "data:\n  log-level: info\n  cache-size: 64Mi\n", "data:\n  <<: {log-level: debug}\n  cache-size: 64Mi\n")},
		{name: "a counted key set to null (the empty string)", settings: replace(t, invSettings, "log-level: info", "log-level:"), warns: "field data.log-level is null"},
		{name: "volume mounted through subPath, the mounted key changed", deployment: withSubPath(t, "nginx.conf"), nginx: replace(t, invNginx, "worker_processes 2;", "worker_processes 4;")},
	}
	for _, tc := range []struct {
		name     string
		variants []invVariant
		same     bool
	}{
		{"same", same, true},
		{"changed", changed, false},
	} {
		for _, v := range tc.variants {
			t.Run(tc.name+"/"+v.name, func(t *testing.T) {
				if got := configHashOf(t, v.input(), v.warns); (got == base) != tc.same {
					t.Errorf("combined annotation %s, base %s: want same=%v\ninput:\n%s", got, base, tc.same, v.input())
				}
			})
		}
	}
}

// configHashOf runs confighash on a YAML stream and returns the
// combined annotation of Deployment web's pod template.
func configHashOf(t *testing.T, input, warns string) string {
	t.Helper()
	out, results := runStream(t, []byte(input), nil)
	warned := false
	for _, r := range results {
		if r.Severity != framework.Warning {
			continue
		}
		if warns == "" || !strings.Contains(r.Message, warns) {
			t.Fatalf("run warns: %s", r.Message)
		}
		warned = true
	}
	if warns != "" && !warned {
		t.Fatalf("run gives no warning %q", warns)
	}
	items, err := (&kio.ByteReader{Reader: strings.NewReader(out), OmitReaderAnnotations: true}).Read()
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range items {
		if n.GetKind() == "Deployment" {
			a, err := n.GetString("spec.template.metadata.annotations.[checksum.confighash.dev/config]")
			if err != nil || a == "" {
				t.Fatalf("no combined annotation on the pod template (%v):\n%s", err, out)
			}
			return a
		}
	}
	t.Fatalf("no Deployment in the output:\n%s", out)
	return ""
}

// withSubPath is the base Deployment with its nginx volume mounted only
// through subPath, and without items: subPath alone limits the keys.
func withSubPath(t *testing.T, subPath string) string {
	d := replace(t, invDeployment, "        envFrom:\n", "        volumeMounts:\n        - {name: nginx, mountPath: /etc/nginx/nginx.conf, subPath: "+subPath+"}\n        envFrom:\n")
	return replace(t, d, "          items:\n          - key: nginx.conf\n            path: nginx.conf\n", "")
}

// replace is strings.Replace of exactly one occurrence, so that a variant
// cannot silently stop applying.
func replace(t *testing.T, s, old, new string) string {
	t.Helper()
	if strings.Count(s, old) != 1 {
		t.Fatalf("%q is not in the base exactly once", old)
	}
	return strings.Replace(s, old, new, 1)
}
