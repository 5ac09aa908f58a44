package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestMain turns the test binary into a child that holds memory, so that
// the tests can measure a process whose peak RSS is known.
func TestMain(m *testing.M) {
	if v := os.Getenv("BENCH_RUN_TEST_HOLD_MIB"); v != "" {
		mib, err := strconv.Atoi(v)
		if err != nil {
			os.Exit(2)
		}
		b := make([]byte, mib<<20)
		for i := 0; i < len(b); i += 4096 {
			b[i] = 1 // touch every page, so it is resident
		}
		time.Sleep(300 * time.Millisecond)
		fmt.Println("kind: Held")
		os.Exit(int(b[len(b)/2]) - 1)
	}
	os.Exit(m.Run())
}

func holdJob(t *testing.T, mib int) job {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("BENCH_RUN_TEST_HOLD_MIB", strconv.Itoa(mib))
	return job{name: "hold", path: self}
}

func TestMeasureTakesTheChildsPeakRSS(t *testing.T) {
	o := &options{work: t.TempDir(), maxRSS: 4 << 30}
	for _, size := range []int{50, 200} {
		m := o.measure(holdJob(t, size))
		if m.err != nil {
			t.Fatalf("%d MiB: %v", size, m.err)
		}
		// The Go runtime adds a few MiB; the runner's own memory must not.
		if lo, hi := int64(size)<<20, int64(size+40)<<20; m.maxRSS < lo || m.maxRSS > hi {
			t.Errorf("holding %d MiB: peak RSS %s, want between %s and %s", size, mib(m.maxRSS), mib(lo), mib(hi))
		}
		if m.wall < 300*time.Millisecond {
			t.Errorf("holding %d MiB for 300 ms: wall time %v", size, m.wall)
		}
	}
}

// TestMeasureIgnoresTheRunnersOwnPeak grows the runner's memory before it
// starts a small child: with vfork, the child's ru_maxrss would include it.
func TestMeasureIgnoresTheRunnersOwnPeak(t *testing.T) {
	o := &options{work: t.TempDir(), maxRSS: 4 << 30}
	big := make([]byte, 300<<20)
	for i := 0; i < len(big); i += 4096 {
		big[i] = 1
	}
	big = nil
	m := o.measure(holdJob(t, 20))
	if m.err != nil {
		t.Fatal(m.err)
	}
	if m.maxRSS > 100<<20 {
		t.Errorf("a 20 MiB child started after the runner held 300 MiB: peak RSS %s, want under 100 MiB", mib(m.maxRSS))
	}
}

func TestMeasureKillsAChildAboveTheCap(t *testing.T) {
	o := &options{work: t.TempDir(), maxRSS: 100 << 20}
	m := o.measure(holdJob(t, 400))
	if !m.killed || m.err == nil || !strings.Contains(m.err.Error(), "killed") {
		t.Errorf("a 400 MiB child under a 100 MiB cap: killed %v, err %v", m.killed, m.err)
	}
}

func TestMeasureChecksTheOutput(t *testing.T) {
	o := &options{work: t.TempDir(), maxRSS: 4 << 30}
	j := holdJob(t, 1)
	j.check = objects(3) // a 3-workload bundle has 12 objects; the child prints one
	m := o.measure(j)
	if m.err == nil || !strings.Contains(m.err.Error(), "output has 1 objects, want at least 12") {
		t.Errorf("err %v, want the object count", m.err)
	}
}

func TestScanOutput(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out.yaml")
	out := "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    annotations:\n      confighash.dev/original-name: 'c'\n" +
		"- kind: Deployment\n  spec:\n    template:\n      metadata:\n        annotations:\n          checksum.confighash.dev/config: abc\n          checksum/config: a chart's\n" +
		"  text: \"" + strings.Repeat("x", 2<<20) + "\"\n"
	if err := os.WriteFile(path, []byte(out), 0o644); err != nil {
		t.Fatal(err)
	}
	st, err := scanOutput(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.objects != 3 || st.annotations != 1 || st.originals != 1 {
		t.Errorf("got %+v, want 3 kind lines, 1 annotation and 1 original-name", st)
	}
	if err := annotated(2)(st); err == nil {
		t.Error("annotated(2) accepted 1 annotation")
	}
	if err := renamed(2)(st); err == nil {
		t.Error("renamed(2) accepted 1 original-name")
	}
	if err := renamed(1)(st); err != nil {
		t.Errorf("renamed(1): %v", err)
	}
}

func TestSummarizeTakesBestTimeAndMedianRSS(t *testing.T) {
	s := summarize([]measurement{
		{wall: 3 * time.Second, cpu: 2 * time.Second, maxRSS: 30},
		{wall: 1 * time.Second, cpu: 3 * time.Second, maxRSS: 10},
		{wall: 2 * time.Second, cpu: 1 * time.Second, maxRSS: 20},
	})
	if s.wall != time.Second || s.cpu != time.Second || s.maxRSS != 20 || s.runs != 3 {
		t.Errorf("got %+v", s)
	}
	failed := summarize([]measurement{{wall: time.Second}, {err: fmt.Errorf("boom"), maxRSS: 5}})
	if failed.err == nil {
		t.Error("a failed run was not reported")
	}
}
