package fn

import (
	"errors"
	"fmt"

	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// item is one object of the input with its metadata read once.
type item struct {
	index int
	node  *yaml.RNode
	meta  yaml.ResourceMeta
}

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
	results, _, err := Transform(rl.Items, cfg)
	rl.Results = append(rl.Results, results...)
	if err != nil {
		return err
	}
	if results.ExitCode() != 0 {
		return results
	}
	return nil
}

// Transform annotates the pod templates of nodes for cfg, which must have
// been resolved. It returns one result per finding and a summary, and marks
// the nodes it changed. When any result is an error, no node is changed. The
// error return is for failures that are not about the input.
func Transform(nodes []*yaml.RNode, cfg *Config) (framework.Results, Changes, error) {
	r, changes, err := resolve(nodes, cfg)
	if err != nil {
		return nil, Changes{}, err
	}
	if cfg.Explain {
		r.results = append(r.results, r.explainResults()...)
	}
	if r.results.ExitCode() != 0 {
		return r.results, Changes{}, nil
	}
	changed, annotated := Changes{splices: map[int][]splice{}}, 0
	for _, c := range changes {
		ok, splices, err := c.change.apply(c.target.Template)
		if err != nil {
			return r.results, Changes{}, fmt.Errorf("%s: writing %s: %w", describe(c.target.Object), c.target.field("metadata"), err)
		}
		if ok {
			i := c.target.Object.index
			changed.splices[i] = append(changed.splices[i], splices...)
			annotated++
		}
	}
	r.results = append(r.results, &framework.Result{
		Severity: framework.Info,
		Message: fmt.Sprintf("confighash: %s, %d with dependencies on %s; %d annotated anew; %s",
			plural(r.templates, "pod template", "pod templates"), len(changes), plural(len(r.used), "ConfigMap or Secret", "ConfigMaps and Secrets"), annotated, plural(r.warnings(), "warning", "warnings")),
	})
	return r.results, changed, nil
}

// Changes says which items Transform changed, and how, as splices of the
// text they were parsed from: the writer makes those and keeps every other
// byte.
type Changes struct {
	splices map[int][]splice // by item index; absent: unchanged
}

// Changed reports whether Transform changed item i.
func (c Changes) Changed(i int) bool {
	_, ok := c.splices[i]
	return ok
}

// resolve is the first half of Transform, which explain, check and diff
// share: it finds the targets, records what each depends on in r.deps, and
// plans the changes. It changes no node.
func resolve(nodes []*yaml.RNode, cfg *Config) (*run, []plannedChange, error) {
	items := make([]*item, 0, len(nodes))
	for i, n := range nodes {
		items = append(items, &item{index: i, node: n, meta: metaOf(n.YNode())})
	}
	finder, err := newTargetFinder(cfg, items)
	if err != nil {
		return nil, nil, fmt.Errorf("option selector: %w", err)
	}
	r := &run{
		cfg:      cfg,
		sources:  newSourceIndex(items, cfg),
		digests:  map[string]digestResult{},
		used:     map[SourceID]bool{},
		reported: map[string]bool{},
	}
	var changes []plannedChange
	for _, it := range items {
		targets, unmatched := finder.find(it)
		for _, i := range unmatched {
			p := cfg.PodTemplatePaths[i]
			r.results = append(r.results, &framework.Result{
				Severity:    framework.Warning,
				Message:     fmt.Sprintf("%s: podTemplatePaths[%d] names its kind, but path %s finds no pod template (a map with spec.containers) in it; check the path", describe(it), i, p.Path),
				ResourceRef: resourceRef(it.node),
				Field:       &framework.Field{Path: p.Path},
				File:        fileOf(it),
			})
		}
		for _, t := range targets {
			r.templates++
			if change, ok := r.plan(t); ok {
				changes = append(changes, plannedChange{target: t, change: change})
			}
		}
	}
	return r, changes, nil
}

type plannedChange struct {
	target *Target
	change annotationChange
}

// run is the state of one Transform.
type run struct {
	cfg       *Config
	sources   *sourceIndex
	digests   map[string]digestResult
	used      map[SourceID]bool
	reported  map[string]bool
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
	r.used[s.ID] = true
	values, warnings, err := s.Values(keys)
	for _, w := range warnings {
		r.report(s.ID.String()+w.field, &framework.Result{
			Severity:    framework.Warning,
			Message:     w.message,
			ResourceRef: resourceRef(s.Node),
			Field:       &framework.Field{Path: w.field},
			File:        fileOfNode(s.Node),
		})
	}
	var d digestResult
	if err != nil {
		d.failed = true
		res := &framework.Result{Severity: framework.Error, Message: err.Error(), ResourceRef: resourceRef(s.Node), File: fileOfNode(s.Node)}
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
	if r.sources.localConfig[id] {
		what = "is marked config.kubernetes.io/local-config and so never reaches the cluster"
		hint = "remove that annotation from it, or mark the reference optional: true"
	}
	r.results = append(r.results, &framework.Result{
		Severity:    severity,
		Message:     fmt.Sprintf("%s: %s references %s %s, which %s; %s", describe(t.Object), ref.Field, ref.Kind, id.Namespace+"/"+id.Name, what, hint),
		ResourceRef: resourceRef(t.Object.node),
		Field:       &framework.Field{Path: ref.Field},
		File:        fileOf(t.Object),
	})
}

func (r *run) duplicate(found []*Source) {
	s := found[0]
	items := make([]string, len(found))
	for i, f := range found {
		items[i] = fmt.Sprint(f.Item)
	}
	r.report("dup "+s.ID.String(), &framework.Result{
		Severity:    framework.Error,
		Message:     fmt.Sprintf("%s appears %d times in the input (items %v); confighash cannot tell which one the pods will see", s.ID, len(found), items),
		ResourceRef: resourceRef(s.Node),
		File:        fileOfNode(s.Node),
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

// plural writes a count with the noun that fits it: "1 warning", "2 warnings".
func plural(n int, one, many string) string {
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

func resourceRef(n *yaml.RNode) *yaml.ResourceIdentifier {
	m := metaOf(n.YNode())
	return &yaml.ResourceIdentifier{TypeMeta: m.TypeMeta, NameMeta: m.NameMeta}
}

func fileOfNode(n *yaml.RNode) *framework.File { return fileOf(&item{node: n}) }

// describe names an object as people write it: "Deployment shop/web".
func describe(it *item) string {
	ns := it.meta.Namespace
	if ns == "" {
		return it.meta.Kind + " " + it.meta.Name
	}
	return it.meta.Kind + " " + ns + "/" + it.meta.Name
}
