package fn

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/utils"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"confighash.dev/confighash/internal/yamltext"
)

// Versioned sources, the rename method (SPEC 4b): a ConfigMap or Secret
// opted in is renamed <name>-<suffix> by its whole content, and every
// reference to it in the input follows, so that a rollout and a rollback
// each carry their own config. What cannot follow is said.

// Annotations of versioned sources.
const (
	// VersionedAnnotation "true" on a ConfigMap or Secret opts it in.
	VersionedAnnotation = "confighash.dev/versioned"
	// OriginalNameAnnotation records a versioned object's name before
	// versioning, so that a run on rendered manifests knows it.
	OriginalNameAnnotation = "confighash.dev/original-name"
	// PreviousAnnotation marks a version that an earlier render used and
	// this one no longer does, kept so that pruning cannot break a rollout
	// or a rollback: its value is how many renders ago it was last used.
	PreviousAnnotation = "confighash.dev/previous"
	// kustomizeHashSuffix marks, in a kustomize transformer's input, a
	// generated object that kustomize versions itself with its hash suffix.
	kustomizeHashSuffix = "internal.config.kubernetes.io/needsHashSuffix"
)

// Version is one versioned ConfigMap or Secret of a run.
type Version struct {
	Source *Source
	// Original is its name before versioning, Current its name in the
	// input, and Name the versioned name a run gives it.
	Original, Current, Name string
	// Digest is the digest of all its keys, which the suffix is made of.
	Digest string
	// Immutable says whether it is immutable: true in the input.
	Immutable bool
	// Refs are the references that follow it: the runs write Name there.
	Refs []NameRef
	// Unfollowed are the places that name it and that a run cannot make
	// follow: an application that reads it by name, an argument.
	Unfollowed []NameRef
}

// Renamed says whether a run renames the object.
func (v *Version) Renamed() bool { return v.Current != v.Name }

// NameRef is a place in an object that names a versioned source.
type NameRef struct {
	Object *Object
	Field  string
	// Value is the text there, which a rewrite keeps but for the name:
	// "namespace/name" in an annotation, the name itself elsewhere.
	Value string
	// Why says, for an unfollowed reference, why it cannot follow.
	Why string
	// node is the scalar a run rewrites; prefix the text before the name.
	node   *yaml.Node
	prefix string
}

// Stale says whether a run rewrites the reference: it names the source by
// another name than its versioned one.
func (ref NameRef) Stale(v *Version) bool { return ref.Value != ref.prefix+v.Name }

// Kept is a versioned object of an earlier render that this one keeps.
type Kept struct {
	Node                            *yaml.RNode
	Kind, Namespace, Name, Original string
	// Age is how many renders ago it was last used.
	Age int
}

// versionSourceOf says whether a source is versioned, and why not when it
// asks to be and cannot.
func (r *run) isVersioned(o *Object) (bool, string) {
	a := o.Meta.Annotations
	opted := a[VersionedAnnotation] == "true" || a[OriginalNameAnnotation] != "" ||
		!r.cfg.Versioned.isEmpty() && r.cfg.Versioned.matches(o)
	if !opted {
		return false, ""
	}
	if a[kustomizeHashSuffix] == "enabled" {
		return false, "kustomize generates it and appends its own hash suffix to its name, which versions it already; confighash leaves its name to kustomize"
	}
	if a[OriginalNameAnnotation] == "" && kustomizeSuffixed(o) {
		return false, "its name ends in kustomize's hash suffix of its content (kustomize build generated it), which versions it already; confighash leaves its name as it is"
	}
	return true, ""
}

