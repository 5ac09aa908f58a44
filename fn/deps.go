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
	// exactly as it was), when a source could not be read (Failed), or when
	// an annotation confighash did not write is in the way (Conflicts).
	Annotations map[string]string
	// Remove are the annotations of confighash that the pod template
	// carries and a run removes: a perSource key whose source is no longer
	// referenced, the keys of the other mode or of an earlier annotation
	// option, sorted.
	Remove []string
	// Current are the annotations of confighash that the pod template
	// carries in the input (see Config.owns).
	Current map[string]string
	// Conflicts are annotations a run would write that the pod template
	// carries already and that confighash did not write: they are never
	// changed, so nothing is written, and a warning says why.
	Conflicts []string
	// Others are the pod template's annotations that look like checksums
	// and are not confighash's (a chart's checksum/config): they coexist.
	Others map[string]string
	// Hints are ConfigMaps and Secrets of the input that a container names
	// in its command, args or env and that count for nothing here.
	Hints []Hint
	// Failed is set when a source could not be read; an error result says
	// why, and nothing is written.
	Failed bool
}

// Hint is a ConfigMap or Secret of the input that a container names, which
// the pod may read through the API (--configmap=NAME), and which counts for
// nothing unless confighash.dev/configmaps, extraRefs or followArgs says so.
type Hint struct {
	ArgName
	ID SourceID
}

// SourceDependency is one source that a target counts.
type SourceDependency struct {
	ID     SourceID
	Source *Source
	// Refs are the references to the source, in the order of the pod
	// template; together they decide which keys count.
	Refs []Ref
	// AllKeys is set when every key counts: a reference without a key list,
	// or the option keys: all. AllDataKeys is set when every key of data
	// counts (envFrom shows a ConfigMap's data, not its binaryData).
	AllKeys     bool
	AllDataKeys bool
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
	// ReasonOperator: a field of an operator's custom resource that
	// counts for no hash: the operator copies it into its own objects,
	// reloads it or rolls the pods itself (the reference says which).
	ReasonOperator UnresolvedReason = "operator"
)

// plan resolves the references of one pod template, records them in r.deps
// and says what its annotations must become; ok is false when they are
// current, or when it has no resolvable dependency and must be left exactly
// as it was.
func (r *run) plan(t *Target) (annotationChange, bool) {
	d := r.resolveTarget(t)
	r.deps = append(r.deps, d)
	if d.Status() != StatusStale {
		return annotationChange{}, false
	}
	return annotationChange{set: d.Annotations, remove: d.Remove}, true
}

