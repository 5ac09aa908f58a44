package fn

import (
	"reflect"
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
			{Kind: kindConfigMap, Name: "cm", Field: "spec.containers[name=app].envFrom[0].configMapRef", Via: RefEnvFrom, Container: "app"},
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
			{Kind: kindConfigMap, Name: "a", Field: "spec.initContainers[name=init].envFrom[0].configMapRef", Via: RefEnvFrom, Container: "init"},
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
		{"imagePullSecrets are not followed", `
containers: [{name: app}]
imagePullSecrets: [{name: registry}]
`, nil},
		{"aliases are followed", `
containers:
- name: app
  envFrom: &shared
  - configMapRef: {name: cm}
- name: sidecar
  envFrom: *shared
`, []Ref{
			{Kind: kindConfigMap, Name: "cm", Field: "spec.containers[name=app].envFrom[0].configMapRef", Via: RefEnvFrom, Container: "app"},
			{Kind: kindConfigMap, Name: "cm", Field: "spec.containers[name=sidecar].envFrom[0].configMapRef", Via: RefEnvFrom, Container: "sidecar"},
		}},
		{"wrong shapes reference nothing", `
containers: {name: app}
volumes: [{name: v, configMap: cm}]
`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := podSpecRefs(yaml.MustParse(tt.spec).YNode(), "spec")
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
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
