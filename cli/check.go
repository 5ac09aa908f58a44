package cli

import (
	"fmt"
	"io"
	"strings"

	"confighash.dev/confighash/fn"
)

const checkUsage = `confighash check: fail when committed manifests carry stale annotations

Usage:
  confighash check [flags] [FILE|DIR|- ...]

For manifests committed already rendered (a kpt package after kpt fn render,
a hydrated GitOps repository): resolves them exactly as confighash would, with
the same options (flags, --config, functionConfig), and lists each pod
template whose annotations a run would change, with the reason. Exit code 0
when every annotation is current, 1 when one is missing or stale (or on bad
input). Meant as a CI gate.

In perSource mode each source has its own annotation, so check names the
source that changed. In combined mode (the default) the annotation is one hash
over all sources: check can say that it is stale and list the sources, and it
names a source only when the annotation matches all the others (a reference
was added); use confighash diff OLD NEW to see which key changed.

A versioned ConfigMap or Secret is stale when its name is not the one its
content gives, and so is each reference that names it otherwise, its
original-name annotation when missing, and immutable: true when the option
immutable asks for it.

Flags:
`

func runCheck(args []string, s Streams, getenv func(string) string) error {
	fs, opts, help := subcommandFlags("check")
	paths, done, err := parseSubcommand(fs, help, checkUsage, args, s.Out)
	if err != nil || done {
		return err
	}
	x, err := inspect(paths, s.In, opts, getenv)
	if err != nil {
		return err
	}
	if err := x.report(s.Err, ""); err != nil {
		return err
	}
	var b strings.Builder
	stale, counted := 0, 0
	for _, d := range x.res.Targets {
		switch d.Status() {
		case fn.StatusNone:
			continue
		case fn.StatusCurrent:
			counted++
			continue
		}
		counted++
		stale++
		b.WriteString("stale: " + d.Target.String())
		if f := x.file(d.Target.Object); f != "" {
			b.WriteString("  (" + f + ")")
		}
		b.WriteString("\n")
		for _, line := range x.staleReasons(d) {
			b.WriteString("  " + line + "\n")
		}
	}
	versions := x.staleVersions()
	for _, line := range versions {
		b.WriteString("stale: " + line + "\n")
	}
	templates := fn.Plural(counted, "pod template", "pod templates") + " with dependencies"
	versioned := ""
	if n := len(x.res.Versions); n > 0 {
		versioned = fmt.Sprintf(", %s versioned", fn.Plural(n, "ConfigMap or Secret", "ConfigMaps and Secrets"))
	}
	if stale == 0 && len(versions) == 0 {
		fmt.Fprintf(&b, "confighash check: %s%s, all current\n", templates, versioned)
		_, err := io.WriteString(s.Out, b.String())
		return err
	}
	var parts []string
	if stale > 0 {
		parts = append(parts, fmt.Sprintf("%d of %s stale", stale, templates))
	}
	if len(versions) > 0 {
		parts = append(parts, fn.Plural(len(versions), "name, reference or annotation", "names, references and annotations")+" of the versioning stale"+versioned)
	}
	fmt.Fprintf(&b, "confighash check: %s; run confighash on these manifests and commit the result\n", strings.Join(parts, "; "))
	if _, err := io.WriteString(s.Out, b.String()); err != nil {
		return err
	}
	return exitError{}
}

// staleVersions says what a run would change for the versioned sources
// (SPEC 4b): a name that is not the one the content gives, a reference to
// another name, the original name or immutable: true not written, a version
// of the previous render that a run keeps and the manifests lack.
func (x *inspection) staleVersions() []string {
	var lines []string
	where := func(o *fn.Object) string {
		if f := x.file(o); f != "" {
			return "  (" + f + ")"
		}
		return ""
	}
	for _, v := range x.res.Versions {
		o := v.Source.Object
		if v.Renamed() {
			lines = append(lines, fmt.Sprintf("%s%s: named %s, a run names it %s by its content (its content changed since, or it was never versioned)", o, where(o), v.Current, v.Name))
		}
		if o.Meta.Annotations[fn.OriginalNameAnnotation] != v.Original {
			lines = append(lines, fmt.Sprintf("%s%s: annotation %s is not %q", o, where(o), fn.OriginalNameAnnotation, v.Original))
		}
		if x.cfg.Immutable && !v.Immutable {
			lines = append(lines, fmt.Sprintf("%s%s: not immutable: true, which the option immutable asks for", o, where(o)))
		}
		for _, ref := range v.Refs {
			if ref.Stale(v) {
				lines = append(lines, fmt.Sprintf("%s%s: %s names %s %q, a run writes %s", ref.Object, where(ref.Object), ref.Field, v.Source.ID.Kind, ref.Value, v.Name))
			}
		}
	}
	for _, k := range x.res.Kept {
		lines = append(lines, fmt.Sprintf("%s %s/%s: a version the previous render used, which a run keeps and these manifests lack", k.Kind, k.Namespace, k.Name))
	}
	return lines
}

