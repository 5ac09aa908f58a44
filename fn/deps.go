package fn

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"confighash.dev/confighash/internal/yamltext"
	"sigs.k8s.io/kustomize/kyaml/fn/framework"
)

// Dependencies is what one run resolved for one target: the sources it
// counts, the keys and the references behind them, their digests, the
// references that count for nothing and why, and the annotations that
// follow. Transform writes annotations from this record and nothing else,
// and explain, check, diff and the explain results read the same record, so
// that they can never disagree with what Transform writes.
type Dependencies struct {
	Target *Target
	// Sources are the ConfigMaps and Secrets that count, sorted by ID.
	Sources []*SourceDependency
	// Unresolved are the references that count for nothing, in the order
	// of the pod template, each with the reason.
	Unresolved []UnresolvedRef
	// Annotations are the confighash annotations that the pod template must
	// carry: nil when it has no resolvable dependency (it is then left
	// exactly as it was) or when a source could not be read (Failed).
	Annotations map[string]string
	// StalePrefixes are, in perSource mode, the prefixes of the annotation
	// keys that go when their source is no longer referenced.
	StalePrefixes []string
	// Current are the confighash annotations the pod template carries in
	// the input: those that Annotations and StalePrefixes name.
	Current map[string]string
	// Failed is set when a source could not be read; an error result says
	// why, and nothing is written.
	Failed bool
}

// SourceDependency is one source that a target counts.
type SourceDependency struct {
	ID     SourceID
	Source *Source
	// Refs are the references to the source, in the order of the pod
	// template; together they decide which keys count.
	Refs []Ref
	// AllKeys is set when every key counts: a reference without a key list,
	// or the option keys: all.
	AllKeys bool
	// Counted are the counted keys that the source has; Absent are keys
	// that a reference names and the source does not have.
	Counted []string
	Absent  []string
	Digest  string
	// HMAC is set when Digest is an HMAC (a Secret, with a key configured).
	HMAC bool
	// Label names the source in the combined document; AnnotationKey is its
	// perSource annotation key ("" in combined mode).
	Label         string
	AnnotationKey string

	// values are the counted value bytes, for diff to name the keys that
	// changed. They are never written anywhere.
	values map[string][]byte
}

// Values are the counted value bytes, to compare two versions of a source.
// They must never be written anywhere.
func (s *SourceDependency) Values() map[string][]byte { return s.values }

// UnresolvedRef is a reference that counts for nothing.
type UnresolvedRef struct {
	Ref
	// ID is the source the reference resolves to.
	ID     SourceID
	Reason UnresolvedReason
}

// UnresolvedReason says why a reference counts for nothing.
type UnresolvedReason string

const (
	// ReasonMissing: the source is not in the input; onMissing decides
	// what that does.
	ReasonMissing UnresolvedReason = "missing"
	// ReasonLocalConfig: the source is in the input but marked
	// config.kubernetes.io/local-config, so it never reaches the cluster.
	ReasonLocalConfig UnresolvedReason = "localConfig"
	// ReasonOptional: the source is not in the input and the reference
	// says optional: true.
	ReasonOptional UnresolvedReason = "optional"
	// ReasonIgnored: the source is annotated confighash.dev/ignore.
	ReasonIgnored UnresolvedReason = "ignored"
	// ReasonNotFollowed: the option sources does not name the kind.
	ReasonNotFollowed UnresolvedReason = "notFollowed"
	// ReasonDuplicate: the source appears more than once (an error).
	ReasonDuplicate UnresolvedReason = "duplicate"
)

// plan resolves the references of one pod template, records them in r.deps
// and says what its annotations must be; ok is false when it has no
// resolvable dependency and must be left exactly as it was.
func (r *run) plan(t *Target) (annotationChange, bool) {
	d := r.resolveTarget(t)
	r.deps = append(r.deps, d)
	if d.Annotations == nil {
		return annotationChange{}, false
	}
	return annotationChange{set: d.Annotations, stalePrefs: d.StalePrefixes}, true
}

