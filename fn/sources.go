package fn

import (
	"encoding/base64"
	"fmt"
	"maps"
	"slices"
	"strings"

	"confighash.dev/confighash/internal/yamltext"
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

// Compare orders IDs as their String forms sort.
func (id SourceID) Compare(o SourceID) int { return strings.Compare(id.String(), o.String()) }

// Source is a ConfigMap or Secret of the input.
type Source struct {
	ID     SourceID
	Object *Object
	// made is set for a Secret that a producer of the input makes: Object
	// is the producer.
	made *made
}

// sourceIndex holds the sources of one run, by ID.
type sourceIndex struct {
	sources map[SourceID][]*Source
	// ignored and localConfig are sources that exist in the input but that
	// confighash must not hash: annotated ignore, or never applied to a
	// cluster.
	ignored     map[SourceID]bool
	localConfig map[SourceID]bool
	// namespaces are, by kind and name, the namespaces where the input has
	// an object of that kind and name, to say where a missing one is.
	namespaces map[SourceID][]string
	// renamed maps the name a versioned source has in the input (rendered
	// manifests) to its ID, which holds its original name.
	renamed map[SourceID]SourceID
	// unmade are the producers of the input that make no Secret, and why.
	unmade []unmade
}

// unmade is a producer that makes no Secret a reference could name.
type unmade struct {
	object *Object
	why    string
}

func isSourceKind(apiVersion, kind string) bool {
	return apiVersion == "v1" && (kind == kindConfigMap || kind == kindSecret)
}

func newSourceIndex(objects []*Object, cfg *Config) *sourceIndex {
	idx := &sourceIndex{
		sources:     map[SourceID][]*Source{},
		ignored:     map[SourceID]bool{},
		localConfig: map[SourceID]bool{},
		namespaces:  map[SourceID][]string{},
		renamed:     map[SourceID]SourceID{},
	}
	producers := append(slices.Clone(builtinProducers), cfg.Producers...)
	for _, o := range objects {
		if !cfg.follows(kindSecret) || isSourceKind(o.Meta.APIVersion, o.Meta.Kind) {
			continue
		}
		secrets, names, skipped := producedSecrets(o, producers)
		for _, why := range skipped {
			idx.unmade = append(idx.unmade, unmade{object: o, why: why})
		}
		for i, m := range secrets {
			idx.add(&Source{ID: SourceID{Kind: kindSecret, Namespace: o.Namespace, Name: names[i]}, Object: o, made: m}, cfg)
		}
	}
	for _, o := range objects {
		// A version kept from an earlier render is no source: nothing refers
		// to it any more, and it goes through as it is.
		if !isSourceKind(o.Meta.APIVersion, o.Meta.Kind) || !cfg.follows(o.Meta.Kind) || o.Meta.Annotations[PreviousAnnotation] != "" {
			continue
		}
		id := SourceID{Kind: o.Meta.Kind, Namespace: o.Namespace, Name: o.Meta.Name}
		if original := o.Meta.Annotations[OriginalNameAnnotation]; original != "" && original != id.Name {
			// A versioned source of rendered manifests is known by its
			// original name, and found by either.
			idx.renamed[id] = SourceID{Kind: id.Kind, Namespace: id.Namespace, Name: original}
			id.Name = original
		}
		idx.add(&Source{ID: id, Object: o}, cfg)
	}
	return idx
}

// add indexes a source, or notes it as ignored or local config when its
// object says so.
func (idx *sourceIndex) add(s *Source, cfg *Config) {
	id, o := s.ID, s.Object
	byName := SourceID{Kind: id.Kind, Name: id.Name}
	if !slices.Contains(idx.namespaces[byName], id.Namespace) {
		idx.namespaces[byName] = append(idx.namespaces[byName], id.Namespace)
	}
	switch {
	case o.Meta.Annotations[IgnoreAnnotation] == "true", !cfg.IgnoreSources.isEmpty() && cfg.IgnoreSources.matches(o):
		idx.ignored[id] = true
	case o.Meta.Annotations[localConfigAnnotation] == "true":
		idx.localConfig[id] = true
	default:
		idx.sources[id] = append(idx.sources[id], s)
	}
}

// resolve is the ID of the source a reference by this ID names: itself, or
// the versioned source whose input name it is; ok is false when the input
// has no such source.
func (idx *sourceIndex) resolve(id SourceID) (SourceID, bool) {
	if to, ok := idx.renamed[id]; ok {
		id = to
	}
	_, ok := idx.sources[id]
	return id, ok
}

// ids are the IDs of the sources, sorted.
func (idx *sourceIndex) ids() []SourceID {
	return slices.SortedFunc(maps.Keys(idx.sources), SourceID.Compare)
}

// keySet is the set of keys that count for a source: every key, every key
// of data (envFrom shows a ConfigMap's data, not its binaryData), or those
// listed.
type keySet struct {
	all     bool
	allData bool
	keys    map[string]bool
}

func (k *keySet) add(r Ref, cfg *Config) {
	switch {
	case cfg.Keys == KeysAll, r.Keys == nil && !r.DataOnly:
		k.all = true
		return
	case r.Keys == nil:
		k.allData = true
		return
	}
	if k.keys == nil {
		k.keys = map[string]bool{}
	}
	for _, key := range r.Keys {
		k.keys[key] = true
	}
}

// counts says whether key of the source's field (data, binaryData,
// stringData) counts.
func (k *keySet) counts(field, key string) bool {
	return k.all || k.allData && field == "data" || k.keys[key]
}

// String is a stable form of the set, used to share digests between targets.
func (k *keySet) String() string {
	switch {
	case k.all:
		return "*"
	case k.allData:
		return "data*\x00" + strings.Join(slices.Sorted(maps.Keys(k.keys)), "\x00")
	}
	return strings.Join(slices.Sorted(maps.Keys(k.keys)), "\x00")
}

// sourceWarning is a problem in a source that does not stop the run.
type sourceWarning struct {
	field   string
	message string
}

// values returns the value bytes of each counted key that exists in the
// source, as a pod sees them (SPEC 4): ConfigMap data as UTF-8, binaryData
// and Secret data base64-decoded, Secret stringData over data. It never puts
// a value in an error or a warning.
func (s *Source) values(keys *keySet) (map[string][]byte, []sourceWarning, error) {
	if s.made != nil {
		values, err := s.made.values(keys)
		if err != nil {
			return nil, nil, fmt.Errorf("%s, which makes %s: %w", s.Object, s.ID, err)
		}
		return values, nil, nil
	}
	values := map[string][]byte{}
	var warnings []sourceWarning
	readField := func(field string, decode bool) error {
		m, err := s.stringMap(field)
		if err != nil {
			return err
		}
		for _, kv := range m {
			if !keys.counts(field, kv.key) {
				continue
			}
			if kv.null {
				warnings = append(warnings, sourceWarning{
					field:   field + "." + kv.key,
					message: fmt.Sprintf("%s: field %s.%s is null; Kubernetes stores it as the empty string, and confighash counts it so", s.ID, field, kv.key),
				})
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

type keyValue struct {
	key, value string
	// null is set for a null value, which the API server stores as "".
	null bool
}

// stringMap reads a map of strings at field, merge keys followed, or
// nothing when the field is absent or null. A null value is the empty
// string, as the API server stores it; anything else that is not a string
// is malformed: the API server would reject it.
func (s *Source) stringMap(field string) ([]keyValue, error) {
	y := yamltext.Lookup(s.Object.Node.YNode(), field)
	if y == nil || y.Kind == yaml.ScalarNode && y.ShortTag() == yaml.NodeTagNull {
		return nil, nil
	}
	if y.Kind != yaml.MappingNode {
		return nil, &fieldError{field: field, msg: fmt.Sprintf("%s: field %s: want a map of strings, got %s", s.ID, field, describeNode(y, s.ID.Kind == kindSecret))}
	}
	entries := yamltext.Entries(y)
	kvs := make([]keyValue, 0, len(entries))
	for _, e := range entries {
		k, v := e[0], e[1]
		switch {
		case v.Kind == yaml.ScalarNode && v.ShortTag() == yaml.NodeTagNull:
			kvs = append(kvs, keyValue{key: k.Value, null: true})
		case v.Kind == yaml.ScalarNode && v.ShortTag() == yaml.NodeTagString:
			kvs = append(kvs, keyValue{key: k.Value, value: v.Value})
		default:
			return nil, &fieldError{field: field + "." + k.Value, msg: fmt.Sprintf("%s: field %s.%s: want a string, got %s (quote the value)", s.ID, field, k.Value, describeNode(v, s.ID.Kind == kindSecret))}
		}
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

// AllValues are the value bytes of every key of the source, to compare two
// versions of it; a malformed source has none (a run reports it).
func (s *Source) AllValues() map[string][]byte {
	v, _, err := s.values(&keySet{all: true})
	if err != nil {
		return map[string][]byte{}
	}
	return v
}
