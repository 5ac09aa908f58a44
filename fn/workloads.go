package fn

import (
	"slices"
	"strings"

	"confighash.dev/confighash/internal/yamltext"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Workloads that an operator runs (issue 13): a custom resource whose
// operator makes the pods, owns their template and reverts what others write
// on it. Its references are fields of the resource, and the hash goes where
// the operator copies annotations to its pods. A Reference with an
// annotationPath makes its kind such a workload; one without is a name that
// versioned sources follow, and that counts for no hash.

// Where each operator copies annotations to its pods.
const (
	prometheusPodAnnotations = "spec.podMetadata.annotations"
	strimziKafkaAnnotations  = "spec.kafka.template.pod.metadata.annotations"
	strimziPodAnnotations    = "spec.template.pod.metadata.annotations"
)

// Why a reference of the built-in table counts, or does not.
const (
	whyPodSpec    = "merged into the pods' spec by the operator"
	whyMounted    = "mounted into the pods, and nothing reloads it"
	whyEnv        = "an env value of a container, set when it starts"
	whyConfigFile = "a --*.config-file flag's file, read at start-up"
	whyCopied     = "copied by the operator into an object of its own, which a config reloader reloads: no restart needed"
	whyReloaded   = "mounted into the pods and watched by the operator's config reloader: no restart needed"
	whyHotTLS     = "a TLS file the server reads again on every connection: no restart needed"
	whyRolls      = "the operator rolls the pods itself when it changes"
	whyHot        = "applied by the operator without a restart"
)

// builtinReferences are the workloads of the most used operators, each
// field read from the operator's own API types (README: "Operators"). The
// references that count are those that reach the pods as they are and that
// nothing reloads; the others are followed by versioned sources only, with
// the reason, and a references option with an annotationPath makes one
// count.
var builtinReferences = func() []Reference {
	var refs []Reference
	add := func(group, kind, annotations string, list ...Reference) {
		for _, r := range list {
			r.APIVersion, r.Kind = group, kind
			if r.Why == whyPodSpec || r.Why == whyMounted || r.Why == whyEnv || r.Why == whyConfigFile {
				r.AnnotationPath = annotations
			}
			refs = append(refs, r)
		}
	}
	podSpec := Reference{Path: "spec", Form: FormPodSpec, Why: whyPodSpec}
	secretKey := func(path, why string) Reference {
		return Reference{Path: path, SourceKind: kindSecret, KeyField: "key", Why: why}
	}
	webTLS := []Reference{
		secretKey("spec.web.tlsConfig.keySecret", whyHotTLS),
		secretKey("spec.web.tlsConfig.cert.secret", whyHotTLS),
		{Path: "spec.web.tlsConfig.cert.configMap", SourceKind: kindConfigMap, KeyField: "key", Why: whyHotTLS},
		secretKey("spec.web.tlsConfig.client_ca.secret", whyHotTLS),
		{Path: "spec.web.tlsConfig.client_ca.configMap", SourceKind: kindConfigMap, KeyField: "key", Why: whyHotTLS},
	}
	const po = "monitoring.coreos.com"
	promCommon := append([]Reference{
		podSpec,
		{Path: "spec.secrets.*", SourceKind: kindSecret, Why: whyMounted},
		{Path: "spec.configMaps.*", SourceKind: kindConfigMap, Why: whyMounted},
		secretKey("spec.additionalScrapeConfigs", whyCopied),
	}, webTLS...)
	add(po, "Prometheus", prometheusPodAnnotations, append(slices.Clone(promCommon),
		secretKey("spec.thanos.objectStorageConfig", whyEnv),
		secretKey("spec.thanos.tracingConfig", whyEnv),
		secretKey("spec.additionalAlertRelabelConfigs", whyCopied),
		secretKey("spec.additionalAlertManagerConfigs", whyCopied),
	)...)
	add(po, "PrometheusAgent", prometheusPodAnnotations, promCommon...)
	add(po, "Alertmanager", prometheusPodAnnotations, append([]Reference{
		podSpec,
		{Path: "spec.secrets.*", SourceKind: kindSecret, Why: whyReloaded},
		{Path: "spec.configMaps.*", SourceKind: kindConfigMap, Why: whyReloaded},
		{Path: "spec.configSecret", SourceKind: kindSecret, Why: whyCopied},
		secretKey("spec.alertmanagerConfiguration.templates.*.secret", whyReloaded),
		{Path: "spec.alertmanagerConfiguration.templates.*.configMap", SourceKind: kindConfigMap, KeyField: "key", Why: whyReloaded},
	}, webTLS...)...)
	add(po, "ThanosRuler", prometheusPodAnnotations, append([]Reference{
		podSpec,
		secretKey("spec.objectStorageConfig", whyConfigFile),
		secretKey("spec.queryConfig", whyConfigFile),
		secretKey("spec.alertmanagersConfig", whyConfigFile),
		secretKey("spec.tracingConfig", whyConfigFile),
		secretKey("spec.alertRelabelConfigs", whyConfigFile),
	}, webTLS...)...)

	const sz = "kafka.strimzi.io"
	add(sz, "Kafka", strimziKafkaAnnotations,
		Reference{Path: "spec.kafka.template.pod", Form: FormPodSpec, Why: whyPodSpec},
		Reference{Path: "spec.kafka.template.kafkaContainer", Form: FormContainer, Why: whyEnv},
		Reference{Path: "spec.kafka.template.initContainer", Form: FormContainer, Why: whyEnv},
		Reference{Path: "spec.kafka.listeners.*.configuration.brokerCertChainAndKey", SourceKind: kindSecret, NameField: "secretName", Why: whyRolls},
		Reference{Path: "spec.kafka.metricsConfig.valueFrom.configMapKeyRef", SourceKind: kindConfigMap, KeyField: "key", Why: whyCopied},
		Reference{Path: "spec.kafka.logging.valueFrom.configMapKeyRef", SourceKind: kindConfigMap, KeyField: "key", Why: whyHot},
	)
	add(sz, "KafkaNodePool", strimziPodAnnotations,
		Reference{Path: "spec.template.pod", Form: FormPodSpec, Why: whyPodSpec},
		Reference{Path: "spec.template.kafkaContainer", Form: FormContainer, Why: whyEnv},
		Reference{Path: "spec.template.initContainer", Form: FormContainer, Why: whyEnv},
	)
	clientRefs := []Reference{
		{Path: "spec.authentication.passwordSecret", SourceKind: kindSecret, NameField: "secretName", KeyField: "password", Why: whyRolls},
		{Path: "spec.authentication.certificateAndKey", SourceKind: kindSecret, NameField: "secretName", Why: whyRolls},
		{Path: "spec.tls.trustedCertificates.*", SourceKind: kindSecret, NameField: "secretName", Why: whyRolls},
		{Path: "spec.metricsConfig.valueFrom.configMapKeyRef", SourceKind: kindConfigMap, KeyField: "key", Why: whyCopied},
		{Path: "spec.logging.valueFrom.configMapKeyRef", SourceKind: kindConfigMap, KeyField: "key", Why: whyHot},
	}
	connect := []Reference{
		{Path: "spec.template.pod", Form: FormPodSpec, Why: whyPodSpec},
		{Path: "spec.template.connectContainer", Form: FormContainer, Why: whyEnv},
		{Path: "spec.template.initContainer", Form: FormContainer, Why: whyEnv},
		// v1beta2: env and volumes of the Connect container.
		{Path: "spec.externalConfiguration", Form: FormContainer, Why: whyEnv},
		{Path: "spec.externalConfiguration", Form: FormPodSpec, Why: whyPodSpec},
	}
	add(sz, "KafkaConnect", strimziPodAnnotations, append(slices.Clone(connect), clientRefs...)...)
	// KafkaMirrorMaker2 has a client per cluster: spec.target and each
	// spec.mirrors[].source in v1, spec.clusters[] in v1beta2.
	var mm2 []Reference
	for _, client := range []string{"spec.target", "spec.mirrors.*.source", "spec.clusters.*"} {
		for _, r := range clientRefs[:3] {
			r.Path = client + strings.TrimPrefix(r.Path, "spec")
			mm2 = append(mm2, r)
		}
	}
	add(sz, "KafkaMirrorMaker2", strimziPodAnnotations, append(append(slices.Clone(connect), mm2...), clientRefs[3:]...)...)
	add(sz, "KafkaBridge", strimziPodAnnotations, append([]Reference{
		{Path: "spec.template.pod", Form: FormPodSpec, Why: whyPodSpec},
		{Path: "spec.template.bridgeContainer", Form: FormContainer, Why: whyEnv},
		{Path: "spec.template.initContainer", Form: FormContainer, Why: whyEnv},
	}, clientRefs[:3]...)...)

	// ECK's pod templates are full pod templates (builtinTemplatePaths);
	// these fields outside them are the operator's.
	const es, kb = "elasticsearch.k8s.elastic.co", "kibana.k8s.elastic.co"
	for _, group := range []string{es, kb} {
		kind := map[string]string{es: "Elasticsearch", kb: "Kibana"}[group]
		add(group, kind, "",
			Reference{Path: "spec.secureSettings.*", SourceKind: kindSecret, NameField: "secretName", Why: whyRolls},
			Reference{Path: "spec.http.tls.certificate", SourceKind: kindSecret, NameField: "secretName", Why: whyHotTLS},
		)
	}
	add(es, "Elasticsearch", "",
		Reference{Path: "spec.transport.tls.certificate", SourceKind: kindSecret, NameField: "secretName", Why: whyHotTLS},
		Reference{Path: "spec.transport.tls.certificateAuthorities", SourceKind: kindConfigMap, NameField: "configMapName", Why: whyHotTLS},
		Reference{Path: "spec.auth.roles.*", SourceKind: kindSecret, NameField: "secretName", Why: whyHot},
		Reference{Path: "spec.auth.fileRealm.*", SourceKind: kindSecret, NameField: "secretName", Why: whyHot},
	)
	return refs
}()

// BuiltinReferences are the references of operators' custom resources that
// confighash knows, for README and explain.
func BuiltinReferences() []Reference { return slices.Clone(builtinReferences) }

// matches says whether the reference is about objects of this type.
func (r Reference) matches(m yaml.ResourceMeta) bool {
	return r.Kind == m.Kind && apiVersionMatches(r.APIVersion, m.APIVersion)
}

// apiVersionMatches: want is empty (any), the apiVersion, or its group.
func apiVersionMatches(want, apiVersion string) bool {
	if want == "" || want == apiVersion {
		return true
	}
	group, _, ok := strings.Cut(apiVersion, "/")
	return ok && !strings.Contains(want, "/") && want == group
}

// references are the references of an object's kind: the built-in ones,
// then the option's.
func (f *targetFinder) references(o *Object) []Reference {
	var out []Reference
	for _, r := range f.byKind[o.Meta.Kind] {
		if r.matches(o.Meta) {
			out = append(out, r)
		}
	}
	return out
}

// referencesByKind indexes the built-in references and the option's by
// kind, so that finding an object's costs a map lookup.
func referencesByKind(cfg *Config) map[string][]Reference {
	m := map[string][]Reference{}
	for _, list := range [][]Reference{builtinReferences, cfg.References} {
		for _, r := range list {
			m[r.Kind] = append(m[r.Kind], r)
		}
	}
	return m
}

// workloads are the targets of an object that an operator runs: one per
// annotationPath of its kind's references, with those references; the
// references without one are its uncounted ones.
func (f *targetFinder) workloads(o *Object) []*Target {
	refs := f.references(o)
	if len(refs) == 0 || !f.isTarget(o) {
		return nil
	}
	var targets []*Target
	var uncounted []Reference
	for _, r := range refs {
		if r.AnnotationPath == "" {
			uncounted = append(uncounted, r)
			continue
		}
		i := slices.IndexFunc(targets, func(t *Target) bool { return t.Path == r.AnnotationPath })
		if i < 0 {
			targets = append(targets, &Target{Object: o, Template: o.Node, Path: r.AnnotationPath, annotationPath: pathOf(r.AnnotationPath)})
			i = len(targets) - 1
		}
		targets[i].references = append(targets[i].references, r)
	}
	for _, t := range targets {
		t.uncounted = uncounted
	}
	return targets
}

// RefField is the Via of a reference in a custom resource's field.
const RefField = "field"

// refs are the references that r finds in object o, in document order.
func (r Reference) refs(o *Object) []Ref {
	var refs []Ref
	for _, at := range nodesAt(o.Node.YNode(), pathOf(r.Path)) {
		switch n := at.node; {
		case r.Form == FormPodSpec:
			refs = append(refs, podSpecRefs(n, at.path)...)
		case r.Form == FormContainer:
			refs = appendEnvRefs(refs, n, at.path)
		case n.Kind == yaml.ScalarNode && n.Value != "":
			refs = append(refs, Ref{Kind: r.SourceKind, Name: n.Value, Field: at.path, Via: RefField, name: n, note: r.Why})
		case n.Kind == yaml.MappingNode:
			nameField := r.NameField
			if nameField == "" {
				nameField = "name"
			}
			ref := Ref{Kind: r.SourceKind, Name: yamltext.String(n, nameField), Optional: isTrue(n, "optional"),
				Field: at.path, Via: RefField, name: yamltext.Lookup(n, nameField), note: r.Why}
			if key := yamltext.String(n, r.KeyField); r.KeyField != "" && key != "" {
				ref.Keys = []string{key}
			}
			if ref.Name != "" {
				refs = append(refs, ref)
			}
		}
	}
	return refs
}

// workloadRefs are the references of an operator's workload, in the order
// of its references.
func (t *Target) workloadRefs() []Ref {
	var refs []Ref
	for _, r := range t.references {
		refs = append(refs, r.refs(t.Object)...)
	}
	return refs
}
