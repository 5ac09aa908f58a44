// Package bundle generates deterministic bundles of Kubernetes workloads with
// the ConfigMaps and Secrets they reference, as the input of confighash's
// benchmarks: the same N always gives the same bytes.
//
// A bundle of N workloads holds 7 Namespaces (N if N < 7); N workloads
// cycling through Deployment, StatefulSet, DaemonSet, Job and CronJob; N/2
// ConfigMaps with 2 to 6 keys; and N/4 Secrets (at least one of each per
// namespace, so a bundle of 3 workloads is a 12-object kustomization). Every
// pod template references ConfigMaps and Secrets of its own namespace that
// exist (envFrom, configMapKeyRef, secretKeyRef, configMap and secret
// volumes, projected volumes, init containers, the confighash.dev/configmaps
// annotation), so confighash annotates every workload when Jobs are included
// (the ResourceList's functionConfig says includeJobs: true; in stream mode
// pass --include-jobs). Some references are optional and absent (skipped
// silently), and a few are absent and not optional (one warning each).
package bundle

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"strings"
	"sync"
)

// Mode is the form of the generated input.
type Mode string

const (
	// ResourceList is a config.kubernetes.io/v1 ResourceList with a
	// ConfigHash functionConfig, as kustomize and kpt send it.
	ResourceList Mode = "rl"
	// Stream is a plain YAML stream, documents separated by "---".
	Stream Mode = "stream"
)

// Namespaces is how many namespaces the objects are spread over, at most.
const Namespaces = 7

// Counts says what a bundle of N workloads holds.
type Counts struct {
	Workloads  int
	ConfigMaps int
	Secrets    int
	Namespaces int
	// Jobs are the workloads of kind Job: annotated only with includeJobs.
	Jobs int
	// Missing is the number of references to absent sources that are not
	// optional: each gives one warning.
	Missing int
}

// Resources is the number of objects in the bundle.
func (c Counts) Resources() int { return c.Workloads + c.ConfigMaps + c.Secrets + c.Namespaces }

// CountsFor returns what a bundle of n workloads holds.
func CountsFor(n int) Counts {
	ns := min(max(n, 1), Namespaces)
	c := Counts{
		Workloads:  n,
		ConfigMaps: max(n/2, ns),
		Secrets:    max(n/4, ns),
		Namespaces: ns,
	}
	for i := 0; i < n; i++ {
		if kinds[i%len(kinds)].kind == "Job" {
			c.Jobs++
		}
		if missingRef(i) {
			c.Missing++
		}
	}
	return c
}

var (
	cacheMu sync.Mutex
	cache   = map[string][]byte{}
)

// Cached is Bytes generated once per process, for benchmarks that run
// many times over the same bundle.
func Cached(n int, mode Mode) []byte {
	cacheMu.Lock()
	defer cacheMu.Unlock()
	key := fmt.Sprint(n, mode)
	if cache[key] == nil {
		cache[key] = Bytes(n, mode)
	}
	return cache[key]
}

// SizeName names a bundle size in a benchmark: 1000 is "1k".
func SizeName(n int) string {
	if n%1000 == 0 {
		return fmt.Sprintf("%dk", n/1000)
	}
	return fmt.Sprint(n)
}

// Bytes returns the bundle of n workloads in the given mode.
func Bytes(n int, mode Mode) []byte {
	var b bytes.Buffer
	if err := Write(&b, n, mode); err != nil {
		panic(err) // a bytes.Buffer does not fail
	}
	return b.Bytes()
}

// Write writes the bundle of n workloads to w in the given mode.
func Write(w io.Writer, n int, mode Mode) error {
	if mode != ResourceList && mode != Stream {
		return fmt.Errorf("unknown mode %q: want %q or %q", mode, ResourceList, Stream)
	}
	if n < 0 {
		return fmt.Errorf("negative number of workloads %d", n)
	}
	g := &generator{out: bufio.NewWriterSize(w, 1<<16), mode: mode, counts: CountsFor(n)}
	if mode == ResourceList {
		g.out.WriteString(resourceListHeader)
	}
	for s := 0; s < g.counts.Namespaces; s++ {
		g.object(fmt.Sprintf("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: %s\n", namespace(s)))
	}
	for j := 0; j < g.counts.ConfigMaps; j++ {
		g.object(configMap(j, g.counts.Namespaces))
	}
	for j := 0; j < g.counts.Secrets; j++ {
		g.object(secret(j, g.counts.Namespaces))
	}
	for i := 0; i < n; i++ {
		g.object(g.workload(i))
	}
	return g.out.Flush()
}

