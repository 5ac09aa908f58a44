// Command run measures confighash against a kyaml fn/framework no-op
// function, side by side in one run, and prints a markdown report: wall time
// and peak RSS of each child process for bundles of N workloads in
// ResourceList and stream mode, their ratios, start-up on a 12-object input,
// and the end-to-end cost inside kustomize build and kpt fn render.
//
// It builds nothing: make bench builds the binaries and runs
//
//	go run ./bench/run -confighash bin/confighash -noop bin/bench-noop \
//	    -kustomize bin/kustomize -kpt kpt -n "1000 10000 20000 50000 100000"
//
// Peak RSS is the child's ru_maxrss from wait4 (for kustomize and kpt, the
// largest process of the tree they waited for). A child whose process group
// grows past -max-rss-gib is killed and reported as such, so that a run
// cannot take the machine's memory from everything else on it.
package main

import (
	"bufio"
	"bytes"
	"debug/buildinfo"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"confighash.dev/confighash/bench/bundle"
)

// annotation is what confighash writes on every pod template of a bundle.
const annotation = "checksum.confighash.dev/config: "

type options struct {
	confighash, noop, kustomize, kpt string
	n, e2eN, versionedN              []int
	modes                            []bundle.Mode
	reps, startupReps                int
	repsUpTo, e2eRepsUpTo            int
	maxRSS                           int64 // bytes
	work                             string
	out                              string

	// runnerRSS is the largest high-water mark of the runner's own memory
	// when it started a child: the floor under every measured peak.
	runnerRSS       int64
	warnedClearRefs bool
}

func main() {
	var o options
	var n, e2eN, versionedN, modes string
	var maxRSSGiB float64
	flag.StringVar(&o.confighash, "confighash", "bin/confighash", "the confighash binary")
	flag.StringVar(&o.noop, "noop", "bin/bench-noop", "the kyaml fn/framework no-op binary (bench/noop)")
	flag.StringVar(&o.kustomize, "kustomize", "bin/kustomize", "kustomize binary for the end-to-end runs; empty skips them")
	flag.StringVar(&o.kpt, "kpt", "kpt", "kpt binary for the end-to-end runs; empty skips them")
	flag.StringVar(&n, "n", "1000 10000 20000 50000 100000", "workload counts to measure")
	flag.StringVar(&e2eN, "e2e-n", "300 1000", "workload counts for kustomize build and kpt fn render (kustomize itself grows quadratically: 2000 workloads take it 20 s)")
	flag.StringVar(&versionedN, "versioned-n", "10000", "workload counts for the versioned run: every ConfigMap and Secret versioned, against the annotation-only run (ResourceList)")
	flag.StringVar(&modes, "modes", "rl stream", "input forms: rl, stream")
	flag.IntVar(&o.reps, "reps", 3, "runs of each binary for N up to -reps-up-to (the best time and the median peak RSS are reported)")
	flag.IntVar(&o.repsUpTo, "reps-up-to", 20000, "largest N that is repeated; larger N run once")
	flag.IntVar(&o.e2eRepsUpTo, "e2e-reps-up-to", 300, "largest N that is repeated end to end")
	flag.IntVar(&o.startupReps, "startup-reps", 20, "runs of each binary on the 12-object input")
	flag.Float64Var(&maxRSSGiB, "max-rss-gib", 14, "kill a child whose process group uses more memory than this")
	flag.StringVar(&o.work, "work", "", "directory for bundles and outputs (default: a new temporary directory, removed at the end)")
	flag.StringVar(&o.out, "out", "", "also write the report to this file")
	flag.Parse()

	var err error
	if o.n, err = parseInts(n); err == nil {
		o.e2eN, err = parseInts(e2eN)
	}
	if err == nil {
		o.versionedN, err = parseInts(versionedN)
	}
	if err != nil {
		fatal(err)
	}
	for _, m := range strings.Fields(modes) {
		if m != string(bundle.ResourceList) && m != string(bundle.Stream) {
			fatal(fmt.Errorf("-modes: unknown mode %q: want rl or stream", m))
		}
		o.modes = append(o.modes, bundle.Mode(m))
	}
	o.maxRSS = int64(maxRSSGiB * (1 << 30))
	for _, p := range []*string{&o.confighash, &o.noop, &o.kustomize, &o.kpt} {
		if *p == "" {
			continue
		}
		abs, err := exec.LookPath(*p)
		if err != nil {
			fatal(fmt.Errorf("%s: %w (run make bench, which builds it)", *p, err))
		}
		if *p, err = filepath.Abs(abs); err != nil {
			fatal(err)
		}
	}
	if o.work == "" {
		dir, err := os.MkdirTemp("", "confighash-bench-")
		if err != nil {
			fatal(err)
		}
		defer os.RemoveAll(dir)
		o.work = dir
		cleanup = func() { os.RemoveAll(dir) }
	}
	// The children run in process groups of their own, out of reach of a
	// terminal's ^C: pass it on, and clean up.
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-signals
		if pgid := running.Load(); pgid > 0 {
			syscall.Kill(-int(pgid), syscall.SIGKILL)
		}
		cleanup()
		fmt.Fprintln(os.Stderr, "bench/run: interrupted")
		os.Exit(130)
	}()

	// The report is written as it grows, so that an interrupted run keeps
	// what it measured.
	var report io.Writer = os.Stdout
	if o.out != "" {
		f, err := os.Create(o.out)
		if err != nil {
			fatal(err)
		}
		defer f.Close()
		report = io.MultiWriter(os.Stdout, f)
	}
	if err := runAll(&o, report); err != nil {
		fatal(err)
	}
}

