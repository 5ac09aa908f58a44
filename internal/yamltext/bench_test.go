package yamltext

// BenchmarkRead parses the deterministic bundles of bench/bundle (N
// workloads with N/2 ConfigMaps and N/4 Secrets); make bench-go runs it
// with the benchmarks of the other packages.

import (
	"fmt"
	"testing"

	"confighash.dev/confighash/bench/bundle"
)

func BenchmarkRead(b *testing.B) {
	for _, mode := range []bundle.Mode{bundle.ResourceList, bundle.Stream} {
		for _, n := range []int{1000, 10000} {
			b.Run(fmt.Sprintf("%s/%s", mode, bundle.SizeName(n)), func(b *testing.B) {
				data := bundle.Cached(n, mode)
				b.SetBytes(int64(len(data)))
				b.ReportAllocs()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					in, err := Read(data)
					if err != nil {
						b.Fatal(err)
					}
					if want := bundle.CountsFor(n).Resources(); len(in.Items) != want {
						b.Fatalf("%d items, want %d", len(in.Items), want)
					}
				}
			})
		}
	}
}
