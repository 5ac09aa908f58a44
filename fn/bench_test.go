package fn

// Benchmarks of the function's hot paths on the deterministic bundles of
// bench/bundle (N workloads with N/2 ConfigMaps and N/4 Secrets); the whole
// command is BenchmarkRun in cli and reading is BenchmarkRead in
// internal/yamltext. Targets for speed and memory live here and in make
// bench, never in timed unit tests:
//
//	make bench-go
//	go test -run '^$' -bench 'Transform/10k' -benchmem -cpuprofile bin/cpu.out -memprofile bin/mem.out ./fn
//	go tool pprof -top bin/cpu.out

import (
	"bytes"
	"fmt"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/yaml"

	"confighash.dev/confighash/bench/bundle"
	"confighash.dev/confighash/internal/yamltext"
)

var benchSizes = []int{1000, 10000}

var benchModes = []bundle.Mode{bundle.ResourceList, bundle.Stream}

// benchConfig is the configuration of the bundle: Jobs included, so that
// every workload is annotated in both modes.
func benchConfig(b *testing.B) *Config {
	cfg := DefaultConfig()
	cfg.IncludeJobs = true
	if err := cfg.Resolve(func(string) string { return "" }); err != nil {
		b.Fatal(err)
	}
	return cfg
}

func readBench(b *testing.B, data []byte) *yamltext.Stream {
	in, err := yamltext.Read(data)
	if err != nil {
		b.Fatal(err)
	}
	return in
}

// BenchmarkTransform finds targets and references, hashes and plans the
// annotations on freshly read items (reading is not timed).
func BenchmarkTransform(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(bundle.SizeName(n), func(b *testing.B) {
			data := bundle.Cached(n, bundle.Stream)
			cfg := benchConfig(b)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				in := readBench(b, data)
				b.StartTimer()
				results, _, err := Transform(in.Items, cfg)
				if err != nil {
					b.Fatal(err)
				}
				if results.ExitCode() != 0 {
					b.Fatalf("error results: %v", results)
				}
			}
		})
	}
}

// BenchmarkWrite writes the changes of a run into the input's text
// (reading and transforming are not timed).
func BenchmarkWrite(b *testing.B) {
	for _, mode := range benchModes {
		for _, n := range benchSizes {
			b.Run(fmt.Sprintf("%s/%s", mode, bundle.SizeName(n)), func(b *testing.B) {
				data := bundle.Cached(n, mode)
				cfg := benchConfig(b)
				var out bytes.Buffer
				b.ReportAllocs()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					b.StopTimer()
					in := readBench(b, data)
					results, changes, err := Transform(in.Items, cfg)
					if err != nil {
						b.Fatal(err)
					}
					out.Reset()
					b.StartTimer()
					if err := in.Write(&out, results, changes); err != nil {
						b.Fatal(err)
					}
				}
				b.StopTimer()
				b.SetBytes(int64(out.Len()))
				if got := bytes.Count(out.Bytes(), []byte("checksum.confighash.dev/config: ")); got != n {
					b.Fatalf("output has %d combined annotations, want %d", got, n)
				}
			})
		}
	}
}

// BenchmarkSourceDigest hashes one ConfigMap of four keys, as SPEC 4 says.
func BenchmarkSourceDigest(b *testing.B) {
	values := map[string][]byte{
		"key-0": []byte("value-6602d201e324653f"),
		"key-1": []byte("72452"),
		"key-2": []byte("[server]\nport = 8148\nworkers = 5\nlog_level = info\nupstream = http://backend-1e09.svc:8080\n"),
		"key-3": []byte("value-1f796dfefa18e2fa"),
	}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if d := SourceDigest(SourceDocument(values), nil); len(d) != 64 {
			b.Fatalf("digest %q", d)
		}
	}
}

// BenchmarkCombinedDigest combines five source digests into one annotation.
func BenchmarkCombinedDigest(b *testing.B) {
	digests := map[string]string{}
	for i := 0; i < 5; i++ {
		digests[fmt.Sprintf("ConfigMap/config-%06d", i)] = SourceDigest([]byte(fmt.Sprint(i)), nil)
	}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if d := CombinedDigest(digests); len(d) != 64 {
			b.Fatalf("digest %q", d)
		}
	}
}

// BenchmarkPodSpecRefs walks the pod specs of 1000 workloads for references;
// one op is one pod spec.
func BenchmarkPodSpecRefs(b *testing.B) {
	in := readBench(b, bundle.Cached(1000, bundle.Stream))
	var specs []*yaml.Node
	for _, it := range in.Items {
		for _, path := range [][]string{{"spec", "template", "spec"}, {"spec", "jobTemplate", "spec", "template", "spec"}} {
			if n, err := it.Pipe(yaml.Lookup(path...)); err == nil && n != nil {
				specs = append(specs, n.YNode())
			}
		}
	}
	if len(specs) != 1000 {
		b.Fatalf("%d pod specs, want 1000", len(specs))
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if refs := podSpecRefs(specs[i%len(specs)], "spec.template.spec"); len(refs) < 4 {
			b.Fatalf("%d references, want at least 4", len(refs))
		}
	}
}
