package fn

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"
)

// The functions in this file are the hash contract of SPEC.md section 4.
// Changing any output of theirs restarts every workload that uses
// confighash, so they change only with a major version; the test vectors in
// digest_test.go and README.md pin them.

// SourceDocument is the canonical form of the counted keys of one source:
// a JSON object that maps each key to the standard padded base64 of its
// value bytes, keys sorted, no spaces. That is exactly Go's json.Marshal of a
// map[string][]byte, which is why the contract is written in those terms.
func SourceDocument(values map[string][]byte) []byte {
	if values == nil {
		values = map[string][]byte{}
	}
	doc, err := json.Marshal(values)
	if err != nil {
		// json.Marshal cannot fail on a map[string][]byte.
		panic(err)
	}
	return doc
}

// SourceDigest is the lowercase hex SHA-256 of a source document, or its
// HMAC-SHA256 under key when key is not empty (SPEC 4: Secrets when a key is
// configured).
func SourceDigest(document []byte, key []byte) string {
	if len(key) > 0 {
		mac := hmac.New(sha256.New, key)
		mac.Write(document)
		return hex.EncodeToString(mac.Sum(nil))
	}
	sum := sha256.Sum256(document)
	return hex.EncodeToString(sum[:])
}

// CombinedDigest is the value of the combined-mode annotation: the lowercase
// hex SHA-256 of a JSON object that maps each source label ("ConfigMap/name",
// or "Secret/namespace/name" across namespaces) to its source digest, keys
// sorted, no spaces.
func CombinedDigest(digests map[string]string) string {
	doc, err := json.Marshal(digests)
	if err != nil {
		// json.Marshal cannot fail on a map[string]string.
		panic(err)
	}
	sum := sha256.Sum256(doc)
	return hex.EncodeToString(sum[:])
}

// maxNamePart is the longest name part of an annotation key that Kubernetes
// accepts (a qualified name: an optional prefix, "/", and at most 63 characters).
const maxNamePart = 63

// PerSourceKey is the perSource-mode annotation key of one source: prefix,
// "/", and a name part "<kind>.<name>", or "<kind>.<namespace>_<name>" for a
// source in another namespace than the pod template's (namespace is then
// not ""). No two sources share a name part: names and namespaces never
// hold "_", and a namespace never holds ".", so ConfigMap a.b of the pod's
// namespace (configmap.a.b) and ConfigMap b of namespace a (configmap.a_b)
// differ. A name part longer than 63 characters is cut to 54 and ends in
// "_" plus the first 8 hex digits of the SHA-256 of the whole name part:
// still valid, and distinct from every uncut one.
func PerSourceKey(prefix, kind, namespace, name string) string {
	part := perSourceKind(kind) + "."
	if namespace != "" {
		part += namespace + "_"
	}
	part += name
	if len(part) > maxNamePart {
		sum := sha256.Sum256([]byte(part))
		part = part[:maxNamePart-9] + "_" + hex.EncodeToString(sum[:])[:8]
	}
	return prefix + "/" + part
}

// perSourceKind is the lowercase kind that starts a perSource name part.
func perSourceKind(kind string) string {
	switch kind {
	case kindConfigMap:
		return "configmap"
	case kindSecret:
		return "secret"
	}
	return kind
}

// maxNameLength is the longest name of a ConfigMap or Secret (a DNS
// subdomain).
const maxNameLength = 253

// VersionSuffix is the suffix of a versioned source's name: the first 10 hex
// digits of the digest of all its keys, with 0, 1, 3, a and e written g, h,
// k, m and t, as kustomize writes its own hash suffixes (no vowel to make a
// word, never all digits).
func VersionSuffix(digest string) string {
	return strings.NewReplacer("0", "g", "1", "h", "3", "k", "a", "m", "e", "t").Replace(digest[:10])
}

// VersionedName is a versioned source's name: its original name, "-", and
// the suffix; a name too long for that is cut so that the whole stays a
// valid name.
func VersionedName(original, digest string) string {
	suffix := "-" + VersionSuffix(digest)
	if len(original)+len(suffix) > maxNameLength {
		original = strings.TrimRight(original[:maxNameLength-len(suffix)], ".-")
	}
	return original + suffix
}
