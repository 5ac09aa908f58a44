package cli

import (
	"bytes"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"

	"confighash.dev/confighash/fn"
	"confighash.dev/confighash/internal/yamltext"
)

const diffUsage = `confighash diff: which workloads roll between two versions of the manifests, and why

Usage:
  confighash diff [flags] OLD NEW

OLD and NEW are each a file, a directory of .yaml/.yml files (read
recursively), or - for standard input (one of them at most): for a pull
request, the manifests rendered from the base and from the head, e.g.
  confighash diff <(git show origin/main:deploy/all.yaml) deploy/all.yaml

Both are resolved exactly as confighash would, with the same options (flags
and --config; a ResourceList's functionConfig applies to its own side). A pod
template rolls when the annotations confighash writes on it differ between
OLD and NEW; for each, diff names the sources and keys behind it: a key whose
value changed, a key counted anew or no longer, a reference added or removed,
a source now missing. It also lists the changes that roll nothing (keys no
pod template counts), the pod templates added or removed, and each
versioned ConfigMap or Secret that gets a new version. Other changes
to a pod template (an image, say) roll it too; diff is about configuration.
Secret values never appear, only key names. Exit code 0, or 1 on bad input.

Flags:
`

func runDiff(args []string, s Streams, getenv func(string) string) error {
	fs, opts, help := subcommandFlags("diff")
	renders := fs.Bool("renders", false, rendersUsage) // stability.go
	paths, done, err := parseSubcommand(fs, help, diffUsage, args, s.Out)
	if err != nil || done {
		return err
	}
	if len(paths) != 2 {
		return fmt.Errorf("diff takes two inputs, OLD and NEW, got %d (see confighash diff --help)", len(paths))
	}
	if paths[0] == "-" && paths[1] == "-" {
		return fmt.Errorf("diff: only one of OLD and NEW can be standard input")
	}
	var sides [2]*inspection
	for i, p := range paths {
		m, err := readManifests([]string{p}, s.In)
		if err != nil {
			return err
		}
		if sides[i], err = resolveManifests(m, opts, getenv); err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
	}
	oldErr := sides[0].report(s.Err, "OLD "+paths[0]+": ")
	newErr := sides[1].report(s.Err, "NEW "+paths[1]+": ")
	if oldErr != nil || newErr != nil {
		return exitError{}
	}
	if *renders {
		return writeRenderStability(s.Out, sides[0], sides[1])
	}
	_, err = io.WriteString(s.Out, diffText(sides[0], sides[1]))
	return err
}

// targetKey matches a pod template across two versions: the apiVersion may
// change (extensions/v1beta1 to apps/v1) and the workload is the same.
type targetKey struct {
	kind, namespace, name, path string
}

func keyOf(t *fn.Target) targetKey {
	return targetKey{kind: t.Object.Meta.Kind, namespace: t.Object.Namespace, name: t.Object.Meta.Name, path: t.Path}
}

func diffText(oldX, newX *inspection) string {
	var b strings.Builder
	old := map[targetKey]*fn.Dependencies{}
	for _, d := range oldX.res.Targets {
		old[keyOf(d.Target)] = d
	}
	seen := map[targetKey]bool{}
	var added []string
	rolls := 0
	for _, n := range newX.res.Targets {
		k := keyOf(n.Target)
		seen[k] = true
		o, ok := old[k]
		if !ok {
			if len(n.Sources) > 0 {
				added = append(added, n.Target.String())
			}
			continue
		}
		ow, nw := o.Written(), n.Written()
		if maps.Equal(ow, nw) {
			continue
		}
		rolls++
		b.WriteString("rolls: " + n.Target.String())
		if f := newX.file(n.Target.Object); f != "" {
			b.WriteString("  (" + f + ")")
		}
		b.WriteString("\n")
		for _, line := range sourceChanges(o, n) {
			b.WriteString("  " + line + "\n")
		}
		for _, k := range slices.Sorted(maps.Keys(keysOf(ow, nw))) {
			ov, oin := ow[k]
			nv, nin := nw[k]
			switch {
			case !oin:
				fmt.Fprintf(&b, "  %s: added, %s\n", k, fn.ShortDigest(nv))
			case !nin:
				fmt.Fprintf(&b, "  %s: removed (was %s)\n", k, fn.ShortDigest(ov))
			case ov != nv:
				fmt.Fprintf(&b, "  %s: %s -> %s\n", k, fn.ShortDigest(ov), fn.ShortDigest(nv))
			}
		}
	}
	for _, line := range uncountedChanges(oldX, newX) {
		b.WriteString("no roll: " + line + "\n")
	}
	for _, a := range added {
		b.WriteString("added: " + a + " (a new workload: created, not rolled)\n")
	}
	for _, o := range oldX.res.Targets {
		if !seen[keyOf(o.Target)] && len(o.Sources) > 0 {
			b.WriteString("removed: " + o.Target.String() + "\n")
		}
	}
	for _, line := range versionChanges(oldX, newX) {
		b.WriteString(line + "\n")
	}
	fmt.Fprintf(&b, "confighash diff: %d of %s in NEW %s because of ConfigMaps and Secrets\n",
		rolls, fn.Plural(len(newX.res.Targets), "pod template", "pod templates"), map[bool]string{true: "rolls", false: "roll"}[rolls == 1])
	return b.String()
}

