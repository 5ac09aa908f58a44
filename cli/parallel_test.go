package cli_test

// confighash keeps no state between runs: a run's output depends on its own
// input, options and environment only. This test runs every golden case, in
// both modes, first one after another and then all at once, several times
// over, interleaving cases whose options and environment differ (perSource
// and combined, an HMAC key and none, onMissing error and warn). Every
// concurrent run must give exactly what the same run gave alone. Under
// go test -race (make race, CI) it also fails on any data race.

import (
	"fmt"
	"sync"
	"testing"
)

func TestRunsShareNoState(t *testing.T) {
	type job struct {
		name  string
		c     goldenCase
		args  []string
		stdin []byte
	}
	var jobs []job
	for _, c := range loadGoldenCases(t) {
		jobs = append(jobs,
			job{name: c.name + " stream", c: c, args: c.streamArgs(), stdin: c.input},
			job{name: c.name + " ResourceList", c: c, stdin: wrapResourceList(t, c)})
	}
	alone := make([]runResult, len(jobs))
	for i, j := range jobs {
		code, out, errOut := runMain(j.c, j.args, j.stdin)
		alone[i] = runResult{code, out, errOut}
	}

	const rounds = 4
	together := make([][rounds]runResult, len(jobs))
	var wg sync.WaitGroup
	for r := range rounds {
		for i, j := range jobs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				code, out, errOut := runMain(j.c, j.args, j.stdin)
				together[i][r] = runResult{code, out, errOut}
			}()
		}
	}
	wg.Wait()

	for i, j := range jobs {
		for r := range rounds {
			if got, want := together[i][r], alone[i]; got != want {
				t.Errorf("%s, concurrent run %d differs from the run alone:\n%s", j.name, r+1, describeDiff(want, got))
			}
		}
	}
}

type runResult struct {
	code           int
	stdout, stderr string
}

func describeDiff(want, got runResult) string {
	switch {
	case want.code != got.code:
		return fmt.Sprintf("exit code %d, alone %d", got.code, want.code)
	case want.stdout != got.stdout:
		return "stdout " + corpusFirstDiff(want.stdout, got.stdout)
	}
	return "stderr " + corpusFirstDiff(want.stderr, got.stderr)
}
