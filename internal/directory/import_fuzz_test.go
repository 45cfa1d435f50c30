package directory

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/inboxctl/inboxctl/internal/errs"
	"github.com/inboxctl/inboxctl/internal/input"
	"github.com/inboxctl/inboxctl/internal/rules"
)

var e164 = regexp.MustCompile(`^\+[0-9]{8,15}$`)

// FuzzImportCSV drives the user importer's header and row parsing (the
// code ImportUsers streams into COPY) with arbitrary bytes: it never
// panics; a bad header is a usage error or a refusal in one sentence; every
// row comes out once, valid or not, in line order; a valid row is an E.164
// phone, a name within its limit, and traits that are exactly the row's
// non-empty cells under the header's trait names.
//
//	go test -run '^$' -fuzz FuzzImportCSV -fuzztime 3m ./internal/directory
func FuzzImportCSV(f *testing.F) {
	for _, s := range []string{
		"phone,name,city\n+919800000001,Asha,Pune\n",
		"phone,name\na\"b,x\n+919800000002,ok\n",
		"phone,name,city\n\"+919800000001\",\"multi\nline\",\n",
		"phone,name,Marked as Spam\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		rows, err := openCSV(bytes.NewReader(data))
		if err != nil {
			if c := errs.ExitCode(err); c != errs.Usage && c != errs.Refused {
				t.Fatalf("header error %v exits %d", err, c)
			}
			if msg := err.Error(); !utf8.ValidString(msg) || strings.ContainsAny(msg, "\n\r\x00") {
				t.Fatalf("header error is not one line: %q", msg)
			}
			return
		}
		for _, k := range rows.traitKeys {
			if err := input.TraitKey(k); err != nil || k != strings.TrimSpace(k) || strings.EqualFold(k, rules.SpamTrait) {
				t.Fatalf("trait column %q accepted (%v)", k, err)
			}
		}
		// The plain encoding/csv reader, in step, tells what each row held.
		ref := csv.NewReader(bytes.NewReader(data))
		ref.FieldsPerRecord = -1
		if _, err := ref.Read(); err != nil {
			t.Fatalf("header accepted, but the plain reader says %v", err)
		}
		last := 1
		err = rows.each(func(line int, phone, name string, traits []byte, bad error) error {
			if line <= last {
				t.Fatalf("line %d after line %d", line, last)
			}
			last = line
			if bad != nil {
				if _, err := ref.Read(); err != nil && errors.Is(err, io.EOF) {
					t.Fatalf("line %d: a bad row the plain reader does not see", line)
				}
				if msg := bad.Error(); !utf8.ValidString(msg) || strings.ContainsAny(msg, "\n\r\x00") {
					t.Fatalf("line %d: error is not one line: %q", line, msg)
				}
				return nil
			}
			if !e164.MatchString(phone) {
				t.Fatalf("line %d: phone %q", line, phone)
			}
			if err := input.Text("name", name, input.MaxNameLen); err != nil {
				t.Fatalf("line %d: name %q accepted: %v", line, name, err)
			}
			rec, err := ref.Read()
			if err != nil || len(rec) != 2+len(rows.traitKeys) {
				t.Fatalf("line %d: accepted, but the plain reader gives %q, %v", line, rec, err)
			}
			if want, err := input.ParsePhone(rec[0]); err != nil || want.Phone != phone || rec[1] != name {
				t.Fatalf("line %d: %q, %q from %q", line, phone, name, rec)
			}
			var got map[string]string
			if err := json.Unmarshal(traits, &got); err != nil {
				t.Fatalf("line %d: traits %s: %v", line, traits, err)
			}
			want := map[string]string{}
			for i, k := range rows.traitKeys {
				if v := rec[2+i]; v != "" {
					want[k] = v
					if input.Text("v", v, input.MaxTraitValue) != nil {
						t.Fatalf("line %d: trait value %q accepted", line, v)
					}
				}
			}
			if !maps.Equal(got, want) {
				t.Fatalf("line %d: traits %v, want %v", line, got, want)
			}
			return nil
		})
		if err != nil {
			t.Fatalf("in-memory CSV: %v", err)
		}
	})
}
