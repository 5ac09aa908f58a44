package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"confighash.dev/confighash/fn"
)

// ExplainAPIVersion and ExplainKind name the JSON document of
// `confighash explain --output json`; docs/explain-schema.json describes it.
// A field is only ever added to this version; anything else is a new version.
const (
	ExplainAPIVersion = "explain.confighash.dev/v1alpha1"
	ExplainKind       = "Explanation"
)

const explainUsage = `confighash explain: which ConfigMaps and Secrets each workload depends on, and why

Usage:
  confighash explain [flags] [FILE|DIR|- ...]

Reads the manifests (files, directories of .yaml/.yml files, or standard
input: a YAML stream or a ResourceList) and resolves them exactly as
confighash would, with the same options (flags, --config, functionConfig),
without changing anything. For each pod template it shows the sources it
counts, the keys counted and the references behind them (container, volume,
field path), each source digest, the annotations a run writes and whether
the manifests carry them already, and the references that count for nothing
(missing, optional, ignored). Secret values never appear; Secret digests are
HMACs when a key is configured.

Outputs (--output): text (default, for terminals), json (apiVersion
explain.confighash.dev/v1alpha1, see docs/explain-schema.json), dot
(Graphviz: dot -Tsvg) and mermaid (a flowchart that GitHub renders).

Flags:
`

func runExplain(args []string, s Streams, getenv func(string) string) error {
	fs, opts, help := subcommandFlags("explain")
	output := fs.String("output", "text", "text, json, dot or mermaid")
	paths, done, err := parseSubcommand(fs, help, explainUsage, args, s.Out)
	if err != nil || done {
		return err
	}
	render, ok := explainRenderers[*output]
	if !ok {
		return fmt.Errorf("--output: %q is not one of text, json, dot, mermaid", *output)
	}
	x, err := inspect(paths, s.In, opts, getenv)
	if err != nil {
		return err
	}
	if err := x.report(s.Err, ""); err != nil {
		return err
	}
	return render(s.Out, x)
}

var explainRenderers = map[string]func(io.Writer, *inspection) error{
	"text":    writeExplainText,
	"json":    writeExplainJSON,
	"dot":     writeDot,
	"mermaid": writeMermaid,
}

// The JSON document. Every list is written, empty or not, so that readers
// need no null checks; optional strings are left out when empty.
type explainDoc struct {
	APIVersion string         `json:"apiVersion"`
	Kind       string         `json:"kind"`
	Options    explainOptions `json:"options"`
	Targets    []explainTgt   `json:"targets"`
	// Versions are the versioned ConfigMaps and Secrets (SPEC 4b), and
	// Kept the versions of the previous render that a run keeps.
	Versions []explainVersion `json:"versions"`
	Kept     []explainKept    `json:"kept"`
}

// explainVersion is one versioned ConfigMap or Secret: its names before
// and after a run, and the references that follow it or cannot.
type explainVersion struct {
	Kind         string           `json:"kind"`
	Namespace    string           `json:"namespace"`
	OriginalName string           `json:"originalName"`
	CurrentName  string           `json:"currentName"`
	Name         string           `json:"name"`
	File         string           `json:"file,omitempty"`
	Digest       string           `json:"digest"`
	Immutable    bool             `json:"immutable"`
	Refs         []explainNameRef `json:"refs"`
	Unfollowed   []explainNameRef `json:"unfollowed"`
}

// explainNameRef is a field of an object that names a versioned source.
type explainNameRef struct {
	Kind      string `json:"kind"`
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	Field     string `json:"field"`
	Value     string `json:"value"`
	// Stale: a run rewrites it; Why: why it cannot follow.
	Stale bool   `json:"stale,omitempty"`
	Why   string `json:"why,omitempty"`
}

// explainKept is a version of the previous render that a run keeps.
type explainKept struct {
	Kind         string `json:"kind"`
	Namespace    string `json:"namespace"`
	Name         string `json:"name"`
	OriginalName string `json:"originalName"`
	Age          int    `json:"age"`
}

type explainOptions struct {
	Mode          fn.Mode         `json:"mode"`
	Keys          fn.KeySelection `json:"keys"`
	Annotation    string          `json:"annotation"`
	OnMissing     fn.OnMissing    `json:"onMissing"`
	SecretDigests string          `json:"secretDigests"`
}