// versionChanges says how the versioned sources (SPEC 4b) differ: a new
// version (a new object that the workloads switch to), a source versioned
// anew or no longer.
func versionChanges(oldX, newX *inspection) []string {
	type key struct{ kind, namespace, original string }
	versions := func(x *inspection) map[key]*fn.Version {
		m := map[key]*fn.Version{}
		for _, v := range x.res.Versions {
			m[key{v.Source.ID.Kind, v.Source.ID.Namespace, v.Original}] = v
		}
		return m
	}
	old, now := versions(oldX), versions(newX)
	var lines []string
	for _, v := range newX.res.Versions {
		k := key{v.Source.ID.Kind, v.Source.ID.Namespace, v.Original}
		id := k.kind + " " + k.namespace + "/" + k.original
		switch o, ok := old[k]; {
		case !ok:
			lines = append(lines, fmt.Sprintf("versioned: %s is versioned in NEW only, as %s", id, v.Name))
		case o.Name != v.Name:
			lines = append(lines, fmt.Sprintf("new version: %s %s -> %s (a new object: the workloads switch to it, and a rollback back to the old one while it exists)", id, o.Name, v.Name))
		}
	}
	for _, o := range oldX.res.Versions {
		k := key{o.Source.ID.Kind, o.Source.ID.Namespace, o.Original}
		if _, ok := now[k]; !ok {
			lines = append(lines, fmt.Sprintf("versioned: %s is versioned in OLD only, as %s", k.kind+" "+k.namespace+"/"+k.original, o.Name))
		}
	}
	oldObjects, newObjects := versionObjects(oldX), versionObjects(newX)
	for _, o := range newObjects {
		if o.age > 0 {
			lines = append(lines, fmt.Sprintf("kept: %s, a version of %s that an earlier render used (%s ago)", o.id, o.original, fn.Plural(o.age, "render", "renders")))
		}
	}
	for _, o := range oldObjects {
		if _, ok := newObjects[o.id]; !ok {
			lines = append(lines, fmt.Sprintf("dropped: %s, a version of %s that NEW no longer carries: pruning deletes it", o.id, o.original))
		}
	}
	return lines
}

// versionObject is a versioned object of a render: a version it uses, or
// one it keeps from an earlier render (age > 0).
type versionObject struct {
	id, original string
	age          int
}

// versionObjects are the versioned objects that a run on x writes, by
// kind, namespace and name: the versions under their versioned names, and
// the kept ones, from the input or from the option previous.
func versionObjects(x *inspection) map[string]versionObject {
	m := map[string]versionObject{}
	for _, v := range x.res.Versions {
		id := v.Source.ID.Kind + " " + v.Source.ID.Namespace + "/" + v.Name
		m[id] = versionObject{id: id, original: v.Original}
	}
	for _, k := range x.res.Kept {
		id := k.Kind + " " + k.Namespace + "/" + k.Name
		m[id] = versionObject{id: id, original: k.Original, age: k.Age}
	}
	for _, it := range x.m.in.Items {
		meta := yamltext.Meta(it.YNode())
		age, err := strconv.Atoi(meta.Annotations[fn.PreviousAnnotation])
		if err != nil || meta.Annotations[fn.OriginalNameAnnotation] == "" {
			continue
		}
		ns := meta.Namespace
		if ns == "" {
			ns = x.cfg.Namespace
		}
		id := meta.Kind + " " + ns + "/" + meta.Name
		m[id] = versionObject{id: id, original: meta.Annotations[fn.OriginalNameAnnotation], age: age}
	}
	return m
}

// sourceChanges says, source by source, why a target's annotations differ.
func sourceChanges(o, n *fn.Dependencies) []string {
	oldSrc, newSrc := sourcesByID(o), sourcesByID(n)
	oldUn, newUn := unresolvedByID(o), unresolvedByID(n)
	ids := map[fn.SourceID]bool{}
	for id := range oldSrc {
		ids[id] = true
	}
	for id := range newSrc {
		ids[id] = true
	}
	var lines []string
	for _, id := range slices.SortedFunc(maps.Keys(ids), fn.SourceID.Compare) {
		was, now := oldSrc[id], newSrc[id]
		switch {
		case was != nil && now != nil:
			if was.Digest == now.Digest {
				continue
			}
			changes := keyChanges(was, now)
			if len(changes) == 0 {
				// Same values, another digest: the Secret HMAC key changed.
				changes = []string{"digest changed with the same values (another HMAC key for Secrets?)"}
			}
			lines = append(lines, fmt.Sprintf("%s: %s", id, strings.Join(changes, "; ")))
		case now != nil:
			if u, ok := oldUn[id]; ok {
				lines = append(lines, fmt.Sprintf("%s: counted now, was %s (%s)", id, u.Reason.Words(), countedWords(now)))
			} else {
				lines = append(lines, fmt.Sprintf("%s: reference added at %s (%s)", id, now.Refs[0].Field, countedWords(now)))
			}
		default:
			if u, ok := newUn[id]; ok {
				lines = append(lines, fmt.Sprintf("%s: no longer counted, now %s (at %s)", id, u.Reason.Words(), u.Field))
			} else {
				lines = append(lines, fmt.Sprintf("%s: reference removed (was at %s)", id, was.Refs[0].Field))
			}
		}
	}
	return lines
}

