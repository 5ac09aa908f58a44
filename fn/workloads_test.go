package fn

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"confighash.dev/confighash/internal/yamltext"
)

// TestOperatorsAndProducersRollWhatChanged pins issue 13 from the outside,
// in both directions, on the golden inputs: a change that reaches the pods
// (a counted field of an operator's resource, a value a producer declares)
// changes the hash where the operator copies it; a change that the operator
// handles itself, or that no pod sees, does not.
func TestOperatorsAndProducersRollWhatChanged(t *testing.T) {
	for _, tc := range []struct {
		file, target, annotationPath string
		name, old, new               string
		rolls                        bool
	}{
		// Prometheus k8s counts etcd-client-certs (spec.secrets),
		// thanos-objstore[objstore.yml] and prometheus-tuning[query-log-level].
		{"operator-prometheus", "Prometheus/k8s", prometheusPodAnnotations, "a mounted Secret", "ca.crt: CA, client.crt", "ca.crt: CA2, client.crt", true},
		{"operator-prometheus", "Prometheus/k8s", prometheusPodAnnotations, "the objstore config", "objstore.yml: \"type: S3\"", "objstore.yml: \"type: GCS\"", true},
		{"operator-prometheus", "Prometheus/k8s", prometheusPodAnnotations, "a key of the objstore Secret no one reads", "unused: \"x\"", "unused: \"y\"", false},
		{"operator-prometheus", "Prometheus/k8s", prometheusPodAnnotations, "a container's env", "query-log-level: info", "query-log-level: debug", true},
		{"operator-prometheus", "Prometheus/k8s", prometheusPodAnnotations, "additionalScrapeConfigs, which the operator reloads", "job_name: extra", "job_name: more", false},
		{"operator-prometheus", "Prometheus/k8s", prometheusPodAnnotations, "the web TLS certificate, read on every connection", "{tls.crt: CERT, tls.key: KEY}", "{tls.crt: CERT2, tls.key: KEY2}", false},
		{"operator-prometheus", "Prometheus/k8s", prometheusPodAnnotations, "a label of the pods", "app.kubernetes.io/name: prometheus", "app.kubernetes.io/name: prom", false},
		{"operator-prometheus", "Alertmanager/main", prometheusPodAnnotations, "a Secret the config reloader watches", "email.tmpl: \"{{ define }}\"", "email.tmpl: \"{{ end }}\"", false},
		{"operator-prometheus", "Alertmanager/main", prometheusPodAnnotations, "an env Secret", "password: hunter2", "password: hunter3", true},
		// Strimzi.
		{"operator-strimzi", "Kafka/my-cluster", strimziKafkaAnnotations, "the kafka container's env", "options: \"-Xmx2g\"", "options: \"-Xmx4g\"", true},
		{"operator-strimzi", "Kafka/my-cluster", strimziKafkaAnnotations, "logging, applied without a restart", "rootLogger.level=INFO", "rootLogger.level=DEBUG", false},
		{"operator-strimzi", "Kafka/my-cluster", strimziKafkaAnnotations, "the listener certificate, which the operator rolls on", "{tls.crt: CERT, tls.key: KEY}", "{tls.crt: CERT2, tls.key: KEY2}", false},
		{"operator-strimzi", "KafkaNodePool/brokers", strimziPodAnnotations, "a volume of the pool's pods", "rack: eu-west-1a", "rack: eu-west-1b", true},
		{"operator-strimzi", "KafkaConnect/my-connect", strimziPodAnnotations, "externalConfiguration env", "access-key: AKIA,", "access-key: AKIB,", true},
		{"operator-strimzi", "KafkaConnect/my-connect", strimziPodAnnotations, "a key no env reads", "secret-key: SECRET", "secret-key: SECRET2", false},
		{"operator-strimzi", "KafkaConnect/my-connect", strimziPodAnnotations, "the SCRAM password, which the operator rolls on", "password: s3cr3t", "password: s3cr3t2", false},
		// Producers: Deployment web.
		{"producers", "Deployment/web", "spec.template.metadata.annotations", "a sealed value read by the pods", "AgBy3i4OJSWK+", "AgBy3i4OJSWL+", true},
		{"producers", "Deployment/web", "spec.template.metadata.annotations", "a sealed value no pod reads", "AgCM7E9wY2Vm3", "AgCM7E9wY2Vm4", false},
		{"producers", "Deployment/web", "spec.template.metadata.annotations", "a label of the Secret's template", "labels: {app: shop}", "labels: {app: store}", false},
		{"producers", "Deployment/web", "spec.template.metadata.annotations", "the remote reference of a key", "property: api-key", "property: api-key-v2", true},
		{"producers", "Deployment/web", "spec.template.metadata.annotations", "what dataFrom asks for", "key: shop/payments-extra", "key: shop/payments-more", true},
		{"producers", "Deployment/web", "spec.template.metadata.annotations", "the store", "{name: vault-backend, kind: ClusterSecretStore}\n  target:\n    name: payments-api", "{name: vault-other, kind: ClusterSecretStore}\n  target:\n    name: payments-api", true},
		{"producers", "Deployment/web", "spec.template.metadata.annotations", "the refresh interval", "refreshInterval: 1h", "refreshInterval: 2h", false},
		{"producers", "Deployment/web", "spec.template.metadata.annotations", "a SOPS value read by the pods", "data:Tr7o1Uw=", "data:Tr7o1Uz=", true},
		{"producers", "Deployment/web", "spec.template.metadata.annotations", "the SOPS MAC alone", "data:abc,", "data:abd,", false},
		{"producers", "Deployment/web", "spec.template.metadata.annotations", "the Vault path", "path: shop/search", "path: shop/search-v2", true},
		{"producers", "Deployment/web", "spec.template.metadata.annotations", "Vault's refresh", "refreshAfter: 30s", "refreshAfter: 60s", false},
		{"producers", "Deployment/web", "spec.template.metadata.annotations", "the 1Password item", "items/mail-api", "items/mail-api-2", true},
	} {
		t.Run(tc.file+"/"+tc.name, func(t *testing.T) {
			input, err := os.ReadFile("../testdata/" + tc.file + "/input.yaml")
			if err != nil {
				t.Fatal(err)
			}
			before := workloadHash(t, string(input), tc.target, tc.annotationPath)
			if strings.Count(string(input), tc.old) != 1 {
				t.Fatalf("%q is not in the input exactly once", tc.old)
			}
			after := workloadHash(t, strings.Replace(string(input), tc.old, tc.new, 1), tc.target, tc.annotationPath)
			if rolls := before != after; rolls != tc.rolls {
				t.Errorf("%s %s: %s -> %s, rolls %v, want %v", tc.target, tc.annotationPath, before, after, rolls, tc.rolls)
			}
		})
	}
}