type explainTgt struct {
	APIVersion   string            `json:"apiVersion"`
	Kind         string            `json:"kind"`
	Namespace    string            `json:"namespace"`
	Name         string            `json:"name"`
	File         string            `json:"file,omitempty"`
	TemplatePath string            `json:"templatePath"`
	Status       fn.Status         `json:"status"`
	Annotations  map[string]string `json:"annotations"`
	Current      map[string]string `json:"current"`
	Sources      []explainSource   `json:"sources"`
	Unresolved   []explainRef      `json:"unresolved"`
	Remove       []string          `json:"remove"`
	Conflicts    []string          `json:"conflicts"`
	// OtherChecksums are annotations that look like checksums and are not
	// confighash's (a chart's checksum/config).
	OtherChecksums map[string]string `json:"otherChecksums"`
	Hints          []explainHint     `json:"hints"`
}

// explainHint is a ConfigMap or Secret of the input that a container names
// in an argument or env value, and that counts for nothing.
type explainHint struct {
	Kind      string `json:"kind"`
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	Container string `json:"container"`
	Field     string `json:"field"`
	Text      string `json:"text"`
	Flag      string `json:"flag,omitempty"`
}

type explainSource struct {
	Kind            string       `json:"kind"`
	Namespace       string       `json:"namespace"`
	Name            string       `json:"name"`
	File            string       `json:"file,omitempty"`
	Digest          string       `json:"digest"`
	DigestAlgorithm string       `json:"digestAlgorithm"`
	Label           string       `json:"label"`
	AnnotationKey   string       `json:"annotationKey,omitempty"`
	AllKeys         bool         `json:"allKeys"`
	AllDataKeys     bool         `json:"allDataKeys"`
	Keys            []string     `json:"keys"`
	AbsentKeys      []string     `json:"absentKeys"`
	Refs            []explainRef `json:"refs"`
	// MadeBy and Covers are set for a Secret that a producer of the input
	// makes (a SealedSecret, an ExternalSecret): the producer, and what of
	// the values its manifest holds, which is all a digest can count.
	MadeBy string `json:"madeBy,omitempty"`
	Covers string `json:"covers,omitempty"`
}

// explainRef is a reference; Kind, Namespace, Name and Reason are set for
// the unresolved ones.
type explainRef struct {
	Kind      string              `json:"kind,omitempty"`
	Namespace string              `json:"namespace,omitempty"`
	Name      string              `json:"name,omitempty"`
	Reason    fn.UnresolvedReason `json:"reason,omitempty"`
	Field     string              `json:"field"`
	Via       string              `json:"via"`
	Container string              `json:"container,omitempty"`
	Volume    string              `json:"volume,omitempty"`
	MountedBy []string            `json:"mountedBy,omitempty"`
	SubPaths  []string            `json:"subPaths,omitempty"`
	Arg       string              `json:"arg,omitempty"`
	AllKeys   bool                `json:"allKeys"`
	DataOnly  bool                `json:"dataOnly,omitempty"`
	Keys      []string            `json:"keys,omitempty"`
	Optional  bool                `json:"optional"`
}