// keyChanges names the counted keys that differ between two versions of a
// source: changed, added to the source, removed from it, or counted anew or
// no longer (a reference changed). Values are compared, never shown.
func keyChanges(o, n *fn.SourceDependency) []string {
	var oldAll, newAll map[string][]byte
	var out []string
	for _, k := range slices.Sorted(maps.Keys(keysOf(o.Values(), n.Values()))) {
		ov, oin := o.Values()[k]
		nv, nin := n.Values()[k]
		switch {
		case oin && nin:
			if !bytes.Equal(ov, nv) {
				out = append(out, "key "+k+" changed")
			}
		case nin:
			if oldAll == nil {
				oldAll = o.Source.AllValues()
			}
			if _, existed := oldAll[k]; existed {
				out = append(out, "key "+k+" counted now (a reference names it)")
			} else {
				out = append(out, "key "+k+" added")
			}
		default:
			if newAll == nil {
				newAll = n.Source.AllValues()
			}
			if _, exists := newAll[k]; exists {
				out = append(out, "key "+k+" no longer counted")
			} else {
				out = append(out, "key "+k+" removed")
			}
		}
	}
	return out
}

// uncountedChanges lists the sources whose content changed in keys that no
// pod template of NEW counts, and the sources added or removed that no pod
// template references: changes that roll nothing.
func uncountedChanges(oldX, newX *inspection) []string {
	counted := map[fn.SourceID]map[string]bool{}
	referenced := map[fn.SourceID]bool{}
	for _, x := range []*inspection{oldX, newX} {
		for _, d := range x.res.Targets {
			for _, s := range d.Sources {
				referenced[s.ID] = true
				if counted[s.ID] == nil {
					counted[s.ID] = map[string]bool{}
				}
				for _, k := range s.Counted {
					counted[s.ID][k] = true
				}
				if s.AllKeys {
					counted[s.ID]["*"] = true
				}
			}
			for _, u := range d.Unresolved {
				referenced[u.ID] = true
			}
		}
	}
	oldIdx, newIdx := oldX.res.Sources, newX.res.Sources
	ids := map[fn.SourceID]bool{}
	for id := range oldIdx {
		ids[id] = true
	}
	for id := range newIdx {
		ids[id] = true
	}
	var lines []string
	for _, id := range slices.SortedFunc(maps.Keys(ids), fn.SourceID.Compare) {
		o, n := oldIdx[id], newIdx[id]
		switch {
		case len(o) == 1 && len(n) == 1:
			ov, nv := o[0].AllValues(), n[0].AllValues()
			var changed []string
			for _, k := range slices.Sorted(maps.Keys(keysOf(ov, nv))) {
				a, ain := ov[k]
				b, bin := nv[k]
				if ain == bin && bytes.Equal(a, b) {
					continue
				}
				if !counted[id]["*"] && !counted[id][k] {
					changed = append(changed, k)
				}
			}
			if len(changed) == 0 {
				continue
			}
			what := "no pod template counts " + pluralWord(len(changed), "it", "them")
			if !referenced[id] {
				what = "no pod template references it"
			}
			lines = append(lines, fmt.Sprintf("%s: %s %s changed; %s", id, pluralWord(len(changed), "key", "keys"), strings.Join(changed, ", "), what))
		case len(o) == 0 && len(n) > 0 && !referenced[id]:
			lines = append(lines, fmt.Sprintf("%s: added; no pod template references it", id))
		case len(o) > 0 && len(n) == 0 && !referenced[id]:
			lines = append(lines, fmt.Sprintf("%s: removed; no pod template referenced it", id))
		}
	}
	return lines
}

func sourcesByID(d *fn.Dependencies) map[fn.SourceID]*fn.SourceDependency {
	m := map[fn.SourceID]*fn.SourceDependency{}
	for _, s := range d.Sources {
		m[s.ID] = s
	}
	return m
}

func unresolvedByID(d *fn.Dependencies) map[fn.SourceID]fn.UnresolvedRef {
	m := map[fn.SourceID]fn.UnresolvedRef{}
	for _, u := range d.Unresolved {
		if _, ok := m[u.ID]; !ok {
			m[u.ID] = u
		}
	}
	return m
}

// keysOf is the set of the keys of maps.
func keysOf[V any](ms ...map[string]V) map[string]bool {
	u := map[string]bool{}
	for _, m := range ms {
		for k := range m {
			u[k] = true
		}
	}
	return u
}

func pluralWord(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
