package cli

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"sort"
	"strings"

	"confighash.dev/confighash/fn"
)

// graph is the dependency graph of explain --output dot|mermaid: an edge
// from each source to each pod template that counts it, labelled with the
// keys, and a dashed edge for each reference that counts for nothing. Pod
// templates that reference nothing are left out. Nodes are grouped by
// namespace.
type graph struct {
	nodes []*graphNode
	edges []graphEdge
}

type graphNode struct {
	id        string
	namespace string
	kind      string // first line of the label
	name      string // second line
	class     string // configmap, secret, target, or an fn.UnresolvedReason
}

type graphEdge struct {
	from, to string
	label    string
	dashed   bool
}

// maxEdgeKeys is how many key names an edge label lists before "+N".
const maxEdgeKeys = 3

func (x *inspection) graph() *graph {
	g := &graph{}
	sources := map[string]*graphNode{}
	source := func(id fn.SourceID, class string) string {
		key := id.String()
		if n, ok := sources[key]; ok {
			return n.id
		}
		n := &graphNode{id: fmt.Sprintf("s%d", len(sources)), namespace: id.Namespace, kind: id.Kind, name: id.Name, class: class}
		sources[key] = n
		g.nodes = append(g.nodes, n)
		return n.id
	}
	targets := 0
	for _, d := range x.res.Targets {
		if len(d.Sources) == 0 && len(d.Unresolved) == 0 {
			continue
		}
		t := d.Target
		tn := &graphNode{id: fmt.Sprintf("t%d", targets), namespace: t.Object.Namespace, kind: t.Object.Meta.Kind, name: t.Object.Meta.Name, class: "target"}
		if !standardTemplatePath(t) {
			tn.name += "\n" + t.Path
		}
		targets++
		g.nodes = append(g.nodes, tn)
		for _, s := range d.Sources {
			label := "all keys"
			switch {
			case s.AllDataKeys && !s.AllKeys:
				label = "all keys of data"
			case !s.AllKeys:
				label = edgeKeys(s.Counted, s.Absent)
			}
			g.edges = append(g.edges, graphEdge{from: source(s.ID, strings.ToLower(s.ID.Kind)), to: tn.id, label: label})
		}
		seen := map[string]bool{}
		for _, u := range d.Unresolved {
			from := source(u.ID, string(u.Reason))
			if seen[from] {
				continue
			}
			seen[from] = true
			g.edges = append(g.edges, graphEdge{from: from, to: tn.id, label: edgeReasons[u.Reason], dashed: true})
		}
	}
	return g
}

// edgeReasons label the edge of a reference that counts for nothing.
var edgeReasons = map[fn.UnresolvedReason]string{
	fn.ReasonMissing:     "missing",
	fn.ReasonLocalConfig: "local-config",
	fn.ReasonOptional:    "optional, absent",
	fn.ReasonIgnored:     "ignored",
	fn.ReasonNotFollowed: "not followed",
	fn.ReasonDuplicate:   "duplicate",
}

// standardTemplatePath says whether a target's pod template is where its
// kind keeps it by default, so that the graph need not say the path.
func standardTemplatePath(t *fn.Target) bool {
	switch t.Path {
	case "", "spec.template", "template":
		return true
	case "spec.jobTemplate.spec.template":
		return t.Object.Meta.Kind == "CronJob"
	}
	return false
}

// edgeKeys lists counted keys, and the absent ones marked, up to maxEdgeKeys.
func edgeKeys(counted, absent []string) string {
	keys := append([]string{}, counted...)
	for _, a := range absent {
		keys = append(keys, a+" (absent)")
	}
	if len(keys) == 0 {
		return "no key"
	}
	if len(keys) > maxEdgeKeys {
		return strings.Join(keys[:maxEdgeKeys], ", ") + fmt.Sprintf(" +%d", len(keys)-maxEdgeKeys)
	}
	return strings.Join(keys, ", ")
}

// namespaces returns the namespaces of the nodes, sorted, and the nodes of
// each in the order they were added.
func (g *graph) namespaces() ([]string, map[string][]*graphNode) {
	byNS := map[string][]*graphNode{}
	for _, n := range g.nodes {
		byNS[n.namespace] = append(byNS[n.namespace], n)
	}
	names := slices.Sorted(maps.Keys(byNS))
	sort.Strings(names)
	return names, byNS
}

// dotStyles are the node attributes of each class.
var dotStyles = map[string]string{
	"configmap":                  `shape=note, style=filled, fillcolor="#dbeafe", color="#1d4ed8"`,
	"secret":                     `shape=note, style=filled, fillcolor="#fee2e2", color="#b91c1c"`,
	"target":                     `shape=box, style="rounded,filled", fillcolor="#dcfce7", color="#15803d"`,
	string(fn.ReasonMissing):     `shape=note, style=dashed, color="#b91c1c", fontcolor="#b91c1c"`,
	string(fn.ReasonLocalConfig): `shape=note, style=dashed, color="#6b7280", fontcolor="#6b7280"`,
	string(fn.ReasonOptional):    `shape=note, style=dashed, color="#6b7280", fontcolor="#6b7280"`,
	string(fn.ReasonIgnored):     `shape=note, style=dashed, color="#6b7280", fontcolor="#6b7280"`,
	string(fn.ReasonNotFollowed): `shape=note, style=dashed, color="#6b7280", fontcolor="#6b7280"`,
	string(fn.ReasonDuplicate):   `shape=note, style=dashed, color="#b91c1c", fontcolor="#b91c1c"`,
}

