package fn

import (
	"strconv"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/kio/kioutil"
	"sigs.k8s.io/kustomize/kyaml/utils"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Target is one pod template of an object: the place a hash is written.
type Target struct {
	// Object is the item that holds the pod template.
	Object *item
	// Template holds the pod template's metadata and spec; for a Pod it is
	// the object itself.
	Template *yaml.RNode
	// Path is the field path of Template in Object ("" for a Pod).
	Path string
}

// field joins the template's path and a field below it.
func (t *Target) field(sub string) string {
	if t.Path == "" {
		return sub
	}
	return t.Path + "." + sub
}

// templatePath says where a kind keeps a pod template.
type templatePath struct {
	apiVersion string // "" matches every apiVersion
	kind       string // "" matches every kind
	path       []string
}

// builtinTemplatePaths are SPEC 2's pod templates. The generic spec.template
// covers Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, Argo Rollout,
// Knative Service and any other kind that embeds a pod template there; a
// template counts only when it has a list of containers.
var builtinTemplatePaths = []templatePath{
	{path: []string{"spec", "template"}},
	{path: []string{"spec", "jobTemplate", "spec", "template"}},
	{apiVersion: "v1", kind: "PodTemplate", path: []string{"template"}},
	{apiVersion: "v1", kind: "Pod", path: nil},
}

func (p templatePath) matches(meta yaml.ResourceMeta) bool {
	return (p.kind == "" || p.kind == meta.Kind) && (p.apiVersion == "" || p.apiVersion == meta.APIVersion)
}

// targetFinder finds the pod templates of the items that are targets.
type targetFinder struct {
	cfg      *Config
	paths    []templatePath
	selected map[*yaml.RNode]bool // nil: no selector
}

func newTargetFinder(cfg *Config, items []*item) (*targetFinder, error) {
	f := &targetFinder{cfg: cfg, paths: builtinTemplatePaths}
	for _, p := range cfg.PodTemplatePaths {
		f.paths = append(f.paths, templatePath{
			apiVersion: p.APIVersion, kind: p.Kind,
			path: utils.SmarterPathSplitter(p.Path, "."),
		})
	}
	sel := cfg.Selector
	if sel.Names == nil && sel.Namespaces == nil && sel.Kinds == nil && sel.Labels == nil && sel.Annotations == nil {
		return f, nil
	}
	// kyaml's selector does the matching; only "" and "default" being the
	// same namespace needs saying.
	fsel := framework.Selector{Names: sel.Names, Kinds: sel.Kinds, Labels: sel.Labels, Annotations: sel.Annotations}
	for _, ns := range sel.Namespaces {
		fsel.Namespaces = append(fsel.Namespaces, ns)
		if ns == "default" {
			fsel.Namespaces = append(fsel.Namespaces, "")
		}
	}
	nodes := make([]*yaml.RNode, len(items))
	for i, it := range items {
		nodes[i] = it.node
	}
	matched, err := fsel.Filter(nodes)
	if err != nil {
		return nil, err
	}
	f.selected = make(map[*yaml.RNode]bool, len(matched))
	for _, n := range matched {
		f.selected[n] = true
	}
	return f, nil
}

// isTarget applies SPEC 2's exclusions.
func (f *targetFinder) isTarget(it *item) bool {
	m := it.meta
	switch {
	case m.Kind == "Kptfile",
		m.Annotations[localConfigAnnotation] == "true",
		m.Annotations[SkipAnnotation] == "true",
		isSourceKind(m.APIVersion, m.Kind),
		!f.cfg.IncludeJobs && m.Kind == "Job" && strings.HasPrefix(m.APIVersion, "batch/"),
		f.selected != nil && !f.selected[it.node]:
		return false
	}
	return true
}

// find returns the pod templates of it, each once, in the order of the paths.
func (f *targetFinder) find(it *item) []*Target {
	if !f.isTarget(it) {
		return nil
	}
	var targets []*Target
	seen := map[*yaml.Node]bool{}
	for _, p := range f.paths {
		if !p.matches(it.meta) {
			continue
		}
		for _, tpl := range templatesAt(it.node, p.path) {
			if seen[tpl.node.YNode()] || seqField(lookup(tpl.node.YNode(), "spec"), "containers") == nil {
				continue
			}
			seen[tpl.node.YNode()] = true
			targets = append(targets, &Target{Object: it, Template: tpl.node, Path: tpl.path})
		}
	}
	return targets
}

type template struct {
	node *yaml.RNode
	path string
}

// templatesAt resolves a path that may hold list selectors ([name=x]) or
// wildcards (*) with kyaml's PathMatcher, and names each match by its path.
func templatesAt(obj *yaml.RNode, path []string) []template {
	if len(path) == 0 {
		return []template{{node: obj}}
	}
	if !hasListPart(path) {
		n, err := obj.Pipe(yaml.Lookup(path...))
		if err != nil || n == nil || n.YNode().Kind != yaml.MappingNode {
			return nil
		}
		return []template{{node: n, path: strings.Join(path, ".")}}
	}
	pm := &yaml.PathMatcher{Path: path}
	matches, err := obj.Pipe(pm)
	if err != nil || matches == nil {
		// A path that does not fit this object matches nothing.
		return nil
	}
	var out []template
	for _, n := range matches.Content() {
		if n.Kind == yaml.MappingNode {
			out = append(out, template{node: yaml.NewRNode(n), path: strings.Join(path, ".")})
		}
	}
	return out
}

func hasListPart(path []string) bool {
	for _, p := range path {
		if p == "*" || yaml.IsListIndex(p) || yaml.IsIdxNumber(p) {
			return true
		}
	}
	return false
}

// fileOf returns the file an item came from, when the orchestrator said.
func fileOf(it *item) *framework.File {
	path, index, _ := kioutil.GetFileAnnotations(it.node)
	if path == "" {
		return nil
	}
	f := &framework.File{Path: path}
	if i, err := strconv.Atoi(index); err == nil {
		f.Index = i
	}
	return f
}
