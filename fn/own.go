package fn

import (
	"regexp"
	"slices"
	"strings"
)

// Which annotations of a pod template are confighash's: it changes and
// removes those, and never any other. A chart's own checksum/config stays
// as the chart wrote it, and the pod rolls when either changes.

// OwnsAnnotation lists on a pod template the annotations outside
// confighash's domain that confighash wrote there (the option annotation
// set to checksum/config, say), comma-separated: only those of such keys are
// its own. Keys in its domain need no such record.
const OwnsAnnotation = "confighash.dev/owns"

// hashDomain holds confighash's default annotations; nothing else writes
// there, so every key in it is confighash's, whatever the options say now.
const hashDomain = "checksum.confighash.dev"

// ownDomain says whether annotation key k is in confighash's domain:
// confighash.dev or one of its subdomains.
func ownDomain(k string) bool {
	prefix, _, ok := strings.Cut(k, "/")
	return ok && (prefix == "confighash.dev" || strings.HasSuffix(prefix, ".confighash.dev"))
}

// owns says whether annotation k of a pod template that carries
// annotations is confighash's: in its hash domain, in its domain and of the
// form of the keys it writes (not confighash.dev/configmaps, which people
// write), or named in the pod template's OwnsAnnotation.
func (c *Config) owns(k string, annotations map[string]string) bool {
	switch prefix, _, _ := strings.Cut(k, "/"); {
	case prefix == hashDomain, k == OwnsAnnotation:
		return true
	case ownDomain(k):
		return c.hashKey(k)
	}
	return slices.Contains(splitList(annotations[OwnsAnnotation]), k)
}

// hashKey says whether k has the form of a key the options write: the
// combined key, or a perSource key of its prefix.
func (c *Config) hashKey(k string) bool {
	p := c.annotationPrefix()
	return k == c.Annotation || strings.HasPrefix(k, PerSourceKey(p, kindConfigMap, "", "")) || strings.HasPrefix(k, PerSourceKey(p, kindSecret, "", ""))
}

// owned returns confighash's annotations among those of a pod template,
// and the others that look like checksums (explain shows them).
func (c *Config) owned(annotations map[string]string) (own, others map[string]string) {
	own = map[string]string{}
	for k, v := range annotations {
		switch {
		case c.owns(k, annotations):
			own[k] = v
		case looksLikeChecksum(k, v):
			if others == nil {
				others = map[string]string{}
			}
			others[k] = v
		}
	}
	return own, others
}

var (
	checksumKey   = regexp.MustCompile(`(?i)checksum|hash|sha1|sha256|digest|md5`)
	checksumValue = regexp.MustCompile(`^(sha256:|sha1:|md5:)?[0-9a-fA-F]{32,}$`)
)

// looksLikeChecksum: a key that says so (checksum/config, config-hash) or a
// value of 32 hex digits or more.
func looksLikeChecksum(k, v string) bool {
	return checksumKey.MatchString(k) || checksumValue.MatchString(v)
}

// splitList reads a comma-separated list, spaces trimmed, empty parts left out.
func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
