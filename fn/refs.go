package fn

import (
	"fmt"
	"regexp"
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
	// Keys are the keys the reference shows to the pod; nil means all (of
	// data only, when DataOnly is set: envFrom shows no binaryData).
	Keys     []string
	DataOnly bool
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
	// SubPaths are, when every container mounts the volume only through
	// subPath, the paths mounted: Keys are then the keys behind them.
	SubPaths []string
	// Arg is the container argument or env value that names the source,
	// for a reference that followArgs counts.
	Arg string
	// name is the scalar that holds the name, where a versioned source's
	// new name is written; nil for a reference that cannot be rewritten.
	name *yaml.Node
	// note says, for a custom resource's field, what the pods do with it.
	note string
}

// The kinds of reference, as Ref.Via names them.
const (
	RefEnv        = "env"
	RefEnvFrom    = "envFrom"
	RefVolume     = "volume"
	RefProjected  = "projected"
	RefAnnotation = "annotation"
	RefExtra      = "extraRefs"
	RefArg        = "arg"
	// RefImagePull is a Secret in imagePullSecrets: the kubelet pulls
	// images with it and the pods never see it, so it counts for no hash,
	// but a versioned Secret's new name is written there.
	RefImagePull = "imagePullSecrets"
)

// containerLists are the fields of a pod spec that hold containers.
var containerLists = []string{"containers", "initContainers", "ephemeralContainers"}

// mount is one volumeMounts entry of a container.
type mount struct {
	container, subPath string
	subPathExpr        bool
}

// podSpecRefs returns every reference of the pod spec at spec, in document
// order; path is the field path of spec in its object.
func podSpecRefs(spec *yaml.Node, path string) []Ref {
	var refs []Ref
	mounts := map[string][]mount{} // volume name -> its mounts
	for _, list := range containerLists {
		for i, c := range yamltext.Seq(spec, list) {
			cpath := path + "." + list + elemPath(c, i)
			refs = appendEnvRefs(refs, c, cpath)
			name := yamltext.String(c, "name")
			for _, m := range yamltext.Seq(c, "volumeMounts") {
				if v := yamltext.String(m, "name"); v != "" {
					mounts[v] = append(mounts[v], mount{container: name, subPath: yamltext.String(m, "subPath"), subPathExpr: yamltext.String(m, "subPathExpr") != ""})
				}
			}
		}
	}
	for i, s := range yamltext.Seq(spec, "imagePullSecrets") {
		refs = append(refs, Ref{Kind: kindSecret, Name: yamltext.String(s, "name"), Field: fmt.Sprintf("%s.imagePullSecrets[%d]", path, i), Via: RefImagePull, name: yamltext.Lookup(s, "name")})
	}
	for i, v := range yamltext.Seq(spec, "volumes") {
		vpath := path + ".volumes" + elemPath(v, i)
		name := yamltext.String(v, "name")
		subPaths := onlySubPaths(mounts[name])
		volume := func(r Ref, via string, items []*yaml.Node) Ref {
			r.Via, r.Volume = via, name
			for _, m := range mounts[name] {
				if !slices.Contains(r.MountedBy, m.container) {
					r.MountedBy = append(r.MountedBy, m.container)
				}
			}
			if subPaths != nil {
				r.SubPaths, r.Keys = subPaths, subPathKeys(subPaths, items)
			}
			return r
		}
		if cm := yamltext.Map(v, "configMap"); cm != nil {
			refs = append(refs, volume(volumeRef(kindConfigMap, cm, "name", vpath+".configMap"), RefVolume, yamltext.Seq(cm, "items")))
		}
		if s := yamltext.Map(v, "secret"); s != nil {
			refs = append(refs, volume(volumeRef(kindSecret, s, "secretName", vpath+".secret"), RefVolume, yamltext.Seq(s, "items")))
		}
		for j, src := range yamltext.Seq(yamltext.Map(v, "projected"), "sources") {
			spath := fmt.Sprintf("%s.projected.sources[%d]", vpath, j)
			if cm := yamltext.Map(src, "configMap"); cm != nil {
				refs = append(refs, volume(volumeRef(kindConfigMap, cm, "name", spath+".configMap"), RefProjected, yamltext.Seq(cm, "items")))
			}
			if s := yamltext.Map(src, "secret"); s != nil {
				refs = append(refs, volume(volumeRef(kindSecret, s, "name", spath+".secret"), RefProjected, yamltext.Seq(s, "items")))
			}
		}
	}
	return refs
}