var (
	// running is the process group of the child being measured, or 0.
	running atomic.Int64
	// cleanup removes the temporary work directory.
	cleanup = func() {}
)

func fatal(err error) {
	cleanup()
	fmt.Fprintf(os.Stderr, "bench/run: %v\n", err)
	os.Exit(1)
}

func parseInts(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Fields(s) {
		v, err := strconv.Atoi(f)
		if err != nil || v < 1 {
			return nil, fmt.Errorf("%q is not a positive number of workloads", f)
		}
		out = append(out, v)
	}
	return out, nil
}

func progress(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "bench: "+format+"\n", args...)
}

// measurement is one run of a child process.
type measurement struct {
	wall   time.Duration
	cpu    time.Duration
	maxRSS int64 // bytes
	// killed is set when the process group outgrew the memory cap.
	killed bool
	err    error
	output string // path of standard output
}

// job is a child process to measure.
type job struct {
	name  string
	path  string
	args  []string
	dir   string
	stdin string // file; "" for none
	// check inspects the output of a successful run.
	check func(outputStats) error
}

func (o *options) measure(j job) measurement {
	outPath := filepath.Join(o.work, "out.yaml")
	errPath := filepath.Join(o.work, "err.txt")
	m := measurement{output: outPath}
	stdout, err := os.Create(outPath)
	if err != nil {
		m.err = err
		return m
	}
	defer stdout.Close()
	stderr, err := os.Create(errPath)
	if err != nil {
		m.err = err
		return m
	}
	defer stderr.Close()
	cmd := exec.Command(j.path, j.args...)
	cmd.Dir = j.dir
	cmd.Stdout, cmd.Stderr = stdout, stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if j.stdin != "" {
		in, err := os.Open(j.stdin)
		if err != nil {
			m.err = err
			return m
		}
		defer in.Close()
		cmd.Stdin = in
	}

	o.lowerRunnerRSS()
	start := time.Now()
	if err := cmd.Start(); err != nil {
		m.err = err
		return m
	}
	running.Store(int64(cmd.Process.Pid))
	defer running.Store(0)
	done := make(chan struct{})
	killed := make(chan bool, 1)
	go watch(cmd.Process.Pid, o.maxRSS, done, killed)
	waitErr := cmd.Wait()
	m.wall = time.Since(start)
	close(done)
	m.killed = <-killed
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		m.maxRSS = ru.Maxrss * 1024
		m.cpu = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	switch {
	case m.killed:
		m.err = fmt.Errorf("killed: its processes used more than %s", mib(o.maxRSS))
	case waitErr != nil:
		msg, _ := os.ReadFile(errPath)
		m.err = fmt.Errorf("%v: %s", waitErr, lastLines(string(msg), 5))
	case j.check != nil:
		stats, err := scanOutput(outPath)
		if err == nil {
			err = j.check(stats)
		}
		m.err = err
	}
	return m
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " | ")
}

// lowerRunnerRSS makes the runner small before it starts a child. Go starts
// a child with vfork (CLONE_VM): until the exec, the child shares the
// runner's memory, and Linux charges that memory's high-water mark to the
// child's ru_maxrss. So the runner frees what it can and resets its
// high-water mark (clear_refs 5), and records its own RSS: no measured peak
// can be below that floor.
func (o *options) lowerRunnerRSS() {
	runtime.GC()
	debug.FreeOSMemory()
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil && !o.warnedClearRefs {
		o.warnedClearRefs = true
		progress("cannot reset the runner's peak RSS (%v): small peaks may include up to the runner's own peak", err)
	}
	if b, err := os.ReadFile("/proc/self/status"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if f := strings.Fields(l); len(f) >= 2 && f[0] == "VmHWM:" {
				kb, _ := strconv.ParseInt(f[1], 10, 64)
				o.runnerRSS = max(o.runnerRSS, kb*1024)
			}
		}
	}
}

