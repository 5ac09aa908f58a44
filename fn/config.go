package fn

import (
	"fmt"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"confighash.dev/confighash/internal/yamltext"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// The functionConfig kinds that confighash accepts.
const (
	ConfigAPIVersion = "fn.confighash.dev/v1alpha1"
	ConfigKind       = "ConfigHash"
)

// SecretKeyEnv names the environment variable that holds the HMAC key for
// Secret digests when secretKeyFile is not set.
const SecretKeyEnv = "CONFIGHASH_SECRET_KEY"

// Mode says how digests are written on a pod template.
type Mode string

const (
	// ModeCombined writes one annotation that covers every source.
	ModeCombined Mode = "combined"
	// ModePerSource writes one annotation per source.
	ModePerSource Mode = "perSource"
)

// KeySelection says which keys of a referenced source count.
type KeySelection string

const (
	// KeysReferenced counts only the keys a reference can show to a pod.
	KeysReferenced KeySelection = "referenced"
	// KeysAll counts every key of every referenced source.
	KeysAll KeySelection = "all"
)

// OnMissing says what a reference to a source that is not in the input does.
type OnMissing string

const (
	OnMissingWarn   OnMissing = "warn"
	OnMissingError  OnMissing = "error"
	OnMissingIgnore OnMissing = "ignore"
)

// DefaultAnnotation is the combined-mode annotation key, in confighash's
// own domain: no chart or tool writes there, so a chart's own checksum/...
// annotations and confighash's coexist. Its prefix is the perSource prefix.
const DefaultAnnotation = "checksum.confighash.dev/config"

// DefaultNamespace is where an object without metadata.namespace goes when
// the option namespace is not set, as with kubectl and Helm.
const DefaultNamespace = "default"

// Config holds the options of SPEC.md section 5.
type Config struct {
	Annotation       string
	Mode             Mode
	Keys             KeySelection
	Sources          []string
	IncludeJobs      bool
	OnMissing        OnMissing
	SecretKeyFile    string
	Selector         Selector
	PodTemplatePaths []PodTemplatePath
	// Namespace is where objects without metadata.namespace are applied
	// (helm --namespace, kubectl -n).
	Namespace string
	// IgnoreSources are ConfigMaps and Secrets never hashed and never
	// reported missing, as if annotated confighash.dev/ignore.
	IgnoreSources Selector
	// ExtraRefs add references to the targets they select.
	ExtraRefs []ExtraRefs
	// FollowArgs counts a ConfigMap or Secret of the input named by a
	// container's --flag=NAME or --flag NAME argument.
	FollowArgs bool
	// Versioned chooses ConfigMaps and Secrets to version (rename by their
	// content), besides those annotated confighash.dev/versioned.
	Versioned Selector
	// Immutable gives versioned objects immutable: true.
	Immutable bool
	// Previous is the manifests rendered last time (a file or directory);
	// KeepPrevious is how many renders a version is kept after its last use.
	Previous     string
	KeepPrevious int
	// UnfollowedRefs says what a reference that cannot follow a versioned
	// source is: a warning or an error.
	UnfollowedRefs UnfollowedRefs
	// References are where objects of other kinds name ConfigMaps and
	// Secrets, beyond those confighash knows.
	References []Reference
	// Producers are custom resources that make Secrets, beyond those
	// confighash knows.
	Producers []Producer
	// Explain adds one info result per target that lists its dependencies.
	Explain bool

	// secretKey is the HMAC key for Secret digests, resolved by Resolve
	// from SecretKeyFile or the environment.
	secretKey []byte
	// previous are the objects read from Previous by Resolve.
	previous []*yaml.RNode
}

// UnfollowedRefs says what a reference that cannot follow a versioned source
// is.
type UnfollowedRefs string

const (
	UnfollowedWarn  UnfollowedRefs = "warn"
	UnfollowedError UnfollowedRefs = "error"
)

// Reference says where objects of a kind (a custom resource, most often)
// name a ConfigMap or Secret: a dotted path (with "*" for every element or
// value) to a name, or to a map that holds one (nameField, and keyField for
// the one key it shows), or to a pod spec or a container fragment that the
// kind's pods get (form). With an annotationPath the kind is a workload: the
// hash of what its references show goes there, where its operator copies it
// to the pods. Without, the reference is followed by versioned sources only.
type Reference struct {
	// APIVersion is a group/version, or a group for any of its versions;
	// empty matches every apiVersion.
	APIVersion string `json:"apiVersion,omitempty" yaml:"apiVersion,omitempty"`
	Kind       string `json:"kind" yaml:"kind"`
	Path       string `json:"path" yaml:"path"`
	// SourceKind is ConfigMap or Secret; none with a form.
	SourceKind string `json:"sourceKind,omitempty" yaml:"sourceKind,omitempty"`
	// Form is "" (a name, or a map holding one), FormPodSpec or
	// FormContainer.
	Form string `json:"form,omitempty" yaml:"form,omitempty"`
	// NameField and KeyField are the fields of a map that hold the name
	// (default "name") and the one key it shows (default none: all keys).
	NameField string `json:"nameField,omitempty" yaml:"nameField,omitempty"`
	KeyField  string `json:"keyField,omitempty" yaml:"keyField,omitempty"`
	// AnnotationPath is where the hash goes, a dotted path without "*".
	AnnotationPath string `json:"annotationPath,omitempty" yaml:"annotationPath,omitempty"`
	// Why says, in the built-in table, what the pods do with it.
	Why string `json:"-" yaml:"-"`
}

// The forms of a Reference that are not a name.
const (
	// FormPodSpec: a map with a pod spec's containers, initContainers,
	// volumes and imagePullSecrets, or some of them.
	FormPodSpec = "podSpec"
	// FormContainer: a container's env and envFrom.
	FormContainer = "container"
)

// Producer says how a custom resource makes Secrets that a controller
// creates in the cluster (a SealedSecret, an ExternalSecret): the Secret's
// name, and what the manifest declares for each of its keys, which is what
// a digest of it can count.
type Producer struct {
	// APIVersion is a group/version, or a group for any of its versions.
	APIVersion string `json:"apiVersion,omitempty" yaml:"apiVersion,omitempty"`
	Kind       string `json:"kind" yaml:"kind"`
	// Each is the path of each Secret's declaration when the object makes
	// several (SopsSecret's spec.secretTemplates.*); empty: the object.
	Each string `json:"each,omitempty" yaml:"each,omitempty"`
	// Name are paths, from each declaration, to the Secret's name: the
	// first that is set names it (default metadata.name).
	Name []string `json:"name,omitempty" yaml:"name,omitempty"`
	// Keys are where the keys are declared.
	Keys []ProducerKeys `json:"keys,omitempty" yaml:"keys,omitempty"`
	// AnyKey are paths whose content brings keys decided in the cluster
	// (ExternalSecret's dataFrom): it counts for every key not declared.
	AnyKey []string `json:"anyKey,omitempty" yaml:"anyKey,omitempty"`
	// Shared are paths whose content counts for every key (the store the
	// values come from).
	Shared []string `json:"shared,omitempty" yaml:"shared,omitempty"`
	// Why says, in the built-in table, what the manifest holds of a value.
	Why string `json:"-" yaml:"-"`
	// skip says, for a built-in producer, why an object makes no Secret.
	skip func(each *yaml.Node) string
}

// ProducerKeys declares keys: at Path, a map from each key to what it
// holds, or (with KeyField) a list whose elements name their key there.
// UsesAll says that each value may use all the others (a template).
type ProducerKeys struct {
	Path     string `json:"path" yaml:"path"`
	KeyField string `json:"keyField,omitempty" yaml:"keyField,omitempty"`
	UsesAll  bool   `json:"usesAll,omitempty" yaml:"usesAll,omitempty"`
}

// Selector chooses the targets. Each list matches when an object has one of
// its values; labels and annotations match when all of them are present; the
// fields that are set must all match.
type Selector struct {
	Names       []string          `json:"names,omitempty" yaml:"names,omitempty"`
	Namespaces  []string          `json:"namespaces,omitempty" yaml:"namespaces,omitempty"`
	Kinds       []string          `json:"kinds,omitempty" yaml:"kinds,omitempty"`
	Labels      map[string]string `json:"labels,omitempty" yaml:"labels,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty" yaml:"annotations,omitempty"`
}

// isEmpty says whether the selector sets nothing.
func (s Selector) isEmpty() bool {
	return s.Names == nil && s.Namespaces == nil && s.Kinds == nil && s.Labels == nil && s.Annotations == nil
}

// matches says whether an object is one the selector chooses.
func (s Selector) matches(o *Object) bool {
	m := o.Meta
	if s.Names != nil && !slices.Contains(s.Names, m.Name) ||
		s.Namespaces != nil && !slices.Contains(s.Namespaces, o.Namespace) ||
		s.Kinds != nil && !slices.Contains(s.Kinds, m.Kind) {
		return false
	}
	for k, v := range s.Labels {
		if got, ok := m.Labels[k]; !ok || got != v {
			return false
		}
	}
	for k, v := range s.Annotations {
		if got, ok := m.Annotations[k]; !ok || got != v {
			return false
		}
	}
	return true
}

// ExtraRefs are references that the selected targets' pod specs cannot show
// (an application that reads a ConfigMap through the API): each name, or
// namespace/name, counts all its keys, as in the confighash.dev/configmaps
// and confighash.dev/secrets annotations.
type ExtraRefs struct {
	Selector   Selector `json:"selector" yaml:"selector"`
	ConfigMaps []string `json:"configMaps,omitempty" yaml:"configMaps,omitempty"`
	Secrets    []string `json:"secrets,omitempty" yaml:"secrets,omitempty"`
}

// PodTemplatePath names where the pod template of a kind lives, for custom
// resources that keep it somewhere confighash does not look by default.
type PodTemplatePath struct {
	APIVersion string `json:"apiVersion,omitempty" yaml:"apiVersion,omitempty"`
	Kind       string `json:"kind" yaml:"kind"`
	Path       string `json:"path" yaml:"path"`
}

// DefaultConfig returns the options that apply when nothing is configured.
func DefaultConfig() *Config {
	return &Config{
		Annotation: DefaultAnnotation,
		Mode:       ModeCombined,
		Keys:       KeysReferenced,
		Sources:    []string{kindConfigMap, kindSecret},
		OnMissing:  OnMissingWarn,
		Namespace:  DefaultNamespace,

		KeepPrevious:   1,
		UnfollowedRefs: UnfollowedWarn,
	}
}

// Option is one setting of SPEC 5, under the same name in the typed
// functionConfig and in ConfigMap data, and in kebab case as a flag.
type Option struct {
	Name  string
	Usage string
	// Boolean options are flags that take no value.
	Boolean bool
	// structured options take YAML (a list or a map) where the others take
	// the string as it is.
	structured bool
	decode     func(c *Config, n *yaml.RNode) error
}

// Options lists every setting in the order --help and README show them.
func Options() []Option { return slices.Clone(options) }

var options = []Option{
	{Name: "annotation", Usage: "annotation key of the combined hash; its prefix (before /) is the perSource prefix (default " + DefaultAnnotation + ")",
		decode: func(c *Config, n *yaml.RNode) error { return decodeString(n, &c.Annotation) }},
	{Name: "mode", Usage: "combined: one annotation for all sources; perSource: one annotation per source (default combined)",
		decode: func(c *Config, n *yaml.RNode) error {
			return decodeEnum(n, (*string)(&c.Mode), ModeCombined, ModePerSource)
		}},
	{Name: "keys", Usage: "referenced: count only the keys a reference shows to the pod; all: every key of a referenced source (default referenced)",
		decode: func(c *Config, n *yaml.RNode) error {
			return decodeEnum(n, (*string)(&c.Keys), KeysReferenced, KeysAll)
		}},
	{Name: "sources", Usage: "kinds to follow, a list or comma-separated: ConfigMap, Secret (default ConfigMap,Secret)", structured: true,
		decode: decodeSources},
	{Name: "includeJobs", Usage: "also annotate batch/v1 Jobs (their pod template is immutable: only for Jobs that are recreated) (default false)", Boolean: true,
		decode: func(c *Config, n *yaml.RNode) error { return decodeBool(n, &c.IncludeJobs) }},
	{Name: "onMissing", Usage: "a non-optional reference to a source not in the input: warn, error (exit 1) or ignore (default warn)",
		decode: func(c *Config, n *yaml.RNode) error {
			return decodeEnum(n, (*string)(&c.OnMissing), OnMissingWarn, OnMissingError, OnMissingIgnore)
		}},
	{Name: "secretKeyFile", Usage: "file holding an HMAC key for Secret digests (default: the " + SecretKeyEnv + " environment variable, else plain SHA-256)",
		decode: func(c *Config, n *yaml.RNode) error { return decodeString(n, &c.SecretKeyFile) }},
	{Name: "selector", Usage: "which targets, YAML: {names: [], namespaces: [], kinds: [], labels: {}, annotations: {}} (default all)", structured: true,
		decode: func(c *Config, n *yaml.RNode) error { return decodeSelector(n, &c.Selector) }},
	{Name: "namespace", Usage: "the namespace objects without metadata.namespace are applied to, as helm --namespace and kubectl -n (default " + DefaultNamespace + ")",
		decode: decodeNamespace},
	{Name: "ignoreSources", Usage: "ConfigMaps and Secrets never hashed nor reported missing (config the application reloads itself), YAML, the shape of selector (default none)", structured: true,
		decode: func(c *Config, n *yaml.RNode) error { return decodeSelector(n, &c.IgnoreSources) }},
	{Name: "extraRefs", Usage: "references the pod spec cannot show, YAML: [{selector: {...}, configMaps: [name, ns/name], secrets: [...]}] (default none)", structured: true,
		decode: decodeExtraRefs},
	{Name: "followArgs", Usage: "count a ConfigMap or Secret of the input that a container argument names, --flag=NAME or --flag NAME (default false)", Boolean: true,
		decode: func(c *Config, n *yaml.RNode) error { return decodeBool(n, &c.FollowArgs) }},
	{Name: "versioned", Usage: "ConfigMaps and Secrets to version (rename NAME-SUFFIX by content, every reference following), YAML, the shape of selector; also those annotated " + VersionedAnnotation + ": \"true\" (default none)", structured: true,
		decode: func(c *Config, n *yaml.RNode) error { return decodeSelector(n, &c.Versioned) }},
	{Name: "immutable", Usage: "give versioned ConfigMaps and Secrets immutable: true (default false)", Boolean: true,
		decode: func(c *Config, n *yaml.RNode) error { return decodeBool(n, &c.Immutable) }},
	{Name: "previous", Usage: "the manifests rendered last time, a file or directory (helm get manifest output): the versions they used and this render does not are kept (default none)",
		decode: func(c *Config, n *yaml.RNode) error { return decodeString(n, &c.Previous) }},
	{Name: "keepPrevious", Usage: "how many renders a version is kept after the last one that used it, with previous (default 1)",
		decode: decodeKeepPrevious},
	{Name: "unfollowedRefs", Usage: "a reference that cannot follow a versioned source (an argument, confighash.dev/configmaps, an unknown field): warn or error (default warn)",
		decode: func(c *Config, n *yaml.RNode) error {
			return decodeEnum(n, (*string)(&c.UnfollowedRefs), UnfollowedWarn, UnfollowedError)
		}},
	{Name: "references", Usage: "where custom resources name ConfigMaps and Secrets, YAML: [{apiVersion: optional, kind: Kind, path: spec.x.*, sourceKind: Secret, nameField: name, keyField: key, form: podSpec|container, annotationPath: spec.podMetadata.annotations}]; with annotationPath the kind is a workload whose hash goes there (default none)", structured: true,
		decode: decodeReferences},
	{Name: "producers", Usage: "custom resources that make Secrets, YAML: [{apiVersion: optional, kind: Kind, each: path, name: [paths], keys: [{path, keyField, usesAll}], anyKey: [paths], shared: [paths]}] (default none)", structured: true,
		decode: decodeProducers},
	{Name: "podTemplatePaths", Usage: "extra pod templates, YAML: [{apiVersion: optional, kind: Kind, path: spec.x.template}]", structured: true,
		decode: decodePodTemplatePaths},
	{Name: "explain", Usage: "add one info result per target listing the sources it depends on, the keys counted and why, and their digests (default false)", Boolean: true,
		decode: func(c *Config, n *yaml.RNode) error { return decodeBool(n, &c.Explain) }},
}

func lookupOption(name string) (Option, bool) {
	for _, o := range options {
		if o.Name == name {
			return o, true
		}
	}
	return Option{}, false
}

func optionNames() string {
	names := make([]string, len(options))
	for i, o := range options {
		names[i] = o.Name
	}
	return strings.Join(names, ", ")
}

// FlagName is the kebab-case flag of an option: includeJobs -> include-jobs.
func (o Option) FlagName() string {
	var b strings.Builder
	for _, r := range o.Name {
		if r >= 'A' && r <= 'Z' {
			b.WriteByte('-')
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Set applies an option given as a string, as in ConfigMap data or a flag.
func (o Option) Set(c *Config, value string) error {
	n := yaml.NewStringRNode(value)
	if o.structured {
		parsed, err := yaml.Parse(value)
		if err != nil {
			return fmt.Errorf("field %s: not valid YAML: %w", o.Name, err)
		}
		if !yaml.IsMissingOrNull(parsed) {
			n = parsed
		}
	}
	return o.apply(c, n)
}

func (o Option) apply(c *Config, n *yaml.RNode) error {
	if err := o.decode(c, n); err != nil {
		return fmt.Errorf("field %s: %w", o.Name, err)
	}
	return nil
}

// ParseConfig reads a functionConfig: the typed fn.confighash.dev/v1alpha1
// ConfigHash, or a v1 ConfigMap whose data holds the same fields as strings
// (what `kpt fn eval -- key=value` makes). A nil or empty node means the
// defaults. The result is not yet validated: see Resolve.
func ParseConfig(node *yaml.RNode) (*Config, error) {
	c := DefaultConfig()
	if err := c.Merge(node); err != nil {
		return nil, err
	}
	return c, nil
}

// Merge applies the options of a functionConfig (or of a --config file) over
// those of c.
func (c *Config) Merge(node *yaml.RNode) error {
	if yaml.IsMissingOrNull(node) || yaml.IsEmptyMap(node) {
		return nil
	}
	if node.YNode().Kind != yaml.MappingNode {
		return fmt.Errorf("functionConfig must be a %s %s or a v1 ConfigMap, got a YAML %s", ConfigAPIVersion, ConfigKind, yamltext.KindName(node.YNode()))
	}
	meta := yamltext.Meta(node.YNode())
	apiVersion, kind := meta.APIVersion, meta.Kind
	id := describeConfig(node)
	switch {
	case apiVersion == ConfigAPIVersion && kind == ConfigKind:
		return wrapConfigErr(id, c.mergeTyped(node))
	case apiVersion == "v1" && kind == "ConfigMap":
		return wrapConfigErr(id, c.mergeConfigMap(node))
	}
	return fmt.Errorf("functionConfig %s: unsupported kind %q; want %s %s or v1 ConfigMap", id, apiVersion+"/"+kind, ConfigAPIVersion, ConfigKind)
}

func describeConfig(node *yaml.RNode) string {
	meta := yamltext.Meta(node.YNode())
	if meta.Name != "" {
		return meta.Kind + "/" + meta.Name
	}
	return meta.Kind
}

func wrapConfigErr(id string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("functionConfig %s: %w", id, err)
}

func (c *Config) mergeTyped(node *yaml.RNode) error {
	return node.VisitFields(func(f *yaml.MapNode) error {
		name := f.Key.YNode().Value
		switch name {
		case "apiVersion", "kind", "metadata":
			return nil
		}
		o, ok := lookupOption(name)
		if !ok {
			return fmt.Errorf("unknown field %q; accepted fields: %s", name, optionNames())
		}
		return o.apply(c, f.Value)
	})
}

func (c *Config) mergeConfigMap(node *yaml.RNode) error {
	data := node.Field("data")
	if data == nil || yaml.IsMissingOrNull(data.Value) {
		return nil
	}
	if data.Value.YNode().Kind != yaml.MappingNode {
		return fmt.Errorf("field data: want a map, got a YAML %s", yamltext.KindName(data.Value.YNode()))
	}
	return data.Value.VisitFields(func(f *yaml.MapNode) error {
		name := f.Key.YNode().Value
		o, ok := lookupOption(name)
		if !ok {
			return fmt.Errorf("unknown key data.%s; accepted keys: %s", name, optionNames())
		}
		if f.Value.YNode().Kind != yaml.ScalarNode {
			return fmt.Errorf("key data.%s: want a string, got a YAML %s", name, yamltext.KindName(f.Value.YNode()))
		}
		if err := o.Set(c, f.Value.YNode().Value); err != nil {
			return fmt.Errorf("key data.%s", strings.TrimPrefix(err.Error(), "field "))
		}
		return nil
	})
}

// Resolve checks the options against each other and loads the HMAC key:
// from SecretKeyFile when it is set, else from getenv(SecretKeyEnv).
func (c *Config) Resolve(getenv func(string) string) error {
	if err := c.validate(); err != nil {
		return err
	}
	c.secretKey = nil
	if c.SecretKeyFile != "" {
		b, err := os.ReadFile(c.SecretKeyFile)
		if err != nil {
			return fmt.Errorf("option secretKeyFile: %w", err)
		}
		key := strings.TrimRight(string(b), "\r\n")
		if key == "" {
			return fmt.Errorf("option secretKeyFile: %s is empty", c.SecretKeyFile)
		}
		c.secretKey = []byte(key)
	} else if getenv != nil {
		if key := getenv(SecretKeyEnv); key != "" {
			c.secretKey = []byte(key)
		}
	}
	c.previous = nil
	if c.Previous != "" {
		prev, err := readPrevious(c.Previous)
		if err != nil {
			return fmt.Errorf("option previous: %w", err)
		}
		c.previous = prev
	}
	return nil
}

// readPrevious reads the objects of the manifests at path: a file, a
// directory of them, or a ResourceList.
func readPrevious(path string) ([]*yaml.RNode, error) {
	var files []string
	if err := yamltext.Files(path, map[string]bool{}, &files); err != nil {
		return nil, err
	}
	var nodes []*yaml.RNode
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		in, err := yamltext.Read(data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		nodes = append(nodes, in.Items...)
	}
	return nodes, nil
}

// qualifiedName is the Kubernetes syntax of an annotation key: an optional
// DNS subdomain prefix and "/", then a name of at most 63 characters.
var (
	dnsSubdomain = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`)
	namePart     = regexp.MustCompile(`^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$`)
)

func (c *Config) validate() error {
	prefix, name, hasPrefix := strings.Cut(c.Annotation, "/")
	if !hasPrefix {
		name, prefix = prefix, ""
	}
	if (hasPrefix && (len(prefix) > 253 || !dnsSubdomain.MatchString(prefix))) || len(name) > maxNamePart || !namePart.MatchString(name) {
		return fmt.Errorf("option annotation: %q is not a valid annotation key (want prefix/name, e.g. %s)", c.Annotation, DefaultAnnotation)
	}
	if c.Mode == ModePerSource && !hasPrefix {
		return fmt.Errorf("option annotation: mode perSource needs a key with a prefix (e.g. %s), got %q", DefaultAnnotation, c.Annotation)
	}
	for i, p := range c.PodTemplatePaths {
		if p.Kind == "" {
			return fmt.Errorf("option podTemplatePaths[%d]: kind is required", i)
		}
		if p.Path == "" {
			return fmt.Errorf("option podTemplatePaths[%d]: path is required (e.g. spec.template)", i)
		}
	}
	return nil
}

// SourceAnnotationKey is the perSource annotation key of source id on a pod
// template in namespace targetNS.
func (c *Config) SourceAnnotationKey(id SourceID, targetNS string) string {
	ns := id.Namespace
	if ns == targetNS {
		ns = ""
	}
	return PerSourceKey(c.annotationPrefix(), id.Kind, ns, id.Name)
}

// annotationPrefix is the perSource prefix: the part of annotation before "/".
func (c *Config) annotationPrefix() string {
	prefix, _, _ := strings.Cut(c.Annotation, "/")
	return prefix
}

func (c *Config) follows(kind string) bool {
	for _, k := range c.Sources {
		if k == kind {
			return true
		}
	}
	return false
}

func decodeString(n *yaml.RNode, dst *string) error {
	if n.YNode().Kind != yaml.ScalarNode || n.YNode().Tag == yaml.NodeTagNull {
		return fmt.Errorf("want a string, got %s", describeValue(n.YNode()))
	}
	*dst = n.YNode().Value
	return nil
}

func decodeEnum[T ~string](n *yaml.RNode, dst *string, accepted ...T) error {
	var s string
	if err := decodeString(n, &s); err != nil {
		return fmt.Errorf("%w; accepted values: %s", err, joinValues(accepted))
	}
	for _, a := range accepted {
		if s == string(a) {
			*dst = s
			return nil
		}
	}
	return fmt.Errorf("%q is not one of %s", s, joinValues(accepted))
}

func joinValues[T ~string](values []T) string {
	s := make([]string, len(values))
	for i, v := range values {
		s[i] = string(v)
	}
	return strings.Join(s, ", ")
}

func decodeBool(n *yaml.RNode, dst *bool) error {
	if n.YNode().Kind == yaml.ScalarNode {
		switch n.YNode().Value {
		case "true":
			*dst = true
			return nil
		case "false":
			*dst = false
			return nil
		}
	}
	return fmt.Errorf("want true or false, got %s", describeValue(n.YNode()))
}

// decodeStringList takes a YAML list of strings, or one string of
// comma-separated values (the only way to write a list in ConfigMap data).
func decodeStringList(n *yaml.RNode) ([]string, error) {
	y := n.YNode()
	var values []string
	switch {
	case y.Kind == yaml.ScalarNode && y.Tag != yaml.NodeTagNull:
		for _, v := range strings.Split(y.Value, ",") {
			if v = strings.TrimSpace(v); v != "" {
				values = append(values, v)
			}
		}
	case y.Kind == yaml.SequenceNode:
		for _, e := range y.Content {
			if e.Kind != yaml.ScalarNode || e.Tag == yaml.NodeTagNull {
				return nil, fmt.Errorf("want a list of strings, got an item that is %s", describeValue(e))
			}
			values = append(values, e.Value)
		}
	default:
		return nil, fmt.Errorf("want a list of strings, got %s", describeValue(y))
	}
	return values, nil
}

func decodeStringMap(n *yaml.RNode) (map[string]string, error) {
	y := n.YNode()
	if y.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("want a map of strings, got %s", describeValue(y))
	}
	m := map[string]string{}
	for i := 0; i+1 < len(y.Content); i += 2 {
		v := y.Content[i+1]
		if v.Kind != yaml.ScalarNode || v.Tag == yaml.NodeTagNull {
			return nil, fmt.Errorf("%s: want a string, got %s", y.Content[i].Value, describeValue(v))
		}
		m[y.Content[i].Value] = v.Value
	}
	return m, nil
}

func decodeSources(c *Config, n *yaml.RNode) error {
	values, err := decodeStringList(n)
	if err != nil {
		return err
	}
	seen := map[string]bool{}
	var sources []string
	for _, v := range values {
		if v != kindConfigMap && v != kindSecret {
			return fmt.Errorf("%q is not one of %s, %s", v, kindConfigMap, kindSecret)
		}
		if !seen[v] {
			seen[v] = true
			sources = append(sources, v)
		}
	}
	c.Sources = sources
	return nil
}

func decodeSelector(n *yaml.RNode, dst *Selector) error {
	if yaml.IsMissingOrNull(n) {
		*dst = Selector{}
		return nil
	}
	if n.YNode().Kind != yaml.MappingNode {
		return fmt.Errorf("want a map with names, namespaces, kinds, labels or annotations, got %s", describeValue(n.YNode()))
	}
	var s Selector
	err := n.VisitFields(func(f *yaml.MapNode) error {
		var err error
		name := f.Key.YNode().Value
		switch name {
		case "names":
			s.Names, err = decodeStringList(f.Value)
		case "namespaces":
			s.Namespaces, err = decodeStringList(f.Value)
		case "kinds":
			s.Kinds, err = decodeStringList(f.Value)
		case "labels":
			s.Labels, err = decodeStringMap(f.Value)
		case "annotations":
			s.Annotations, err = decodeStringMap(f.Value)
		default:
			return fmt.Errorf("unknown field %q; accepted fields: names, namespaces, kinds, labels, annotations", name)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	*dst = s
	return nil
}

func decodePodTemplatePaths(c *Config, n *yaml.RNode) error {
	if yaml.IsMissingOrNull(n) {
		c.PodTemplatePaths = nil
		return nil
	}
	if n.YNode().Kind != yaml.SequenceNode {
		return fmt.Errorf("want a list of {apiVersion, kind, path}, got %s", describeValue(n.YNode()))
	}
	var paths []PodTemplatePath
	for i, e := range n.YNode().Content {
		if e.Kind != yaml.MappingNode {
			return fmt.Errorf("[%d]: want a map {apiVersion, kind, path}, got %s", i, describeValue(e))
		}
		var p PodTemplatePath
		err := yaml.NewRNode(e).VisitFields(func(f *yaml.MapNode) error {
			switch name := f.Key.YNode().Value; name {
			case "apiVersion":
				return decodeString(f.Value, &p.APIVersion)
			case "kind":
				return decodeString(f.Value, &p.Kind)
			case "path":
				return decodeString(f.Value, &p.Path)
			default:
				return fmt.Errorf("unknown field %q; accepted fields: apiVersion, kind, path", name)
			}
		})
		if err != nil {
			return fmt.Errorf("[%d]: %w", i, err)
		}
		paths = append(paths, p)
	}
	c.PodTemplatePaths = paths
	return nil
}

func decodeKeepPrevious(c *Config, n *yaml.RNode) error {
	var s string
	if err := decodeString(n, &s); err != nil {
		return err
	}
	k, err := strconv.Atoi(s)
	if err != nil || k < 0 {
		return fmt.Errorf("want a whole number, 0 or more, got %s", describeValue(n.YNode()))
	}
	c.KeepPrevious = k
	return nil
}

func decodeReferences(c *Config, n *yaml.RNode) error {
	const fields = "apiVersion, kind, path, sourceKind, form, nameField, keyField, annotationPath"
	if yaml.IsMissingOrNull(n) {
		c.References = nil
		return nil
	}
	if n.YNode().Kind != yaml.SequenceNode {
		return fmt.Errorf("want a list of {%s}, got %s", fields, describeValue(n.YNode()))
	}
	var refs []Reference
	for i, e := range n.YNode().Content {
		if e.Kind != yaml.MappingNode {
			return fmt.Errorf("[%d]: want a map {%s}, got %s", i, fields, describeValue(e))
		}
		var r Reference
		err := yaml.NewRNode(e).VisitFields(func(f *yaml.MapNode) error {
			switch name := f.Key.YNode().Value; name {
			case "apiVersion":
				return decodeString(f.Value, &r.APIVersion)
			case "kind":
				return decodeString(f.Value, &r.Kind)
			case "path":
				return decodeString(f.Value, &r.Path)
			case "sourceKind":
				return decodeEnum(f.Value, &r.SourceKind, kindConfigMap, kindSecret)
			case "form":
				return decodeEnum(f.Value, &r.Form, FormPodSpec, FormContainer)
			case "nameField":
				return decodeString(f.Value, &r.NameField)
			case "keyField":
				return decodeString(f.Value, &r.KeyField)
			case "annotationPath":
				return decodeString(f.Value, &r.AnnotationPath)
			default:
				return fmt.Errorf("unknown field %q; accepted fields: %s", name, fields)
			}
		})
		if err == nil {
			err = r.validate()
		}
		if err != nil {
			return fmt.Errorf("[%d]: %w", i, err)
		}
		refs = append(refs, r)
	}
	c.References = refs
	return nil
}

func (r Reference) validate() error {
	switch {
	case r.Kind == "" || r.Path == "":
		return fmt.Errorf("kind and path are required")
	case r.Form == "" && r.SourceKind == "":
		return fmt.Errorf("sourceKind is required (ConfigMap or Secret), unless form is %s or %s", FormPodSpec, FormContainer)
	case r.Form != "" && (r.SourceKind != "" || r.NameField != "" || r.KeyField != ""):
		return fmt.Errorf("form %s takes no sourceKind, nameField or keyField: the pod spec says what it names", r.Form)
	case strings.Contains(r.AnnotationPath, "*") || strings.Contains(r.AnnotationPath, "["):
		return fmt.Errorf("annotationPath %q: want a plain dotted path, without * or [...]: one place per object", r.AnnotationPath)
	case r.AnnotationPath != "" && !strings.HasSuffix(strings.ToLower(r.AnnotationPath), "annotations"):
		return fmt.Errorf("annotationPath %q: want the path of the annotations map (ending in annotations or Annotations) that the operator copies to the pods", r.AnnotationPath)
	}
	return nil
}

func decodeProducers(c *Config, n *yaml.RNode) error {
	const fields = "apiVersion, kind, each, name, keys, anyKey, shared"
	if yaml.IsMissingOrNull(n) {
		c.Producers = nil
		return nil
	}
	if n.YNode().Kind != yaml.SequenceNode {
		return fmt.Errorf("want a list of {%s}, got %s", fields, describeValue(n.YNode()))
	}
	var out []Producer
	for i, e := range n.YNode().Content {
		if e.Kind != yaml.MappingNode {
			return fmt.Errorf("[%d]: want a map {%s}, got %s", i, fields, describeValue(e))
		}
		var p Producer
		err := yaml.NewRNode(e).VisitFields(func(f *yaml.MapNode) error {
			var err error
			switch name := f.Key.YNode().Value; name {
			case "apiVersion":
				return decodeString(f.Value, &p.APIVersion)
			case "kind":
				return decodeString(f.Value, &p.Kind)
			case "each":
				return decodeString(f.Value, &p.Each)
			case "name":
				p.Name, err = decodeStringList(f.Value)
			case "anyKey":
				p.AnyKey, err = decodeStringList(f.Value)
			case "shared":
				p.Shared, err = decodeStringList(f.Value)
			case "keys":
				p.Keys, err = decodeProducerKeys(f.Value)
			default:
				return fmt.Errorf("unknown field %q; accepted fields: %s", name, fields)
			}
			if err != nil {
				return fmt.Errorf("%s: %w", f.Key.YNode().Value, err)
			}
			return nil
		})
		if err == nil && p.Kind == "" {
			err = fmt.Errorf("kind is required")
		}
		if err == nil && len(p.Keys) == 0 && len(p.AnyKey) == 0 {
			err = fmt.Errorf("keys or anyKey is required: where the manifest declares what the Secret holds")
		}
		if err != nil {
			return fmt.Errorf("[%d]: %w", i, err)
		}
		out = append(out, p)
	}
	c.Producers = out
	return nil
}

func decodeProducerKeys(n *yaml.RNode) ([]ProducerKeys, error) {
	if n.YNode().Kind != yaml.SequenceNode {
		return nil, fmt.Errorf("want a list of {path, keyField, usesAll}, got %s", describeValue(n.YNode()))
	}
	var out []ProducerKeys
	for i, e := range n.YNode().Content {
		if e.Kind != yaml.MappingNode {
			return nil, fmt.Errorf("[%d]: want a map {path, keyField, usesAll}, got %s", i, describeValue(e))
		}
		var k ProducerKeys
		err := yaml.NewRNode(e).VisitFields(func(f *yaml.MapNode) error {
			switch name := f.Key.YNode().Value; name {
			case "path":
				return decodeString(f.Value, &k.Path)
			case "keyField":
				return decodeString(f.Value, &k.KeyField)
			case "usesAll":
				return decodeBool(f.Value, &k.UsesAll)
			default:
				return fmt.Errorf("unknown field %q; accepted fields: path, keyField, usesAll", name)
			}
		})
		if err == nil && k.Path == "" {
			err = fmt.Errorf("path is required")
		}
		if err != nil {
			return nil, fmt.Errorf("[%d]: %w", i, err)
		}
		out = append(out, k)
	}
	return out, nil
}

// namespaceName is a valid namespace: an RFC 1123 label.
var namespaceName = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$`)

// decodeNamespace takes "" as the default, so that the Helm 4 plugin can
// pass $HELM_NAMESPACE whether or not Helm has it.
func decodeNamespace(c *Config, n *yaml.RNode) error {
	var ns string
	if err := decodeString(n, &ns); err != nil {
		return err
	}
	if ns == "" {
		ns = DefaultNamespace
	}
	if !namespaceName.MatchString(ns) {
		return fmt.Errorf("%q is not a valid namespace name (lowercase letters, digits and '-', at most 63)", ns)
	}
	c.Namespace = ns
	return nil
}

func decodeExtraRefs(c *Config, n *yaml.RNode) error {
	if yaml.IsMissingOrNull(n) {
		c.ExtraRefs = nil
		return nil
	}
	if n.YNode().Kind != yaml.SequenceNode {
		return fmt.Errorf("want a list of {selector, configMaps, secrets}, got %s", describeValue(n.YNode()))
	}
	var all []ExtraRefs
	for i, e := range n.YNode().Content {
		if e.Kind != yaml.MappingNode {
			return fmt.Errorf("[%d]: want a map {selector, configMaps, secrets}, got %s", i, describeValue(e))
		}
		var x ExtraRefs
		err := yaml.NewRNode(e).VisitFields(func(f *yaml.MapNode) error {
			var err error
			switch name := f.Key.YNode().Value; name {
			case "selector":
				err = decodeSelector(f.Value, &x.Selector)
			case "configMaps":
				x.ConfigMaps, err = decodeStringList(f.Value)
			case "secrets":
				x.Secrets, err = decodeStringList(f.Value)
			default:
				return fmt.Errorf("unknown field %q; accepted fields: selector, configMaps, secrets", name)
			}
			if err != nil {
				return fmt.Errorf("%s: %w", f.Key.YNode().Value, err)
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("[%d]: %w", i, err)
		}
		if x.Selector.isEmpty() {
			return fmt.Errorf("[%d]: selector is required (say which targets the references belong to)", i)
		}
		all = append(all, x)
	}
	c.ExtraRefs = all
	return nil
}

// describeValue names what a YAML value is, for error messages, without
// quoting long content.
func describeValue(n *yaml.Node) string {
	if n.Kind == yaml.ScalarNode {
		if n.Tag == yaml.NodeTagNull {
			return "null"
		}
		v := n.Value
		if len(v) > 40 {
			v = v[:40] + "..."
		}
		return fmt.Sprintf("%q (%s)", v, strings.TrimPrefix(n.ShortTag(), "!!"))
	}
	return "a " + yamltext.KindName(n)
}

// DigestAlgorithm names how the digests of a kind of source are made:
// hmac-sha256 for Secrets when a key is configured, else sha256.
func (c *Config) DigestAlgorithm(kind string) string {
	if kind == kindSecret && len(c.secretKey) > 0 {
		return "hmac-sha256"
	}
	return "sha256"
}
