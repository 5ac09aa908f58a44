package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// renderInput is a chart's render: a Secret with a generated password and
// a ConfigMap with a generated salt; Deployment web counts the password and
// carries the chart's own checksum of the Secret, worker counts the whole
// Secret, and nothing counts the salt.
const renderInput = `apiVersion: v1
kind: Secret
metadata: {name: db, namespace: shop}
stringData: {password: "@password", user: shop}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: session, namespace: shop}
data: {SALT: "@salt"}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  template:
    metadata:
      annotations: {checksum/secret: "@checksum"}
    spec:
      containers:
      - name: web
        env:
        - {name: P, valueFrom: {secretKeyRef: {name: db, key: password}}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: worker, namespace: shop}
spec:
  template:
    metadata:
      labels: {app: w}
    spec:
      containers:
      - name: w
        envFrom: [{secretRef: {name: db}}]
`

func TestDiffRenders(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, replace ...string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(strings.NewReplacer(replace...).Replace(renderInput)), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	first := write("render-1.yaml", "@password", "hunter2", "@salt", "s1", "@checksum", "111")
	second := write("render-2.yaml", "@password", "correct horse", "@salt", "s2", "@checksum", "222")
	pinned := write("pinned.yaml", "@password", "hunter2", "@salt", "s1", "@checksum", "111")

	code, out, errOut := runMain(t, []string{"diff", "--renders", first, second}, "")
	want := `unstable: ConfigMap shop/session: key SALT differs
  rolls nothing: no pod template counts what differs
unstable: Secret shop/db: key password differs
  rolls Deployment shop/web spec.template  (` + second + `)
  rolls Deployment shop/worker spec.template  (` + second + `)
unstable: Deployment shop/web spec.template  (` + second + `): annotation checksum/secret differs between the renders: it rolls on every render, whatever confighash writes
confighash diff --renders: the render is not stable: 2 ConfigMaps and Secrets differ between two renders of the same input, and 2 of 2 pod templates would roll every time it is rendered again: set the generated values in the values, or have the chart use a Secret that exists already
`
	if code != 1 || out != want {
		t.Errorf("exit %d, want 1; stdout:\n%s\nwant:\n%s\nstderr: %s", code, out, want, errOut)
	}
	for _, secret := range []string{"hunter2", "correct horse"} {
		if strings.Contains(out+errOut, secret) {
			t.Errorf("the output shows the value %q", secret)
		}
	}

	// Renders that went through confighash already: its own annotations
	// differ, and say nothing more.
	annotated := func(file string) string {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		code, out, errOut := runMain(t, []string{"--quiet"}, string(data))
		if code != 0 || !strings.Contains(out, "checksum.confighash.dev/config") {
			t.Fatalf("confighash on %s: exit %d\n%s", file, code, errOut)
		}
		path := file + ".annotated.yaml"
		if err := os.WriteFile(path, []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	code, out, _ = runMain(t, []string{"diff", "--renders", annotated(first), annotated(second)}, "")
	if code != 1 || out != strings.ReplaceAll(want, second, second+".annotated.yaml") {
		t.Errorf("annotated renders: exit %d; stdout:\n%s", code, out)
	}

	code, out, errOut = runMain(t, []string{"diff", "--renders", first, pinned}, "")
	if code != 0 || !strings.HasPrefix(out, "confighash diff --renders: the render is stable") || strings.Count(out, "\n") != 1 {
		t.Errorf("stable renders: exit %d, stdout:\n%s\nstderr: %s", code, out, errOut)
	}
	// What differs is counted by no pod template: exit 0, and said.
	saltOnly := write("salt-only.yaml", "@password", "hunter2", "@salt", "s2", "@checksum", "111")
	code, out, _ = runMain(t, []string{"diff", "--renders", first, saltOnly}, "")
	if want := "unstable: ConfigMap shop/session: key SALT differs\n  rolls nothing: no pod template counts what differs\n" +
		"confighash diff --renders: no pod template rolls when it is rendered again, but 1 ConfigMap or Secret differs between two renders of the same input, in what no pod template counts\n"; code != 0 || out != want {
		t.Errorf("exit %d, want 0; stdout:\n%s\nwant:\n%s", code, out, want)
	}

	// Helm's rollme: {{ randAlphaNum 5 }}, a label, and a value in the spec.
	fourth := write("render-4.yaml", "@password", "hunter2", "@salt", "s1", "@checksum", "111",
		"labels: {app: w}", "labels: {app: w, build: b2}", "      - name: w\n", "      - name: w\n        args: [--seed=9]\n")
	code, out, _ = runMain(t, []string{"diff", "--renders", first, fourth}, "")
	if line := "unstable: Deployment shop/worker spec.template  (" + fourth + "): label build, the spec differ between the renders"; code != 1 || !strings.Contains(out, line) {
		t.Errorf("exit %d; no %q in:\n%s", code, line, out)
	}

	// A key in one render only, and a source whose name is generated.
	third := write("render-3.yaml", "@password", "hunter2", "@salt", "s1", "@checksum", "111", "user: shop", "user2: shop", "name: session", "name: session-x7f")
	code, out, _ = runMain(t, []string{"diff", "--renders", first, third}, "")
	for _, line := range []string{
		"unstable: ConfigMap shop/session: only in OLD (a generated name?)\n",
		"unstable: ConfigMap shop/session-x7f: only in NEW (a generated name?)\n",
		"unstable: Secret shop/db: key user only in OLD; key user2 only in NEW\n  rolls Deployment shop/worker spec.template",
		"3 ConfigMaps and Secrets differ", "1 of 2 pod templates would roll",
	} {
		if code != 1 || !strings.Contains(out, line) {
			t.Errorf("exit %d; no %q in:\n%s", code, line, out)
		}
	}
}

// TestDiffRendersOperatorWorkload: an operator's workload (a Prometheus)
// carries its hash in spec.podMetadata.annotations. Two renders whose
// counted Secret differs roll it for that Secret, and confighash's own
// annotation there is not "the resource" differing; a field of its own that
// differs is.
func TestDiffRendersOperatorWorkload(t *testing.T) {
	const prom = `apiVersion: v1
kind: Secret
metadata: {name: etcd, namespace: mon}
stringData: {ca.crt: "@ca"}
---
apiVersion: monitoring.coreos.com/v1
kind: Prometheus
metadata: {name: k8s, namespace: mon}
spec:
  podMetadata:
    annotations: {checksum.confighash.dev/config: "@hash", team: obs}
  replicas: @replicas
  secrets: [etcd]
`
	dir := t.TempDir()
	write := func(name string, replace ...string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(strings.NewReplacer(replace...).Replace(prom)), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	first := write("1.yaml", "@ca", "CA1", "@hash", "1111", "@replicas", "2")
	second := write("2.yaml", "@ca", "CA2", "@hash", "2222", "@replicas", "2")
	code, out, _ := runMain(t, []string{"diff", "--renders", first, second}, "")
	if !strings.Contains(out, "unstable: Secret mon/etcd: key ca.crt differs\n  rolls Prometheus mon/k8s spec.podMetadata.annotations") || strings.Contains(out, "the resource") || code != 1 {
		t.Errorf("exit %d; stdout:\n%s", code, out)
	}
	third := write("3.yaml", "@ca", "CA1", "@hash", "3333", "@replicas", "3")
	code, out, _ = runMain(t, []string{"diff", "--renders", first, third}, "")
	if line := "unstable: Prometheus mon/k8s spec.podMetadata.annotations  (" + third + "): the resource differs between the renders"; code != 1 || !strings.Contains(out, line) {
		t.Errorf("exit %d; no %q in:\n%s", code, line, out)
	}
}
