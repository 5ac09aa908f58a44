package fn

import (
	"fmt"
	"strconv"
	"strings"

	"confighash.dev/confighash/internal/yamltext"
	"sigs.k8s.io/kustomize/kyaml/utils"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Target is one pod template of an object: the place a hash is written.
type Target struct {
	// Object holds the pod template.
	Object *Object
	// Template holds the pod template's metadata and spec; for a Pod it is
	// the object itself.
	Template *yaml.RNode
	// Path is the field path of Template in Object ("" for a Pod); for an
	// operator's workload, the path of its annotations.
	Path string

	// annotationPath is, for an operator's workload, the path from
	// Template (the object) to the annotations; references are its kind's
	// references that count toward them. Both are nil for a pod template.
	annotationPath []string
	references     []Reference
	// uncounted are its kind's references that count for nothing, which
	// explain lists with the reason.
	uncounted []Reference
}

// Workload says whether the target is an operator's custom resource, whose
// hash goes where the operator copies it to the pods, rather than a pod
// template.
func (t *Target) Workload() bool { return t.references != nil }

// annotationsPath is the path from Template to the annotations map.
func (t *Target) annotationsPath() []string {
	if t.annotationPath != nil {
		return t.annotationPath
	}
	return []string{"metadata", "annotations"}
}

// AnnotationsField is the field path of the annotations in the object.
func (t *Target) AnnotationsField() string {
	if t.Workload() {
		return t.Path
	}
	return t.field("metadata.annotations")
}

// Annotations are the annotations the target carries, where a run writes
// its own (a pod template's metadata.annotations, an operator's path).
func (t *Target) Annotations() map[string]string { return t.annotations() }

// Labels are a pod template's labels; none for an operator's workload.
func (t *Target) Labels() map[string]string {
	if t.Workload() {
		return map[string]string{}
	}
	return yamltext.StringMap(yamltext.Map(t.Template.YNode(), "metadata"), "labels")
}

// Rest is the target's content as YAML without its metadata (a pod
// template's spec) or, for an operator's workload, without the annotations
// a run writes: two renders of it are the same when their Rest is.
func (t *Target) Rest() string {
	n := t.Template.Copy()
	path := t.annotationsPath()
	if !t.Workload() {
		path = path[:1] // metadata
	}
	holder := n.YNode()
	for _, f := range path[:len(path)-1] {
		if holder = yamltext.Map(holder, f); holder == nil {
			break
		}
	}
	if holder != nil {
		for i := 0; i+1 < len(holder.Content); i += 2 {
			if holder.Content[i].Value == path[len(path)-1] {
				holder.Content = append(holder.Content[:i], holder.Content[i+2:]...)
				break
			}
		}
	}
	s, err := n.String()
	if err != nil {
		return ""
	}
	return s
}

// annotations are the annotations the target carries.
func (t *Target) annotations() map[string]string {
	n := t.Template.YNode()
	path := t.annotationsPath()
	for _, f := range path[:len(path)-1] {
		if n = yamltext.Map(n, f); n == nil {
			return map[string]string{}
		}
	}
	return yamltext.StringMap(n, path[len(path)-1])
}

// String names a target as people write it, with the template path:
// "Deployment shop/web spec.template".
func (t *Target) String() string {
	return t.Object.String() + " " + t.PathName()
}

// PathName is the template's path, or what stands for it on a Pod.
func (t *Target) PathName() string {
	if t.Path == "" {
		return "(the Pod itself)"
	}
	return t.Path
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
	apiVersion string // "" matches every apiVersion; a group, its versions
	kind       string // "" matches every kind
	path       []string
	// any: every map at the path is a pod template, with containers or
	// not (an operator's PodTemplateSpec, which it completes).
	any bool
	// option is the index in the podTemplatePaths option, -1 for the
	// built-in paths.
	option int
}

// builtinTemplatePaths are SPEC 2's pod templates. The generic spec.template
// covers Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, Argo Rollout,
// Knative Service and any other kind that embeds a pod template there; a
// template counts only when it has a list of containers.
var builtinTemplatePaths = []templatePath{
	{path: []string{"spec", "template"}, option: -1},
	{path: []string{"spec", "jobTemplate", "spec", "template"}, option: -1},
	{apiVersion: "v1", kind: "PodTemplate", path: []string{"template"}, option: -1},
	{apiVersion: "v1", kind: "Pod", path: nil, option: -1},
	// ECK: the operator completes these templates with its own containers.
	{apiVersion: "elasticsearch.k8s.elastic.co", kind: "Elasticsearch", path: []string{"spec", "nodeSets", "*", "podTemplate"}, any: true, option: -1},
	{apiVersion: "kibana.k8s.elastic.co", kind: "Kibana", path: []string{"spec", "podTemplate"}, any: true, option: -1},
}

// isTemplate says whether a map found at the path is a pod template.
func (p templatePath) isTemplate(n *yaml.Node) bool {
	return p.any || yamltext.Seq(yamltext.Lookup(n, "spec"), "containers") != nil
}

func (p templatePath) matches(meta yaml.ResourceMeta) bool {
	return (p.kind == "" || p.kind == meta.Kind) && apiVersionMatches(p.apiVersion, meta.APIVersion)
}

// targetFinder finds the pod templates of the objects that are targets.
type targetFinder struct {
	cfg   *Config
	paths []templatePath
	// byKind are the references of operators' custom resources, by kind.
	byKind map[string][]Reference
}

func newTargetFinder(cfg *Config) *targetFinder {
	f := &targetFinder{cfg: cfg, paths: builtinTemplatePaths, byKind: referencesByKind(cfg)}
	for i, p := range cfg.PodTemplatePaths {
		f.paths = append(f.paths, templatePath{
			apiVersion: p.APIVersion, kind: p.Kind,
			path:   utils.SmarterPathSplitter(p.Path, "."),
			option: i,
		})
	}
	return f
}

// isTarget applies SPEC 2's exclusions.
func (f *targetFinder) isTarget(o *Object) bool {
	m := o.Meta
	switch {
	case m.Kind == "Kptfile",
		m.Annotations[localConfigAnnotation] == "true",
		m.Annotations[SkipAnnotation] == "true",
		isSourceKind(m.APIVersion, m.Kind),
		!f.cfg.IncludeJobs && m.Kind == "Job" && strings.HasPrefix(m.APIVersion, "batch/"),
		!f.cfg.Selector.isEmpty() && !f.cfg.Selector.matches(o):
		return false
	}
	return true
}

// templates returns every pod template of o, whether o is a target or not
// (a Job, an object outside the selector): the references a versioned
// source renames are in all of them.
func (f *targetFinder) templates(o *Object) []template {
	var out []template
	seen := map[*yaml.Node]bool{}
	for _, p := range f.paths {
		if !p.matches(o.Meta) {
			continue
		}
		for _, tpl := range templatesAt(o.Node, p.path) {
			if p.isTemplate(tpl.node.YNode()) && !seen[tpl.node.YNode()] {
				seen[tpl.node.YNode()] = true
				out = append(out, tpl)
			}
		}
	}
	return out
}

// find returns the pod templates of it, each once, in the order of the
// paths, and the podTemplatePaths options that name its kind but find no pod
// template in it (most likely a mistyped path).
func (f *targetFinder) find(o *Object) (targets []*Target, unmatched []int) {
	if !f.isTarget(o) {
		return nil, nil
	}
	seen := map[*yaml.Node]bool{}
	for _, p := range f.paths {
		if !p.matches(o.Meta) {
			continue
		}
		found := false
		for _, tpl := range templatesAt(o.Node, p.path) {
			if !p.isTemplate(tpl.node.YNode()) {
				continue
			}
			found = true
			if !seen[tpl.node.YNode()] {
				seen[tpl.node.YNode()] = true
				targets = append(targets, &Target{Object: o, Template: tpl.node, Path: tpl.path})
			}
		}
		if !found && p.option >= 0 {
			unmatched = append(unmatched, p.option)
		}
	}
	targets = append(targets, f.workloads(o)...)
	return targets, unmatched
}

type template struct {
	node *yaml.RNode
	path string
}

// templatesAt returns the maps at path in obj, each named by its concrete
// path.
func templatesAt(obj *yaml.RNode, path []string) []template {
	var out []template
	for _, c := range nodesAt(obj.YNode(), path) {
		if c.node.Kind == yaml.MappingNode {
			out = append(out, template{node: yaml.NewRNode(c.node), path: c.path})
		}
	}
	return out
}

// located is a node found at a path, with its concrete path.
type located struct {
	node *yaml.Node
	path string
}

// nodesAt returns the nodes at path in n, aliases followed, each named by
// its concrete path. A part is a field, "*" (every element of a list or
// every value of a map), "[key=value]" or an index into a list. kyaml's
// PathMatcher takes "*" over lists only, and Kubeflow's jobs keep their
// templates in a map (spec.pytorchReplicaSpecs.*.template), hence this walk.
func nodesAt(n *yaml.Node, path []string) []located {
	cur := []located{{node: n}}
	for _, part := range path {
		var next []located
		for _, c := range cur {
			n := yamltext.Deref(c.node)
			switch {
			case yaml.IsWildcard(part) && n.Kind == yaml.MappingNode:
				for _, e := range yamltext.Entries(n) {
					next = append(next, located{e[1], joinPath(c.path, e[0].Value)})
				}
			case yaml.IsWildcard(part) && n.Kind == yaml.SequenceNode:
				for i, e := range n.Content {
					next = append(next, located{e, c.path + elemPath(e, i)})
				}
			case yaml.IsListIndex(part) && n.Kind == yaml.SequenceNode:
				key, value, err := yaml.SplitIndexNameValue(part)
				if err != nil {
					continue
				}
				for i, e := range n.Content {
					if yamltext.String(e, key) == value {
						next = append(next, located{e, c.path + elemPath(e, i)})
					}
				}
			case yaml.IsIdxNumber(part) && n.Kind == yaml.SequenceNode:
				if i, err := strconv.Atoi(part); err == nil && i < len(n.Content) {
					next = append(next, located{n.Content[i], fmt.Sprintf("%s[%d]", c.path, i)})
				}
			default:
				if v := yamltext.Lookup(n, part); v != nil {
					next = append(next, located{v, joinPath(c.path, part)})
				}
			}
		}
		cur = next
	}
	for i := range cur {
		cur[i].node = yamltext.Deref(cur[i].node)
	}
	return cur
}

func joinPath(path, field string) string {
	if path == "" {
		return field
	}
	return path + "." + field
}
