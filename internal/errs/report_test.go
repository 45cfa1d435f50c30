package errs_test

import (
	"bytes"
	"testing"

	"github.com/inboxctl/inboxctl/internal/errs"
)

// TestReportIsTerminalSafe: an error that quotes what somebody stored (an
// agent email with an OSC title, a name with an 8-bit CSI or a
// right-to-left override) reaches stderr escaped, the secret masked, line
// breaks kept.
func TestReportIsTerminalSafe(t *testing.T) {
	var b bytes.Buffer
	e := errs.Refusedf("Cannot assign this chat: the user is marked as spam by evil\x1b]0;hi\a@x.test.").
		WithDetails("name \u009b31mred\u202eexe.txt", "url postgres://bob:S3cret@db/x\r")
	errs.Report(&b, e, "S3cret")
	want := "Error: Cannot assign this chat: the user is marked as spam by evil\\x1b]0;hi\\x07@x.test.\n" +
		"  name \\u009b31mred\\u202eexe.txt\n" +
		"  url postgres://bob:****@db/x\\r\n"
	if b.String() != want {
		t.Fatalf("Report wrote\n%q\nwant\n%q", b.String(), want)
	}
	var s errs.Spool
	if err := s.Add("line 3: \x1b[2J"); err != nil {
		t.Fatal(err)
	}
	b.Reset()
	if err := s.WriteTo(&b, "  "); err != nil || b.String() != "  line 3: \\x1b[2J\n" {
		t.Fatalf("spool wrote %q, %v", b.String(), err)
	}
}
