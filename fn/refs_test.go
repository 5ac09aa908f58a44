package fn

import (
	"reflect"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

func TestPodSpecRefs(t *testing.T) {
	tests := []struct {
		name string
		spec string
		want []Ref
	}{
		{"env KeyRefs", `
containers:
- name: app
  env:
  - name: A
    valueFrom: {configMapKeyRef: {name: cm, key: a}}
  - name: B
    valueFrom: {secretKeyRef: {name: s, key: b, optional: true}}
  - name: C
    value: plain
`, []Ref{
			{Kind: kindConfigMap, Name: "cm", Keys: []string{"a"}, Field: "spec.containers[name=app].env[name=A].valueFrom.configMapKeyRef", Via: RefEnv, Container: "app"},
			{Kind: kindSecret, Name: "s", Keys: []string{"b"}, Optional: true, Field: "spec.containers[name=app].env[name=B].valueFrom.secretKeyRef", Via: RefEnv, Container: "app"},
		}},
		{"envFrom", `
containers:
- name: app
  envFrom:
  - configMapRef: {name: cm}
  - prefix: S_
    secretRef: {name: s, optional: true}
`, []Ref{
			{Kind: kindConfigMap, Name: "cm", DataOnly: true, Field: "spec.containers[name=app].envFrom[0].configMapRef", Via: RefEnvFrom, Container: "app"},
			{Kind: kindSecret, Name: "s", Optional: true, Field: "spec.containers[name=app].envFrom[1].secretRef", Via: RefEnvFrom, Container: "app"},
		}},
		{"init and ephemeral containers", `
containers: [{name: app}]
initContainers:
- name: init
  envFrom: [{configMapRef: {name: a}}]
ephemeralContainers:
- name: debug
  envFrom: [{secretRef: {name: b}}]
`, []Ref{
			{Kind: kindConfigMap, Name: "a", DataOnly: true, Field: "spec.initContainers[name=init].envFrom[0].configMapRef", Via: RefEnvFrom, Container: "init"},
			{Kind: kindSecret, Name: "b", Field: "spec.ephemeralContainers[name=debug].envFrom[0].secretRef", Via: RefEnvFrom, Container: "debug"},
		}},
		{"volumes with and without items, and who mounts them", `
containers:
- name: app
  volumeMounts: [{name: all, mountPath: /a}, {name: some, mountPath: /s}]
- name: sidecar
  volumeMounts: [{name: all, mountPath: /a}, {name: all, mountPath: /b}]
volumes:
- name: all
  configMap: {name: cm}
- name: some
  configMap: {name: cm, items: [{key: x, path: x.conf}, {key: y, path: y.conf}], optional: true}
- name: tls
  secret: {secretName: s, items: [{key: tls.crt, path: crt}]}
- name: data
  emptyDir: {}
`, []Ref{
			{Kind: kindConfigMap, Name: "cm", Field: "spec.volumes[name=all].configMap", Via: RefVolume, Volume: "all", MountedBy: []string{"app", "sidecar"}},
			{Kind: kindConfigMap, Name: "cm", Keys: []string{"x", "y"}, Optional: true, Field: "spec.volumes[name=some].configMap", Via: RefVolume, Volume: "some", MountedBy: []string{"app"}},
			{Kind: kindSecret, Name: "s", Keys: []string{"tls.crt"}, Field: "spec.volumes[name=tls].secret", Via: RefVolume, Volume: "tls"},
		}},
		{"projected sources", `
containers: [{name: app}]
volumes:
- name: bundle
  projected:
    sources:
    - configMap: {name: cm, items: [{key: a, path: a}]}
    - secret: {name: s}
    - serviceAccountToken: {path: token}
`, []Ref{
			{Kind: kindConfigMap, Name: "cm", Keys: []string{"a"}, Field: "spec.volumes[name=bundle].projected.sources[0].configMap", Via: RefProjected, Volume: "bundle"},
			{Kind: kindSecret, Name: "s", Field: "spec.volumes[name=bundle].projected.sources[1].secret", Via: RefProjected, Volume: "bundle"},
		}},
		{"imagePullSecrets: a reference that counts for no hash", `
containers: [{name: app}]
imagePullSecrets: [{name: registry}]
`, []Ref{
			{Kind: kindSecret, Name: "registry", Field: "spec.imagePullSecrets[0]", Via: RefImagePull},
		}},
		{"aliases are followed", `
containers:
- name: app
  envFrom: &shared
  - configMapRef: {name: cm}
- name: sidecar
  envFrom: *shared
`, []Ref{
			{Kind: kindConfigMap, Name: "cm", DataOnly: true, Field: "spec.containers[name=app].envFrom[0].configMapRef", Via: RefEnvFrom, Container: "app"},
			{Kind: kindConfigMap, Name: "cm", DataOnly: true, Field: "spec.containers[name=sidecar].envFrom[0].configMapRef", Via: RefEnvFrom, Container: "sidecar"},
		}},
		{"merge keys are followed, own keys first", `
containers:
- &base
  name: base
  env:
  - name: A
    valueFrom: {configMapKeyRef: {name: cm, key: a}}
- <<: *base
  name: copy
volumes:
- name: v
  <<: {configMap: {name: merged}}
`, []Ref{
			{Kind: kindConfigMap, Name: "cm", Keys: []string{"a"}, Field: "spec.containers[name=base].env[name=A].valueFrom.configMapKeyRef", Via: RefEnv, Container: "base"},
			{Kind: kindConfigMap, Name: "cm", Keys: []string{"a"}, Field: "spec.containers[name=copy].env[name=A].valueFrom.configMapKeyRef", Via: RefEnv, Container: "copy"},
			{Kind: kindConfigMap, Name: "merged", Field: "spec.volumes[name=v].configMap", Via: RefVolume, Volume: "v"},
		}},
		{"a volume mounted only through subPath counts the mounted keys", `
containers:
- name: app
  volumeMounts:
  - {name: conf, mountPath: /etc/app/app.conf, subPath: app.conf}
  - {name: picked, mountPath: /etc/nginx/conf.d, subPath: conf.d}
  - {name: mixed, mountPath: /a, subPath: a}
  - {name: expr, mountPath: /x, subPathExpr: $(POD)}
- name: sidecar
  volumeMounts:
  - {name: conf, mountPath: /etc/log.conf, subPath: log.conf}
  - {name: mixed, mountPath: /all}
volumes:
- {name: conf, configMap: {name: cm}}
- name: picked
  configMap:
    name: cm2
    items: [{key: default, path: conf.d/default.conf}, {key: ssl, path: conf.d/ssl.conf}, {key: other, path: other.conf}]
- {name: mixed, configMap: {name: cm3}}
- {name: expr, secret: {secretName: s}}
`, []Ref{
			{Kind: kindConfigMap, Name: "cm", Keys: []string{"app.conf", "log.conf"}, Field: "spec.volumes[name=conf].configMap", Via: RefVolume, Volume: "conf", MountedBy: []string{"app", "sidecar"}, SubPaths: []string{"app.conf", "log.conf"}},
			{Kind: kindConfigMap, Name: "cm2", Keys: []string{"default", "ssl"}, Field: "spec.volumes[name=picked].configMap", Via: RefVolume, Volume: "picked", MountedBy: []string{"app"}, SubPaths: []string{"conf.d"}},
			{Kind: kindConfigMap, Name: "cm3", Field: "spec.volumes[name=mixed].configMap", Via: RefVolume, Volume: "mixed", MountedBy: []string{"app", "sidecar"}},
			{Kind: kindSecret, Name: "s", Field: "spec.volumes[name=expr].secret", Via: RefVolume, Volume: "expr", MountedBy: []string{"app"}},
		}},
		{"wrong shapes reference nothing", `
containers: {name: app}
volumes: [{name: v, configMap: cm}]
`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := podSpecRefs(yaml.MustParse(tt.spec).YNode(), "spec")
			for i := range got {
				// The name node is where a versioned source's new name is
				// written: it must hold the name read.
				if got[i].name == nil || got[i].name.Value != got[i].Name {
					t.Errorf("ref %d: name node %v does not hold %q", i, got[i].name, got[i].Name)
				}
				got[i].name = nil
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestArgNames(t *testing.T) {
	spec := yaml.MustParse(`
containers:
- name: controller
  command: [/controller, --configmap=$(POD_NAMESPACE)/ingress-config]
  args:
  - --secret-name
  - tls-secret
  - --watch-namespace=other/ns/x
  - --default-ssl-certificate=shop/cert
  - positional
  - --verbose
  - --v=2
  env:
  - {name: CONFIGMAP, value: app-settings}
  - {name: GREETING, value: hello world}
`).YNode()
	var got []string
	for _, n := range argNames(spec, "spec") {
		got = append(got, n.Field+" "+n.Flag+" "+n.Namespace+"/"+n.Name)
	}
	want := []string{
		"spec.containers[name=controller].command[1] --configmap /ingress-config",
		"spec.containers[name=controller].args[1] --secret-name /tls-secret",
		"spec.containers[name=controller].args[3] --default-ssl-certificate shop/cert",
		"spec.containers[name=controller].args[6] --v /2",
		"spec.containers[name=controller].env[name=CONFIGMAP].value  /app-settings",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for flag, kinds := range map[string]string{"--configmap": "ConfigMap", "--secret-name": "Secret", "--tls-cm": "ConfigMap", "--default-ssl-certificate": "ConfigMap Secret"} {
		if got := strings.Join(argKinds(flag), " "); got != kinds {
			t.Errorf("argKinds(%s) = %s, want %s", flag, got, kinds)
		}
	}
}

func TestAnnotationRefs(t *testing.T) {
	got := annotationRefs(map[string]string{
		ConfigMapsAnnotation: " a, ,other/b ,",
		SecretsAnnotation:    "s",
		"unrelated":          "x",
	}, "metadata")
	want := []Ref{
		{Kind: kindConfigMap, Name: "a", Field: "metadata.annotations[confighash.dev/configmaps]", Via: RefAnnotation},
		{Kind: kindConfigMap, Namespace: "other", Name: "b", Field: "metadata.annotations[confighash.dev/configmaps]", Via: RefAnnotation},
		{Kind: kindSecret, Name: "s", Field: "metadata.annotations[confighash.dev/secrets]", Via: RefAnnotation},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
}