// kustomizeSuffixed says whether an object's name is NAME-SUFFIX where
// SUFFIX is the hash suffix kustomize's generators give it: what
// kustomize's api/hasher makes of its kind, type and data. That hasher
// means to count the name too, but looks it up as one field called
// "metadata/name" and so counts "" (api v0.21.2, hasher.go getNodeValues);
// a name counted as meant is accepted as well.
func kustomizeSuffixed(o *Object) bool {
	name := o.Meta.Name
	i := strings.LastIndexByte(name, '-')
	if i < 0 || len(name)-i-1 != 10 {
		return false
	}
	base, suffix := name[:i], name[i+1:]
	root := o.Node.YNode()
	field := func(f string) any {
		n := yamltext.Lookup(root, f)
		if n == nil {
			return ""
		}
		if n.Kind == yaml.ScalarNode {
			return n.Value
		}
		var v map[string]any
		if err := n.Decode(&v); err != nil {
			return ""
		}
		return v
	}
	m := map[string]any{"kind": o.Meta.Kind, "name": "", "data": field("data")}
	switch o.Meta.Kind {
	case kindConfigMap:
		if b, ok := field("binaryData").(map[string]any); ok {
			m["binaryData"] = b
		}
	case kindSecret:
		m["type"] = field("type")
		if sd, ok := field("stringData").(map[string]any); ok {
			m["stringData"] = sd
		}
	}
	for _, n := range []string{"", base} {
		m["name"] = n
		encoded, err := json.Marshal(m)
		if err != nil {
			return false
		}
		sum := sha256.Sum256(encoded)
		if VersionSuffix(hex.EncodeToString(sum[:])) == suffix {
			return true
		}
	}
	return false
}

// planVersions decides the versioned sources and their names.
func (r *run) planVersions() {
	for _, id := range r.sources.ids() {
		found := r.sources.sources[id]
		if len(found) != 1 {
			continue // a duplicate is an error where it is referenced
		}
		s := found[0]
		if s.made != nil {
			if ok, _ := r.isVersioned(s.Object); ok {
				r.results = append(r.results, &framework.Result{
					Severity: framework.Info, Message: fmt.Sprintf("%s makes %s, and its controller names that Secret: confighash cannot version it", s.Object, id),
					ResourceRef: s.Object.ref(), File: s.Object.File(),
				})
			}
			continue
		}
		ok, why := r.isVersioned(s.Object)
		if why != "" {
			r.results = append(r.results, &framework.Result{
				Severity: framework.Info, Message: fmt.Sprintf("%s: %s", s.Object, why),
				ResourceRef: s.Object.ref(), File: s.Object.File(),
			})
		}
		if !ok {
			continue
		}
		dr := r.digest(s, &keySet{all: true})
		if dr.failed {
			continue // an error result says why
		}
		immutable := yamltext.Lookup(s.Object.Node.YNode(), "immutable")
		v := &Version{Source: s, Original: id.Name, Current: s.Object.Meta.Name, Digest: dr.digest,
			Name:      renameVersion(s.Object.Meta.Name, id.Name, dr.digest),
			Immutable: immutable != nil && immutable.Kind == yaml.ScalarNode && immutable.Value == "true"}
		r.versions = append(r.versions, v)
		r.versionOf[id] = v
	}
}

// renameVersion is a versioned source's name: its original name and the
// suffix of its content, or, when a step after an earlier run put its name
// inside a longer one (kustomize's namePrefix or nameSuffix in an overlay:
// prod-web-config-SUFFIX), that name with the new suffix in place, so that
// a run on rendered manifests keeps what the other steps did.
func renameVersion(current, original, digest string) string {
	want := VersionedName(original, digest)
	if current == original {
		return want
	}
	i := strings.Index(current, original+"-")
	if i < 0 {
		return want
	}
	j := i + len(original) + 1
	if j+10 > len(current) || !isSuffixToken(current[j:j+10]) || j+10 < len(current) && current[j+10] != '-' && current[j+10] != '.' {
		return want
	}
	if name := current[:j] + VersionSuffix(digest) + current[j+10:]; len(name) <= maxNameLength {
		return name
	}
	return want
}