// watch kills the process group pgid when its resident memory passes limit,
// and reports on killed whether it did, once done is closed.
func watch(pgid int, limit int64, done <-chan struct{}, killed chan<- bool) {
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-done:
			killed <- false
			return
		case <-tick.C:
			if groupRSS(pgid) > limit {
				syscall.Kill(-pgid, syscall.SIGKILL)
				<-done
				killed <- true
				return
			}
		}
	}
}

// groupRSS sums the resident memory of the processes in group pgid.
func groupRSS(pgid int) int64 {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return 0
	}
	var total int64
	page := int64(os.Getpagesize())
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			continue
		}
		// Fields after the command name, which is in parentheses: state ppid pgrp ...
		i := bytes.LastIndexByte(stat, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(string(stat[i+1:]))
		if len(f) < 3 || f[2] != strconv.Itoa(pgid) {
			continue
		}
		statm, err := os.ReadFile(fmt.Sprintf("/proc/%d/statm", pid))
		if err != nil {
			continue
		}
		sf := strings.Fields(string(statm))
		if len(sf) < 2 {
			continue
		}
		rss, _ := strconv.ParseInt(sf[1], 10, 64)
		total += rss * page
	}
	return total
}

// summary sums up several measurements of one job: the least wall and CPU
// time (other load on the machine only ever adds to them) and the median
// peak RSS.
type summary struct {
	wall, cpu time.Duration
	maxRSS    int64
	runs      int
	err       error
	killed    bool
}

func summarize(ms []measurement) summary {
	s := summary{runs: len(ms)}
	var walls, cpus []time.Duration
	var rss []int64
	for _, m := range ms {
		if m.err != nil {
			s.err, s.killed = m.err, m.killed
			s.maxRSS = max(s.maxRSS, m.maxRSS)
			return s
		}
		walls = append(walls, m.wall)
		cpus = append(cpus, m.cpu)
		rss = append(rss, m.maxRSS)
	}
	slices.Sort(walls)
	slices.Sort(cpus)
	slices.Sort(rss)
	s.wall, s.cpu, s.maxRSS = walls[0], cpus[0], rss[len(rss)/2]
	return s
}

// compare runs each job reps times, interleaved so that the machine's
// changing load falls on all of them alike, and stops at the first failure.
func (o *options) compare(reps int, jobs ...job) []summary {
	runs := make([][]measurement, len(jobs))
	failed := make([]bool, len(jobs))
	for r := 0; r < reps; r++ {
		for i, j := range jobs {
			if failed[i] {
				continue
			}
			m := o.measure(j)
			runs[i] = append(runs[i], m)
			if m.err != nil {
				failed[i] = true
				progress("%s: %v", j.name, m.err)
			} else {
				progress("%s: %.3fs wall, %.3fs CPU, %s", j.name, m.wall.Seconds(), m.cpu.Seconds(), mib(m.maxRSS))
			}
		}
	}
	out := make([]summary, len(jobs))
	for i := range jobs {
		out[i] = summarize(runs[i])
	}
	return out
}

func (o *options) repsFor(n int) int {
	if n <= o.repsUpTo {
		return o.reps
	}
	return 1
}

// writeBundle writes the bundle of n workloads to a file of the work directory.
func (o *options) writeBundle(n int, mode bundle.Mode, name string) (string, int64, error) {
	path := filepath.Join(o.work, name)
	f, err := os.Create(path)
	if err != nil {
		return "", 0, err
	}
	if err := bundle.Write(f, n, mode); err != nil {
		f.Close()
		return "", 0, err
	}
	if err := f.Close(); err != nil {
		return "", 0, err
	}
	st, err := os.Stat(path)
	if err != nil {
		return "", 0, err
	}
	return path, st.Size(), nil
}

// outputStats is what the checks look for in an output.
type outputStats struct {
	// objects counts "kind: " lines: at least one per object.
	objects int
	// annotations counts the lines with confighash's annotation.
	annotations int
	// originals counts the lines with the original-name annotation of a
	// versioned source.
	originals int
}

// scanOutput reads an output line by line: reading it whole would raise
// the runner's own peak RSS, which the next child would inherit (see
// lowerRunnerRSS).
func scanOutput(path string) (outputStats, error) {
	var st outputStats
	f, err := os.Open(path)
	if err != nil {
		return st, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 1<<20), 64<<20)
	for sc.Scan() {
		line := sc.Bytes()
		if bytes.HasPrefix(bytes.TrimLeft(line, " -"), []byte("kind: ")) {
			st.objects++
		}
		if bytes.Contains(line, []byte(annotation)) {
			st.annotations++
		}
		if bytes.Contains(line, []byte(originalName)) {
			st.originals++
		}
	}
	return st, sc.Err()
}