func (r *run) resolveTarget(t *Target) *Dependencies {
	d := &Dependencies{Target: t}
	targetNS := t.Object.Namespace
	refs := podSpecRefs(yamltext.Lookup(t.Template.YNode(), "spec"), t.field("spec"))
	refs = append(refs, annotationRefs(t.Object.Meta.Annotations, "metadata")...)
	if t.Path != "" {
		refs = append(refs, annotationRefs(yamltext.Meta(t.Template.YNode()).Annotations, t.field("metadata"))...)
	}

	deps := map[SourceID]*SourceDependency{}
	keys := map[SourceID]*keySet{}
	for _, ref := range refs {
		if ref.Name == "" {
			continue
		}
		id := SourceID{Kind: ref.Kind, Namespace: targetNS, Name: ref.Name}
		if ref.Namespace != "" {
			id.Namespace = ref.Namespace
		}
		unresolved := func(reason UnresolvedReason) {
			d.Unresolved = append(d.Unresolved, UnresolvedRef{Ref: ref, ID: id, Reason: reason})
		}
		if !r.cfg.follows(ref.Kind) {
			unresolved(ReasonNotFollowed)
			continue
		}
		if r.sources.ignored[id] {
			unresolved(ReasonIgnored)
			continue
		}
		found := r.sources.sources[id]
		switch {
		case len(found) == 0 && r.sources.localConfig[id]:
			unresolved(ReasonLocalConfig)
			r.missing(t, ref, id)
			continue
		case len(found) == 0 && ref.Optional:
			unresolved(ReasonOptional)
			continue
		case len(found) == 0:
			unresolved(ReasonMissing)
			r.missing(t, ref, id)
			continue
		case len(found) > 1:
			unresolved(ReasonDuplicate)
			r.duplicate(found)
			continue
		}
		if deps[id] == nil {
			deps[id] = &SourceDependency{ID: id, Source: found[0]}
			keys[id] = &keySet{}
		}
		deps[id].Refs = append(deps[id].Refs, ref)
		keys[id].add(ref, r.cfg)
	}
	if len(deps) == 0 {
		d.Current = r.currentAnnotations(t)
		return d
	}

	// Sorted, so that results come in the same order on every run.
	for _, id := range slices.SortedFunc(maps.Keys(deps), SourceID.Compare) {
		s := deps[id]
		dr := r.digest(s.Source, keys[id])
		if dr.failed {
			// The error result names the source; the others of this
			// target are not read, as nothing will be written.
			d.Failed = true
			break
		}
		s.AllKeys = keys[id].all
		s.values = dr.values
		s.Counted = slices.Sorted(maps.Keys(dr.values))
		for key := range keys[id].keys {
			if _, ok := dr.values[key]; !ok && !s.AllKeys {
				s.Absent = append(s.Absent, key)
			}
		}
		sort.Strings(s.Absent)
		s.Digest = dr.digest
		s.HMAC = id.Kind == kindSecret && len(r.cfg.secretKey) > 0
		s.Label = id.Kind + "/" + id.Name
		if id.Namespace != targetNS {
			s.Label = id.Kind + "/" + id.Namespace + "/" + id.Name
		}
		d.Sources = append(d.Sources, s)
	}
	if d.Failed {
		d.Current = r.currentAnnotations(t)
		return d
	}

	if r.cfg.Mode == ModePerSource {
		prefix := r.cfg.annotationPrefix()
		d.StalePrefixes = []string{PerSourceKey(prefix, kindConfigMap, ""), PerSourceKey(prefix, kindSecret, "")}
		d.Annotations = map[string]string{}
		for _, s := range d.Sources {
			s.AnnotationKey = r.cfg.SourceAnnotationKey(s.ID, targetNS)
			d.Annotations[s.AnnotationKey] = s.Digest
		}
	} else {
		labels := make(map[string]string, len(d.Sources))
		for _, s := range d.Sources {
			labels[s.Label] = s.Digest
		}
		d.Annotations = map[string]string{r.cfg.Annotation: CombinedDigest(labels)}
	}
	d.Current = r.currentAnnotations(t)
	return d
}

// currentAnnotations are the confighash annotations of the template as it
// is in the input: the combined key, and in perSource mode every key with a
// perSource prefix.
func (r *run) currentAnnotations(t *Target) map[string]string {
	current := map[string]string{}
	for k, v := range yamltext.Meta(t.Template.YNode()).Annotations {
		if r.ownsKey(k) {
			current[k] = v
		}
	}
	return current
}

// ownsKey says whether confighash writes or removes annotation key k in the
// configured mode.
func (r *run) ownsKey(k string) bool {
	if r.cfg.Mode != ModePerSource {
		return k == r.cfg.Annotation
	}
	prefix := r.cfg.annotationPrefix()
	return strings.HasPrefix(k, PerSourceKey(prefix, kindConfigMap, "")) || strings.HasPrefix(k, PerSourceKey(prefix, kindSecret, ""))
}

// Written are the confighash annotations that the pod template carries
// after a run: Current, with the stale keys removed and Annotations set. A
// target without a resolvable dependency keeps what it has.
func (d *Dependencies) Written() map[string]string {
	if d.Annotations == nil {
		return maps.Clone(d.Current)
	}
	out := maps.Clone(d.Annotations)
	for k, v := range d.Current {
		if _, set := out[k]; !set && !d.IsStale(k) {
			out[k] = v
		}
	}
	return out
}

// IsStale says whether a run removes key from the pod template when no
// source of this run names it: a perSource key whose source is gone.
func (d *Dependencies) IsStale(key string) bool {
	for _, p := range d.StalePrefixes {
		if strings.HasPrefix(key, p) {
			return true
		}
	}
	return false
}

