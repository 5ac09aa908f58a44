package cli

// BenchmarkRun is the whole command in process, on the deterministic
// bundles of bench/bundle: read, transform, write. The parts have their own
// benchmarks in fn and internal/yamltext; make bench-go runs them all.
//
//	go test -run '^$' -bench 'Run/rl/10k' -benchmem -cpuprofile bin/cpu.out -memprofile bin/mem.out ./cli

import (
	"bytes"
	"fmt"
	"io"
	"testing"

	"confighash.dev/confighash/bench/bundle"
)

func BenchmarkRun(b *testing.B) {
	for _, mode := range []bundle.Mode{bundle.ResourceList, bundle.Stream} {
		for _, n := range []int{1000, 10000} {
			b.Run(fmt.Sprintf("%s/%s", mode, bundle.SizeName(n)), func(b *testing.B) {
				data := bundle.Cached(n, mode)
				var args []string
				if mode == bundle.Stream {
					args = []string{"--include-jobs", "--quiet"}
				}
				var out bytes.Buffer
				b.SetBytes(int64(len(data)))
				b.ReportAllocs()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					out.Reset()
					err := Run(args, Streams{In: bytes.NewReader(data), Out: &out, Err: io.Discard}, func(string) string { return "" })
					if err != nil {
						b.Fatal(err)
					}
				}
				b.StopTimer()
				if got := bytes.Count(out.Bytes(), []byte("checksum.confighash.dev/config: ")); got != n {
					b.Fatalf("output has %d checksum.confighash.dev/config annotations, want %d", got, n)
				}
			})
		}
	}
}
