package fn

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"confighash.dev/confighash/internal/yamltext"
	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Processor is confighash as a kyaml framework.ResourceListProcessor. It
// keeps no state between runs: each Process call reads its own options.
type Processor struct {
	// Getenv looks up CONFIGHASH_SECRET_KEY; nil means no environment.
	Getenv func(string) string
}

var _ framework.ResourceListProcessor = Processor{}

// Process reads the options from the functionConfig, annotates the items in
// place and appends the results. Error results leave the items unchanged.
func (p Processor) Process(rl *framework.ResourceList) error {
	cfg, err := ParseConfig(rl.FunctionConfig)
	if err != nil {
		return err
	}
	if err := cfg.Resolve(p.Getenv); err != nil {
		return err
	}
	results, changes, err := Transform(rl.Items, cfg)
	rl.Results = append(rl.Results, results...)
	rl.Items = append(rl.Items, changes.Added()...)
	if err != nil {
		return err
	}
	if results.ExitCode() != 0 {
		return results
	}
	return nil
}

// Changes are the edits Transform made, by input item: the writer of the
// text layer splices them into the input's text.
type Changes = yamltext.Changes

// Transform annotates the pod templates of nodes for cfg, which must have
// been resolved. It returns one result per finding and a summary, and the
// changes it made to the nodes. When any result is an error, no node is
// changed. The error return is for failures that are not about the input.
func Transform(nodes []*yaml.RNode, cfg *Config) (framework.Results, *Changes, error) {
	r, changes, err := resolve(nodes, cfg)
	if err != nil {
		return nil, yamltext.NewChanges(), err
	}
	if cfg.Explain {
		r.results = append(r.results, r.explainResults()...)
	}
	if r.results.ExitCode() != 0 {
		return r.results, yamltext.NewChanges(), nil
	}
	changed, annotated := yamltext.NewChanges(), 0
	for _, c := range changes {
		ok, err := c.change.applyAt(changed.Item(c.target.Object.Index), c.target.Template.YNode(), c.target.annotationsPath())
		if err != nil {
			return r.results, yamltext.NewChanges(), fmt.Errorf("%s: writing %s: %w", c.target.Object, c.target.AnnotationsField(), err)
		}
		if ok {
			annotated++
		}
	}
	if err := r.applyVersions(changed); err != nil {
		return r.results, yamltext.NewChanges(), err
	}
	kept, err := r.keptNodes()
	if err != nil {
		return r.results, yamltext.NewChanges(), err
	}
	changed.Add(kept...)
	withDeps := 0
	for _, d := range r.deps {
		if len(d.Sources) > 0 {
			withDeps++
		}
	}
	r.results = append(r.results, &framework.Result{
		Severity: framework.Info,
		Message: fmt.Sprintf("confighash: %s, %d with dependencies on %s; %d annotated anew;%s %s",
			Plural(r.templates, "pod template", "pod templates"), withDeps, Plural(len(r.used), "ConfigMap or Secret", "ConfigMaps and Secrets"), annotated, r.versionSummary(), Plural(r.warnings(), "warning", "warnings")),
	})
	return r.results, changed, nil
}

// Resolution is what a run resolved, without changing anything: what each
// target depends on, and the results a run would give.
type Resolution struct {
	// Targets are the dependencies of each target, in input order.
	Targets []*Dependencies
	Results framework.Results
	// Sources are the ConfigMaps and Secrets of the input that a run
	// follows, by ID (more than one when the input has duplicates).
	Sources map[SourceID][]*Source
	// Versions are the versioned sources, sorted by ID, and Kept the
	// versions of the previous render that a run keeps.
	Versions []*Version
	Kept     []*Kept
}

// Resolve is the first half of Transform, which explain, check and diff
// share: it finds the targets and records what each depends on. It changes
// no node; cfg must have been resolved.
func Resolve(nodes []*yaml.RNode, cfg *Config) (*Resolution, error) {
	r, _, err := resolve(nodes, cfg)
	if err != nil {
		return nil, err
	}
	return &Resolution{Targets: r.deps, Results: r.results, Sources: r.sources.sources, Versions: r.versions, Kept: r.kept}, nil
}

// resolve records what each target depends on in r.deps, and plans the
// changes.
func resolve(nodes []*yaml.RNode, cfg *Config) (*run, []plannedChange, error) {
	objects := objectsOf(nodes, cfg.Namespace)
	finder := newTargetFinder(cfg)
	r := &run{
		cfg:       cfg,
		sources:   newSourceIndex(objects, cfg),
		digests:   map[string]digestResult{},
		used:      map[SourceID]bool{},
		reported:  map[string]bool{},
		names:     map[*Source]map[string]bool{},
		versionOf: map[SourceID]*Version{},
	}
	for _, u := range r.sources.unmade {
		r.results = append(r.results, &framework.Result{
			Severity: framework.Info, Message: fmt.Sprintf("%s makes no Secret that confighash can count: %s", u.object, u.why),
			ResourceRef: u.object.ref(), File: u.object.File(),
		})
	}
	r.planVersions()
	var changes []plannedChange
	for _, o := range objects {
		targets, unmatched := finder.find(o)
		for _, i := range unmatched {
			p := cfg.PodTemplatePaths[i]
			r.results = append(r.results, &framework.Result{
				Severity:    framework.Warning,
				Message:     fmt.Sprintf("%s: podTemplatePaths[%d] names its kind, but path %s finds no pod template (a map with spec.containers) in it; check the path", o, i, p.Path),
				ResourceRef: o.ref(),
				Field:       &framework.Field{Path: p.Path},
				File:        o.File(),
			})
		}
		for _, t := range targets {
			r.templates++
			if change, ok := r.plan(t); ok {
				changes = append(changes, plannedChange{target: t, change: change})
			}
		}
	}
	r.planReferences(objects, finder)
	r.planKept(objects)
	return r, changes, nil
}