// onlySubPaths returns the subPaths of a volume's mounts when every mount
// has one (subPathExpr, resolved at run time, could be any): the kubelet
// then shows the pod those files alone. nil otherwise, and for a volume no
// container mounts.
func onlySubPaths(mounts []mount) []string {
	var paths []string
	for _, m := range mounts {
		if m.subPath == "" || m.subPathExpr {
			return nil
		}
		if !slices.Contains(paths, m.subPath) {
			paths = append(paths, m.subPath)
		}
	}
	return paths
}

// subPathKeys are the keys behind the subPaths of a volume: with items, the
// keys whose path is a subPath or lies under one; without, a key is its own
// path.
func subPathKeys(subPaths []string, items []*yaml.Node) []string {
	var keys []string
	add := func(k string) {
		if !slices.Contains(keys, k) {
			keys = append(keys, k)
		}
	}
	for _, sp := range subPaths {
		sp = strings.Trim(sp, "/")
		if len(items) == 0 {
			add(sp)
			continue
		}
		for _, it := range items {
			if p := strings.Trim(yamltext.String(it, "path"), "/"); p == sp || strings.HasPrefix(p, sp+"/") {
				add(yamltext.String(it, "key"))
			}
		}
	}
	if keys == nil {
		keys = []string{}
	}
	return keys
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
			refs = append(refs, Ref{Kind: kindConfigMap, Name: yamltext.String(r, "name"), DataOnly: true, Optional: isTrue(r, "optional"), Field: epath + ".configMapRef", Via: RefEnvFrom, Container: container, name: yamltext.Lookup(r, "name")})
		}
		if r := yamltext.Map(e, "secretRef"); r != nil {
			refs = append(refs, Ref{Kind: kindSecret, Name: yamltext.String(r, "name"), Optional: isTrue(r, "optional"), Field: epath + ".secretRef", Via: RefEnvFrom, Container: container, name: yamltext.Lookup(r, "name")})
		}
	}
	return refs
}

func keyRef(kind string, r *yaml.Node, path, container string) Ref {
	return Ref{Kind: kind, Name: yamltext.String(r, "name"), Keys: []string{yamltext.String(r, "key")}, Optional: isTrue(r, "optional"), Field: path, Via: RefEnv, Container: container, name: yamltext.Lookup(r, "name")}
}

// volumeRef reads a configMap or secret volume source: items, when set,
// limit the keys that the pod sees.
func volumeRef(kind string, v *yaml.Node, nameField, path string) Ref {
	ref := Ref{Kind: kind, Name: yamltext.String(v, nameField), Optional: isTrue(v, "optional"), Field: path, name: yamltext.Lookup(v, nameField)}
	if items := yamltext.Seq(v, "items"); len(items) > 0 {
		ref.Keys = make([]string, 0, len(items))
		for _, it := range items {
			ref.Keys = append(ref.Keys, yamltext.String(it, "key"))
		}
	}
	return ref
}

// extraRefs are the references that the option extraRefs adds to a target
// of object o.
func extraRefs(cfg *Config, o *Object) []Ref {
	var refs []Ref
	for i, x := range cfg.ExtraRefs {
		if !x.Selector.matches(o) {
			continue
		}
		for _, l := range []struct {
			kind, field string
			names       []string
		}{{kindConfigMap, "configMaps", x.ConfigMaps}, {kindSecret, "secrets", x.Secrets}} {
			for j, entry := range l.names {
				ref := Ref{Kind: l.kind, Name: entry, Field: fmt.Sprintf("option extraRefs[%d].%s[%d]", i, l.field, j), Via: RefExtra}
				if ns, name, ok := strings.Cut(entry, "/"); ok {
					ref.Namespace, ref.Name = ns, name
				}
				refs = append(refs, ref)
			}
		}
	}
	return refs
}