const resourceListHeader = `apiVersion: config.kubernetes.io/v1
kind: ResourceList
functionConfig:
  apiVersion: fn.confighash.dev/v1alpha1
  kind: ConfigHash
  metadata:
    name: confighash
  includeJobs: true
items:
`

type generator struct {
	out    *bufio.Writer
	mode   Mode
	counts Counts
	docs   int
}

// object writes one object, given as an unindented YAML document.
func (g *generator) object(doc string) {
	if g.mode == Stream {
		if g.docs > 0 {
			g.out.WriteString("---\n")
		}
		g.out.WriteString(doc)
		g.docs++
		return
	}
	for i, line := range strings.SplitAfter(strings.TrimSuffix(doc, "\n"), "\n") {
		if i == 0 {
			g.out.WriteString("- ")
		} else if line != "\n" {
			g.out.WriteString("  ")
		}
		g.out.WriteString(line)
	}
	g.out.WriteString("\n")
	g.docs++
}

func namespace(s int) string { return fmt.Sprintf("team-%c", 'a'+s) }

// mix is splitmix64: a fixed pseudo-random number for an index.
func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

func configMapName(j int) string { return fmt.Sprintf("config-%06d", j) }
func secretName(j int) string    { return fmt.Sprintf("credentials-%06d", j) }

// configMapKeys is how many keys ConfigMap j has: 2 to 6.
func configMapKeys(j int) int { return 2 + j%5 }

func configMap(j, namespaces int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: %s\n  namespace: %s\n  labels:\n    app.kubernetes.io/part-of: bench\ndata:\n",
		configMapName(j), namespace(j%namespaces))
	for k := 0; k < configMapKeys(j); k++ {
		r := mix(uint64(j)<<8 | uint64(k))
		switch k % 3 {
		case 0:
			fmt.Fprintf(&b, "  key-%d: value-%016x\n", k, r)
		case 1:
			fmt.Fprintf(&b, "  key-%d: \"%d\"\n", k, r%100000)
		default:
			fmt.Fprintf(&b, "  key-%d: |\n    [server]\n    port = %d\n    workers = %d\n    log_level = info\n    upstream = http://backend-%04x.svc:8080\n",
				k, 8000+r%1000, 1+r%16, r>>48)
		}
	}
	return b.String()
}

func secret(j, namespaces int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "apiVersion: v1\nkind: Secret\nmetadata:\n  name: %s\n  namespace: %s\n  labels:\n    app.kubernetes.io/part-of: bench\ntype: Opaque\ndata:\n",
		secretName(j), namespace(j%namespaces))
	r := mix(uint64(j) | 1<<40)
	enc := base64.StdEncoding.EncodeToString
	fmt.Fprintf(&b, "  username: %s\n  password: %s\n", enc([]byte(fmt.Sprintf("user-%d", j))), enc([]byte(fmt.Sprintf("pw-%016x", r))))
	if j%3 == 0 {
		fmt.Fprintf(&b, "  token: %s\n", enc([]byte(strings.Repeat(fmt.Sprintf("%016x", mix(r)), 4))))
	}
	return b.String()
}

// inNamespace returns the index of the m-th object (cyclically) of a kind
// with count objects that lies in namespace s of namespaces: object j is in
// j%namespaces.
func inNamespace(count, namespaces, s, m int) int {
	in := (count - s + namespaces - 1) / namespaces
	return s + namespaces*(m%in)
}

// missingRef says whether workload i has a reference to an absent source
// that is not optional.
func missingRef(i int) bool { return i%251 == 125 }

type kindInfo struct {
	apiVersion, kind string
}

var kinds = []kindInfo{
	{"apps/v1", "Deployment"},
	{"apps/v1", "StatefulSet"},
	{"apps/v1", "DaemonSet"},
	{"batch/v1", "Job"},
	{"batch/v1", "CronJob"},
}