type plannedChange struct {
	target *Target
	change annotationChange
}

// run is the state of one Transform.
type run struct {
	cfg      *Config
	sources  *sourceIndex
	digests  map[string]digestResult
	used     map[SourceID]bool
	reported map[string]bool
	// names are the keys of each source, for absentKeys.
	names map[*Source]map[string]bool
	// versions are the versioned sources, by ID in versionOf, and kept the
	// versions of the previous render that this one keeps.
	versions  []*Version
	versionOf map[SourceID]*Version
	kept      []*Kept
	results   framework.Results
	templates int
	// deps are the dependencies of each target, in input order.
	deps []*Dependencies
}

type digestResult struct {
	digest string
	failed bool
	// values are the counted value bytes, kept for diff; never written.
	values map[string][]byte
}

// digest computes a source's digest for a set of keys once per run, however
// many targets share it.
func (r *run) digest(s *Source, keys *keySet) digestResult {
	cacheKey := s.ID.String() + "\x00" + keys.String()
	if d, ok := r.digests[cacheKey]; ok {
		return d
	}
	values, warnings, err := s.values(keys)
	for _, w := range warnings {
		r.report(s.ID.String()+w.field, &framework.Result{
			Severity:    framework.Warning,
			Message:     w.message,
			ResourceRef: s.Object.ref(),
			Field:       &framework.Field{Path: w.field},
			File:        s.Object.File(),
		})
	}
	var d digestResult
	if err != nil {
		d.failed = true
		res := &framework.Result{Severity: framework.Error, Message: err.Error(), ResourceRef: s.Object.ref(), File: s.Object.File()}
		var fe *fieldError
		if errors.As(err, &fe) {
			res.Field = &framework.Field{Path: fe.field}
		}
		r.report(s.ID.String(), res)
	} else {
		var key []byte
		if s.ID.Kind == kindSecret {
			key = r.cfg.secretKey
		}
		d.digest = SourceDigest(SourceDocument(values), key)
		d.values = values
	}
	r.digests[cacheKey] = d
	return d
}

func (r *run) missing(t *Target, ref Ref, id SourceID) {
	if ref.Optional || r.cfg.OnMissing == OnMissingIgnore {
		return
	}
	severity := framework.Warning
	hint := "add it to the input, mark the reference optional: true, or set onMissing: ignore"
	if r.cfg.OnMissing == OnMissingError {
		severity = framework.Error
		hint = "add it to the input, mark the reference optional: true, or set onMissing: warn"
	}
	what := "is not in the input"
	var elsewhere []string
	for _, ns := range r.sources.namespaces[SourceID{Kind: id.Kind, Name: id.Name}] {
		if ns != id.Namespace {
			elsewhere = append(elsewhere, ns)
		}
	}
	if elsewhere != nil {
		slices.Sort(elsewhere)
		what = fmt.Sprintf("is not in the input: a %s %s is, in namespace %s", id.Kind, id.Name, strings.Join(elsewhere, ", "))
		hint = "give the objects the namespace they are applied to (metadata.namespace, or the option namespace, as helm --namespace), " + hint
	}
	if r.sources.localConfig[id] {
		what = "is marked config.kubernetes.io/local-config and so never reaches the cluster"
		hint = "remove that annotation from it, or mark the reference optional: true"
	}
	r.results = append(r.results, &framework.Result{
		Severity:    severity,
		Message:     fmt.Sprintf("%s: %s references %s %s, which %s; %s", t.Object, ref.Field, ref.Kind, id.Namespace+"/"+id.Name, what, hint),
		ResourceRef: t.Object.ref(),
		Field:       &framework.Field{Path: ref.Field},
		File:        t.Object.File(),
	})
}

func (r *run) duplicate(found []*Source) {
	s := found[0]
	items := make([]string, len(found))
	for i, f := range found {
		items[i] = fmt.Sprint(f.Object.Index)
		if f.Object.InList != "" {
			items[i] += "." + f.Object.InList
		}
	}
	r.report("dup "+s.ID.String(), &framework.Result{
		Severity:    framework.Error,
		Message:     fmt.Sprintf("%s appears %d times in the input (items %v); confighash cannot tell which one the pods will see", s.ID, len(found), items),
		ResourceRef: s.Object.ref(),
		File:        s.Object.File(),
	})
}

// report adds a result once per key: a source shared by many targets has its
// problem said once.
func (r *run) report(key string, res *framework.Result) {
	if r.reported[key] {
		return
	}
	r.reported[key] = true
	r.results = append(r.results, res)
}

func (r *run) warnings() int {
	n := 0
	for _, res := range r.results {
		if res.Severity == framework.Warning {
			n++
		}
	}
	return n
}

// versionSummary says, when there are versioned sources, how many and
// what a run does with them, for the summary: " 2 versioned, 1 renamed, 1
// kept;".
func (r *run) versionSummary() string {
	if len(r.versions) == 0 && len(r.kept) == 0 {
		return ""
	}
	renamed := 0
	for _, v := range r.versions {
		if v.Renamed() {
			renamed++
		}
	}
	return fmt.Sprintf(" %d versioned, %d renamed, %d kept from the previous render;", len(r.versions), renamed, len(r.kept))
}

// Plural writes a count with the noun that fits it: "1 warning", "2
// warnings", as results and reports say it.
func Plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// fieldError is an error about one field of an object.
type fieldError struct {
	field string
	msg   string
}

func (e *fieldError) Error() string { return e.msg }