// annotated checks that confighash annotated every workload of the bundle.
func annotated(n int) func(outputStats) error {
	return func(st outputStats) error {
		if st.annotations != n {
			return fmt.Errorf("output has %d %q annotations, want one per workload: %d", st.annotations, strings.TrimSpace(annotation), n)
		}
		return nil
	}
}

// originalName is what confighash writes on every versioned source.
const originalName = "confighash.dev/original-name: "

// renamed checks that confighash versioned every source of the bundle.
func renamed(sources int) func(outputStats) error {
	return func(st outputStats) error {
		if st.originals != sources {
			return fmt.Errorf("output has %d %q annotations, want one per ConfigMap and Secret: %d", st.originals, strings.TrimSpace(originalName), sources)
		}
		return nil
	}
}

// objects checks that the output holds the bundle's objects.
func objects(n int) func(outputStats) error {
	return func(st outputStats) error {
		if want := bundle.CountsFor(n).Resources(); st.objects < want {
			return fmt.Errorf("output has %d objects, want at least %d", st.objects, want)
		}
		return nil
	}
}

func both(checks ...func(outputStats) error) func(outputStats) error {
	return func(st outputStats) error {
		for _, c := range checks {
			if err := c(st); err != nil {
				return err
			}
		}
		return nil
	}
}

// confighashArgs makes stream mode annotate Jobs too, as the ResourceList's
// functionConfig does.
func confighashArgs(mode bundle.Mode) []string {
	if mode == bundle.Stream {
		return []string{"--include-jobs", "--quiet"}
	}
	return nil
}

type row struct {
	n       int
	mode    bundle.Mode
	size    int64
	noop    summary
	ch      summary
	skipped [2]string
}

func runAll(o *options, w io.Writer) error {
	started, load := time.Now(), loadAverage()
	fmt.Fprintf(w, "## Results\n\n%s\n\n", machine(o))

	// Start-up: a 12-object input, many runs.
	fmt.Fprintf(w, "### Start-up: a 3-workload bundle (%d objects), best time of %d runs (median peak RSS)\n\n", bundle.CountsFor(3).Resources(), o.startupReps)
	fmt.Fprintln(w, "| mode | no-op ms | confighash ms | time ratio | no-op peak RSS | confighash peak RSS | RSS ratio |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---:|")
	startup := map[bundle.Mode][2]summary{}
	for _, mode := range o.modes {
		in, _, err := o.writeBundle(3, mode, "small-"+string(mode)+".yaml")
		if err != nil {
			return err
		}
		s := o.compare(o.startupReps,
			job{name: "startup no-op " + string(mode), path: o.noop, stdin: in, check: objects(3)},
			job{name: "startup confighash " + string(mode), path: o.confighash, args: confighashArgs(mode), stdin: in, check: both(objects(3), annotated(3))},
		)
		startup[mode] = [2]summary{s[0], s[1]}
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s | %s |\n", mode,
			ms(s[0]), ms(s[1]), ratio(s[1], s[0], wallOf), rssOf(s[0]), rssOf(s[1]), ratio(s[1], s[0], rssOfNum))
	}

	// Scaling: both binaries on the same bundle, for every N.
	fmt.Fprintf(w, "\n### Scaling: best time of %d runs (median peak RSS) for N up to %d, one run above\n\n", o.reps, o.repsUpTo)
	fmt.Fprintln(w, "| workloads | objects | input | mode | no-op s | confighash s | time ratio | no-op peak RSS | confighash peak RSS | RSS ratio | no-op CPU s | confighash CPU s | CPU ratio |")
	fmt.Fprintln(w, "|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
	var rows []row
	gaveUp := map[string]string{} // binary+mode -> why larger N are skipped
	// The no-op's peak grows linearly; where the last one says it would
	// pass the cap, it is not run: that saves minutes and says as much.
	// confighash, the subject, always runs.
	lastNoop := map[bundle.Mode]row{}
	for _, n := range o.n {
		for _, mode := range o.modes {
			in, size, err := o.writeBundle(n, mode, fmt.Sprintf("bundle-%d-%s.yaml", n, mode))
			if err != nil {
				return err
			}
			r := row{n: n, mode: mode, size: size}
			jobs := []job{
				{name: fmt.Sprintf("no-op %s %d", mode, n), path: o.noop, stdin: in, check: objects(n)},
				{name: fmt.Sprintf("confighash %s %d", mode, n), path: o.confighash, args: confighashArgs(mode), stdin: in, check: both(objects(n), annotated(n))},
			}
			keys := []string{"noop " + string(mode), "confighash " + string(mode)}
			var run []job
			var idx []int
			if last, ok := lastNoop[mode]; ok && gaveUp[keys[0]] == "" {
				if projected := last.noop.maxRSS / int64(last.n) * int64(n); projected > o.maxRSS {
					r.skipped[0] = fmt.Sprintf("not run: would need ~%s (%s at %d, linear)", mib(projected), mib(last.noop.maxRSS), last.n)
				}
			}
			for i, j := range jobs {
				if why := gaveUp[keys[i]]; why != "" {
					r.skipped[i] = why
				}
				if r.skipped[i] != "" {
					continue
				}
				run = append(run, j)
				idx = append(idx, i)
			}
			res := o.compare(o.repsFor(n), run...)
			for k, i := range idx {
				if i == 0 {
					r.noop = res[k]
				} else {
					r.ch = res[k]
				}
				if res[k].killed {
					gaveUp[keys[i]] = fmt.Sprintf("not run: killed above %s at %d", mib(o.maxRSS), n)
				}
			}
			os.Remove(in)
			if r.noop.runs > 0 && r.noop.err == nil {
				lastNoop[mode] = r
			}
			rows = append(rows, r)
			fmt.Fprintf(w, "| %d | %d | %.1f MiB | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", n, bundle.CountsFor(n).Resources(), float64(size)/(1<<20), mode,
				secs(r.noop, r.skipped[0]), secs(r.ch, r.skipped[1]), ratio(r.ch, r.noop, wallOf),
				rssCell(r.noop, r.skipped[0]), rssCell(r.ch, r.skipped[1]), ratio(r.ch, r.noop, rssOfNum),
				cpuCell(r.noop), cpuCell(r.ch), ratio(r.ch, r.noop, cpuOf))
		}
	}
	versioned, err := o.versioned(w)
	if err != nil {
		return err
	}
	writeGoals(w, o, rows, startup, versioned)

	if len(o.e2eN) > 0 && (o.kustomize != "" || o.kpt != "") {
		if err := o.endToEnd(w); err != nil {
			return err
		}
	}
	for _, t := range []struct{ name, path string }{{"kustomize build", o.kustomize}, {"kpt fn render", o.kpt}} {
		if t.path == "" || len(o.e2eN) == 0 {
			fmt.Fprintf(w, "\n%s was not measured: no binary given, or no -e2e-n.\n", t.name)
		}
	}
	fmt.Fprintf(w, "\nThe whole run took %s; load average %s at the start, %s at the end (%d cores). "+
		"The runner's own peak RSS when it started a child was at most %s: no peak above can be lower.\n",
		time.Since(started).Round(time.Second), load, loadAverage(), runtime.NumCPU(), mib(o.runnerRSS))
	return nil
}