func (g *generator) workload(i int) string {
	k := kinds[i%len(kinds)]
	nss := g.counts.Namespaces
	s, r := i%nss, i/nss
	name := fmt.Sprintf("app-%06d", i)
	cm := func(m int) string { return configMapName(inNamespace(g.counts.ConfigMaps, nss, s, r+m)) }
	sec := func(m int) string { return secretName(inNamespace(g.counts.Secrets, nss, s, r+m)) }

	var b strings.Builder
	fmt.Fprintf(&b, "apiVersion: %s\nkind: %s\nmetadata:\n  name: %s\n  namespace: %s\n  labels:\n    app.kubernetes.io/name: %s\n    app.kubernetes.io/part-of: bench\n",
		k.apiVersion, k.kind, name, namespace(s), name)
	if i%50 == 7 {
		fmt.Fprintf(&b, "  annotations:\n    confighash.dev/configmaps: %s\n", cm(5))
	}
	b.WriteString("spec:\n")
	indent := "  "
	switch k.kind {
	case "Deployment", "StatefulSet":
		fmt.Fprintf(&b, "  replicas: %d\n", 1+i%3)
		if k.kind == "StatefulSet" {
			fmt.Fprintf(&b, "  serviceName: %s\n", name)
		}
		fmt.Fprintf(&b, "  selector:\n    matchLabels:\n      app.kubernetes.io/name: %s\n", name)
	case "DaemonSet":
		fmt.Fprintf(&b, "  selector:\n    matchLabels:\n      app.kubernetes.io/name: %s\n", name)
	case "Job":
		b.WriteString("  backoffLimit: 2\n")
	case "CronJob":
		fmt.Fprintf(&b, "  schedule: \"%d * * * *\"\n  jobTemplate:\n    spec:\n", i%60)
		indent = "      "
	}
	t := func(format string, args ...any) {
		b.WriteString(indent)
		fmt.Fprintf(&b, format, args...)
	}
	t("template:\n")
	t("  metadata:\n")
	t("    labels:\n")
	t("      app.kubernetes.io/name: %s\n", name)
	t("  spec:\n")
	if k.kind == "Job" || k.kind == "CronJob" {
		t("    restartPolicy: OnFailure\n")
	}
	if i%4 == 0 {
		t("    initContainers:\n")
		t("    - name: migrate\n")
		t("      image: registry.example.com/migrate:1.%d.0\n", i%10)
		t("      env:\n")
		t("      - name: SCHEMA\n")
		t("        valueFrom:\n")
		t("          configMapKeyRef:\n")
		t("            name: %s\n", cm(3))
		t("            key: key-0\n")
	}
	t("    containers:\n")
	t("    - name: app\n")
	t("      image: registry.example.com/app-%d:1.%d.%d\n", i%40, i%7, i%3)
	t("      envFrom:\n")
	t("      - configMapRef:\n")
	t("          name: %s\n", cm(0))
	if i%10 == 3 {
		t("      - secretRef:\n")
		t("          name: %s\n", sec(1))
	}
	if i%20 == 11 {
		t("      - configMapRef:\n")
		t("          name: absent-optional-%06d\n", i)
		t("          optional: true\n")
	}
	t("      env:\n")
	t("      - name: POD_NAME\n")
	t("        valueFrom:\n")
	t("          fieldRef:\n")
	t("            fieldPath: metadata.name\n")
	t("      - name: LOG_LEVEL\n")
	t("        valueFrom:\n")
	t("          configMapKeyRef:\n")
	t("            name: %s\n", cm(1))
	t("            key: key-%d\n", r%2)
	t("      - name: DB_PASSWORD\n")
	t("        valueFrom:\n")
	t("          secretKeyRef:\n")
	t("            name: %s\n", sec(0))
	t("            key: password\n")
	if missingRef(i) {
		t("      - name: FEATURE_FLAGS\n")
		t("        valueFrom:\n")
		t("          configMapKeyRef:\n")
		t("            name: absent-%06d\n", i)
		t("            key: flags\n")
	}
	t("      resources:\n")
	t("        requests:\n")
	t("          cpu: %dm\n", 50+10*(i%20))
	t("          memory: %dMi\n", 64+32*(i%8))
	t("      volumeMounts:\n")
	t("      - name: config\n")
	t("        mountPath: /etc/app\n")
	t("    volumes:\n")
	t("    - name: config\n")
	t("      configMap:\n")
	t("        name: %s\n", cm(2))
	if i%2 == 0 {
		t("        items:\n")
		t("        - key: key-1\n")
		t("          path: app.conf\n")
	}
	if i%3 == 0 {
		t("    - name: credentials\n")
		t("      projected:\n")
		t("        sources:\n")
		t("        - secret:\n")
		t("            name: %s\n", sec(1))
		t("        - configMap:\n")
		t("            name: %s\n", cm(4))
		t("            items:\n")
		t("            - key: key-0\n")
		t("              path: extra.conf\n")
	} else {
		t("    - name: credentials\n")
		t("      secret:\n")
		t("        secretName: %s\n", sec(1))
	}
	return b.String()
}