// workloadHash runs confighash and returns the combined annotation of
// target (Kind/name) at annotationPath.
func workloadHash(t *testing.T, input, target, annotationPath string) string {
	t.Helper()
	out, _ := runStream(t, []byte(input), nil)
	items, err := (&kio.ByteReader{Reader: strings.NewReader(out), OmitReaderAnnotations: true}).Read()
	if err != nil {
		t.Fatal(err)
	}
	kind, name, _ := strings.Cut(target, "/")
	for _, n := range items {
		if n.GetKind() != kind || n.GetName() != name {
			continue
		}
		path := append(pathOf(annotationPath), DefaultAnnotation)
		v, err := n.Pipe(yaml.Lookup(path...))
		if err != nil || v == nil {
			t.Fatalf("%s has no %s.%s:\n%s", target, annotationPath, DefaultAnnotation, out)
		}
		return v.YNode().Value
	}
	t.Fatalf("no %s in the output", target)
	return ""
}

// The digests of two produced Secrets of testdata/producers, computed with
// Python's json, base64 and hashlib from README's recipe, not with this
// code: a SealedSecret counts each key's ciphertext as its value, an
// ExternalSecret each key's declaration, with the store, as JSON.
const (
	sealedDBCredentials = "5ad5acd2c0464377fda0003f6c948d9ff9b5d8e0366e69888449885dbb1f9cd6"
	externalPayments    = "3d83f03d6f4e4bf91adb93c19d61b336c1cd9848339ff42107e6cf8c8d37a415"
)