// writeGoals checks the numbers against issue 3's goals.
func writeGoals(w io.Writer, o *options, rows []row, startup map[bundle.Mode][2]summary, versioned map[int][2]summary) {
	find := func(n int, mode bundle.Mode) *row {
		for i := range rows {
			if rows[i].n == n && rows[i].mode == mode {
				return &rows[i]
			}
		}
		return nil
	}
	fmt.Fprint(w, "\n### Goals (issue 3)\n\nMet is judged on wall time, as the goals say; CPU time (user+sys) is less disturbed by other load on the machine.\n\n")
	fmt.Fprintln(w, "| goal | wall | CPU | met |\n|---|---:|---:|---|")
	// goal compares a/b (or b's own value when a is nil) with limit.
	goal := func(name string, a, b summary, limit float64) {
		t, okT := fratio(a, b, wallOf)
		c, okC := fratio(a, b, cpuOf)
		if !okT || !okC {
			fmt.Fprintf(w, "| %s | not measured | | - |\n", name)
			return
		}
		fmt.Fprintf(w, "| %s | %.2f | %.2f | %s |\n", name, t, c, yesNo(t <= limit))
	}
	if r := find(10000, bundle.ResourceList); r != nil {
		goal("10k workloads, ResourceList: time <= 0.25x the no-op", r.ch, r.noop, 0.25)
		m, ok := fratio(r.ch, r.noop, rssOfNum)
		if ok {
			fmt.Fprintf(w, "| 10k workloads, ResourceList: peak RSS <= 0.30x the no-op | %.2f (RSS) | | %s |\n", m, yesNo(m <= 0.30))
		}
	} else {
		fmt.Fprintln(w, "| 10k workloads, ResourceList | not measured (add 10000 to -n) | | - |")
	}
	if r := find(10000, bundle.Stream); r != nil {
		goal("10k workloads, stream: time <= 1.0x the no-op", r.ch, r.noop, 1.0)
	}
	for _, mode := range o.modes {
		if a, b := find(10000, mode), find(20000, mode); a != nil && b != nil {
			goal(fmt.Sprintf("linear, %s: confighash time(20k) / time(10k) <= 2.3", mode), b.ch, a.ch, 2.3)
		}
	}
	for _, mode := range o.modes {
		if r := find(100000, mode); r != nil {
			done := r.ch.err == nil && r.skipped[1] == "" && r.ch.runs > 0
			status := "completed, peak " + rssCell(r.ch, r.skipped[1])
			if !done {
				status = "did not complete: " + secs(r.ch, r.skipped[1])
			}
			fmt.Fprintf(w, "| 100k workloads, %s: confighash completes under the %s cap | %s | | %s |\n",
				mode, mib(o.maxRSS), status, yesNo(done))
		}
	}
	for _, mode := range o.modes {
		s := startup[mode]
		goal(fmt.Sprintf("start-up, %s, 12 objects: time <= 1.10x the no-op (10%% for timer noise)", mode), s[1], s[0], 1.10)
	}
	if v, ok := versioned[10000]; ok {
		goal("10k workloads, ResourceList, every source versioned: time <= 1.5x annotation-only (issue 12)", v[1], v[0], 1.5)
	} else {
		fmt.Fprintln(w, "| 10k workloads, every source versioned | not measured (add 10000 to -versioned-n) | | - |")
	}
}