// isSuffixToken says whether s can be a suffix of VersionSuffix: lowercase
// letters and digits.
func isSuffixToken(s string) bool {
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// versionNamed is the version that a reference by name resolves to in a
// namespace: by its original name or its name in the input.
func (r *run) versionNamed(kind, namespace, name string) *Version {
	id, ok := r.sources.resolve(SourceID{Kind: kind, Namespace: namespace, Name: name})
	if !ok {
		return nil
	}
	return r.versionOf[id]
}

// versionAnywhere is the one version of that kind and name in any
// namespace, for a reference of a cluster-scoped object that names no
// namespace; nil when there is none or more than one.
func (r *run) versionAnywhere(kind, name string) (v *Version, ambiguous bool) {
	for _, c := range r.versions {
		if c.Source.ID.Kind == kind && (c.Original == name || c.Current == name) {
			if v != nil {
				return nil, true
			}
			v = c
		}
	}
	return v, false
}

// planReferences finds, in every object, the places that name a versioned
// source: those a run rewrites and those it cannot.
func (r *run) planReferences(objects []*Object, finder *targetFinder) {
	if len(r.versions) == 0 {
		return
	}
	for _, o := range objects {
		if isSourceKind(o.Meta.APIVersion, o.Meta.Kind) {
			continue
		}
		known := false
		for _, tpl := range finder.templates(o) {
			known = true
			spec := yamltext.Lookup(tpl.node.YNode(), "spec")
			path := joinPath(tpl.path, "spec")
			for _, ref := range podSpecRefs(spec, path) {
				if v := r.versionNamed(ref.Kind, o.Namespace, ref.Name); v != nil && ref.name != nil {
					v.Refs = append(v.Refs, NameRef{Object: o, Field: ref.Field, Value: ref.Name, node: ref.name})
				}
			}
			for _, n := range argNames(spec, path) {
				for _, kind := range []string{kindConfigMap, kindSecret} {
					ns := n.Namespace
					if ns == "" {
						ns = o.Namespace
					}
					if v := r.versionNamed(kind, ns, n.Name); v != nil {
						v.Unfollowed = append(v.Unfollowed, NameRef{Object: o, Field: n.Field, Value: n.Text,
							Why: "an argument or env value, which the application reads as it is: it would name the old version"})
					}
				}
			}
			r.annotationRefs(o, yamltext.Meta(tpl.node.YNode()).Annotations, joinPath(tpl.path, "metadata"))
		}
		r.annotationRefs(o, o.Meta.Annotations, "metadata")
		for _, spec := range nameReferences {
			if spec.matches(o.Meta) {
				known = true
				r.tableRefs(o, spec)
			}
		}
		// An operator's custom resource: the fields confighash knows follow,
		// and any other that names a versioned source is said.
		covered := map[*yaml.Node]bool{}
		for _, rule := range finder.references(o) {
			for _, ref := range rule.refs(o) {
				covered[ref.name] = true
				ns := ref.Namespace
				if ns == "" {
					ns = o.Namespace
				}
				if v := r.versionNamed(ref.Kind, ns, ref.Name); v != nil && ref.name != nil {
					v.Refs = append(v.Refs, NameRef{Object: o, Field: ref.Field, Value: ref.Name, node: ref.name})
				}
			}
		}
		if !known && !knownKinds[o.Meta.Kind] {
			r.scanUnknown(o, covered)
		}
	}
	for _, v := range r.versions {
		for _, u := range v.Unfollowed {
			r.unfollowed(v, u)
		}
	}
}

// annotationRefs notes confighash.dev/configmaps and confighash.dev/secrets
// naming a versioned source: the application reads that one through the
// API by its name, which versioning changes.
func (r *run) annotationRefs(o *Object, annotations map[string]string, path string) {
	for _, ref := range annotationRefs(annotations, path) {
		ns := ref.Namespace
		if ns == "" {
			ns = o.Namespace
		}
		if v := r.versionNamed(ref.Kind, ns, ref.Name); v != nil {
			v.Unfollowed = append(v.Unfollowed, NameRef{Object: o, Field: ref.Field, Value: ref.Name,
				Why: "the application reads it through the API by a name it is given elsewhere, which versioning changes"})
		}
	}
}

// tableRefs notes the names at the paths of a name-reference spec.
func (r *run) tableRefs(o *Object, spec nameReference) {
	var found []located
	if spec.resources != "" {
		// rules[].resourceNames name objects of the rule's resources.
		for _, rule := range nodesAt(o.Node.YNode(), pathOf("rules.*")) {
			if slices.Contains(stringList(yamltext.Lookup(rule.node, "resources")), spec.resources) {
				for _, at := range nodesAt(rule.node, pathOf("resourceNames.*")) {
					found = append(found, located{at.node, rule.path + "." + at.path})
				}
			}
		}
	} else {
		found = nodesAt(o.Node.YNode(), spec.path)
	}
	for _, at := range found {
		if at.node.Kind != yaml.ScalarNode || at.node.Value == "" {
			continue
		}
		value, prefix, ns, name := at.node.Value, "", o.Namespace, at.node.Value
		if spec.nsPrefix {
			if before, after, ok := strings.Cut(value, "/"); ok {
				prefix, ns, name = before+"/", before, after
			}
		}
		var v *Version
		switch {
		case spec.clusterScoped:
			var ambiguous bool
			if v, ambiguous = r.versionAnywhere(spec.source, name); ambiguous {
				r.results = append(r.results, &framework.Result{
					Severity: framework.Warning,
					Message: fmt.Sprintf("%s: %s names %s %s, which is versioned in more than one namespace; confighash cannot tell which, and leaves it: name the versioned name there",
						o, at.path, spec.source, name),
					ResourceRef: o.ref(), Field: &framework.Field{Path: at.path}, File: o.File(),
				})
				continue
			}
		default:
			v = r.versionNamed(spec.source, ns, name)
		}
		if v != nil {
			v.Refs = append(v.Refs, NameRef{Object: o, Field: at.path, Value: value, node: at.node, prefix: prefix})
		}
	}
}

// stringList reads a list of strings; other elements are left out.
func stringList(n *yaml.Node) []string {
	if n == nil || n.Kind != yaml.SequenceNode {
		return nil
	}
	var out []string
	for _, e := range n.Content {
		if e = yamltext.Deref(e); e.Kind == yaml.ScalarNode {
			out = append(out, e.Value)
		}
	}
	return out
}

// scanUnknown notes the strings of an object of a kind confighash does not
// know that are the name of a versioned source of its namespace: they may
// be references it cannot see the meaning of.
func (r *run) scanUnknown(o *Object, covered map[*yaml.Node]bool) {
	var walk func(n *yaml.Node, path string)
	walk = func(n *yaml.Node, path string) {
		n = yamltext.Deref(n)
		switch n.Kind {
		case yaml.MappingNode:
			for _, e := range yamltext.Entries(n) {
				if path == "" && (e[0].Value == "metadata" || e[0].Value == "apiVersion" || e[0].Value == "kind") {
					continue
				}
				walk(e[1], joinPath(path, e[0].Value))
			}
		case yaml.SequenceNode:
			for i, e := range n.Content {
				walk(e, fmt.Sprintf("%s[%d]", path, i))
			}
		case yaml.ScalarNode:
			if covered[n] {
				return
			}
			for _, kind := range []string{kindConfigMap, kindSecret} {
				if v := r.versionNamed(kind, o.Namespace, n.Value); v != nil {
					v.Unfollowed = append(v.Unfollowed, NameRef{Object: o, Field: path, Value: n.Value,
						Why: "a field of a kind confighash does not know: name it in the option references if it is a reference"})
				}
			}
		}
	}
	walk(o.Node.YNode(), "")
}

// unfollowed reports a place that names a versioned source and cannot
// follow it: a warning, or an error with unfollowedRefs: error.
func (r *run) unfollowed(v *Version, u NameRef) {
	severity := framework.Warning
	if r.cfg.UnfollowedRefs == UnfollowedError {
		severity = framework.Error
	}
	r.results = append(r.results, &framework.Result{
		Severity: severity,
		Message: fmt.Sprintf("%s: %s names %s %s (%q), which is versioned and renamed %s; confighash cannot rewrite it: %s",
			u.Object, u.Field, v.Source.ID.Kind, v.Original, u.Value, v.Name, u.Why),
		ResourceRef: u.Object.ref(),
		Field:       &framework.Field{Path: u.Field},
		File:        u.Object.File(),
	})
}

// applyVersions makes the renames: the objects get their versioned names,
// the original name recorded and, with the option immutable, immutable:
// true; every reference that follows gets the new name.
func (r *run) applyVersions(changes *Changes) error {
	for _, v := range r.versions {
		o := v.Source.Object
		e := changes.Item(o.Index)
		root := o.Node.YNode()
		if v.Renamed() {
			name := yamltext.Lookup(yamltext.Lookup(root, "metadata"), "name")
			if name == nil || name.Kind != yaml.ScalarNode {
				return fmt.Errorf("%s: metadata.name is not a string", o)
			}
			e.ReplaceKeepingStyle(name, v.Name)
		}
		if o.Meta.Annotations[OriginalNameAnnotation] != v.Original {
			if err := recordOriginal(e, o.Node, v.Original); err != nil {
				return fmt.Errorf("%s: writing metadata.annotations: %w", o, err)
			}
		}
		if r.cfg.Immutable && !v.Immutable {
			immutable := yamltext.Entry{Key: "immutable", Value: "true", Plain: true}
			switch cur, kind := yamltext.Own(root, "immutable"), ownIndex(root, "kind"); {
			case cur != nil:
				e.ReplacePlain(cur, "true")
			case kind >= 0 && root.Content[kind+1].Kind == yaml.ScalarNode:
				e.InsertAfter(root, kind, immutable) // where people write it
			default:
				e.Insert(root, immutable)
			}
		}
		for _, ref := range v.Refs {
			if ref.Stale(v) {
				changes.Item(ref.Object.Index).ReplaceKeepingStyle(ref.node, ref.prefix+v.Name)
			}
		}
	}
	return nil
}

// recordOriginal writes the original-name annotation on a versioned object.
// An object without annotations gets them after its namespace (or name),
// where people write them, rather than first in its metadata.
func recordOriginal(e yamltext.Editor, obj *yaml.RNode, original string) error {
	md := yamltext.Own(obj.YNode(), "metadata")
	if md != nil && md.Kind == yaml.MappingNode && yamltext.Lookup(md, "annotations") == nil {
		after := ownIndex(md, "namespace")
		if after < 0 {
			after = ownIndex(md, "name")
		}
		if after >= 0 && md.Content[after+1].Kind == yaml.ScalarNode {
			e.InsertAfter(md, after, yamltext.Entry{Key: "annotations", Entries: []yamltext.Entry{{Key: OriginalNameAnnotation, Value: original}}})
			return nil
		}
	}
	_, err := annotationChange{set: map[string]string{OriginalNameAnnotation: original}}.apply(e, obj)
	return err
}

// ownIndex is the index of field's key in mapping n's own entries, -1 when
// absent.
func ownIndex(n *yaml.Node, field string) int {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == field {
			return i
		}
	}
	return -1
}

