package fn

import (
	"fmt"
	"strconv"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/kio/kioutil"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"confighash.dev/confighash/internal/yamltext"
)

// Object is one object of the input, with its metadata read once: an item
// of the input, or an item of a List in it.
type Object struct {
	// Index is the position in the input of the item that holds the object.
	Index int
	// InList is the object's place in that item when the item is a List
	// ("items[2]", "items[0].items[1]"), "" when the item is the object.
	InList string
	Node   *yaml.RNode
	Meta   yaml.ResourceMeta
	// Namespace is where the object is applied: its metadata.namespace, or
	// the option namespace when it has none, as kubectl and Helm do.
	Namespace string
	// top is the input item that holds the object, which carries the
	// orchestrator's file annotations.
	top *yaml.RNode
}

// maxListDepth bounds how deep Lists of Lists are opened.
const maxListDepth = 8

// objectsOf returns the objects of the input, in order: each item, and in
// place of a List (kind List, or a typed list such as ConfigMapList, as
// kubectl applies them) the objects it holds. An item of a typed list
// without apiVersion or kind (as the API server returns them) takes them
// from the list.
func objectsOf(nodes []*yaml.RNode, namespace string) []*Object {
	objects := make([]*Object, 0, len(nodes))
	for i, n := range nodes {
		top := &Object{Index: i, top: n}
		objects = appendObjects(objects, top, n.YNode(), yamltext.Meta(n.YNode()), namespace, 0)
	}
	return objects
}

func appendObjects(objects []*Object, o *Object, n *yaml.Node, meta yaml.ResourceMeta, namespace string, depth int) []*Object {
	items := yamltext.Lookup(n, "items")
	if isList(meta) && items != nil && items.Kind == yaml.SequenceNode && depth < maxListDepth {
		for j, e := range items.Content {
			e = yamltext.Deref(e)
			if e.Kind != yaml.MappingNode {
				continue
			}
			m := yamltext.Meta(e)
			if m.Kind == "" && meta.Kind != "List" {
				m.Kind = strings.TrimSuffix(meta.Kind, "List")
			}
			if m.APIVersion == "" && meta.Kind != "List" {
				m.APIVersion = meta.APIVersion
			}
			in := *o
			in.InList = joinPath(o.InList, fmt.Sprintf("items[%d]", j))
			objects = appendObjects(objects, &in, e, m, namespace, depth+1)
		}
		return objects
	}
	o.Node, o.Meta, o.Namespace = yaml.NewRNode(n), meta, meta.Namespace
	if o.Namespace == "" {
		o.Namespace = namespace
	}
	return append(objects, o)
}

// isList says whether an object holds objects: kind List, or a typed list
// (ConfigMapList, DeploymentList, ...). A ResourceList is the function's
// wrapper, not a List.
func isList(meta yaml.ResourceMeta) bool {
	return meta.Kind == "List" || strings.HasSuffix(meta.Kind, "List") && meta.Kind != "ResourceList" && meta.APIVersion != ""
}

// String names an object as people write it: "Deployment shop/web".
func (o *Object) String() string {
	if o.Meta.Namespace == "" {
		return o.Meta.Kind + " " + o.Meta.Name
	}
	return o.Meta.Kind + " " + o.Meta.Namespace + "/" + o.Meta.Name
}

// File is the file the object came from, when the orchestrator said. It
// is read when a result needs it: kyaml's getters are slow, and most
// objects never have a result.
func (o *Object) File() *framework.File {
	path, index, _ := kioutil.GetFileAnnotations(o.top)
	if path == "" {
		return nil
	}
	f := &framework.File{Path: path}
	if i, err := strconv.Atoi(index); err == nil {
		f.Index = i
	}
	return f
}

// ref identifies the object in a result.
func (o *Object) ref() *yaml.ResourceIdentifier {
	return &yaml.ResourceIdentifier{TypeMeta: o.Meta.TypeMeta, NameMeta: o.Meta.NameMeta}
}