func (x *inspection) explainDoc() explainDoc {
	doc := explainDoc{
		APIVersion: ExplainAPIVersion,
		Kind:       ExplainKind,
		Options: explainOptions{
			Mode: x.cfg.Mode, Keys: x.cfg.Keys, Annotation: x.cfg.Annotation, OnMissing: x.cfg.OnMissing,
			SecretDigests: x.cfg.DigestAlgorithm("Secret"),
		},
		Targets: []explainTgt{}, Versions: []explainVersion{}, Kept: []explainKept{},
	}
	for _, v := range x.res.Versions {
		ev := explainVersion{
			Kind: v.Source.ID.Kind, Namespace: v.Source.ID.Namespace, OriginalName: v.Original, CurrentName: v.Current, Name: v.Name,
			File: x.file(v.Source.Object), Digest: v.Digest, Immutable: v.Immutable, Refs: []explainNameRef{}, Unfollowed: []explainNameRef{},
		}
		for _, ref := range v.Refs {
			ev.Refs = append(ev.Refs, explainNameRef{Kind: ref.Object.Meta.Kind, Namespace: ref.Object.Namespace, Name: ref.Object.Meta.Name, Field: ref.Field, Value: ref.Value, Stale: ref.Stale(v)})
		}
		for _, ref := range v.Unfollowed {
			ev.Unfollowed = append(ev.Unfollowed, explainNameRef{Kind: ref.Object.Meta.Kind, Namespace: ref.Object.Namespace, Name: ref.Object.Meta.Name, Field: ref.Field, Value: ref.Value, Why: ref.Why})
		}
		doc.Versions = append(doc.Versions, ev)
	}
	for _, k := range x.res.Kept {
		doc.Kept = append(doc.Kept, explainKept{Kind: k.Kind, Namespace: k.Namespace, Name: k.Name, OriginalName: k.Original, Age: k.Age})
	}
	for _, d := range x.res.Targets {
		t := d.Target
		et := explainTgt{
			APIVersion: t.Object.Meta.APIVersion, Kind: t.Object.Meta.Kind,
			Namespace: t.Object.Namespace, Name: t.Object.Meta.Name,
			File: x.file(t.Object), TemplatePath: t.Path, Status: d.Status(),
			Annotations: d.Written(), Current: d.Current,
			Sources: []explainSource{}, Unresolved: []explainRef{},
			Remove: nonNil(d.Remove), Conflicts: nonNil(d.Conflicts), OtherChecksums: d.Others, Hints: []explainHint{},
		}
		if et.OtherChecksums == nil {
			et.OtherChecksums = map[string]string{}
		}
		for _, h := range d.Hints {
			et.Hints = append(et.Hints, explainHint{Kind: h.ID.Kind, Namespace: h.ID.Namespace, Name: h.ID.Name, Container: h.Container, Field: h.Field, Text: h.Text, Flag: h.Flag})
		}
		for _, s := range d.Sources {
			es := explainSource{
				Kind: s.ID.Kind, Namespace: s.ID.Namespace, Name: s.ID.Name, File: x.file(s.Source.Object),
				Digest: s.Digest, DigestAlgorithm: "sha256", Label: s.Label, AnnotationKey: s.AnnotationKey,
				AllKeys: s.AllKeys, AllDataKeys: s.AllDataKeys, Keys: nonNil(s.Counted), AbsentKeys: nonNil(s.Absent), Refs: []explainRef{},
			}
			if s.HMAC {
				es.DigestAlgorithm = "hmac-sha256"
			}
			es.MadeBy, es.Covers = s.Source.MadeBy()
			for _, ref := range s.Refs {
				es.Refs = append(es.Refs, x.explainRef(ref))
			}
			et.Sources = append(et.Sources, es)
		}
		for _, u := range d.Unresolved {
			er := x.explainRef(u.Ref)
			er.Kind, er.Namespace, er.Name, er.Reason = u.ID.Kind, u.ID.Namespace, u.ID.Name, u.Reason
			et.Unresolved = append(et.Unresolved, er)
		}
		doc.Targets = append(doc.Targets, et)
	}
	return doc
}

