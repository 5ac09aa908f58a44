package fn

import (
	"fmt"
	"slices"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Ref is one reference from a pod template to a ConfigMap or Secret.
type Ref struct {
	Kind string
	// Namespace is set only by an annotation that names "namespace/name";
	// otherwise the reference resolves in the target's namespace.
	Namespace string
	Name      string
	// Keys are the keys the reference shows to the pod; nil means all.
	Keys     []string
	Optional bool
	// Field is the path of the reference in the object, for results.
	Field string
	// Via says what kind of reference this is (RefEnv, RefEnvFrom,
	// RefVolume, RefProjected, RefAnnotation), so that explain can say why a
	// key counts.
	Via string
	// Container is the container of an env or envFrom reference.
	Container string
	// Volume is the volume of a volume or projected reference, and MountedBy
	// the containers that mount it, in the order of the pod spec.
	Volume    string
	MountedBy []string
}

// The kinds of reference, as Ref.Via names them.
const (
	RefEnv        = "env"
	RefEnvFrom    = "envFrom"
	RefVolume     = "volume"
	RefProjected  = "projected"
	RefAnnotation = "annotation"
)

// containerLists are the fields of a pod spec that hold containers.
var containerLists = []string{"containers", "initContainers", "ephemeralContainers"}

// podSpecRefs returns every reference of the pod spec at spec, in document
// order; path is the field path of spec in its object.
func podSpecRefs(spec *yaml.Node, path string) []Ref {
	var refs []Ref
	mounts := map[string][]string{} // volume name -> containers that mount it
	for _, list := range containerLists {
		for i, c := range seqField(spec, list) {
			cpath := path + "." + list + elemPath(c, i)
			refs = appendEnvRefs(refs, c, cpath)
			name := stringField(c, "name")
			for _, m := range seqField(c, "volumeMounts") {
				if v := stringField(m, "name"); v != "" && !slices.Contains(mounts[v], name) {
					mounts[v] = append(mounts[v], name)
				}
			}
		}
	}
	for i, v := range seqField(spec, "volumes") {
		vpath := path + ".volumes" + elemPath(v, i)
		name := stringField(v, "name")
		volume := func(r Ref, via string) Ref {
			r.Via, r.Volume, r.MountedBy = via, name, mounts[name]
			return r
		}
		if cm := mapField(v, "configMap"); cm != nil {
			refs = append(refs, volume(volumeRef(kindConfigMap, cm, "name", vpath+".configMap"), RefVolume))
		}
		if s := mapField(v, "secret"); s != nil {
			refs = append(refs, volume(volumeRef(kindSecret, s, "secretName", vpath+".secret"), RefVolume))
		}
		for j, src := range seqField(mapField(v, "projected"), "sources") {
			spath := fmt.Sprintf("%s.projected.sources[%d]", vpath, j)
			if cm := mapField(src, "configMap"); cm != nil {
				refs = append(refs, volume(volumeRef(kindConfigMap, cm, "name", spath+".configMap"), RefProjected))
			}
			if s := mapField(src, "secret"); s != nil {
				refs = append(refs, volume(volumeRef(kindSecret, s, "name", spath+".secret"), RefProjected))
			}
		}
	}
	return refs
}

func appendEnvRefs(refs []Ref, c *yaml.Node, path string) []Ref {
	container := stringField(c, "name")
	for i, e := range seqField(c, "env") {
		from := mapField(e, "valueFrom")
		epath := path + ".env" + elemPath(e, i) + ".valueFrom"
		if r := mapField(from, "configMapKeyRef"); r != nil {
			refs = append(refs, keyRef(kindConfigMap, r, epath+".configMapKeyRef", container))
		}
		if r := mapField(from, "secretKeyRef"); r != nil {
			refs = append(refs, keyRef(kindSecret, r, epath+".secretKeyRef", container))
		}
	}
	for i, e := range seqField(c, "envFrom") {
		epath := fmt.Sprintf("%s.envFrom[%d]", path, i)
		if r := mapField(e, "configMapRef"); r != nil {
			refs = append(refs, Ref{Kind: kindConfigMap, Name: stringField(r, "name"), Optional: isTrue(r, "optional"), Field: epath + ".configMapRef", Via: RefEnvFrom, Container: container})
		}
		if r := mapField(e, "secretRef"); r != nil {
			refs = append(refs, Ref{Kind: kindSecret, Name: stringField(r, "name"), Optional: isTrue(r, "optional"), Field: epath + ".secretRef", Via: RefEnvFrom, Container: container})
		}
	}
	return refs
}

func keyRef(kind string, r *yaml.Node, path, container string) Ref {
	return Ref{Kind: kind, Name: stringField(r, "name"), Keys: []string{stringField(r, "key")}, Optional: isTrue(r, "optional"), Field: path, Via: RefEnv, Container: container}
}

// volumeRef reads a configMap or secret volume source: items, when set,
// limit the keys that the pod sees.
func volumeRef(kind string, v *yaml.Node, nameField, path string) Ref {
	ref := Ref{Kind: kind, Name: stringField(v, nameField), Optional: isTrue(v, "optional"), Field: path}
	if items := seqField(v, "items"); len(items) > 0 {
		ref.Keys = make([]string, 0, len(items))
		for _, it := range items {
			ref.Keys = append(ref.Keys, stringField(it, "key"))
		}
	}
	return ref
}

// annotationRefs reads the confighash.dev/configmaps and
// confighash.dev/secrets annotations: "a, b, namespace/c".
func annotationRefs(annotations map[string]string, path string) []Ref {
	var refs []Ref
	for _, a := range []struct{ key, kind string }{{ConfigMapsAnnotation, kindConfigMap}, {SecretsAnnotation, kindSecret}} {
		for _, entry := range strings.Split(annotations[a.key], ",") {
			entry = strings.TrimSpace(entry)
			if entry == "" {
				continue
			}
			ref := Ref{Kind: a.kind, Name: entry, Field: path + ".annotations[" + a.key + "]", Via: RefAnnotation}
			if ns, name, ok := strings.Cut(entry, "/"); ok {
				ref.Namespace, ref.Name = normalizeNamespace(ns), name
			}
			refs = append(refs, ref)
		}
	}
	return refs
}

// The helpers below read the plain YAML nodes of a pod spec. They follow
// aliases and treat a field of the wrong shape as absent: a malformed pod
// spec is the API server's to reject, and it references nothing.

func mapField(n *yaml.Node, field string) *yaml.Node {
	v := lookup(n, field)
	if v == nil || v.Kind != yaml.MappingNode {
		return nil
	}
	return v
}

func seqField(n *yaml.Node, field string) []*yaml.Node {
	v := lookup(n, field)
	if v == nil || v.Kind != yaml.SequenceNode {
		return nil
	}
	elems := make([]*yaml.Node, 0, len(v.Content))
	for _, e := range v.Content {
		if e = deref(e); e.Kind == yaml.MappingNode {
			elems = append(elems, e)
		}
	}
	return elems
}

func stringField(n *yaml.Node, field string) string {
	v := lookup(n, field)
	if v == nil || v.Kind != yaml.ScalarNode {
		return ""
	}
	return v.Value
}

func isTrue(n *yaml.Node, field string) bool {
	return stringField(n, field) == "true"
}

func lookup(n *yaml.Node, field string) *yaml.Node {
	n = deref(n)
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == field {
			return deref(n.Content[i+1])
		}
	}
	return nil
}

// elemPath names a list element for a field path: [name=x] when it has a
// name, as kyaml and kpt write paths, else its index.
func elemPath(n *yaml.Node, i int) string {
	if name := stringField(n, "name"); name != "" {
		return "[name=" + name + "]"
	}
	return fmt.Sprintf("[%d]", i)
}