// staleReasons says what a run would change in a target's annotations and
// which source is behind each change, as far as the annotations tell.
func (x *inspection) staleReasons(d *fn.Dependencies) []string {
	var lines []string
	if x.cfg.Mode == fn.ModePerSource {
		for _, s := range d.Sources {
			cur, ok := d.Current[s.AnnotationKey]
			switch {
			case !ok:
				lines = append(lines, fmt.Sprintf("%s: %s is not there yet (a new reference, or never annotated): want %s", s.ID, s.AnnotationKey, fn.ShortDigest(s.Digest)))
			case cur != s.Digest:
				lines = append(lines, fmt.Sprintf("%s changed: %s is %s, want %s (%s)", s.ID, s.AnnotationKey, fn.ShortDigest(cur), fn.ShortDigest(s.Digest), countedWords(s)))
			}
		}
		unresolved := map[string]fn.UnresolvedRef{}
		for _, u := range d.Unresolved {
			unresolved[x.cfg.SourceAnnotationKey(u.ID, d.Target.Object.Namespace)] = u
		}
		for _, k := range d.Remove {
			if u, ok := unresolved[k]; ok {
				lines = append(lines, fmt.Sprintf("%s %s is %s (at %s): a run removes %s", u.ID.Kind, u.ID.Namespace+"/"+u.ID.Name, u.Reason.Words(), u.Field, k))
			} else {
				lines = append(lines, fmt.Sprintf("%s: confighash's, and not what this run writes (its source is no longer referenced, or it is of another mode or annotation option); a run removes it", k))
			}
		}
		return lines
	}

	key := x.cfg.Annotation
	cur, ok := d.Current[key]
	if !ok {
		lines = append(lines, fmt.Sprintf("%s is not there yet: want %s", key, fn.ShortDigest(d.Annotations[key])))
	} else {
		lines = append(lines, fmt.Sprintf("%s is %s, want %s", key, fn.ShortDigest(cur), fn.ShortDigest(d.Annotations[key])))
		if s := addedSource(d, cur); s != nil {
			lines = append(lines, fmt.Sprintf("%s was added: the annotation matches the other sources (reference at %s)", s.ID, s.Refs[0].Field))
			return lines
		}
	}
	var names []string
	for _, s := range d.Sources {
		names = append(names, fmt.Sprintf("%s (%s)", s.ID, countedWords(s)))
	}
	lines = append(lines, "sources: "+strings.Join(names, ", "))
	for _, u := range d.Unresolved {
		if u.Reason == fn.ReasonMissing || u.Reason == fn.ReasonLocalConfig {
			lines = append(lines, fmt.Sprintf("%s %s is %s (at %s): if it was counted before, that alone changes the annotation", u.ID.Kind, u.ID.Namespace+"/"+u.ID.Name, u.Reason.Words(), u.Field))
		}
	}
	if ok {
		lines = append(lines, "the combined annotation does not tell which of them changed: mode perSource would, or confighash diff OLD NEW")
	}
	return lines
}

// addedSource finds, in combined mode, the one source without which the
// digests combine to the annotation the target carries: the source whose
// reference is new.
func addedSource(d *fn.Dependencies, annotation string) *fn.SourceDependency {
	if len(d.Sources) < 2 {
		return nil
	}
	for i, s := range d.Sources {
		labels := map[string]string{}
		for j, o := range d.Sources {
			if j != i {
				labels[o.Label] = o.Digest
			}
		}
		if fn.CombinedDigest(labels) == annotation {
			return s
		}
	}
	return nil
}

// countedWords says which keys of a source count: "all keys" or "keys a, b".
func countedWords(s *fn.SourceDependency) string {
	switch {
	case s.AllKeys:
		return "all keys"
	case s.AllDataKeys:
		return "all keys of data"
	case len(s.Counted) == 0:
		return "none of the keys named is there"
	case len(s.Counted) == 1:
		return "key " + s.Counted[0]
	}
	return "keys " + strings.Join(s.Counted, ", ")
}
