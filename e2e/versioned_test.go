package e2e

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Versioned ConfigMaps and Secrets (issue 12) with the real tools: a
// ConfigMap opted in is renamed <name>-<suffix> by its content and every
// reference follows, through kustomize (exec and container), kpt (fn eval
// and fn render), Helm 3 and Helm 4 (with --previous across releases) and
// the image. The fixtures are under testdata/versioned.

// versionedName is the name README's "Versioned ConfigMaps and Secrets"
// gives a ConfigMap with this data, recomputed from its recipe rather than
// from confighash's code: the first 10 hex digits of the SHA-256 of the
// source document (every key), with 0 1 3 a e written g h k m t.
func versionedName(name string, data map[string]string) string {
	doc := map[string][]byte{}
	for k, v := range data {
		doc[k] = []byte(v)
	}
	b, err := json.Marshal(doc)
	if err != nil {
		panic(err)
	}
	sum := sha256.Sum256(b)
	return name + "-" + strings.NewReplacer("0", "g", "1", "h", "3", "k", "a", "m", "e", "t").Replace(hex.EncodeToString(sum[:])[:10])
}

// manifest is what the versioned tests read of an object.
type manifest struct {
	Kind, Name  string
	Annotations map[string]string
	Labels      map[string]string
	// Refs are the ConfigMap names of its pod template, in document order
	// (configMapRef, configMapKeyRef, configMap volumes and projections).
	Refs []string
	// Template is its pod template, for comparing two renders.
	Template any
}

// manifests reads a YAML stream or a ResourceList.
func manifests(t *testing.T, data []byte) []manifest {
	t.Helper()
	nodes, err := (&kio.ByteReader{Reader: bytes.NewReader(data), OmitReaderAnnotations: true}).Read()
	if err != nil {
		t.Fatalf("reading output: %v\n%s", err, data)
	}
	var out []manifest
	for _, n := range nodes {
		m := manifest{Kind: n.GetKind(), Name: n.GetName(), Annotations: n.GetAnnotations(), Labels: n.GetLabels()}
		if tmpl, err := n.Pipe(yaml.Lookup("spec", "template")); err == nil && tmpl != nil {
			m.Refs = configMapRefs(tmpl.YNode())
			if m.Template, err = tmpl.Map(); err != nil {
				t.Fatal(err)
			}
		}
		out = append(out, m)
	}
	return out
}

// configMapRefs lists the names under configMapRef, configMapKeyRef and
// configMap keys below n.
func configMapRefs(n *yaml.Node) []string {
	var refs []string
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i].Value, n.Content[i+1]
			if k == "configMapRef" || k == "configMapKeyRef" || k == "configMap" {
				if name := yaml.NewRNode(v).Field("name"); name != nil {
					refs = append(refs, name.Value.YNode().Value)
				}
				continue
			}
			refs = append(refs, configMapRefs(v)...)
		}
	case yaml.SequenceNode:
		for _, e := range n.Content {
			refs = append(refs, configMapRefs(e)...)
		}
	}
	return refs
}

// render is one render's objects, with the lookups the tests make.
type render struct {
	t    *testing.T
	what string
	out  []byte
	objs []manifest
}

func readRender(t *testing.T, what string, out []byte) *render {
	t.Helper()
	return &render{t: t, what: what, out: out, objs: manifests(t, out)}
}

// configMaps are the ConfigMaps' names, in order.
func (r *render) configMaps() []string {
	var names []string
	for _, m := range r.objs {
		if m.Kind == "ConfigMap" {
			names = append(names, m.Name)
		}
	}
	return names
}

// get is the one object of that kind and name; it fails the test when
// there is not exactly one.
func (r *render) get(kind, name string) manifest {
	r.t.Helper()
	var found []manifest
	for _, m := range r.objs {
		if m.Kind == kind && m.Name == name {
			found = append(found, m)
		}
	}
	if len(found) != 1 {
		r.t.Fatalf("%s: %d objects %s/%s, want 1; ConfigMaps %v; output:\n%s", r.what, len(found), kind, name, r.configMaps(), r.out)
	}
	return found[0]
}