// versionedArgs version every ConfigMap and Secret of a bundle.
var versionedArgs = []string{"--versioned", "{kinds: [ConfigMap, Secret]}", "--quiet"}

// versioned measures, for each -versioned-n, confighash on the ResourceList
// bundle with every ConfigMap and Secret versioned (renamed, every
// reference rewritten) against the annotation-only run, alternating.
func (o *options) versioned(w io.Writer) (map[int][2]summary, error) {
	out := map[int][2]summary{}
	if len(o.versionedN) == 0 {
		return out, nil
	}
	fmt.Fprintf(w, "\n### Versioned: every ConfigMap and Secret renamed by content, against annotation-only (ResourceList; best time of %d runs up to %d)\n\n", o.reps, o.repsUpTo)
	fmt.Fprintln(w, "| workloads | annotation-only s | versioned s | time ratio | annotation-only peak RSS | versioned peak RSS | RSS ratio | annotation-only CPU s | versioned CPU s | CPU ratio |")
	fmt.Fprintln(w, "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
	for _, n := range o.versionedN {
		in, _, err := o.writeBundle(n, bundle.ResourceList, fmt.Sprintf("versioned-%d.yaml", n))
		if err != nil {
			return nil, err
		}
		c := bundle.CountsFor(n)
		res := o.compare(o.repsFor(n),
			job{name: fmt.Sprintf("annotation-only rl %d", n), path: o.confighash, stdin: in, check: both(objects(n), annotated(n))},
			job{name: fmt.Sprintf("versioned rl %d", n), path: o.confighash, args: versionedArgs, stdin: in, check: both(objects(n), annotated(n), renamed(c.ConfigMaps+c.Secrets))},
		)
		os.Remove(in)
		out[n] = [2]summary{res[0], res[1]}
		fmt.Fprintf(w, "| %d | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", n,
			secs(res[0], ""), secs(res[1], ""), ratio(res[1], res[0], wallOf),
			rssCell(res[0], ""), rssCell(res[1], ""), ratio(res[1], res[0], rssOfNum),
			cpuCell(res[0]), cpuCell(res[1]), ratio(res[1], res[0], cpuOf))
	}
	return out, nil
}

func yesNo(ok bool) string {
	if ok {
		return "yes"
	}
	return "**no**"
}

func wallOf(s summary) float64 { return s.wall.Seconds() }
func cpuOf(s summary) float64  { return s.cpu.Seconds() }

func cpuCell(s summary) string {
	if s.err != nil || s.runs == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f", s.cpu.Seconds())
}

// loadAverage is the machine's 1-minute load average: other work on it
// makes wall times noisy, which the interleaved runs and the CPU times
// soften but do not remove.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	return strings.Fields(string(b))[0]
}
func rssOfNum(s summary) float64 { return float64(s.maxRSS) }

func fratio(a, b summary, f func(summary) float64) (float64, bool) {
	if a.err != nil || b.err != nil || a.runs == 0 || b.runs == 0 || f(b) == 0 {
		return 0, false
	}
	return f(a) / f(b), true
}

func ratio(a, b summary, f func(summary) float64) string {
	r, ok := fratio(a, b, f)
	if !ok {
		return "-"
	}
	return fmt.Sprintf("%.2f", r)
}

func ms(s summary) string {
	if s.err != nil {
		return "failed"
	}
	return fmt.Sprintf("%.2f", float64(s.wall.Microseconds())/1000)
}