// planKept chooses the versions of the previous render to keep: those it
// used (or kept) that this render does not, up to keepPrevious renders old.
func (r *run) planKept(objects []*Object) {
	if len(r.cfg.previous) == 0 || r.cfg.KeepPrevious == 0 {
		return
	}
	present := map[SourceID]bool{}
	for _, o := range objects {
		present[SourceID{Kind: o.Meta.Kind, Namespace: o.Namespace, Name: o.Meta.Name}] = true
	}
	for _, v := range r.versions {
		present[SourceID{Kind: v.Source.ID.Kind, Namespace: v.Source.ID.Namespace, Name: v.Name}] = true
	}
	for _, prev := range objectsOf(r.cfg.previous, r.cfg.Namespace) {
		original := prev.Meta.Annotations[OriginalNameAnnotation]
		if original == "" || !isSourceKind(prev.Meta.APIVersion, prev.Meta.Kind) {
			continue
		}
		id := SourceID{Kind: prev.Meta.Kind, Namespace: prev.Namespace, Name: prev.Meta.Name}
		if present[id] {
			continue
		}
		age := 1
		if a, err := strconv.Atoi(prev.Meta.Annotations[PreviousAnnotation]); err == nil && a > 0 {
			age = a + 1
		}
		if age > r.cfg.KeepPrevious {
			continue
		}
		present[id] = true
		node := prev.Node.Copy()
		// The comments above it were about the render it came from.
		node.YNode().HeadComment = ""
		if c := node.YNode().Content; len(c) > 0 {
			c[0].HeadComment = ""
		}
		r.kept = append(r.kept, &Kept{Node: node, Kind: id.Kind, Namespace: prev.Meta.Namespace, Name: id.Name, Original: original, Age: age})
	}
}