// version checks ConfigMap name: renamed from original (recorded in
// original-name), and marked previous (the value) or not ("").
func (r *render) version(name, original, previous string) manifest {
	r.t.Helper()
	m := r.get("ConfigMap", name)
	if got := m.Annotations["confighash.dev/original-name"]; got != original {
		r.t.Errorf("%s: ConfigMap %s has confighash.dev/original-name %q, want %q", r.what, name, got, original)
	}
	if got, ok := m.Annotations["confighash.dev/previous"]; got != previous || (previous == "") == ok {
		r.t.Errorf("%s: ConfigMap %s has confighash.dev/previous %q (set: %v), want %q", r.what, name, got, ok, previous)
	}
	return m
}

// refs checks the ConfigMaps that a pod template names, in order.
func (r *render) refs(kind, name string, want ...string) {
	r.t.Helper()
	if got := r.get(kind, name).Refs; !reflect.DeepEqual(got, want) {
		r.t.Errorf("%s: %s/%s names ConfigMaps %q, want %q", r.what, kind, name, got, want)
	}
}

// onlyConfigMaps checks the ConfigMaps of the render, in any order.
func (r *render) onlyConfigMaps(want ...string) {
	r.t.Helper()
	got := strings.Join(sorted(r.configMaps()), " ")
	if w := strings.Join(sorted(want), " "); got != w {
		r.t.Errorf("%s: ConfigMaps %s, want %s; output:\n%s", r.what, got, w, r.out)
	}
}

func sorted(s []string) []string { return slices.Sorted(slices.Values(s)) }

// fnResult is a result of a ResourceList.
type fnResult struct {
	Message     string `yaml:"message"`
	Severity    string `yaml:"severity"`
	ResourceRef struct {
		Kind string `yaml:"kind"`
		Name string `yaml:"name"`
	} `yaml:"resourceRef"`
}

// resultsOf reads the results of a ResourceList that confighash wrote.
func resultsOf(t *testing.T, resourceList []byte) []fnResult {
	t.Helper()
	var rl struct {
		Kind    string     `yaml:"kind"`
		Results []fnResult `yaml:"results"`
	}
	if err := yaml.Unmarshal(resourceList, &rl); err != nil || rl.Kind != "ResourceList" {
		t.Fatalf("not a ResourceList (%v):\n%s", err, resourceList)
	}
	return rl.Results
}

// generatedInfo is the start of the info result that says a generated
// object with kustomize's hash suffix is left to kustomize.
const generatedInfo = "kustomize generates it and appends its own hash suffix to its name"

// kustomizeHashed matches a name with one kustomize hash suffix (10
// characters of its alphabet) and nothing more.
func kustomizeHashed(name string) *regexp.Regexp {
	return regexp.MustCompile(`^` + regexp.QuoteMeta(name) + `-[0-9a-z]{10}$`)
}

const kustomizeVersioned = "kustomize build --enable-alpha-plugins --enable-exec versioned/kustomize"

// kustomizeBuild is one build of testdata/versioned/kustomize after
// change: kustomize's output with the exec transformer (through a recorder
// that keeps the ResourceList confighash returns to kustomize), that
// ResourceList, and the output of the same tree without the transformer.
type kustomizeBuild struct {
	*render
	results []fnResult
	plain   *render
}