func secs(s summary, skipped string) string {
	switch {
	case skipped != "":
		return skipped
	case s.runs == 0:
		return "-"
	case s.killed:
		return fmt.Sprintf("killed after >%s", mib(s.maxRSS))
	case s.err != nil:
		return "failed: " + s.err.Error()
	}
	return fmt.Sprintf("%.2f", s.wall.Seconds())
}

func rssOf(s summary) string {
	if s.err != nil {
		return "-"
	}
	return mib(s.maxRSS)
}

func rssCell(s summary, skipped string) string {
	if skipped != "" || s.runs == 0 {
		return "-"
	}
	if s.err != nil {
		return ">" + mib(s.maxRSS)
	}
	return mib(s.maxRSS)
}

func mib(b int64) string {
	if b >= 10<<30 {
		return fmt.Sprintf("%.1f GiB", float64(b)/(1<<30))
	}
	return fmt.Sprintf("%.0f MiB", float64(b)/(1<<20))
}

// machine describes where the numbers come from.
func machine(o *options) string {
	cpu := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(l, "model name") {
				cpu = strings.TrimSpace(strings.SplitN(l, ":", 2)[1])
				break
			}
		}
	}
	mem := ""
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		f := strings.Fields(strings.SplitN(string(b), "\n", 2)[0])
		if len(f) >= 2 {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			mem = fmt.Sprintf(", %.0f GiB memory", float64(kb)/(1<<20))
		}
	}
	lines := []string{fmt.Sprintf("Machine: %s, %d cores%s, %s/%s. Memory cap per child: %s.", cpu, runtime.NumCPU(), mem, runtime.GOOS, runtime.GOARCH, mib(o.maxRSS))}
	for _, b := range []struct{ name, path string }{{"confighash", o.confighash}, {"no-op", o.noop}} {
		lines = append(lines, fmt.Sprintf("- %s: %s", b.name, describeBinary(b.path)))
	}
	for _, t := range []struct{ name, path, arg string }{{"kustomize", o.kustomize, "version"}, {"kpt", o.kpt, "version"}} {
		if t.path == "" {
			continue
		}
		out, err := exec.Command(t.path, t.arg).Output()
		v := strings.TrimSpace(string(out))
		if err != nil {
			v = "version unknown: " + err.Error()
		}
		lines = append(lines, fmt.Sprintf("- %s: %s %s", t.name, displayPath(t.path), v))
	}
	return strings.Join(lines, "\n")
}

// displayPath names a tool without the paths of the machine it was measured
// on: relative to the checkout when it is inside it (bin/confighash), by
// name when it is the one on PATH, else by name and where it is not.
func displayPath(path string) string {
	if wd, err := os.Getwd(); err == nil {
		if rel, err := filepath.Rel(wd, path); err == nil && rel != ".." && !strings.HasPrefix(rel, "../") {
			return rel
		}
	}
	name := filepath.Base(path)
	if found, err := exec.LookPath(name); err == nil && found == path {
		return name + " (on PATH)"
	}
	return name + " (outside the checkout)"
}

// describeBinary names a Go binary's toolchain, main module version and kyaml.
func describeBinary(path string) string {
	info, err := buildinfo.ReadFile(path)
	if err != nil {
		return displayPath(path) + " (" + err.Error() + ")"
	}
	kyaml := "no kyaml"
	for _, d := range info.Deps {
		if d.Path == "sigs.k8s.io/kustomize/kyaml" {
			kyaml = "kyaml " + d.Version
		}
	}
	vcs := ""
	for _, s := range info.Settings {
		if s.Key == "vcs.revision" && len(s.Value) >= 7 {
			vcs = " " + s.Value[:7]
		}
	}
	out, _ := exec.Command(path, "--version").Output()
	version := strings.TrimSpace(string(out))
	if version != "" && !strings.Contains(version, "\n") && len(version) < 80 {
		version = ", " + version
	} else {
		version = ""
	}
	return fmt.Sprintf("%s (%s, %s%s%s)", displayPath(path), info.GoVersion, kyaml, vcs, version)
}

