package input_test

import (
	"testing"

	"github.com/inboxctl/inboxctl/internal/input"
)

// TestParseRef holds ParseRef to exact results: the normalised phone or id,
// or the exact sentence of the refusal.
func TestParseRef(t *testing.T) {
	cases := []struct {
		in      string
		by      input.By
		phone   string
		id      int64
		wantErr string
	}{
		// Phones: E.164, punctuation ignored.
		{in: "+919800000001", by: input.ByAuto, phone: "+919800000001"},
		{in: "+91 98000 00001", by: input.ByAuto, phone: "+919800000001"},
		{in: "+91-9800-000001", by: input.ByAuto, phone: "+919800000001"},
		{in: "+91.98000.00001", by: input.ByAuto, phone: "+919800000001"},
		{in: "+91 (98000) 00001", by: input.ByAuto, phone: "+919800000001"},
		{in: "+1 (415) 555-0100", by: input.ByAuto, phone: "+14155550100"},
		{in: "+(((9)))1-9.8 000-000.01", by: input.ByAuto, phone: "+919800000001"},
		// 8 and 15 digits are the bounds.
		{in: "+12345678", by: input.ByAuto, phone: "+12345678"},
		{in: "+123456789012345", by: input.ByAuto, phone: "+123456789012345"},
		{in: "+1 234 567 890 123 45", by: input.ByAuto, phone: "+123456789012345"},
		{in: "+1234567", by: input.ByAuto, wantErr: `"+1234567" is not a phone: E.164 has 8 to 15 digits, this has 7`},
		{in: "+1234567890123456", by: input.ByAuto, wantErr: `"+1234567890123456" is not a phone: E.164 has 8 to 15 digits, this has 16`},
		{in: "+1-234-567", by: input.ByAuto, wantErr: `"+1-234-567" is not a phone: E.164 has 8 to 15 digits, this has 7`},
		{in: "+", by: input.ByAuto, wantErr: `"+" is not a phone: E.164 has 8 to 15 digits, this has 0`},
		{in: "+ - . ( )", by: input.ByAuto, wantErr: `"+ - . ( )" is not a phone: E.164 has 8 to 15 digits, this has 0`},
		// Anything else in a phone is refused, by name.
		{in: "+91 98000 0000a", by: input.ByAuto, wantErr: `"+91 98000 0000a" is not a phone: unexpected 'a'`},
		{in: "++919800000001", by: input.ByAuto, wantErr: `"++919800000001" is not a phone: unexpected '+'`},
		{in: "+91980000000+1", by: input.ByAuto, wantErr: `"+91980000000+1" is not a phone: unexpected '+'`},
		{in: "+91/9800000001", by: input.ByAuto, wantErr: `"+91/9800000001" is not a phone: unexpected '/'`},
		{in: "+91\t9800000001", by: input.ByAuto, wantErr: `"+91\t9800000001" is not a phone: unexpected '\t'`},
		{in: "+91\u00a09800000001", by: input.ByAuto, wantErr: `"+91\u00a09800000001" is not a phone: unexpected '\u00a0'`},
		{in: "+９１９８００００００01", by: input.ByAuto, wantErr: `"+９１９８００００００01" is not a phone: unexpected '９'`},
		// Ids.
		{in: "42", by: input.ByAuto, id: 42},
		{in: "1", by: input.ByAuto, id: 1},
		{in: "007", by: input.ByAuto, id: 7},
		{in: "919800000001", by: input.ByAuto, id: 919800000001},
		{in: "9223372036854775807", by: input.ByAuto, id: 9223372036854775807},
		{in: "9223372036854775808", by: input.ByAuto, wantErr: `"9223372036854775808" is not a valid user id`},
		{in: "0", by: input.ByAuto, wantErr: `"0" is not a valid user id`},
		{in: "000", by: input.ByAuto, wantErr: `"000" is not a valid user id`},
		// Neither.
		{in: "-1", by: input.ByAuto, wantErr: `"-1" is neither a phone (+ then 8-15 digits) nor a numeric user id`},
		{in: "4 2", by: input.ByAuto, wantErr: `"4 2" is neither a phone (+ then 8-15 digits) nor a numeric user id`},
		{in: "98000-00001", by: input.ByAuto, wantErr: `"98000-00001" is neither a phone (+ then 8-15 digits) nor a numeric user id`},
		{in: "abc", by: input.ByAuto, wantErr: `"abc" is neither a phone (+ then 8-15 digits) nor a numeric user id`},
		{in: "１２３", by: input.ByAuto, wantErr: `"１２３" is neither a phone (+ then 8-15 digits) nor a numeric user id`},
		{in: "1; DROP TABLE users", by: input.ByAuto, wantErr: `"1; DROP TABLE users" is neither a phone (+ then 8-15 digits) nor a numeric user id`},
		{in: "+1234567890123456789012345678901234567890123", by: input.ByAuto,
			wantErr: `"+123456789012345678901234567890123456789…" is not a phone: E.164 has 8 to 15 digits, this has 43`},
		// Whitespace around a ref is trimmed; a blank ref is refused.
		{in: "  +919800000001  ", by: input.ByAuto, phone: "+919800000001"},
		{in: "\t+91 98000 00001\r\n", by: input.ByAuto, phone: "+919800000001"},
		{in: " 42\t", by: input.ByAuto, id: 42},
		{in: "", by: input.ByAuto, wantErr: "empty ref"},
		{in: " \t\r\n", by: input.ByAuto, wantErr: "empty ref"},
		{in: "", by: input.ByPhone, wantErr: "empty ref"},
		{in: "", by: input.ByID, wantErr: "empty ref"},
		{in: "4\x002", by: input.ByAuto, wantErr: "ref is not valid UTF-8 text"},
		{in: "+91\xff9800000001", by: input.ByAuto, wantErr: "ref is not valid UTF-8 text"},
		// --by phone: every ref is a phone (the + may be omitted); an
		// id-looking ref is too short to be one.
		{in: "+919800000001", by: input.ByPhone, phone: "+919800000001"},
		{in: "919800000001", by: input.ByPhone, phone: "+919800000001"},
		{in: " 91 (98000) 00001 ", by: input.ByPhone, phone: "+919800000001"},
		{in: "42", by: input.ByPhone, wantErr: `"42" is not a phone: E.164 has 8 to 15 digits, this has 2`},
		{in: "1234567", by: input.ByPhone, wantErr: `"1234567" is not a phone: E.164 has 8 to 15 digits, this has 7`},
		{in: "abc", by: input.ByPhone, wantErr: `"abc" is not a phone: unexpected 'a'`},
		// --by id: every ref is an id; a phone is refused.
		{in: "42", by: input.ByID, id: 42},
		{in: "919800000001", by: input.ByID, id: 919800000001},
		{in: "+919800000001", by: input.ByID, wantErr: `"+919800000001" is not a numeric user id`},
		{in: "+91 98000 00001", by: input.ByID, wantErr: `"+91 98000 00001" is not a numeric user id`},
		{in: "4-2", by: input.ByID, wantErr: `"4-2" is not a numeric user id`},
		{in: "0", by: input.ByID, wantErr: `"0" is not a valid user id`},
	}
	for _, c := range cases {
		got, err := input.ParseRef(c.in, c.by)
		if c.wantErr != "" {
			if err == nil || err.Error() != c.wantErr {
				t.Errorf("ParseRef(%q, %s) = %+v, %v; want error %s", c.in, c.by, got, err, c.wantErr)
			}
			continue
		}
		want := input.Ref{Phone: c.phone, ID: c.id}
		if err != nil || got != want {
			t.Errorf("ParseRef(%q, %s) = %+v, %v; want %+v", c.in, c.by, got, err, want)
		}
	}
}