// keptNodes are the kept versions as objects to add to the output, marked
// with their age.
func (r *run) keptNodes() ([]*yaml.RNode, error) {
	nodes := make([]*yaml.RNode, 0, len(r.kept))
	for _, k := range r.kept {
		if err := k.Node.PipeE(yaml.SetAnnotation(PreviousAnnotation, strconv.Itoa(k.Age))); err != nil {
			return nil, fmt.Errorf("%s %s/%s of the previous render: %w", k.Kind, k.Namespace, k.Name, err)
		}
		nodes = append(nodes, k.Node)
	}
	return nodes, nil
}

// nameReference is where objects of a kind other than a pod template's name
// a ConfigMap or Secret: kustomize's nameReference table for the built-in
// kinds, and the option references.
type nameReference struct {
	apiGroup string // "" matches every group
	kind     string
	path     []string
	source   string
	// nsPrefix: the value may be "namespace/name" (ingress-nginx's
	// annotations); clusterScoped: the object has no namespace, and the
	// name is looked up in every namespace.
	nsPrefix, clusterScoped bool
	// resources, when set, makes the names those of rules[].resourceNames
	// whose rule lists this resource (a Role's), in place of path.
	resources string
}

func (n nameReference) matches(m yaml.ResourceMeta) bool {
	if n.kind != m.Kind {
		return false
	}
	group, _, _ := strings.Cut(m.APIVersion, "/")
	if !strings.Contains(m.APIVersion, "/") {
		group = ""
	}
	return n.apiGroup == "" || n.apiGroup == group || n.apiGroup == "core" && group == ""
}

