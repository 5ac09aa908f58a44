package fn

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"confighash.dev/confighash/internal/yamltext"
	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/kio"
)

// TestProcessorWithFramework runs confighash through kyaml's own
// framework.Execute, for programs that embed it as a ResourceListProcessor.
func TestProcessorWithFramework(t *testing.T) {
	items, err := os.ReadFile("../examples/quickstart/resources.yaml")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		config   string
		want     string
		wantErr  string
		noChange bool
	}{
		{name: "defaults", want: "checksum.confighash.dev/config: '" + exampleCombined + "'"},
		{name: "ConfigMap functionConfig", config: "apiVersion: v1\nkind: ConfigMap\ndata: {mode: perSource}\n", want: "checksum.confighash.dev/secret.web-secret: '" + exampleSecretDigest + "'"},
		{name: "bad functionConfig", config: "apiVersion: v1\nkind: ConfigMap\ndata: {mode: fast}\n", wantErr: "key data.mode", noChange: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in, err := yamltext.Read(items)
			if err != nil {
				t.Fatal(err)
			}
			var rl bytes.Buffer
			rl.WriteString("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\n")
			if tt.config != "" {
				rl.WriteString("functionConfig:\n" + indent(tt.config))
			}
			rl.WriteString("items:\n")
			for _, n := range in.Items {
				rl.WriteString("- " + strings.TrimPrefix(indent(n.MustString()), "  "))
			}
			var out bytes.Buffer
			err = framework.Execute(Processor{}, &kio.ByteReadWriter{Reader: &rl, Writer: &out})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Execute error = %v, want %q", err, tt.wantErr)
				}
			} else if err != nil {
				t.Fatalf("Execute: %v", err)
			}
			if tt.noChange && strings.Contains(out.String(), "checksum.confighash.dev/") {
				t.Errorf("a failed run annotated:\n%s", out.String())
			}
			if tt.want != "" && !strings.Contains(out.String(), tt.want) {
				t.Errorf("output lacks %s:\n%s", tt.want, out.String())
			}
		})
	}
}

func indent(s string) string {
	var b strings.Builder
	for _, line := range strings.SplitAfter(s, "\n") {
		if line != "" {
			b.WriteString("  " + line)
		}
	}
	return b.String()
}
