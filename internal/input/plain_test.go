package input_test

import (
	"strings"
	"testing"

	"github.com/inboxctl/inboxctl/internal/input"
)

// TestPlainRefusesControls: emails, labels, campaign names and reasons
// refuse C0 and C1 controls, DEL and bidirectional formatting, naming the
// code point in a sentence that does not carry the character itself.
func TestPlainRefusesControls(t *testing.T) {
	bad := map[string]string{
		"evil\x1b]0;hi\a@x.test":    "U+001B",
		"osc52\x1b]52;c;ZXZpbA==\a": "U+001B",
		"bell\a":                    "U+0007",
		"csi\u009b31m":              "U+009B",
		"del\x7f":                   "U+007F",
		"invoice\u202eexe.txt":      "U+202E",
		"iso\u2066late":             "U+2066",
		"mark\u200f":                "U+200F",
		"arabic mark\u061c":         "U+061C",
		"line\nbreak":               "U+000A",
		"tab\there":                 "U+0009",
		"carriage\rreturn":          "U+000D",
		"paragraph\u2029separator":  "U+2029",
	}
	for s, code := range bad {
		for _, check := range []func(string) error{
			func(s string) error { return input.Plain("campaign name", s, input.MaxNameLen) },
			func(s string) error { return input.Plain("--reason", s, input.MaxReasonLen) },
			input.Label,
			func(s string) error { _, err := input.Email("a" + s + "@x.test"); return err },
		} {
			err := check(s)
			if err == nil {
				t.Errorf("%q accepted", s)
				continue
			}
			if !strings.Contains(err.Error(), code) || !strings.Contains(err.Error(), "may not contain control or bidirectional formatting characters") {
				t.Errorf("%q: %v (want it to name %s)", s, err, code)
			}
			if strings.ContainsAny(err.Error(), "\x1b\a\u009b\u202e\u2066\u200f\u061c\n\t\r\x7f\u2029") {
				t.Errorf("%q: the error carries the raw character: %q", s, err.Error())
			}
		}
	}
	for _, s := range []string{"Diwali Sale 🎉", "नमस्ते", "back\\slash", "quote's \"and\"", "👩\u200d💻 joiner"} {
		if err := input.Plain("campaign name", s, input.MaxNameLen); err != nil {
			t.Errorf("%q refused: %v", s, err)
		}
	}
}
