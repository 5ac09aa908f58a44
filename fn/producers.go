package fn

import (
	"encoding/json"
	"fmt"
	"maps"
	"strings"

	"confighash.dev/confighash/internal/yamltext"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Secret producers (issue 13): custom resources that a controller turns
// into a Secret in the cluster, because the values cannot be committed. A
// reference to that Secret resolves to the producer, and its digest covers
// what the manifest declares for each key: a SealedSecret's ciphertext, an
// ExternalSecret's remote reference. A value changed in the backend, with
// the manifest unchanged, is invisible at build time.

// anyKey is the key under which a producer's keys decided in the cluster
// count, with every key: no Secret key can be "*".
const anyKey = "*"

// builtinProducers are the producers confighash knows, each read from the
// project's own API types (README: "Secrets made by other controllers").
var builtinProducers = []Producer{
	{
		APIVersion: "bitnami.com", Kind: "SealedSecret",
		// The controller names the Secret like the SealedSecret, whatever
		// spec.template.metadata says.
		Keys: []ProducerKeys{{Path: "spec.encryptedData"}, {Path: "spec.template.data", UsesAll: true}},
		Why:  "the ciphertext of each key (sealing a value again changes it, even an unchanged one), and each template of spec.template.data",
	},
	{
		APIVersion: "external-secrets.io", Kind: "ExternalSecret",
		Name:   []string{"spec.target.name", "metadata.name"},
		Keys:   []ProducerKeys{{Path: "spec.data.*", KeyField: "secretKey"}, {Path: "spec.target.template.data", UsesAll: true}},
		AnyKey: []string{"spec.dataFrom"},
		Shared: []string{"spec.secretStoreRef"},
		Why:    "the remote reference of each key (spec.data), what spec.dataFrom asks for the others, and the store; a value rotated in the store with the manifest unchanged is not seen (pair it with a reloader at run time)",
		skip: func(n *yaml.Node) string {
			target := yamltext.Map(yamltext.Lookup(n, "spec"), "target")
			switch policy := yamltext.String(target, "creationPolicy"); policy {
			case "Merge", "None":
				return fmt.Sprintf("creationPolicy %s writes into a Secret made elsewhere, which must be in the input to count", policy)
			}
			if kind := yamltext.String(yamltext.Map(target, "manifest"), "kind"); kind != "" && kind != kindSecret {
				return fmt.Sprintf("spec.target.manifest makes a %s, not a Secret", kind)
			}
			return ""
		},
	},
	{
		APIVersion: "secrets.hashicorp.com", Kind: "VaultStaticSecret",
		Name:   []string{"spec.destination.name"},
		AnyKey: []string{"spec.mount", "spec.path", "spec.version", "spec.type", "spec.namespace", "spec.vaultAuthRef", "spec.destination.transformation"},
		Why:    "where the secret is read in Vault (mount, path, version), for every key; a value changed in Vault with the manifest unchanged is not seen (VaultStaticSecret's rolloutRestartTargets restarts on it)",
		skip: func(n *yaml.Node) string {
			if yamltext.String(yamltext.Map(yamltext.Lookup(n, "spec"), "destination"), "create") != "true" {
				return "spec.destination.create is not true: it writes into a Secret made elsewhere, which must be in the input to count"
			}
			return ""
		},
	},
	{
		APIVersion: "onepassword.com", Kind: "OnePasswordItem",
		AnyKey: []string{"spec.itemPath"},
		Why:    "the item's path, for every key; a value changed in 1Password is not seen (the operator's auto-restart annotation restarts on it)",
	},
	{
		APIVersion: "isindir.github.com", Kind: "SopsSecret",
		Each: "spec.secretTemplates.*",
		Name: []string{"name"},
		Keys: []ProducerKeys{{Path: "stringData"}, {Path: "data"}},
		Why:  "the encrypted value of each key (encrypting it again changes it)",
	},
}

func (p Producer) matches(m yaml.ResourceMeta) bool {
	return p.Kind == m.Kind && apiVersionMatches(p.APIVersion, m.APIVersion)
}

// made is one Secret that a producer declares.
type made struct {
	producer *Producer
	// node is its declaration (the object, or an element of Each), and
	// path the declaration's path in the object.
	node *yaml.Node
	path string
	// read is set once declared, anyKeys, shared and err hold what
	// declarations read, which every target that counts it asks for.
	read                      bool
	declared, anyKeys, shared map[string]any
	err                       error
}

// producedSecrets are the Secrets an object declares, each with its name,
// and the reasons it declares none where a producer says so.
func producedSecrets(o *Object, producers []Producer) (out []*made, names []string, skipped []string) {
	for i := range producers {
		p := &producers[i]
		if !p.matches(o.Meta) {
			continue
		}
		decls := []located{{node: o.Node.YNode()}}
		if p.Each != "" {
			decls = nodesAt(o.Node.YNode(), pathOf(p.Each))
		}
		for _, d := range decls {
			if p.skip != nil {
				if why := p.skip(d.node); why != "" {
					skipped = append(skipped, why)
					continue
				}
			}
			paths := p.Name
			if len(paths) == 0 {
				paths = []string{"metadata.name"}
			}
			name := ""
			for _, np := range paths {
				if at := nodesAt(d.node, pathOf(np)); len(at) == 1 && at[0].node.Kind == yaml.ScalarNode && at[0].node.Value != "" {
					name = at[0].node.Value
					break
				}
			}
			switch {
			case name == "":
				skipped = append(skipped, fmt.Sprintf("%s names no Secret", joinPath(d.path, strings.Join(paths, " or "))))
			case strings.HasPrefix(name, "ENC["):
				skipped = append(skipped, fmt.Sprintf("%s is encrypted, so no reference can be matched to the Secret it names", joinPath(d.path, paths[0])))
			default:
				out = append(out, &made{producer: p, node: d.node, path: d.path})
				names = append(names, name)
			}
		}
	}
	return out, names, skipped
}

// declarations are the keys the manifest declares, each with what it
// declares for it, and what it declares for keys decided in the cluster
// (nil when nothing is). A malformed declaration is an error naming its
// field.
func (m *made) declarations() (keys, anyKeys, shared map[string]any, err error) {
	if !m.read {
		m.declared, m.anyKeys, m.shared, m.err = m.readDeclarations()
		m.read = true
	}
	return m.declared, m.anyKeys, m.shared, m.err
}

func (m *made) readDeclarations() (keys, anyKeys, shared map[string]any, err error) {
	keys = map[string]any{}
	var usesAll []string
	for _, k := range m.producer.Keys {
		for _, at := range nodesAt(m.node, pathOf(k.Path)) {
			field := joinPath(m.path, at.path)
			if k.KeyField != "" {
				key := yamltext.String(at.node, k.KeyField)
				if key == "" {
					return nil, nil, nil, &fieldError{field: field, msg: fmt.Sprintf("field %s: want a map with %s, the key it declares", field, k.KeyField)}
				}
				if keys[key], err = plain(at.node, field); err != nil {
					return nil, nil, nil, err
				}
				continue
			}
			if at.node.Kind == yaml.ScalarNode && at.node.ShortTag() == yaml.NodeTagNull {
				continue
			}
			if at.node.Kind != yaml.MappingNode {
				return nil, nil, nil, &fieldError{field: field, msg: fmt.Sprintf("field %s: want a map from each key to what it holds, got %s", field, describeNode(at.node, true))}
			}
			for _, e := range yamltext.Entries(at.node) {
				if keys[e[0].Value], err = plain(e[1], field+"."+e[0].Value); err != nil {
					return nil, nil, nil, err
				}
				if k.UsesAll {
					usesAll = append(usesAll, e[0].Value)
				}
			}
		}
	}
	collect := func(paths []string) (map[string]any, error) {
		var out map[string]any
		for _, p := range paths {
			for _, at := range nodesAt(m.node, pathOf(p)) {
				v, err := plain(at.node, joinPath(m.path, at.path))
				if err != nil {
					return nil, err
				}
				if out == nil {
					out = map[string]any{}
				}
				out[at.path] = v
			}
		}
		return out, nil
	}
	if anyKeys, err = collect(m.producer.AnyKey); err != nil {
		return nil, nil, nil, err
	}
	if shared, err = collect(m.producer.Shared); err != nil {
		return nil, nil, nil, err
	}
	if len(usesAll) > 0 {
		// A template may use every value the producer fetches or decrypts.
		all := map[string]any{"declared": maps.Clone(keys), "anyKey": anyKeys}
		for _, k := range usesAll {
			keys[k] = map[string]any{"template": keys[k], "uses": all}
		}
	}
	return keys, anyKeys, shared, nil
}

// plain is a node as plain data, aliases and merge keys resolved.
func plain(n *yaml.Node, field string) (any, error) {
	var v any
	if err := n.Decode(&v); err != nil {
		return nil, &fieldError{field: field, msg: fmt.Sprintf("field %s: %v", field, err)}
	}
	return v, nil
}

// values are the value bytes of the counted keys: what the manifest
// declares for each, a string as it is, anything else (or with shared
// fields) as JSON with sorted keys. A key declared nowhere counts what the
// producer's anyKey fields declare, when it has any.
func (m *made) values(keys *keySet) (map[string][]byte, error) {
	declared, anyKeys, shared, err := m.declarations()
	if err != nil {
		return nil, err
	}
	encode := func(v any) ([]byte, error) {
		if s, ok := v.(string); ok && shared == nil {
			return []byte(s), nil
		}
		if shared != nil {
			v = map[string]any{"value": v, "shared": shared}
		}
		return json.Marshal(v)
	}
	out := map[string][]byte{}
	add := func(key string, v any) error {
		b, err := encode(v)
		if err != nil {
			return fmt.Errorf("key %s: %w", key, err)
		}
		out[key] = b
		return nil
	}
	for key, v := range declared {
		if keys.counts("data", key) {
			if err := add(key, v); err != nil {
				return nil, err
			}
		}
	}
	if anyKeys == nil {
		return out, nil
	}
	if keys.all || keys.allData {
		return out, add(anyKey, anyKeys)
	}
	for key := range keys.keys {
		if _, ok := declared[key]; !ok {
			if err := add(key, anyKeys); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// keyNames are the keys the manifest declares; open says that others may
// come from the cluster, so that a key it does not declare is no mistake.
func (m *made) keyNames() (names map[string]bool, open bool) {
	declared, anyKeys, _, err := m.declarations()
	names = map[string]bool{}
	for k := range declared {
		names[k] = true
	}
	return names, err == nil && anyKeys != nil
}

// MadeBy says, for a Secret that a producer of the input makes, which
// object makes it and what its digest covers; "" for a Secret of the input.
func (s *Source) MadeBy() (producer, covers string) {
	if s.made == nil {
		return "", ""
	}
	if s.made.producer.Why == "" {
		return s.Object.String(), "what its manifest declares where the option producers says, and nothing of the values in the cluster"
	}
	return s.Object.String(), s.made.producer.Why
}