func pathOf(p string) []string { return utils.SmarterPathSplitter(p, ".") }

// nameReferences are the references outside pod specs of kustomize's
// nameReference table (api/internal/konfig/builtinpluginconsts) for
// ConfigMaps and Secrets, and ServiceAccount.secrets, which it lacks.
var nameReferences = []nameReference{
	{kind: "Ingress", path: pathOf("spec.tls.*.secretName"), source: kindSecret},
	{kind: "Ingress", path: pathOf("metadata.annotations.[ingress.kubernetes.io/auth-secret]"), source: kindSecret, nsPrefix: true},
	{kind: "Ingress", path: pathOf("metadata.annotations.[nginx.ingress.kubernetes.io/auth-secret]"), source: kindSecret, nsPrefix: true},
	{kind: "Ingress", path: pathOf("metadata.annotations.[nginx.ingress.kubernetes.io/auth-tls-secret]"), source: kindSecret, nsPrefix: true},
	{kind: "Ingress", path: pathOf("metadata.annotations.[nginx.ingress.kubernetes.io/fastcgi-params-configmap]"), source: kindConfigMap, nsPrefix: true},
	{apiGroup: "core", kind: "ServiceAccount", path: pathOf("imagePullSecrets.*.name"), source: kindSecret},
	{apiGroup: "core", kind: "ServiceAccount", path: pathOf("secrets.*.name"), source: kindSecret},
	{apiGroup: "core", kind: "Node", path: pathOf("spec.configSource.configMap.name"), source: kindConfigMap, clusterScoped: true},
	{apiGroup: "core", kind: "PersistentVolume", path: pathOf("spec.azureFile.secretName"), source: kindSecret, clusterScoped: true},
	{apiGroup: "storage.k8s.io", kind: "StorageClass", path: pathOf("parameters.secretName"), source: kindSecret, clusterScoped: true},
	{apiGroup: "storage.k8s.io", kind: "StorageClass", path: pathOf("parameters.adminSecretName"), source: kindSecret, clusterScoped: true},
	{apiGroup: "storage.k8s.io", kind: "StorageClass", path: pathOf("parameters.userSecretName"), source: kindSecret, clusterScoped: true},
	{apiGroup: "storage.k8s.io", kind: "StorageClass", path: pathOf("parameters.secretRef"), source: kindSecret, clusterScoped: true},
	{apiGroup: "rbac.authorization.k8s.io", kind: "Role", source: kindConfigMap, resources: "configmaps"},
	{apiGroup: "rbac.authorization.k8s.io", kind: "Role", source: kindSecret, resources: "secrets"},
	{apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", source: kindConfigMap, resources: "configmaps", clusterScoped: true},
	{apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", source: kindSecret, resources: "secrets", clusterScoped: true},
}

// knownKinds are the built-in kinds whose every reference to a ConfigMap or
// Secret confighash knows (pod templates, the table above): the other kinds
// are scanned for the names of versioned sources.
var knownKinds = map[string]bool{
	"Namespace": true, "Service": true, "Endpoints": true, "EndpointSlice": true, "ServiceAccount": true,
	"Role": true, "ClusterRole": true, "RoleBinding": true, "ClusterRoleBinding": true,
	"Ingress": true, "IngressClass": true, "NetworkPolicy": true, "PersistentVolumeClaim": true,
	"PersistentVolume": true, "StorageClass": true, "Node": true, "PodDisruptionBudget": true,
	"HorizontalPodAutoscaler": true, "PriorityClass": true, "LimitRange": true, "ResourceQuota": true,
	"CustomResourceDefinition": true, "APIService": true, "Kptfile": true, "Job": true, "Pod": true,
	"MutatingWebhookConfiguration": true, "ValidatingWebhookConfiguration": true,
}