// endToEnd measures kustomize build and kpt fn render with confighash, with
// the no-op and with no function at all, on the same generated package.
func (o *options) endToEnd(w io.Writer) error {
	fmt.Fprintf(w, "\n### End to end: best of %d runs for N up to %d, one run above; peak RSS is the largest process of the tree\n\n", o.reps, o.e2eRepsUpTo)
	fmt.Fprintln(w, "| tool | workloads | no function s | with no-op s | with confighash s | time: confighash / no-op | no function peak RSS | no-op peak RSS | confighash peak RSS | no function CPU s | no-op CPU s | confighash CPU s |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
	for _, n := range o.e2eN {
		reps := 1
		if n <= o.e2eRepsUpTo {
			reps = o.reps
		}
		if o.kustomize != "" {
			dirs := map[string]string{}
			for _, v := range []struct{ name, fn string }{{"none", ""}, {"noop", o.noop}, {"confighash", o.confighash}} {
				dir, err := o.kustomization(n, v.name, v.fn)
				if err != nil {
					return err
				}
				dirs[v.name] = dir
			}
			args := func(v string) []string {
				return []string{"build", "--enable-alpha-plugins", "--enable-exec", dirs[v]}
			}
			s := o.compare(reps,
				job{name: fmt.Sprintf("kustomize %d none", n), path: o.kustomize, args: args("none"), check: objects(n)},
				job{name: fmt.Sprintf("kustomize %d no-op", n), path: o.kustomize, args: args("noop"), check: objects(n)},
				job{name: fmt.Sprintf("kustomize %d confighash", n), path: o.kustomize, args: args("confighash"), check: both(objects(n), annotated(n))},
			)
			e2eRow(w, "kustomize build", n, s)
			for _, d := range dirs {
				os.RemoveAll(d)
			}
		}
		if o.kpt != "" {
			dirs := map[string]string{}
			for _, v := range []struct{ name, fn string }{{"none", ""}, {"noop", o.noop}, {"confighash", o.confighash}} {
				dir, err := o.kptPackage(n, v.name, v.fn)
				if err != nil {
					return err
				}
				dirs[v.name] = dir
			}
			args := func(v string) []string {
				return []string{"fn", "render", dirs[v], "--allow-exec", "-o", "unwrap"}
			}
			s := o.compare(reps,
				job{name: fmt.Sprintf("kpt %d none", n), path: o.kpt, args: args("none"), dir: o.work, check: objects(n)},
				job{name: fmt.Sprintf("kpt %d no-op", n), path: o.kpt, args: args("noop"), dir: o.work, check: objects(n)},
				job{name: fmt.Sprintf("kpt %d confighash", n), path: o.kpt, args: args("confighash"), dir: o.work, check: both(objects(n), annotated(n))},
			)
			e2eRow(w, "kpt fn render", n, s)
			for _, d := range dirs {
				os.RemoveAll(d)
			}
		}
	}
	return nil
}

func e2eRow(w io.Writer, tool string, n int, s []summary) {
	fmt.Fprintf(w, "| %s | %d | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", tool, n,
		secs(s[0], ""), secs(s[1], ""), secs(s[2], ""), ratio(s[2], s[1], wallOf),
		rssCell(s[0], ""), rssCell(s[1], ""), rssCell(s[2], ""), cpuCell(s[0]), cpuCell(s[1]), cpuCell(s[2]))
}

// kustomization writes a kustomization of the stream bundle with fn (when
// not "") as its exec transformer, configured as confighash expects.
func (o *options) kustomization(n int, name, fn string) (string, error) {
	dir := filepath.Join(o.work, fmt.Sprintf("kustomize-%d-%s", n, name))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	if _, _, err := o.writeBundle(n, bundle.Stream, filepath.Join(filepath.Base(dir), "resources.yaml")); err != nil {
		return "", err
	}
	k := "resources: [resources.yaml]\n"
	if fn != "" {
		k += "transformers: [confighash.yaml]\n"
		t := fmt.Sprintf(`apiVersion: fn.confighash.dev/v1alpha1
kind: ConfigHash
metadata:
  name: confighash
  annotations:
    config.kubernetes.io/function: |
      exec:
        path: %s
includeJobs: true
`, fn)
		if err := os.WriteFile(filepath.Join(dir, "confighash.yaml"), []byte(t), 0o644); err != nil {
			return "", err
		}
	}
	return dir, os.WriteFile(filepath.Join(dir, "kustomization.yaml"), []byte(k), 0o644)
}

// kptPackage writes a kpt package of the stream bundle whose Kptfile
// pipeline runs fn (when not "") as an exec mutator.
func (o *options) kptPackage(n int, name, fn string) (string, error) {
	dir := filepath.Join(o.work, fmt.Sprintf("kpt-%d-%s", n, name))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	if _, _, err := o.writeBundle(n, bundle.Stream, filepath.Join(filepath.Base(dir), "resources.yaml")); err != nil {
		return "", err
	}
	k := `apiVersion: kpt.dev/v1
kind: Kptfile
metadata:
  name: bench
  annotations:
    config.kubernetes.io/local-config: "true"
`
	if fn != "" {
		k += fmt.Sprintf("pipeline:\n  mutators:\n  - exec: %s\n    configMap:\n      includeJobs: \"true\"\n", fn)
	}
	return dir, os.WriteFile(filepath.Join(dir, "Kptfile"), []byte(k), 0o644)
}
