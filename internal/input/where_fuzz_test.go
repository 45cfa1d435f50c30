package input_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/inboxctl/inboxctl/internal/input"
)

// FuzzParseWhere: never panics; every accepted --where TRAIT=VALUE lands in
// the segment as the trimmed trait name and the exact value after the first
// '=', within the documented limits; a trait named twice with different
// values is refused.
//
//	go test -run '^$' -fuzz FuzzParseWhere -fuzztime 3m ./internal/input
func FuzzParseWhere(f *testing.F) {
	for _, w := range [][2]string{
		{"city=Pune", "tier=gold"},
		{"city=Pune", "city=Delhi"},
		{"city=Pune", "city=Pune"},
		{" city =a=b", "x="},
		{"=Pune", "noequals"},
		{"Marked as Spam=Yes", "ключ=значение 😀"},
		{"k\x00=v", "k=\xff"},
		{"'); DROP TABLE users; --=1", `a"b\c=d'e`},
	} {
		f.Add(w[0], w[1])
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		where := []string{a, b}
		seg, err := input.ParseWhere(where)
		if err != nil {
			oneSentence(t, "ParseWhere", err)
			return
		}
		want := map[string]string{}
		for _, w := range where {
			k, v, ok := strings.Cut(w, "=")
			k = strings.TrimSpace(k)
			if !ok || k == "" {
				t.Fatalf("%q accepted without TRAIT=", w)
			}
			if old, dup := want[k]; dup && old != v {
				t.Fatalf("%q: trait %q given %q and %q, accepted", where, k, old, v)
			}
			want[k] = v
		}
		if len(seg) != len(want) {
			t.Fatalf("%q: segment %v, want %v", where, seg, want)
		}
		for k, v := range want {
			if seg[k] != v {
				t.Fatalf("%q: segment %v, want %v", where, seg, want)
			}
			for _, s := range []string{k, v} {
				if !utf8.ValidString(s) || strings.IndexByte(s, 0) >= 0 {
					t.Fatalf("%q: accepted invalid text %q", where, s)
				}
			}
			if utf8.RuneCountInString(k) > input.MaxTraitKey || utf8.RuneCountInString(v) > input.MaxTraitValue {
				t.Fatalf("%q: accepted over-long %q=%q", where, k, v)
			}
		}
	})
}