func (r *run) resolveTarget(t *Target) *Dependencies {
	d := &Dependencies{Target: t}
	targetNS := t.Object.Namespace
	var refs []Ref
	var named []Hint
	annotations := t.annotations()
	if t.Workload() {
		refs = t.workloadRefs()
		refs = append(refs, annotationRefs(t.Object.Meta.Annotations, "metadata")...)
		refs = append(refs, annotationRefs(annotations, strings.TrimSuffix(t.Path, ".annotations"))...)
	} else {
		spec := yamltext.Lookup(t.Template.YNode(), "spec")
		refs = podSpecRefs(spec, t.field("spec"))
		refs = append(refs, annotationRefs(t.Object.Meta.Annotations, "metadata")...)
		if t.Path != "" {
			refs = append(refs, annotationRefs(annotations, t.field("metadata"))...)
		}
		named = r.namedSources(argNames(spec, t.field("spec")), targetNS)
	}
	refs = append(refs, extraRefs(r.cfg, t.Object)...)
	for _, rule := range t.uncounted {
		for _, ref := range rule.refs(t.Object) {
			id := SourceID{Kind: ref.Kind, Namespace: targetNS, Name: ref.Name}
			id, _ = r.sources.resolve(id)
			d.Unresolved = append(d.Unresolved, UnresolvedRef{Ref: ref, ID: id, Reason: ReasonOperator})
		}
	}
	if r.cfg.FollowArgs {
		for _, h := range named {
			if h.Flag != "" {
				refs = append(refs, Ref{Kind: h.ID.Kind, Namespace: h.ID.Namespace, Name: h.ID.Name, Field: h.Field, Via: RefArg, Container: h.Container, Arg: h.Text})
			}
		}
	}

	deps := map[SourceID]*SourceDependency{}
	keys := map[SourceID]*keySet{}
	for _, ref := range refs {
		if ref.Name == "" || ref.Via == RefImagePull {
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
		if to, ok := r.sources.resolve(id); ok {
			id = to
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
	for _, h := range named {
		if deps[h.ID] == nil && !slices.ContainsFunc(d.Hints, func(o Hint) bool { return o.ID == h.ID }) {
			d.Hints = append(d.Hints, h)
		}
	}
	d.Current, d.Others = r.cfg.owned(annotations)
	if len(deps) == 0 {
		return d
	}

	// Sorted, so that results come in the same order on every run.
	for _, id := range slices.SortedFunc(maps.Keys(deps), SourceID.Compare) {
		s := deps[id]
		r.used[id] = true
		dr := r.digest(s.Source, keys[id])
		if dr.failed {
			// The error result names the source; the others of this
			// target are not read, as nothing will be written.
			d.Failed = true
			break
		}
		s.AllKeys = keys[id].all
		s.AllDataKeys = keys[id].allData
		s.values = dr.values
		r.absentKeys(t, s)
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
		return d
	}

	want := map[string]string{}
	if r.cfg.Mode == ModePerSource {
		for _, s := range d.Sources {
			s.AnnotationKey = r.cfg.SourceAnnotationKey(s.ID, targetNS)
			want[s.AnnotationKey] = s.Digest
		}
	} else {
		labels := make(map[string]string, len(d.Sources))
		for _, s := range d.Sources {
			labels[s.Label] = s.Digest
		}
		want[r.cfg.Annotation] = CombinedDigest(labels)
	}
	for _, k := range slices.Sorted(maps.Keys(want)) {
		if _, there := annotations[k]; there && !r.cfg.owns(k, annotations) {
			d.Conflicts = append(d.Conflicts, k)
		}
	}
	if d.Conflicts != nil {
		r.conflict(t, d.Conflicts)
		return d
	}
	// Keys outside confighash's domain are recorded as its own.
	var foreign []string
	for k := range want {
		if !ownDomain(k) {
			foreign = append(foreign, k)
		}
	}
	if foreign != nil {
		slices.Sort(foreign)
		want[OwnsAnnotation] = strings.Join(foreign, ",")
	}
	for k := range d.Current {
		if _, set := want[k]; !set {
			d.Remove = append(d.Remove, k)
		}
	}
	slices.Sort(d.Remove)
	d.Annotations = want
	return d
}

// namedSources are the ConfigMaps and Secrets of the input (of the kinds
// followed, not ignored, each once) that container arguments and env values
// name, in document order.
func (r *run) namedSources(names []ArgName, targetNS string) []Hint {
	var hints []Hint
	for _, n := range names {
		kinds := []string{kindConfigMap, kindSecret}
		if n.Flag != "" {
			kinds = argKinds(n.Flag)
		}
		for _, kind := range kinds {
			id := SourceID{Kind: kind, Namespace: targetNS, Name: n.Name}
			if n.Namespace != "" {
				id.Namespace = n.Namespace
			}
			id, _ = r.sources.resolve(id)
			if r.cfg.follows(kind) && len(r.sources.sources[id]) == 1 {
				hints = append(hints, Hint{ArgName: n, ID: id})
			}
		}
	}
	return hints
}

// absentKeys warns of each key that a reference which is not optional
// names and the source does not have: the pod would not start.
func (r *run) absentKeys(t *Target, s *SourceDependency) {
	if s.Source.made != nil {
		if _, open := s.Source.made.keyNames(); open {
			return // keys decided in the cluster: any may be there
		}
	}
	var have map[string]bool
	for _, ref := range s.Refs {
		if ref.Optional || ref.Keys == nil {
			continue
		}
		for _, key := range ref.Keys {
			if have == nil {
				have = r.keyNames(s.Source)
			}
			if have[key] {
				continue
			}
			what, fails := "names key "+key, "the pod would fail with CreateContainerConfigError"
			switch {
			case ref.SubPaths != nil:
				what, fails = "mounts key "+key+" through subPath", "the container would fail to start"
			case ref.Via != RefEnv:
				what, fails = "lists key "+key+" in items", "the pod would fail to mount the volume"
			}
			r.report(t.String()+"\x00"+ref.Field+"\x00"+key, &framework.Result{
				Severity:    framework.Warning,
				Message:     fmt.Sprintf("%s: %s %s, which %s does not have; %s (add the key, or mark the reference optional: true)", t.Object, ref.Field, what, s.ID, fails),
				ResourceRef: t.Object.ref(),
				Field:       &framework.Field{Path: ref.Field},
				File:        t.Object.File(),
			})
		}
	}
}

// keyNames are the keys a source has, in any of its fields, read once per
// run however many targets ask.
func (r *run) keyNames(s *Source) map[string]bool {
	if names, ok := r.names[s]; ok {
		return names
	}
	names := map[string]bool{}
	if s.made != nil {
		names, _ = s.made.keyNames()
		r.names[s] = names
		return names
	}
	for _, field := range []string{"data", "binaryData", "stringData"} {
		kvs, _ := s.stringMap(field)
		for _, kv := range kvs {
			names[kv.key] = true
		}
	}
	r.names[s] = names
	return names
}

// conflict warns that a pod template carries annotations confighash would
// write and did not write: they stay, and nothing is written there.
func (r *run) conflict(t *Target, keys []string) {
	r.results = append(r.results, &framework.Result{
		Severity: framework.Warning,
		Message: fmt.Sprintf("%s: the pod template carries %s, which confighash did not write (%s names no such key); it is left as it is, and confighash writes nothing on this pod template: set the option annotation to a key of confighash's own domain (the default, %s), which coexists with it",
			t, strings.Join(keys, ", "), OwnsAnnotation, DefaultAnnotation),
		ResourceRef: t.Object.ref(),
		Field:       &framework.Field{Path: t.AnnotationsField()},
		File:        t.Object.File(),
	})
}

// Written are the confighash annotations that the pod template carries
// after a run: Current, with the stale keys removed and Annotations set. A
// target without a resolvable dependency keeps what it has.
func (d *Dependencies) Written() map[string]string {
	if d.Annotations == nil {
		return maps.Clone(d.Current)
	}
	return maps.Clone(d.Annotations)
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
		if ref.Container == "" {
			return ref.Via // a custom resource's container fragment
		}
		return ref.Via + " of container " + ref.Container
	case RefField:
		if ref.note == "" {
			return "a field that the option references names"
		}
		return "the operator's field (" + ref.note + ")"
	case RefVolume, RefProjected:
		s := ref.Via + " " + ref.Volume
		if len(ref.MountedBy) == 0 {
			return s + " (mounted by no container)"
		}
		s += " mounted by " + strings.Join(ref.MountedBy, ", ")
		if ref.SubPaths != nil {
			s += " only at subPath " + strings.Join(ref.SubPaths, ", ")
		}
		return s
	case RefAnnotation:
		return "annotation " + strings.TrimSuffix(ref.Field[strings.LastIndex(ref.Field, "[")+1:], "]")
	case RefExtra:
		return ref.Field
	case RefArg:
		return "argument " + ref.Arg + " of container " + ref.Container + " (followArgs)"
	}
	return ref.Field
}

// KeysWhy lists the keys a reference shows, under the option keys: "all
// keys" or "keys a, b".
func (ref Ref) KeysWhy(keys KeySelection) string {
	switch {
	case keys == KeysAll:
		return "all keys (option keys: all)"
	case ref.Keys == nil && ref.DataOnly:
		return "all keys of data"
	case ref.Keys == nil:
		return "all keys"
	case len(ref.Keys) == 0:
		return "no key"
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
	ReasonOperator:    "not counted: the operator handles it",
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
// A value that is not a hex digest is shown as it is.
func ShortDigest(digest string) string {
	if len(digest) <= 12 || strings.Trim(digest, "0123456789abcdef") != "" {
		return digest
	}
	return digest[:12]
}