func buildVersionedKustomize(t *testing.T, kustomize string, change func(dir string)) kustomizeBuild {
	t.Helper()
	root := sandbox(t)
	dir := filepath.Join(root, "versioned", "kustomize")
	copyDir(t, filepath.Join(repoRoot, "e2e", "testdata", "versioned", "kustomize"), dir)
	change(dir)
	sh := newShell(t, root, map[string]string{"kustomize": kustomize})
	direct := sh.run(kustomizeVersioned)

	// The recorder runs the same binary and keeps what it answers, so that
	// the results kustomize does not print can be read.
	recorder := filepath.Join(root, "bin", "record")
	if err := os.WriteFile(recorder, []byte("#!/bin/sh\nconfighash >\"$RECORD\" && cat \"$RECORD\"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	edit(t, filepath.Join(dir, "confighash.yaml"), "../../bin/confighash", "../../bin/record")
	record := filepath.Join(root, "answer.yaml")
	sameBytes(t, "kustomize output through the recorder", sh.run(kustomizeVersioned, "RECORD="+record), direct)
	answer, err := os.ReadFile(record)
	if err != nil {
		t.Fatal(err)
	}

	edit(t, filepath.Join(dir, "kustomization.yaml"), "transformers:\n  - confighash.yaml\n", "")
	plain := sh.run(kustomizeVersioned)
	return kustomizeBuild{render: readRender(t, "kustomize build", direct), results: resultsOf(t, answer),
		plain: readRender(t, "kustomize build without confighash", plain)}
}

// kustomizeName is the name kustomize gives the generated ConfigMap without
// confighash: with one hash suffix.
func (b kustomizeBuild) kustomizeName(name string) string {
	b.t.Helper()
	for _, n := range b.plain.configMaps() {
		if kustomizeHashed(name).MatchString(n) {
			return n
		}
	}
	b.t.Fatalf("kustomize without confighash has no ConfigMap %s-<hash>: %v", name, b.plain.configMaps())
	return ""
}

// leftToKustomize checks that the generated ConfigMap name has exactly
// kustomize's suffix, no original-name, and an info result saying why.
func (b kustomizeBuild) leftToKustomize(name string) string {
	b.t.Helper()
	final := b.kustomizeName(name)
	m := b.get("ConfigMap", final)
	if o, ok := m.Annotations["confighash.dev/original-name"]; ok {
		b.t.Errorf("ConfigMap %s was versioned by confighash (original-name %q) on top of kustomize's suffix", final, o)
	}
	said := 0
	for _, r := range b.results {
		if r.ResourceRef.Kind == "ConfigMap" && r.ResourceRef.Name == name && strings.Contains(r.Message, generatedInfo) {
			said++
			if r.Severity != "info" {
				b.t.Errorf("result about %s has severity %q, want info: %s", name, r.Severity, r.Message)
			}
		}
	}
	if said != 1 {
		b.t.Errorf("%d results say ConfigMap %s is left to kustomize, want 1; results: %+v", said, name, b.results)
	}
	return final
}

// noGeneratedInfo checks that no result says name is left to kustomize.
func (b kustomizeBuild) noGeneratedInfo(name string) {
	b.t.Helper()
	for _, r := range b.results {
		if r.ResourceRef.Name == name && strings.Contains(r.Message, generatedInfo) {
			b.t.Errorf("result says %s is left to kustomize: %s", name, r.Message)
		}
	}
}

// TestVersionedKustomizeExec builds testdata/versioned/kustomize with the
// real kustomize and the exec transformer: web-config (a resource) and
// web-flags (generated, disableNameSuffixHash) are renamed by their content
// and the Deployment's references follow in kustomize's output; web-env,
// which kustomize suffixes itself, is left with kustomize's one suffix
// however it is marked versioned, and an info result says so. A change to
// content renames; a label or a comment does not.
func TestVersionedKustomizeExec(t *testing.T) {
	t.Parallel()
	kustomize := kustomizeTool.path(t)
	config := map[string]string{"app.properties": "color=blue\n"}
	flags := map[string]string{"checkout.v2": "on"}

	base := buildVersionedKustomize(t, kustomize, func(string) {})
	env := base.leftToKustomize("web-env")
	base.onlyConfigMaps(versionedName("web-config", config), versionedName("web-flags", flags), env)
	base.version(versionedName("web-config", config), "web-config", "")
	base.version(versionedName("web-flags", flags), "web-flags", "")
	base.noGeneratedInfo("web-flags")
	// kustomize writes keys sorted: env (web-flags) before envFrom
	// (web-env), then the volume (web-config).
	base.refs("Deployment", "web", versionedName("web-flags", flags), env, versionedName("web-config", config))
	before := checksum(t, base.out, "Deployment/web")

	for _, c := range []struct {
		name   string
		file   string
		old    string
		new    string
		config map[string]string // web-config's data after the change
		flags  map[string]string // web-flags' data after the change
	}{
		{"content of the versioned resource", "resources.yaml", "color=blue", "color=green",
			map[string]string{"app.properties": "color=green\n"}, flags},
		{"literal of the generator without hash suffix", "kustomization.yaml", "checkout.v2=on", "checkout.v2=off",
			config, map[string]string{"checkout.v2": "off"}},
		{"label and comment on the versioned resource", "resources.yaml",
			"  name: web-config\n  annotations:", "  name: web-config # the settings file\n  labels:\n    team: storefront\n  annotations:",
			config, flags},
		{"label on the generator without hash suffix", "kustomization.yaml",
			"      disableNameSuffixHash: true\n", "      disableNameSuffixHash: true\n      labels:\n        team: storefront\n",
			config, flags},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			b := buildVersionedKustomize(t, kustomize, func(dir string) { edit(t, filepath.Join(dir, c.file), c.old, c.new) })
			cfg, flg := versionedName("web-config", c.config), versionedName("web-flags", c.flags)
			b.onlyConfigMaps(cfg, flg, b.leftToKustomize("web-env"))
			b.version(cfg, "web-config", "")
			b.version(flg, "web-flags", "")
			b.refs("Deployment", "web", flg, env, cfg)
			renamed := !reflect.DeepEqual(c.config, config) || !reflect.DeepEqual(c.flags, flags)
			if after := checksum(t, b.out, "Deployment/web"); (after != before) != renamed {
				t.Errorf("checksum.confighash.dev/config %s -> %s: changed %v, want %v", before, after, after != before, renamed)
			}
			if !renamed {
				// Nothing the pods see changed: the same pod template.
				if got, want := b.get("Deployment", "web").Template, base.get("Deployment", "web").Template; !reflect.DeepEqual(got, want) {
					t.Errorf("pod template changed:\n%v\nwas:\n%v", got, want)
				}
			}
		})
	}

	// However a generated object with kustomize's suffix is marked
	// versioned, it keeps kustomize's one suffix.
	for _, c := range []struct {
		name string
		mark func(t *testing.T, dir string)
	}{
		{"generatorOptions annotations", func(t *testing.T, dir string) {
			// Every generated object gets the annotation from the
			// kustomization's generatorOptions.
			edit(t, filepath.Join(dir, "kustomization.yaml"), "configMapGenerator:\n",
				"generatorOptions:\n  annotations:\n    confighash.dev/versioned: \"true\"\nconfigMapGenerator:\n")
		}},
		{"option versioned", func(t *testing.T, dir string) {
			f, err := os.OpenFile(filepath.Join(dir, "confighash.yaml"), os.O_APPEND|os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if _, err := f.WriteString("versioned:\n  names: [web-env]\n"); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			b := buildVersionedKustomize(t, kustomize, func(dir string) {
				// Not by its own generator's options, this time.
				edit(t, filepath.Join(dir, "kustomization.yaml"),
					"    options:\n      annotations:\n        confighash.dev/versioned: \"true\"\n  - name: web-flags", "  - name: web-flags")
				c.mark(t, dir)
			})
			_, annotated := b.get("ConfigMap", b.kustomizeName("web-env")).Annotations["confighash.dev/versioned"]
			if want := c.name == "generatorOptions annotations"; annotated != want {
				t.Fatalf("web-env annotated confighash.dev/versioned: %v, want %v", annotated, want)
			}
			env := b.leftToKustomize("web-env")
			b.onlyConfigMaps(versionedName("web-config", config), versionedName("web-flags", flags), env)
			b.version(versionedName("web-config", config), "web-config", "")
			b.version(versionedName("web-flags", flags), "web-flags", "")
			b.refs("Deployment", "web", versionedName("web-flags", flags), env, versionedName("web-config", config))
		})
	}

	// README: "with generatorOptions: {disableNameSuffixHash: true}
	// confighash versions them like any other".
	t.Run("generatorOptions disableNameSuffixHash", func(t *testing.T) {
		t.Parallel()
		b := buildVersionedKustomize(t, kustomize, func(dir string) {
			edit(t, filepath.Join(dir, "kustomization.yaml"), "configMapGenerator:\n",
				"generatorOptions:\n  disableNameSuffixHash: true\nconfigMapGenerator:\n")
		})
		if got := b.plain.configMaps(); !reflect.DeepEqual(sorted(got), []string{"web-config", "web-env", "web-flags"}) {
			t.Fatalf("kustomize without confighash still suffixes: %v", got)
		}
		envName := versionedName("web-env", map[string]string{"LOG_LEVEL": "info"})
		b.onlyConfigMaps(versionedName("web-config", config), versionedName("web-flags", flags), envName)
		b.version(envName, "web-env", "")
		b.noGeneratedInfo("web-env")
		b.refs("Deployment", "web", versionedName("web-flags", flags), envName, versionedName("web-config", config))
	})
}

// TestVersionedKustomizeBuildPiped pipes kustomize build's output into
// confighash, as README's first kustomize example does: kustomize's mark
// on web-env is gone by then, and confighash must still leave web-env with
// kustomize's one suffix (it recomputes kustomize's hash of its content),
// with an info on standard error, while it versions web-config and
// web-flags as the transformer does.
func TestVersionedKustomizeBuildPiped(t *testing.T) {
	t.Parallel()
	kustomize := kustomizeTool.path(t)
	root := sandbox(t)
	dir := filepath.Join(root, "versioned", "kustomize")
	copyDir(t, filepath.Join(repoRoot, "e2e", "testdata", "versioned", "kustomize"), dir)
	edit(t, filepath.Join(dir, "kustomization.yaml"), "transformers:\n  - confighash.yaml\n", "")
	sh := newShell(t, root, map[string]string{"kustomize": kustomize})
	plain := readRender(t, "kustomize build", sh.run("kustomize build versioned/kustomize"))
	piped := readRender(t, "kustomize build | confighash", sh.run("kustomize build versioned/kustomize | confighash 2>stderr.txt"))
	stderr, err := os.ReadFile(filepath.Join(root, "stderr.txt"))
	if err != nil {
		t.Fatal(err)
	}
	var env string
	for _, n := range plain.configMaps() {
		if kustomizeHashed("web-env").MatchString(n) {
			env = n
		}
	}
	if env == "" {
		t.Fatalf("kustomize gave no web-env-<hash>: %v", plain.configMaps())
	}
	config := versionedName("web-config", map[string]string{"app.properties": "color=blue\n"})
	flags := versionedName("web-flags", map[string]string{"checkout.v2": "on"})
	piped.onlyConfigMaps(env, config, flags)
	if o, ok := piped.get("ConfigMap", env).Annotations["confighash.dev/original-name"]; ok {
		t.Errorf("ConfigMap %s was versioned again (original-name %q)", env, o)
	}
	piped.version(config, "web-config", "")
	piped.version(flags, "web-flags", "")
	piped.refs("Deployment", "web", flags, env, config)
	if want := "info: ConfigMap " + env + ": its name ends in kustomize's hash suffix"; !strings.Contains(string(stderr), want) {
		t.Errorf("standard error lacks %q:\n%s", want, stderr)
	}
}

// TestVersionedKustomizeContainer builds testdata/versioned/kustomize with
// the container transformer (the image, run by kustomize with docker): the
// output is the exec transformer's, byte for byte, renames included, before
// and after a change to the versioned content.
func TestVersionedKustomizeContainer(t *testing.T) {
	t.Parallel()
	kustomize := kustomizeTool.path(t)
	image(t)
	docker(t)
	for _, c := range []struct {
		name   string
		change bool
		config map[string]string
	}{
		{"as it is", false, map[string]string{"app.properties": "color=blue\n"}},
		{"content changed", true, map[string]string{"app.properties": "color=green\n"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			root := sandbox(t)
			dir := filepath.Join(root, "versioned", "kustomize")
			copyDir(t, filepath.Join(repoRoot, "e2e", "testdata", "versioned", "kustomize"), dir)
			if c.change {
				edit(t, filepath.Join(dir, "resources.yaml"), "color=blue", "color=green")
			}
			sh := newShell(t, root, map[string]string{"kustomize": kustomize})
			viaExec := sh.run(kustomizeVersioned)
			edit(t, filepath.Join(dir, "kustomization.yaml"), "  - confighash.yaml\n", "  - confighash-container.yaml\n")
			viaContainer := sh.run("kustomize build --enable-alpha-plugins versioned/kustomize")
			sameBytes(t, "container transformer output vs exec transformer output", viaContainer, viaExec)

			r := readRender(t, "kustomize build with the container transformer", viaContainer)
			cfg := versionedName("web-config", c.config)
			r.version(cfg, "web-config", "")
			if refs := r.get("Deployment", "web").Refs; len(refs) != 3 || refs[2] != cfg {
				t.Errorf("the Deployment's volume names %q, want %s", refs, cfg)
			}
		})
	}
}

// TestVersionedKpt runs testdata/versioned/kpt through kpt fn eval --exec
// and through its Kptfile pipeline with kpt fn render, in place: the
// ConfigMap is renamed and both references follow; a second render changes
// nothing (the rendered package keeps original-name); a content change in
// the rendered package renames it again from its original name, and a label
// or a comment does not.
func TestVersionedKpt(t *testing.T) {
	t.Parallel()
	kptBin := kpt(t)
	info := versionedName("web-config", map[string]string{"LOG_LEVEL": "info"})
	debug := versionedName("web-config", map[string]string{"LOG_LEVEL": "debug"})
	src := filepath.Join(repoRoot, "e2e", "testdata", "versioned", "kpt")
	input, err := os.ReadFile(filepath.Join(src, "resources.yaml"))
	if err != nil {
		t.Fatal(err)
	}

	t.Run("fn eval", func(t *testing.T) {
		t.Parallel()
		root := sandbox(t)
		copyDir(t, src, filepath.Join(root, "versioned", "kpt"))
		out := newShell(t, root, map[string]string{"kpt": kptBin}).run("kpt fn eval versioned/kpt --exec bin/confighash -o unwrap")
		r := readRender(t, "kpt fn eval", out)
		r.onlyConfigMaps(info)
		r.version(info, "web-config", "")
		r.refs("Deployment", "web", info, info)
		// The same objects as confighash run on the file in stream mode.
		s := readRender(t, "stream mode", stream(t, input))
		if got, want := r.get("Deployment", "web"), s.get("Deployment", "web"); !reflect.DeepEqual(got, want) {
			t.Errorf("kpt fn eval's Deployment:\n%+v\nstream mode's:\n%+v", got, want)
		}
	})

	t.Run("fn render", func(t *testing.T) {
		t.Parallel()
		root := sandbox(t)
		pkg := filepath.Join(root, "versioned", "kpt")
		copyDir(t, src, pkg)
		file := filepath.Join(pkg, "resources.yaml")
		sh := newShell(t, pkg, map[string]string{"kpt": kptBin})
		renderFile := func() []byte {
			t.Helper()
			sh.run("kpt fn render --allow-exec")
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			return data
		}

		first := renderFile()
		r := readRender(t, "kpt fn render", first)
		r.onlyConfigMaps(info)
		r.version(info, "web-config", "")
		r.refs("Deployment", "web", info, info)
		sameBytes(t, "resources.yaml after a second render", renderFile(), first)

		// Edited in the rendered package: the data renames it from its
		// original name, not from its versioned one.
		edit(t, file, "LOG_LEVEL: info", "LOG_LEVEL: debug")
		changed := renderFile()
		r = readRender(t, "kpt fn render after LOG_LEVEL: debug", changed)
		r.onlyConfigMaps(debug)
		r.version(debug, "web-config", "")
		r.refs("Deployment", "web", debug, debug)
		sameBytes(t, "resources.yaml rendered again", renderFile(), changed)

		// A label and a comment: nothing to rename, nothing to write.
		edit(t, file, "metadata:\n  name: "+debug+"\n", "metadata:\n  name: "+debug+" # the web server's settings\n  labels:\n    team: storefront\n")
		edited, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		sameBytes(t, "resources.yaml rendered after a label and a comment", renderFile(), edited)
	})
}

// TestVersionedHelmReleases renders a chart with a versioned ConfigMap
// (testdata/versioned/chart) through Helm 3's --post-renderer and Helm 4's
// plugin, release after release, each with --previous naming the manifest
// of the release before, as README's Helm row says:
//
//  1. LOG_LEVEL info: web-config-<info>;
//  2. debug: web-config-<debug>, and web-config-<info> kept, marked
//     confighash.dev/previous: "1";
//  3. info again (a rollback): web-config-<info> again, the same pod
//     template as release 1, and web-config-<debug> kept;
//  4. warn: web-config-<warn>, web-config-<info> kept, web-config-<debug>
//     (two releases old) dropped.
//
// A label on the ConfigMap instead renames nothing and keeps nothing.
//
// `helm get manifest` itself is not run: it reads the release record that
// install or upgrade stored in a cluster (a Secret, by default), and there
// is no cluster here. In its place, the previous file is the post-rendered
// `helm template` output, `# Source:` comments and all, which is the
// manifest Helm stores for the release, hooks aside (this chart has none).
// Helm 3.22.0: pkg/action/action.go (*Configuration).renderResources splits
// the hooks out (releaseutil.SortManifests), runs the post-renderer
// (pr.Run) on the aggregated manifests and returns its output;
// pkg/action/install.go (*Install).RunWithContext stores that as
// rel.Manifest, pkg/action/upgrade.go (*Upgrade).prepareUpgrade as the new
// release's Manifest; cmd/helm/get_manifest.go prints res.Manifest,
// cmd/helm/template.go prints rel.Manifest then the hooks, and
// cmd/helm/status.go prints it after "MANIFEST:" for install --dry-run.
// Helm 4.3.1, the same in pkg/action/action.go (*Configuration).
// renderResources (default strategy "combined": everything post-rendered,
// split back by splitAndDeannotate, which files the objects the
// post-renderer adds under "# Source: generated-by-postrender-N.yaml", then
// SortManifests puts the hooks apart), pkg/action/install.go
// (*Install).RunWithContext, pkg/action/upgrade.go (*Upgrade).
// prepareUpgrade, pkg/cmd/get_manifest.go (the release accessor's
// Manifest()), pkg/cmd/template.go and pkg/cmd/status.go. The test checks
// the last link too: `helm install --dry-run=client` prints, under
// MANIFEST:, the objects that `helm template` prints.
func TestVersionedHelmReleases(t *testing.T) {
	t.Parallel()
	name := func(level string) string {
		return versionedName("web-config", map[string]string{"LOG_LEVEL": level})
	}
	info, debug, warn := name("info"), name("debug"), name("warn")
	for _, g := range helms {
		t.Run(g.name, func(t *testing.T) {
			t.Parallel()
			sh := helmShell(t, g)
			copyDir(t, filepath.Join(repoRoot, "e2e", "testdata", "versioned", "chart"), filepath.Join(sh.dir, "chart"))
			release := func(n int, args string, previous int) *render {
				t.Helper()
				cmd := "helm template web chart --post-renderer " + postRenderer(g) + args
				if previous > 0 {
					cmd += " --post-renderer-args=--previous=" + releaseFile(previous)
				}
				out := sh.run(cmd)
				if err := os.WriteFile(filepath.Join(sh.dir, releaseFile(n)), out, 0o644); err != nil {
					t.Fatal(err)
				}
				return readRender(t, cmd, out)
			}

			r1 := release(1, "", 0)
			r1.onlyConfigMaps(info)
			r1.version(info, "web-config", "")
			r1.refs("Deployment", "web", info, info)
			if !strings.Contains(string(r1.out), "# Source: shop/templates/configmap.yaml\n") {
				t.Errorf("release 1 has no # Source: comments:\n%s", r1.out)
			}

			r2 := release(2, " --set logLevel=debug", 1)
			r2.onlyConfigMaps(debug, info)
			r2.version(debug, "web-config", "")
			r2.version(info, "web-config", "1")
			r2.refs("Deployment", "web", debug, debug)

			r3 := release(3, "", 2)
			r3.onlyConfigMaps(info, debug)
			r3.version(info, "web-config", "")
			r3.version(debug, "web-config", "1")
			r3.refs("Deployment", "web", info, info)
			if got, want := r3.get("Deployment", "web").Template, r1.get("Deployment", "web").Template; !reflect.DeepEqual(got, want) {
				t.Errorf("the rollback's pod template is not release 1's:\n%v\nrelease 1:\n%v", got, want)
			}

			r4 := release(4, " --set logLevel=warn", 3)
			r4.onlyConfigMaps(warn, info)
			r4.version(warn, "web-config", "")
			r4.version(info, "web-config", "1")
			r4.refs("Deployment", "web", warn, warn)

			labelled := release(5, " --set configLabels.team=payments", 1)
			labelled.onlyConfigMaps(info)
			if got := labelled.version(info, "web-config", "").Labels["team"]; got != "payments" {
				t.Errorf("the ConfigMap's label team is %q, want payments", got)
			}
			if got, want := labelled.get("Deployment", "web").Template, r1.get("Deployment", "web").Template; !reflect.DeepEqual(got, want) {
				t.Errorf("a label on the ConfigMap changed the pod template:\n%v\nrelease 1:\n%v", got, want)
			}

			// What Helm would store for release 2: rel.Manifest, which
			// install --dry-run=client prints. Helm 3 asks a cluster for
			// its version even then: a stand-in API server answers.
			env := []string{}
			if g == helm3Tool {
				env = append(env, "KUBECONFIG="+newAPIServer(t).kubeconfig(t))
			}
			out := sh.run("helm install web chart --dry-run=client --disable-openapi-validation --post-renderer "+postRenderer(g)+
				" --set logLevel=debug --post-renderer-args=--previous="+releaseFile(1), env...)
			if got, want := objects(t, manifestOf(t, out)), objects(t, r2.out); !reflect.DeepEqual(got, want) {
				t.Errorf("helm install --dry-run=client's MANIFEST:\n%v\nhelm template:\n%v", got, want)
			}
		})
	}
}

func releaseFile(n int) string { return "release-" + strconv.Itoa(n) + ".yaml" }

// TestVersionedImageMatchesBinary runs the image locked down on versioned
// input (the annotation, the options versioned and immutable, and
// --previous from a read-only volume): the bytes of this build's binary.
func TestVersionedImageMatchesBinary(t *testing.T) {
	t.Parallel()
	ref := image(t)
	read := func(path string) []byte {
		data, err := os.ReadFile(filepath.Join(repoRoot, path))
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	// The image's user (65532) reads the previous render through a volume.
	prevDir := t.TempDir()
	if err := os.Chmod(prevDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(prevDir, "out-1.yaml"), read("testdata/versioned-rollback/out-1.yaml"), 0o644); err != nil {
		t.Fatal(err)
	}
	info := versionedName("web-config", map[string]string{"LOG_LEVEL": "info"})
	debug := versionedName("web-config", map[string]string{"LOG_LEVEL": "debug"})
	settings := versionedName("settings", map[string]string{"LOG_LEVEL": "info"})
	locked := []string{"run", "--rm", "-i", "--network", "none", "--read-only"}
	for _, c := range []struct {
		name       string
		input      []byte
		volumes    []string
		imageArgs  []string
		binaryArgs []string
		check      func(r *render)
	}{
		{name: "annotation", input: read("testdata/versioned-rollback/render-1.yaml"), check: func(r *render) {
			r.onlyConfigMaps(info)
			r.version(info, "web-config", "")
			r.refs("Deployment", "web", info)
		}},
		{name: "options versioned and immutable", input: read("testdata/versioned-option/input.yaml"),
			imageArgs:  []string{"--versioned={labels: {config.example/risk: high}}", "--immutable"},
			binaryArgs: []string{"--versioned={labels: {config.example/risk: high}}", "--immutable"},
			check: func(r *render) {
				r.onlyConfigMaps(settings, "flags")
				r.version(settings, "settings", "")
				r.refs("Deployment", "web", settings, "flags")
				if !bytes.Contains(r.out, []byte("kind: ConfigMap\nimmutable: true\nmetadata:\n  name: "+settings+"\n")) {
					r.t.Errorf("ConfigMap %s is not immutable:\n%s", settings, r.out)
				}
			}},
		{name: "previous", input: read("testdata/versioned-rollback/render-2.yaml"),
			volumes:    []string{"-v", prevDir + ":/previous:ro"},
			imageArgs:  []string{"--previous=/previous/out-1.yaml"},
			binaryArgs: []string{"--previous=" + filepath.Join(prevDir, "out-1.yaml")},
			check: func(r *render) {
				r.onlyConfigMaps(debug, info)
				r.version(debug, "web-config", "")
				r.version(info, "web-config", "1")
				r.refs("Deployment", "web", debug)
			}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			args := append(append(append(append([]string{}, locked...), c.volumes...), ref), c.imageArgs...)
			got := podmanOut(t, c.input, args...)
			sameBytes(t, "podman "+strings.Join(args, " "), got, stream(t, c.input, c.binaryArgs...))
			c.check(readRender(t, "podman "+strings.Join(args, " "), got))
		})
	}
}
