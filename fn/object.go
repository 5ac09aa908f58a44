package fn

import (
	"strconv"

	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/kio/kioutil"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"confighash.dev/confighash/internal/yamltext"
)

// Object is one object of the input, with its metadata read once.
type Object struct {
	// Index is the position of the object in the input.
	Index int
	Node  *yaml.RNode
	Meta  yaml.ResourceMeta
	// Namespace is where the object is applied: its metadata.namespace, or
	// "default" when it has none, as the API server would put it.
	Namespace string
}

func newObject(index int, node *yaml.RNode) *Object {
	o := &Object{Index: index, Node: node, Meta: yamltext.Meta(node.YNode())}
	o.Namespace = normalizeNamespace(o.Meta.Namespace)
	return o
}

// String names an object as people write it: "Deployment shop/web".
func (o *Object) String() string {
	if o.Meta.Namespace == "" {
		return o.Meta.Kind + " " + o.Meta.Name
	}
	return o.Meta.Kind + " " + o.Meta.Namespace + "/" + o.Meta.Name
}

// File is the file the object came from, when the orchestrator said.
func (o *Object) File() *framework.File {
	path, index, _ := kioutil.GetFileAnnotations(o.Node)
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

// normalizeNamespace maps "" to "default": the two are the same namespace.
func normalizeNamespace(ns string) string {
	if ns == "" {
		return "default"
	}
	return ns
}
