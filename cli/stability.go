package cli

import (
	"bytes"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"confighash.dev/confighash/fn"
)

// This file is confighash diff --renders: OLD and NEW are two renders of
// the same input, nothing edited in between (helm template run twice). A
// chart that generates values (randAlphaNum, genCA, a lookup that finds
// nothing under helm template and falls back to a random value) gives its
// Secrets other content on every render, and so confighash another hash:
// its workloads would roll each time the chart is rendered again, which
// under Argo CD happens without any commit. --renders names those sources,
// by key (never by value), and the pod templates that would roll.

// rendersUsage is the --renders flag's line in confighash diff --help.
const rendersUsage = "OLD and NEW are two renders of the same input: list the ConfigMaps and Secrets whose content differs (by key, never value) and the pod templates that would roll on every render; exit 1 when one would"

// writeRenderStability writes the render-stability report of two renders
// and fails (exit 1, reported already) when a pod template would roll.
func writeRenderStability(w io.Writer, oldX, newX *inspection) error {
	text, stable := renderStability(oldX, newX)
	if _, err := io.WriteString(w, text); err != nil {
		return err
	}
	if !stable {
		return exitError{}
	}
	return nil
}

// renderStability compares two renders of the same input and says which
// ConfigMaps and Secrets differ, and which pod templates roll because of
// them or of a difference of their own; stable is false when one rolls.
func renderStability(oldX, newX *inspection) (string, bool) {
	var b strings.Builder
	old := map[targetKey]*fn.Dependencies{}
	for _, d := range oldX.res.Targets {
		old[keyOf(d.Target)] = d
	}
	// rolledBy: for each source, the pod templates of NEW whose annotations
	// differ between the renders because its digest does.
	rolledBy := map[fn.SourceID][]string{}
	rolls := map[targetKey]bool{}
	var ownLines []string
	for _, n := range newX.res.Targets {
		k := keyOf(n.Target)
		o, ok := old[k]
		if !ok {
			continue
		}
		name := n.Target.String()
		if f := newX.file(n.Target.Object); f != "" {
			name += "  (" + f + ")"
		}
		if !maps.Equal(o.Written(), n.Written()) {
			rolls[k] = true
			was := sourcesByID(o)
			for _, s := range n.Sources {
				if w, ok := was[s.ID]; !ok || w.Digest != s.Digest {
					rolledBy[s.ID] = append(rolledBy[s.ID], name)
				}
			}
		}
		// The pod template itself may differ too: a chart's own
		// checksum/secret over a generated value, Helm's documented
		// rollme: {{ randAlphaNum 5 }}, a generated value in the spec. It
		// rolls the pods whatever confighash writes.
		if what := templateChanges(o, n); len(what) > 0 {
			rolls[k] = true
			ownLines = append(ownLines, fmt.Sprintf("unstable: %s: %s %s between the renders: it rolls on every render, whatever confighash writes", name, strings.Join(what, ", "), pluralWord(len(what), "differs", "differ")))
		}
	}

	ids := map[fn.SourceID]bool{}
	for id := range oldX.res.Sources {
		ids[id] = true
	}
	for id := range newX.res.Sources {
		ids[id] = true
	}
	unstable := 0
	for _, id := range slices.SortedFunc(maps.Keys(ids), fn.SourceID.Compare) {
		o, n := oldX.res.Sources[id], newX.res.Sources[id]
		var what string
		switch {
		case len(o) == 1 && len(n) == 1:
			what = valueChanges(o[0].AllValues(), n[0].AllValues())
		case len(o) == 0 && len(n) > 0:
			what = "only in NEW (a generated name?)"
		case len(o) > 0 && len(n) == 0:
			what = "only in OLD (a generated name?)"
		}
		if what == "" {
			continue
		}
		unstable++
		fmt.Fprintf(&b, "unstable: %s: %s\n", id, what)
		if len(rolledBy[id]) == 0 {
			b.WriteString("  rolls nothing: no pod template counts what differs\n")
		}
		for _, t := range rolledBy[id] {
			b.WriteString("  rolls " + t + "\n")
		}
	}
	for _, l := range ownLines {
		b.WriteString(l + "\n")
	}
	differ := fmt.Sprintf("%d %s %s", unstable, pluralWord(unstable, "ConfigMap or Secret", "ConfigMaps and Secrets"), pluralWord(unstable, "differs", "differ"))
	switch {
	case len(rolls) > 0:
		fmt.Fprintf(&b, "confighash diff --renders: the render is not stable: %s between two renders of the same input, and %d of %s would roll every time it is rendered again: set the generated values in the values, or have the chart use a Secret that exists already\n",
			differ, len(rolls), fn.Plural(len(newX.res.Targets), "pod template", "pod templates"))
		return b.String(), false
	case unstable > 0:
		fmt.Fprintf(&b, "confighash diff --renders: no pod template rolls when it is rendered again, but %s between two renders of the same input, in what no pod template counts\n", differ)
	default:
		b.WriteString("confighash diff --renders: the render is stable: its ConfigMaps and Secrets come out the same both times, and no pod template rolls when it is rendered again\n")
	}
	return b.String(), true
}

// valueChanges names the keys whose values differ between two versions of
// a source ("" when none do): values are compared, never shown.
func valueChanges(o, n map[string][]byte) string {
	var changed, onlyOld, onlyNew []string
	for _, k := range slices.Sorted(maps.Keys(keysOf(o, n))) {
		ov, oin := o[k]
		nv, nin := n[k]
		switch {
		case oin && nin && !bytes.Equal(ov, nv):
			changed = append(changed, k)
		case oin && !nin:
			onlyOld = append(onlyOld, k)
		case nin && !oin:
			onlyNew = append(onlyNew, k)
		}
	}
	var parts []string
	if len(changed) > 0 {
		parts = append(parts, fmt.Sprintf("%s %s %s", pluralWord(len(changed), "key", "keys"), strings.Join(changed, ", "), pluralWord(len(changed), "differs", "differ")))
	}
	if len(onlyOld) > 0 {
		parts = append(parts, fmt.Sprintf("%s %s only in OLD", pluralWord(len(onlyOld), "key", "keys"), strings.Join(onlyOld, ", ")))
	}
	if len(onlyNew) > 0 {
		parts = append(parts, fmt.Sprintf("%s %s only in NEW", pluralWord(len(onlyNew), "key", "keys"), strings.Join(onlyNew, ", ")))
	}
	return strings.Join(parts, "; ")
}

// templateChanges names what differs between two renders of a pod
// template, confighash's own annotations aside: annotations and labels by
// key, and the spec as a whole.
func templateChanges(o, n *fn.Dependencies) []string {
	ours := map[string]bool{"confighash.dev/owns": true}
	for _, d := range []*fn.Dependencies{o, n} {
		for k := range d.Current {
			ours[k] = true
		}
		for k := range d.Written() {
			ours[k] = true
		}
	}
	var what []string
	for _, f := range []struct {
		name     string
		old, new map[string]string
	}{
		{"annotation", o.Target.Annotations(), n.Target.Annotations()},
		{"label", o.Target.Labels(), n.Target.Labels()},
	} {
		for _, k := range slices.Sorted(maps.Keys(keysOf(f.old, f.new))) {
			ov, oin := f.old[k]
			nv, nin := f.new[k]
			if !ours[k] && (oin != nin || ov != nv) {
				what = append(what, f.name+" "+k)
			}
		}
	}
	if o.Target.Rest() != n.Target.Rest() {
		if o.Target.Workload() {
			what = append(what, "the resource")
		} else {
			what = append(what, "the spec")
		}
	}
	return what
}