// ArgName is a name that a container's command, args or env value gives,
// which may be a ConfigMap or a Secret: the value of --flag=NAME or
// --flag NAME, or a whole env value; NAME may be namespace/NAME, and
// $(POD_NAMESPACE)/NAME and the like are the pod's own namespace.
type ArgName struct {
	Container string
	// Field is where the name stands: ...containers[name=x].args[2].
	Field string
	// Text is the argument or value as written.
	Text string
	// Flag is the flag the name is the value of, "" for an env value.
	Flag      string
	Namespace string
	Name      string
}

// argNames returns the names the containers of the pod spec at spec give in
// their command, args and env values, in document order.
func argNames(spec *yaml.Node, path string) []ArgName {
	var names []ArgName
	for _, list := range containerLists {
		for i, c := range yamltext.Seq(spec, list) {
			cpath := path + "." + list + elemPath(c, i)
			container := yamltext.String(c, "name")
			for _, field := range []string{"command", "args"} {
				args := yamltext.Lookup(c, field)
				if args == nil || args.Kind != yaml.SequenceNode {
					continue
				}
				for j, a := range args.Content {
					a = yamltext.Deref(a)
					if a.Kind != yaml.ScalarNode {
						continue
					}
					text := a.Value
					flag, value, ok := strings.Cut(a.Value, "=")
					if !ok && j > 0 {
						// --flag NAME: the name follows a flag without a value.
						prev := yamltext.Deref(args.Content[j-1])
						if prev.Kind == yaml.ScalarNode && strings.HasPrefix(prev.Value, "-") && !strings.Contains(prev.Value, "=") && !strings.HasPrefix(a.Value, "-") {
							flag, value, ok = prev.Value, a.Value, true
							text = prev.Value + " " + a.Value
						}
					}
					if !ok || !strings.HasPrefix(flag, "-") {
						continue
					}
					if n, ok := parseArgName(value); ok {
						n.Container, n.Field, n.Text, n.Flag = container, fmt.Sprintf("%s.%s[%d]", cpath, field, j), text, flag
						names = append(names, n)
					}
				}
			}
			for j, e := range yamltext.Seq(c, "env") {
				v := yamltext.Lookup(e, "value")
				if v == nil || v.Kind != yaml.ScalarNode {
					continue
				}
				if n, ok := parseArgName(v.Value); ok {
					n.Container, n.Field, n.Text = container, cpath+".env"+elemPath(e, j)+".value", v.Value
					names = append(names, n)
				}
			}
		}
	}
	return names
}

// objectName is the form of a ConfigMap or Secret name: an RFC 1123
// subdomain, here without its length limit.
var objectName = regexp.MustCompile(`^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$`)

// parseArgName reads NAME, namespace/NAME or $(VAR)/NAME.
func parseArgName(v string) (ArgName, bool) {
	ns, name, ok := strings.Cut(v, "/")
	if !ok {
		ns, name = "", v
	}
	if !objectName.MatchString(name) || ok && !namespaceName.MatchString(ns) && !(strings.HasPrefix(ns, "$(") && strings.HasSuffix(ns, ")")) {
		return ArgName{}, false
	}
	if strings.HasPrefix(ns, "$(") {
		ns = ""
	}
	return ArgName{Namespace: ns, Name: name}, true
}

// argKinds are the kinds a flag can name: a flag that says secret names a
// Secret, one that says configmap or cm a ConfigMap, one that names another
// kind of object (service, namespace, class) neither, any other either.
func argKinds(flag string) []string {
	f := strings.ToLower(strings.TrimLeft(flag, "-"))
	switch {
	case strings.Contains(f, "service") || strings.Contains(f, "svc") || strings.Contains(f, "namespace") || strings.Contains(f, "class"):
		// --publish-service=ns/NAME names a Service, whatever else has its name.
		return nil
	case strings.Contains(f, "secret"):
		return []string{kindSecret}
	case strings.Contains(f, "configmap"), strings.Contains(f, "config-map"), f == "cm" || strings.HasPrefix(f, "cm-") || strings.HasSuffix(f, "-cm"):
		return []string{kindConfigMap}
	}
	return []string{kindConfigMap, kindSecret}
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
				ref.Namespace, ref.Name = ns, name
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
