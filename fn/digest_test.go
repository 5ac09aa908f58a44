package fn

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

// The worked example of README.md, section "The hash". Every value here was
// computed with printf, base64 and sha256sum (or openssl dgst -hmac), not
// with this code; README.md shows the commands, and TestREADMEShowsVectors
// keeps README and these vectors the same.
const (
	exampleConfigMapDocument = `{"LOG_LEVEL":"ZGVidWc=","app.properties":"Y29sb3I9Ymx1ZQo="}`
	exampleConfigMapDigest   = "19f646b52774ae8a02cb73b909ef9fb7f8d5d8c6a36687a10b91e3da039cad7e"
	exampleSecretDocument    = `{"password":"aHVudGVyMg=="}`
	exampleSecretDigest      = "ba3b27ff42274af9b5c4178c3c8c41309639ca29a17a82be6d3e9f40057673de"
	exampleSecretHMAC        = "f879f8f79ab0af63119d283926658e934d55e72e9bb2f0c682e5476e0621a229" // key "example-key"
	exampleCombinedDocument  = `{"ConfigMap/web-config":"` + exampleConfigMapDigest + `","Secret/web-secret":"` + exampleSecretDigest + `"}`
	exampleCombined          = "dc044cef37ca7faa7097b37b0841666f17afd21737c36957f23d10e22775db9d"
	// exampleVersionedName is web-config versioned (SPEC 4b): the first 10
	// hex digits of exampleConfigMapDigest through tr 013ae ghkmt.
	exampleVersionedName = "web-config-h9f646b527"
)