// TestParsePhone: the phone normaliser user import and campaign check use
// directly; the leading + is optional.
func TestParsePhone(t *testing.T) {
	cases := []struct{ in, want, wantErr string }{
		{in: "+919800000001", want: "+919800000001"},
		{in: "919800000001", want: "+919800000001"},
		{in: " +91 (98000) 000-01 ", want: "+919800000001"},
		{in: "98.00.00.00", want: "+98000000"},
		{in: "9800000", wantErr: `"9800000" is not a phone: E.164 has 8 to 15 digits, this has 7`},
		{in: "1234567890123456", wantErr: `"1234567890123456" is not a phone: E.164 has 8 to 15 digits, this has 16`},
		{in: "", wantErr: `"" is not a phone: E.164 has 8 to 15 digits, this has 0`},
		{in: "+91_9800000001", wantErr: `"+91_9800000001" is not a phone: unexpected '_'`},
	}
	for _, c := range cases {
		got, err := input.ParsePhone(c.in)
		if c.wantErr != "" {
			if err == nil || err.Error() != c.wantErr {
				t.Errorf("ParsePhone(%q) = %+v, %v; want error %s", c.in, got, err, c.wantErr)
			}
			continue
		}
		if err != nil || got != (input.Ref{Phone: c.want}) {
			t.Errorf("ParsePhone(%q) = %+v, %v; want %s", c.in, got, err, c.want)
		}
	}
}

func TestParseBy(t *testing.T) {
	for _, s := range []string{"auto", "phone", "id"} {
		if by, err := input.ParseBy(s); err != nil || string(by) != s {
			t.Errorf("ParseBy(%q) = %q, %v", s, by, err)
		}
	}
	for s, want := range map[string]string{
		"":       `--by must be auto, phone or id, not ""`,
		"Phone":  `--by must be auto, phone or id, not "Phone"`,
		"ids":    `--by must be auto, phone or id, not "ids"`,
		" id":    `--by must be auto, phone or id, not " id"`,
		"e164":   `--by must be auto, phone or id, not "e164"`,
		"phone,": `--by must be auto, phone or id, not "phone,"`,
	} {
		if by, err := input.ParseBy(s); err == nil || err.Error() != want {
			t.Errorf("ParseBy(%q) = %q, %v; want error %s", s, by, err, want)
		}
	}
}

// TestRefString: a parsed ref prints in its canonical form.
func TestRefString(t *testing.T) {
	for _, c := range []struct {
		ref  input.Ref
		want string
	}{
		{input.Ref{Phone: "+919800000001"}, "+919800000001"},
		{input.Ref{ID: 42}, "42"},
	} {
		if got := c.ref.String(); got != c.want {
			t.Errorf("%+v.String() = %q, want %q", c.ref, got, c.want)
		}
	}
}