// Status says whether a run would change the target's annotations.
type Status string

const (
	// StatusCurrent: the annotations are what a run writes.
	StatusCurrent Status = "current"
	// StatusStale: a run would change them.
	StatusStale Status = "stale"
	// StatusNone: no resolvable dependency; a run leaves the target alone.
	StatusNone Status = "none"
)

// Status compares what the pod template carries with what a run writes.
func (d *Dependencies) Status() Status {
	if d.Annotations == nil {
		return StatusNone
	}
	if maps.Equal(d.Current, d.Written()) {
		return StatusCurrent
	}
	return StatusStale
}

// Why says in a few words why a reference counts: "envFrom of container
// app", "volume config mounted by app, sidecar".
func (ref Ref) Why() string {
	switch ref.Via {
	case RefEnv, RefEnvFrom:
		return ref.Via + " of container " + ref.Container
	case RefVolume, RefProjected:
		s := ref.Via + " " + ref.Volume
		if len(ref.MountedBy) == 0 {
			return s + " (mounted by no container)"
		}
		return s + " mounted by " + strings.Join(ref.MountedBy, ", ")
	case RefAnnotation:
		return "annotation " + strings.TrimSuffix(ref.Field[strings.LastIndex(ref.Field, "[")+1:], "]")
	}
	return ref.Field
}

// KeysWhy lists the keys a reference shows, under the option keys: "all
// keys" or "keys a, b".
func (ref Ref) KeysWhy(keys KeySelection) string {
	switch {
	case keys == KeysAll:
		return "all keys (option keys: all)"
	case ref.Keys == nil:
		return "all keys"
	case len(ref.Keys) == 1:
		return "key " + ref.Keys[0]
	}
	return "keys " + strings.Join(ref.Keys, ", ")
}

// explainResults are the results of the option explain: one per target that
// references anything, listing what it depends on. They hold no value, only
// names, keys and digests.
func (r *run) explainResults() framework.Results {
	var results framework.Results
	for _, d := range r.deps {
		if len(d.Sources) == 0 && len(d.Unresolved) == 0 {
			continue
		}
		var parts []string
		for _, s := range d.Sources {
			var why []string
			for _, ref := range s.Refs {
				why = append(why, ref.KeysWhy(r.cfg.Keys)+" by "+ref.Why())
			}
			parts = append(parts, fmt.Sprintf("%s (digest %s: %s)", s.ID, s.Digest, strings.Join(why, "; ")))
		}
		msg := d.Target.String()
		if len(parts) > 0 {
			msg += " depends on " + strings.Join(parts, ", ")
		} else {
			msg += " depends on no ConfigMap or Secret in the input"
		}
		for _, u := range d.Unresolved {
			msg += fmt.Sprintf("; %s %s at %s is %s", u.ID.Kind, u.ID.Namespace+"/"+u.ID.Name, u.Field, u.Reason.Words())
		}
		switch d.Status() {
		case StatusCurrent:
			msg += "; its annotations are current"
		case StatusStale:
			msg += "; its annotations change: " + annotationWords(d)
		}
		results = append(results, &framework.Result{
			Severity:    framework.Info,
			Message:     msg,
			ResourceRef: d.Target.Object.ref(),
			Field:       &framework.Field{Path: d.Target.Path},
			File:        d.Target.Object.File(),
		})
	}
	return results
}

// Words says why a reference counts for nothing, for people.
func (r UnresolvedReason) Words() string { return unresolvedWords[r] }

var unresolvedWords = map[UnresolvedReason]string{
	ReasonMissing:     "missing from the input",
	ReasonLocalConfig: "marked local-config (never applied)",
	ReasonOptional:    "optional and not in the input",
	ReasonIgnored:     "annotated " + IgnoreAnnotation,
	ReasonNotFollowed: "of a kind the option sources leaves out",
	ReasonDuplicate:   "in the input more than once",
}

// annotationWords lists what a run changes in a target's annotations:
// "checksum/config set (was 1a2b...)".
func annotationWords(d *Dependencies) string {
	want := d.Written()
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(want)) {
		cur, ok := d.Current[k]
		switch {
		case !ok:
			parts = append(parts, k+" added")
		case cur != want[k]:
			parts = append(parts, k+" stale (was "+ShortDigest(cur)+")")
		}
	}
	for _, k := range slices.Sorted(maps.Keys(d.Current)) {
		if _, ok := want[k]; !ok {
			parts = append(parts, k+" removed (its source is no longer referenced)")
		}
	}
	return strings.Join(parts, ", ")
}

// ShortDigest abbreviates a digest for people; JSON output keeps it whole.
func ShortDigest(digest string) string {
	if len(digest) > 12 {
		return digest[:12]
	}
	return digest
}
