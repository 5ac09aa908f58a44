package fn

import (
	"encoding/base64"
	"fmt"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

const (
	kindConfigMap = "ConfigMap"
	kindSecret    = "Secret"
)

// Annotations that confighash reads on objects.
const (
	// IgnoreAnnotation on a ConfigMap or Secret: never hashed, never
	// reported missing (config that the application reloads by itself).
	IgnoreAnnotation = "confighash.dev/ignore"
	// SkipAnnotation on a workload: leave it alone.
	SkipAnnotation = "confighash.dev/skip"
	// ConfigMapsAnnotation and SecretsAnnotation on a workload name sources
	// that the pod spec cannot show, as "a,b,namespace/c".
	ConfigMapsAnnotation = "confighash.dev/configmaps"
	SecretsAnnotation    = "confighash.dev/secrets"

	localConfigAnnotation = "config.kubernetes.io/local-config"
)

// SourceID names a ConfigMap or Secret. Namespace is never "": an object
// without a namespace is in "default", as the API server would put it.
type SourceID struct {
	Kind      string
	Namespace string
	Name      string
}

func (id SourceID) String() string { return id.Kind + " " + id.Namespace + "/" + id.Name }

// normalizeNamespace maps "" to "default": the two are the same namespace.
func normalizeNamespace(ns string) string {
	if ns == "" {
		return "default"
	}
	return ns
}

// Source is a ConfigMap or Secret of the input.
type Source struct {
	ID   SourceID
	Node *yaml.RNode
	// Item is the position of the object in the input.
	Item int
}

// sourceIndex holds the sources of one run, by ID.
type sourceIndex struct {
	sources map[SourceID][]*Source
	// ignored and localConfig are sources that exist in the input but that
	// confighash must not hash: annotated ignore, or never applied to a
	// cluster.
	ignored     map[SourceID]bool
	localConfig map[SourceID]bool
}

func isSourceKind(apiVersion, kind string) bool {
	return apiVersion == "v1" && (kind == kindConfigMap || kind == kindSecret)
}

func newSourceIndex(items []*item, cfg *Config) *sourceIndex {
	idx := &sourceIndex{
		sources:     map[SourceID][]*Source{},
		ignored:     map[SourceID]bool{},
		localConfig: map[SourceID]bool{},
	}
	for _, it := range items {
		if !isSourceKind(it.meta.APIVersion, it.meta.Kind) || !cfg.follows(it.meta.Kind) {
			continue
		}
		id := SourceID{Kind: it.meta.Kind, Namespace: normalizeNamespace(it.meta.Namespace), Name: it.meta.Name}
		switch {
		case it.meta.Annotations[IgnoreAnnotation] == "true":
			idx.ignored[id] = true
		case it.meta.Annotations[localConfigAnnotation] == "true":
			idx.localConfig[id] = true
		default:
			idx.sources[id] = append(idx.sources[id], &Source{ID: id, Node: it.node, Item: it.index})
		}
	}
	return idx
}

// keySet is the set of keys that count for a source: every key, or those listed.
type keySet struct {
	all  bool
	keys map[string]bool
}

func (k *keySet) add(r Ref, cfg *Config) {
	if r.Keys == nil || cfg.Keys == KeysAll {
		k.all = true
		return
	}
	if k.keys == nil {
		k.keys = map[string]bool{}
	}
	for _, key := range r.Keys {
		k.keys[key] = true
	}
}

func (k *keySet) counts(key string) bool { return k.all || k.keys[key] }

// String is a stable form of the set, used to share digests between targets.
func (k *keySet) String() string {
	if k.all {
		return "*"
	}
	return strings.Join(sortedKeys(k.keys), "\x00")
}

// sourceWarning is a problem in a source that does not stop the run.
type sourceWarning struct {
	field   string
	message string
}

// Values returns the value bytes of each counted key that exists in the
// source, as a pod sees them (SPEC 4): ConfigMap data as UTF-8, binaryData
// and Secret data base64-decoded, Secret stringData over data. It never puts
// a value in an error or a warning.
func (s *Source) Values(keys *keySet) (map[string][]byte, []sourceWarning, error) {
	values := map[string][]byte{}
	var warnings []sourceWarning
	readField := func(field string, decode bool) error {
		m, err := s.stringMap(field)
		if err != nil {
			return err
		}
		for _, kv := range m {
			if !keys.counts(kv.key) {
				continue
			}
			if !decode {
				values[kv.key] = []byte(kv.value)
				continue
			}
			b, err := base64.StdEncoding.DecodeString(kv.value)
			if err != nil {
				warnings = append(warnings, sourceWarning{
					field:   field + "." + kv.key,
					message: fmt.Sprintf("%s: field %s.%s is not valid base64; counting its raw bytes", s.ID, field, kv.key),
				})
				b = []byte(kv.value)
			}
			values[kv.key] = b
		}
		return nil
	}
	switch s.ID.Kind {
	case kindConfigMap:
		if err := readField("data", false); err != nil {
			return nil, nil, err
		}
		text := values
		values = map[string][]byte{}
		if err := readField("binaryData", true); err != nil {
			return nil, nil, err
		}
		for k, v := range text {
			if _, both := values[k]; both {
				return nil, nil, &fieldError{field: "binaryData." + k, msg: fmt.Sprintf("%s: key %q is in both data and binaryData", s.ID, k)}
			}
			values[k] = v
		}
	case kindSecret:
		if err := readField("data", true); err != nil {
			return nil, nil, err
		}
		// stringData is write-only and the API server merges it over data.
		if err := readField("stringData", false); err != nil {
			return nil, nil, err
		}
	}
	return values, warnings, nil
}

type keyValue struct{ key, value string }

// stringMap reads a map of strings at field, or nothing when the field is
// absent or null. Anything else is malformed: the API server would reject it.
func (s *Source) stringMap(field string) ([]keyValue, error) {
	f := s.Node.Field(field)
	if f == nil || yaml.IsMissingOrNull(f.Value) {
		return nil, nil
	}
	y := deref(f.Value.YNode())
	if y.Kind != yaml.MappingNode {
		return nil, &fieldError{field: field, msg: fmt.Sprintf("%s: field %s: want a map of strings, got %s", s.ID, field, describeNode(y, s.ID.Kind == kindSecret))}
	}
	kvs := make([]keyValue, 0, len(y.Content)/2)
	for i := 0; i+1 < len(y.Content); i += 2 {
		k, v := deref(y.Content[i]), deref(y.Content[i+1])
		if v.Kind != yaml.ScalarNode || v.ShortTag() != yaml.NodeTagString {
			return nil, &fieldError{field: field + "." + k.Value, msg: fmt.Sprintf("%s: field %s.%s: want a string, got %s (quote the value)", s.ID, field, k.Value, describeNode(v, s.ID.Kind == kindSecret))}
		}
		kvs = append(kvs, keyValue{key: k.Value, value: v.Value})
	}
	return kvs, nil
}

// describeNode is describeValue that never shows a Secret's value.
func describeNode(n *yaml.Node, secret bool) string {
	if secret && n.Kind == yaml.ScalarNode {
		return "a value of type " + strings.TrimPrefix(n.ShortTag(), "!!")
	}
	return describeValue(n)
}

// deref follows a YAML alias to the node it names.
func deref(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}