func TestProducerDigests(t *testing.T) {
	input, err := os.ReadFile("../testdata/producers/input.yaml")
	if err != nil {
		t.Fatal(err)
	}
	in, err := yamltext.Read(input)
	if err != nil {
		t.Fatal(err)
	}
	cfg := DefaultConfig()
	if err := cfg.Resolve(nil); err != nil {
		t.Fatal(err)
	}
	res, err := Resolve(in.Items, cfg)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, d := range res.Targets {
		for _, s := range d.Sources {
			got[s.ID.Name] = s.Digest
		}
	}
	for name, want := range map[string]string{"db-credentials": sealedDBCredentials, "payments-api": externalPayments} {
		if got[name] != want {
			t.Errorf("Secret %s: digest %s, want %s", name, got[name], want)
		}
	}
}

// The README's table rows of the built-in references and producers.

// referenceRow is the README's table row of a built-in reference.
func referenceRow(r Reference) string {
	what := r.SourceKind
	switch {
	case r.Form == FormPodSpec:
		what = "pod spec: containers, initContainers, volumes"
	case r.Form == FormContainer:
		what = "container: env, envFrom"
	case r.NameField != "" && r.KeyField != "":
		what += fmt.Sprintf(" `%s`, key `%s`", r.NameField, r.KeyField)
	case r.NameField != "":
		what += fmt.Sprintf(" `%s`", r.NameField)
	case r.KeyField != "":
		what += fmt.Sprintf(" `name`, key `%s`", r.KeyField)
	}
	counts := "no: " + r.Why
	if r.AnnotationPath != "" {
		counts = "`" + r.AnnotationPath + "`: " + r.Why
	}
	return fmt.Sprintf("| `%s` (`%s`) | `%s` | %s | %s |", r.Kind, r.APIVersion, r.Path, what, counts)
}

// producerRow is the README's table row of a built-in producer.
func producerRow(p Producer) string {
	name := "`metadata.name`"
	if len(p.Name) > 0 {
		name = "`" + strings.Join(p.Name, "`, else `") + "`"
	}
	if p.Each != "" {
		name = "one per `" + p.Each + "`: " + name
	}
	var keys []string
	for _, k := range p.Keys {
		s := "`" + k.Path + "`"
		if k.KeyField != "" {
			s += " (key in `" + k.KeyField + "`)"
		}
		if k.UsesAll {
			s += " (a template: counts all the others too)"
		}
		keys = append(keys, s)
	}
	if len(p.AnyKey) > 0 {
		other := "any other key: `"
		if len(p.Keys) == 0 {
			other = "any key: `"
		}
		keys = append(keys, other+strings.Join(p.AnyKey, "`, `")+"`")
	}
	if len(p.Shared) > 0 {
		keys = append(keys, "with every key: `"+strings.Join(p.Shared, "`, `")+"`")
	}
	return fmt.Sprintf("| `%s` (`%s`) | %s | %s | %s |", p.Kind, p.APIVersion, name, strings.Join(keys, "; "), p.Why)
}

// TestREADMEListsBuiltins keeps README's tables of operators and producers
// equal to the built-in ones.
func TestREADMEListsBuiltins(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range BuiltinReferences() {
		if row := referenceRow(r); !strings.Contains(string(readme), row+"\n") {
			t.Errorf("README.md lacks the row\n%s", row)
		}
	}
	for _, p := range builtinProducers {
		if row := producerRow(p); !strings.Contains(string(readme), row+"\n") {
			t.Errorf("README.md lacks the row\n%s", row)
		}
	}
}