func TestSourceDocument(t *testing.T) {
	tests := []struct {
		name   string
		values map[string][]byte
		want   string
	}{
		{"worked example ConfigMap", map[string][]byte{"app.properties": []byte("color=blue\n"), "LOG_LEVEL": []byte("debug")}, exampleConfigMapDocument},
		{"worked example Secret", map[string][]byte{"password": []byte("hunter2")}, exampleSecretDocument},
		{"no keys", nil, `{}`},
		{"empty value", map[string][]byte{"k": {}}, `{"k":""}`},
		{"binary value", map[string][]byte{"b": {0, 0xff, 0xfe}}, `{"b":"AP/+"}`},
		{"keys sorted bytewise", map[string][]byte{"b": []byte("1"), "B": []byte("2"), "a.b": []byte("3")}, `{"B":"Mg==","a.b":"Mw==","b":"MQ=="}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := string(SourceDocument(tt.values)); got != tt.want {
				t.Errorf("SourceDocument() = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestDigests(t *testing.T) {
	tests := []struct {
		name string
		got  string
		want string
	}{
		{"ConfigMap digest", SourceDigest([]byte(exampleConfigMapDocument), nil), exampleConfigMapDigest},
		{"Secret digest", SourceDigest([]byte(exampleSecretDocument), nil), exampleSecretDigest},
		{"Secret HMAC", SourceDigest([]byte(exampleSecretDocument), []byte("example-key")), exampleSecretHMAC},
		{"empty document", SourceDigest([]byte(`{}`), nil), "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"},
		{"combined", CombinedDigest(map[string]string{"Secret/web-secret": exampleSecretDigest, "ConfigMap/web-config": exampleConfigMapDigest}), exampleCombined},
		{"combined document is sorted JSON", string(mustJSON(t, map[string]string{"Secret/web-secret": exampleSecretDigest, "ConfigMap/web-config": exampleConfigMapDigest})), exampleCombinedDocument},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %s, want %s", tt.got, tt.want)
			}
		})
	}
}

func TestPerSourceKey(t *testing.T) {
	long := strings.Repeat("a", 60)
	tests := []struct {
		kind, namespace, name string
		want                  string
	}{
		{kindConfigMap, "", "web-config", "checksum.confighash.dev/configmap.web-config"},
		{kindSecret, "", "web-secret", "checksum.confighash.dev/secret.web-secret"},
		// Another namespace: namespace, "_", name. ConfigMap a.b of the pod's
		// namespace and ConfigMap b of namespace a get different keys.
		{kindConfigMap, "", "a.b", "checksum.confighash.dev/configmap.a.b"},
		{kindConfigMap, "a", "b", "checksum.confighash.dev/configmap.a_b"},
		// 63 characters exactly: kept whole.
		{kindConfigMap, "", strings.Repeat("b", 53), "checksum.confighash.dev/configmap." + strings.Repeat("b", 53)},
		// "configmap." + 60 a's is 70 characters: cut to 54, then "_" and
		// the first 8 hex of sha256("configmap.aaa...a") (printf | sha256sum).
		{kindConfigMap, "", long, "checksum.confighash.dev/configmap." + strings.Repeat("a", 44) + "_be26db45"},
		{kindConfigMap, "shop", strings.Repeat("b", 55), "checksum.confighash.dev/configmap.shop_" + strings.Repeat("b", 39) + "_3e46a76d"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			got := PerSourceKey("checksum.confighash.dev", tt.kind, tt.namespace, tt.name)
			if got != tt.want {
				t.Errorf("PerSourceKey(%s, %s, %s) = %s, want %s", tt.kind, tt.namespace, tt.name, got, tt.want)
			}
			if _, part, _ := strings.Cut(got, "/"); len(part) > 63 || !namePart.MatchString(part) {
				t.Errorf("name part %q (%d characters) is not a valid annotation name", part, len(part))
			}
		})
	}
}

// TestWorkedExample runs the bundled quickstart example, the same objects as
// the worked example, through the whole command.
func TestWorkedExample(t *testing.T) {
	input, err := os.ReadFile("../examples/quickstart/resources.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, env := range []struct {
		name string
		key  string
		want string
	}{
		{"plain", "", exampleCombined},
		{"hmac", "example-key", CombinedDigest(map[string]string{"ConfigMap/web-config": exampleConfigMapDigest, "Secret/web-secret": exampleSecretHMAC})},
	} {
		t.Run(env.name, func(t *testing.T) {
			getenv := func(k string) string {
				if k == SecretKeyEnv {
					return env.key
				}
				return ""
			}
			out, _ := runStream(t, input, getenv)
			if want := "checksum.confighash.dev/config: '" + env.want + "'"; !strings.Contains(out, want) {
				t.Errorf("output lacks %s:\n%s", want, out)
			}
			if env.key == "" {
				expected, err := os.ReadFile("../examples/quickstart/expected.yaml")
				if err != nil {
					t.Fatal(err)
				}
				if out != string(expected) {
					t.Errorf("output differs from examples/quickstart/expected.yaml:\n%s", out)
				}
			}
		})
	}
}

// TestREADMEShowsVectors keeps the worked example in README.md equal to the
// vectors above.
func TestREADMEShowsVectors(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{exampleConfigMapDocument, exampleConfigMapDigest, exampleSecretDocument, exampleSecretDigest, exampleSecretHMAC, exampleCombinedDocument, exampleCombined, exampleVersionedName} {
		if !bytes.Contains(readme, []byte(v)) {
			t.Errorf("README.md does not show %s", v)
		}
	}
}

// TestLineEndingsAndBOM: a file saved on Windows (CRLF, maybe a BOM) holds
// the same values as its Unix twin, so it must hash the same.
func TestLineEndingsAndBOM(t *testing.T) {
	input, err := os.ReadFile("../examples/quickstart/resources.yaml")
	if err != nil {
		t.Fatal(err)
	}
	crlf := bytes.ReplaceAll(input, []byte("\n"), []byte("\r\n"))
	for name, in := range map[string][]byte{"CRLF": crlf, "BOM and CRLF": append([]byte("\xef\xbb\xbf"), crlf...)} {
		t.Run(name, func(t *testing.T) {
			out, _ := runStream(t, in, nil)
			if want := "checksum.confighash.dev/config: '" + exampleCombined + "'"; !strings.Contains(out, want) {
				t.Errorf("output lacks %s:\n%s", want, out)
			}
		})
	}
}
