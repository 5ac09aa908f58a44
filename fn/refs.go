package fn

import (
	"fmt"
	"slices"
	"strings"

	"confighash.dev/confighash/internal/yamltext"
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
		for i, c := range yamltext.Seq(spec, list) {
			cpath := path + "." + list + elemPath(c, i)
			refs = appendEnvRefs(refs, c, cpath)
			name := yamltext.String(c, "name")
			for _, m := range yamltext.Seq(c, "volumeMounts") {
				if v := yamltext.String(m, "name"); v != "" && !slices.Contains(mounts[v], name) {
					mounts[v] = append(mounts[v], name)
				}
			}
		}
	}
	for i, v := range yamltext.Seq(spec, "volumes") {
		vpath := path + ".volumes" + elemPath(v, i)
		name := yamltext.String(v, "name")
		volume := func(r Ref, via string) Ref {
			r.Via, r.Volume, r.MountedBy = via, name, mounts[name]
			return r
		}
		if cm := yamltext.Map(v, "configMap"); cm != nil {
			refs = append(refs, volume(volumeRef(kindConfigMap, cm, "name", vpath+".configMap"), RefVolume))
		}
		if s := yamltext.Map(v, "secret"); s != nil {
			refs = append(refs, volume(volumeRef(kindSecret, s, "secretName", vpath+".secret"), RefVolume))
		}
		for j, src := range yamltext.Seq(yamltext.Map(v, "projected"), "sources") {
			spath := fmt.Sprintf("%s.projected.sources[%d]", vpath, j)
			if cm := yamltext.Map(src, "configMap"); cm != nil {
				refs = append(refs, volume(volumeRef(kindConfigMap, cm, "name", spath+".configMap"), RefProjected))
			}
			if s := yamltext.Map(src, "secret"); s != nil {
				refs = append(refs, volume(volumeRef(kindSecret, s, "name", spath+".secret"), RefProjected))
			}
		}
	}
	return refs
}

func appendEnvRefs(refs []Ref, c *yaml.Node, path string) []Ref {
	container := yamltext.String(c, "name")
	for i, e := range yamltext.Seq(c, "env") {
		from := yamltext.Map(e, "valueFrom")
		epath := path + ".env" + elemPath(e, i) + ".valueFrom"
		if r := yamltext.Map(from, "configMapKeyRef"); r != nil {
			refs = append(refs, keyRef(kindConfigMap, r, epath+".configMapKeyRef", container))
		}
		if r := yamltext.Map(from, "secretKeyRef"); r != nil {
			refs = append(refs, keyRef(kindSecret, r, epath+".secretKeyRef", container))
		}
	}
	for i, e := range yamltext.Seq(c, "envFrom") {
		epath := fmt.Sprintf("%s.envFrom[%d]", path, i)
		if r := yamltext.Map(e, "configMapRef"); r != nil {
			refs = append(refs, Ref{Kind: kindConfigMap, Name: yamltext.String(r, "name"), Optional: isTrue(r, "optional"), Field: epath + ".configMapRef", Via: RefEnvFrom, Container: container})
		}
		if r := yamltext.Map(e, "secretRef"); r != nil {
			refs = append(refs, Ref{Kind: kindSecret, Name: yamltext.String(r, "name"), Optional: isTrue(r, "optional"), Field: epath + ".secretRef", Via: RefEnvFrom, Container: container})
		}
	}
	return refs
}

func keyRef(kind string, r *yaml.Node, path, container string) Ref {
	return Ref{Kind: kind, Name: yamltext.String(r, "name"), Keys: []string{yamltext.String(r, "key")}, Optional: isTrue(r, "optional"), Field: path, Via: RefEnv, Container: container}
}

// volumeRef reads a configMap or secret volume source: items, when set,
// limit the keys that the pod sees.
func volumeRef(kind string, v *yaml.Node, nameField, path string) Ref {
	ref := Ref{Kind: kind, Name: yamltext.String(v, nameField), Optional: isTrue(v, "optional"), Field: path}
	if items := yamltext.Seq(v, "items"); len(items) > 0 {
		ref.Keys = make([]string, 0, len(items))
		for _, it := range items {
			ref.Keys = append(ref.Keys, yamltext.String(it, "key"))
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

// elemPath names a list element for a field path: [name=x] when it has a
// name, as kyaml and kpt write paths, else its index.
func elemPath(n *yaml.Node, i int) string {
	if name := yamltext.String(n, "name"); name != "" {
		return "[name=" + name + "]"
	}
	return fmt.Sprintf("[%d]", i)
}

// isTrue reads a boolean field such as optional; anything but true is false.
func isTrue(n *yaml.Node, field string) bool {
	return yamltext.String(n, field) == "true"
}