func writeDot(w io.Writer, x *inspection) error {
	g := x.graph()
	var b strings.Builder
	b.WriteString("// confighash explain --output dot: render with dot -Tsvg\n")
	b.WriteString("digraph confighash {\n")
	b.WriteString("  rankdir=LR;\n  fontname=\"Helvetica\";\n")
	b.WriteString("  node [fontname=\"Helvetica\", fontsize=11];\n  edge [fontname=\"Helvetica\", fontsize=9];\n")
	names, byNS := g.namespaces()
	for i, ns := range names {
		fmt.Fprintf(&b, "  subgraph cluster_%d {\n    label=%s;\n    style=rounded;\n    color=\"#9ca3af\";\n", i, dotQuote("namespace "+ns))
		for _, n := range byNS[ns] {
			fmt.Fprintf(&b, "    %s [label=%s, %s];\n", n.id, dotQuote(n.kind+"\n"+n.name), dotStyles[n.class])
		}
		b.WriteString("  }\n")
	}
	for _, e := range g.edges {
		style := ""
		if e.dashed {
			style = ", style=dashed"
		}
		fmt.Fprintf(&b, "  %s -> %s [label=%s%s];\n", e.from, e.to, dotQuote(e.label), style)
	}
	b.WriteString("}\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// dotQuote writes a DOT string: quotes and backslashes escaped, newlines
// as line breaks.
func dotQuote(s string) string {
	s = strings.ReplaceAll(s, `\`, `\\`)
	s = strings.ReplaceAll(s, `"`, `\"`)
	s = strings.ReplaceAll(s, "\n", `\n`)
	return `"` + s + `"`
}

// mermaidStyles are the classDef of each class.
var mermaidStyles = []struct{ class, style string }{
	{"configmap", "fill:#dbeafe,stroke:#1d4ed8"},
	{"secret", "fill:#fee2e2,stroke:#b91c1c"},
	{"target", "fill:#dcfce7,stroke:#15803d"},
	{string(fn.ReasonMissing), "fill:#ffffff,stroke:#b91c1c,stroke-dasharray:4 3,color:#b91c1c"},
	{string(fn.ReasonDuplicate), "fill:#ffffff,stroke:#b91c1c,stroke-dasharray:4 3,color:#b91c1c"},
	{string(fn.ReasonLocalConfig), "fill:#ffffff,stroke:#6b7280,stroke-dasharray:4 3,color:#6b7280"},
	{string(fn.ReasonOptional), "fill:#ffffff,stroke:#6b7280,stroke-dasharray:4 3,color:#6b7280"},
	{string(fn.ReasonIgnored), "fill:#ffffff,stroke:#6b7280,stroke-dasharray:4 3,color:#6b7280"},
	{string(fn.ReasonNotFollowed), "fill:#ffffff,stroke:#6b7280,stroke-dasharray:4 3,color:#6b7280"},
}

func writeMermaid(w io.Writer, x *inspection) error {
	g := x.graph()
	var b strings.Builder
	b.WriteString("flowchart LR\n")
	names, byNS := g.namespaces()
	for i, ns := range names {
		fmt.Fprintf(&b, "  subgraph ns%d[%s]\n", i, mermaidQuote("namespace "+ns))
		for _, n := range byNS[ns] {
			fmt.Fprintf(&b, "    %s[%s]\n", n.id, mermaidQuote(n.kind+"<br>"+strings.ReplaceAll(n.name, "\n", "<br>")))
		}
		b.WriteString("  end\n")
	}
	for _, e := range g.edges {
		arrow := "-->"
		if e.dashed {
			arrow = "-.->"
		}
		fmt.Fprintf(&b, "  %s %s|%s| %s\n", e.from, arrow, mermaidQuote(e.label), e.to)
	}
	classes := map[string][]string{}
	for _, n := range g.nodes {
		classes[n.class] = append(classes[n.class], n.id)
	}
	for _, c := range mermaidStyles {
		if ids := classes[c.class]; len(ids) > 0 {
			fmt.Fprintf(&b, "  classDef %s %s\n  class %s %s\n", c.class, c.style, strings.Join(ids, ","), c.class)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// mermaidQuote writes a quoted mermaid label; a quote inside becomes the
// entity #quot; as mermaid documents.
func mermaidQuote(s string) string {
	return `"` + strings.ReplaceAll(s, `"`, "#quot;") + `"`
}
