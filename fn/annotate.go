package fn

import (
	"strings"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// annotationChange is what a target's annotations must become: keys to set
// and, in perSource mode, the prefixes whose other keys are stale.
type annotationChange struct {
	set        map[string]string
	stalePrefs []string
}

// apply is the one place that writes annotations. It writes only what
// differs, so that an up-to-date template keeps every byte, and reports
// whether anything changed.
func (c annotationChange) apply(tpl *yaml.RNode) (bool, error) {
	current := tpl.GetAnnotations()
	changed := false
	for _, key := range sortedKeys(current) {
		if _, keep := c.set[key]; keep || !c.isStale(key) {
			continue
		}
		if err := tpl.PipeE(yaml.ClearAnnotation(key)); err != nil {
			return changed, err
		}
		changed = true
	}
	for _, key := range sortedKeys(c.set) {
		if v, ok := current[key]; ok && v == c.set[key] {
			continue
		}
		if err := tpl.PipeE(yaml.SetAnnotation(key, c.set[key])); err != nil {
			return changed, err
		}
		changed = true
	}
	return changed, nil
}

func (c annotationChange) isStale(key string) bool {
	for _, p := range c.stalePrefs {
		if strings.HasPrefix(key, p) {
			return true
		}
	}
	return false
}