func (x *inspection) explainRef(ref fn.Ref) explainRef {
	return explainRef{
		Field: ref.Field, Via: ref.Via, Container: ref.Container, Volume: ref.Volume, MountedBy: ref.MountedBy,
		SubPaths: ref.SubPaths, Arg: ref.Arg, DataOnly: ref.DataOnly,
		AllKeys: ref.Keys == nil && !ref.DataOnly || x.cfg.Keys == fn.KeysAll, Keys: ref.Keys, Optional: ref.Optional,
	}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func writeExplainJSON(w io.Writer, x *inspection) error {
	b, err := json.MarshalIndent(x.explainDoc(), "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// maxListedAbsent is how many absent keys the text output names; JSON
// names them all.
const maxListedAbsent = 5

// maxListedKeys is how many keys a line of grouped references names.
const maxListedKeys = 6

// writeRefGroups writes the references to one source, one line per
// container or volume: a container that reads 30 keys through env takes
// one line, with the keys; a single reference shows its field path.
func writeRefGroups(b *strings.Builder, refs []fn.Ref, cfg *fn.Config) {
	var order []string
	groups := map[string][]fn.Ref{}
	for _, ref := range refs {
		why := ref.Why()
		if groups[why] == nil {
			order = append(order, why)
		}
		groups[why] = append(groups[why], ref)
	}
	for _, why := range order {
		g := groups[why]
		if len(g) == 1 {
			fmt.Fprintf(b, "    %s by %s at %s\n", g[0].KeysWhy(cfg.Keys), why, g[0].Field)
			continue
		}
		merged := fn.Ref{Keys: []string{}}
		for _, ref := range g {
			if ref.Keys == nil {
				merged.Keys = nil
				break
			}
			merged.Keys = append(merged.Keys, ref.Keys...)
		}
		keys := merged.KeysWhy(cfg.Keys)
		if merged.Keys != nil && cfg.Keys != fn.KeysAll && len(merged.Keys) > maxListedKeys {
			keys = fmt.Sprintf("keys %s, ... (%d)", strings.Join(merged.Keys[:maxListedKeys], ", "), len(merged.Keys))
		}
		fmt.Fprintf(b, "    %s by %s (%d references)\n", keys, why, len(g))
	}
}

// writeAlso writes what else explain knows of a pod template: the
// checksum annotations that are not confighash's, and the ConfigMaps and
// Secrets its containers name that count for nothing.
func writeAlso(b *strings.Builder, d *fn.Dependencies) {
	for _, k := range slices.Sorted(maps.Keys(d.Others)) {
		fmt.Fprintf(b, "  also carries %s: %s (not confighash's: it stays, and rolls the pods when it changes)\n", k, fn.ShortDigest(d.Others[k]))
	}
	for _, h := range d.Hints {
		annotation := fn.ConfigMapsAnnotation
		if h.ID.Kind == "Secret" {
			annotation = fn.SecretsAnnotation
		}
		how := fmt.Sprintf("annotate the workload %s: %s or add an extraRefs entry", annotation, h.ID.Name)
		if h.Flag != "" {
			how += ", or set followArgs: true"
		}
		fmt.Fprintf(b, "  hint: %s is named by container %s at %s (%s) and counts for nothing; if the application reads it, %s\n", h.ID, h.Container, h.Field, h.Text, how)
	}
}

// writeExplainText writes one block per target: what it carries, what it
// counts and why, and what counts for nothing.
func writeExplainText(w io.Writer, x *inspection) error {
	var b strings.Builder
	counts := map[fn.Status]int{}
	for _, d := range x.res.Targets {
		counts[d.Status()]++
		t := d.Target
		b.WriteString(t.String())
		if f := x.file(t.Object); f != "" {
			b.WriteString("  (" + f + ")")
		}
		b.WriteString("\n")
		if len(d.Sources) == 0 && len(d.Unresolved) == 0 {
			b.WriteString("  no ConfigMap or Secret reference\n")
			writeAlso(&b, d)
			continue
		}
		switch d.Status() {
		case fn.StatusNone:
			if d.Conflicts != nil {
				fmt.Fprintf(&b, "  conflict: it carries %s, which confighash did not write: left as it is, and nothing written (set the option annotation to a key of confighash's domain)\n", strings.Join(d.Conflicts, ", "))
			} else {
				b.WriteString("  no dependency in the input: left as it is\n")
			}
		case fn.StatusCurrent:
			for _, k := range slices.Sorted(maps.Keys(d.Annotations)) {
				fmt.Fprintf(&b, "  %s: %s (current)\n", k, fn.ShortDigest(d.Annotations[k]))
			}
		case fn.StatusStale:
			for _, k := range slices.Sorted(maps.Keys(d.Annotations)) {
				state := "current"
				if cur, ok := d.Current[k]; !ok {
					state = "not there yet"
				} else if cur != d.Annotations[k] {
					state = "stale: the manifests have " + fn.ShortDigest(cur)
				}
				fmt.Fprintf(&b, "  %s: %s (%s)\n", k, fn.ShortDigest(d.Annotations[k]), state)
			}
			for _, k := range d.Remove {
				fmt.Fprintf(&b, "  %s: to be removed (confighash's, and not written by this run: a source no longer referenced, or another mode or annotation option)\n", k)
			}
		}
		for _, s := range d.Sources {
			fmt.Fprintf(&b, "  %s  digest %s", s.ID, fn.ShortDigest(s.Digest))
			if s.HMAC {
				b.WriteString(" (HMAC)")
			}
			switch {
			case s.AllKeys && len(s.Counted) == 0:
				b.WriteString("  all keys (it has none)")
			case s.AllKeys:
				b.WriteString("  all keys: " + strings.Join(s.Counted, ", "))
			case s.AllDataKeys && len(s.Counted) == 0:
				b.WriteString("  all keys of data (it has none)")
			case s.AllDataKeys:
				b.WriteString("  all keys of data: " + strings.Join(s.Counted, ", "))
			case len(s.Counted) == 0:
				b.WriteString("  no key (it has none of those named)")
			default:
				b.WriteString("  keys: " + strings.Join(s.Counted, ", "))
			}
			switch n := len(s.Absent); {
			case n > 0 && n <= maxListedAbsent:
				b.WriteString("  absent: " + strings.Join(s.Absent, ", "))
			case n > maxListedAbsent:
				fmt.Fprintf(&b, "  %d named keys absent", n)
			}
			b.WriteString("\n")
			if by, covers := s.Source.MadeBy(); by != "" {
				fmt.Fprintf(&b, "    made by %s: the digest covers %s\n", by, covers)
			}
			writeRefGroups(&b, s.Refs, x.cfg)
		}
		for _, u := range d.Unresolved {
			fmt.Fprintf(&b, "  %s %s: %s, by %s at %s", u.ID.Kind, u.ID.Namespace+"/"+u.ID.Name, u.Reason.Words(), u.Ref.Why(), u.Field)
			if u.Reason == fn.ReasonMissing {
				b.WriteString(" (onMissing: " + string(x.cfg.OnMissing) + ")")
			}
			b.WriteString("\n")
		}
		writeAlso(&b, d)
	}
	x.writeVersionsText(&b)
	fmt.Fprintf(&b, "%s: %d current, %d stale, %d without dependencies\n",
		fn.Plural(len(x.res.Targets), "pod template", "pod templates"), counts[fn.StatusCurrent], counts[fn.StatusStale], counts[fn.StatusNone])
	if len(x.res.Versions) > 0 || len(x.res.Kept) > 0 {
		renamed := 0
		for _, v := range x.res.Versions {
			if v.Renamed() {
				renamed++
			}
		}
		fmt.Fprintf(&b, "%s versioned: %d current, %d to rename; %d kept from the previous render\n",
			fn.Plural(len(x.res.Versions), "ConfigMap or Secret", "ConfigMaps and Secrets"), len(x.res.Versions)-renamed, renamed, len(x.res.Kept))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// writeVersionsText writes one block per versioned source: its name before
// and after a run, and each reference that follows it or cannot; then the
// versions of the previous render that a run keeps.
func (x *inspection) writeVersionsText(b *strings.Builder) {
	for _, v := range x.res.Versions {
		fmt.Fprintf(b, "versioned %s %s: %s -> %s", v.Source.ID.Kind, v.Source.ID.Namespace+"/"+v.Original, v.Current, v.Name)
		if v.Renamed() {
			b.WriteString(" (a run renames it)")
		} else {
			b.WriteString(" (current)")
		}
		if f := x.file(v.Source.Object); f != "" {
			b.WriteString("  (" + f + ")")
		}
		fmt.Fprintf(b, "\n  digest %s of all its keys", fn.ShortDigest(v.Digest))
		if v.Immutable {
			b.WriteString(", immutable")
		}
		b.WriteString("\n")
		if len(v.Refs) == 0 {
			b.WriteString("  referred to by nothing in the input\n")
		}
		for _, ref := range v.Refs {
			state := "current"
			if ref.Stale(v) {
				state = fmt.Sprintf("names %q: a run rewrites it", ref.Value)
			}
			fmt.Fprintf(b, "  referred to by %s %s (%s)\n", ref.Object, ref.Field, state)
		}
		for _, ref := range v.Unfollowed {
			fmt.Fprintf(b, "  cannot follow: %s %s names %q: %s\n", ref.Object, ref.Field, ref.Value, ref.Why)
		}
	}
	for _, k := range x.res.Kept {
		fmt.Fprintf(b, "kept %s %s/%s: a version of %s that the previous render used, %s ago\n", k.Kind, k.Namespace, k.Name, k.Original, fn.Plural(k.Age, "render", "renders"))
	}
}
