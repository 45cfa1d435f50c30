package redact_test

import (
	"strings"
	"testing"

	"github.com/inboxctl/inboxctl/internal/redact"
)

// TestDSN: every shape of connection string a user may write, well-formed
// or not, comes out with its password, and only its password, masked.
func TestDSN(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"postgres://bob:S3cret@db.example:5432/app?sslmode=verify-full", "postgres://bob:****@db.example:5432/app?sslmode=verify-full"},
		{"postgresql://bob:S3cret@db.example/app", "postgresql://bob:****@db.example/app"},
		{"POSTGRES://bob:S3cret@db.example/app", "POSTGRES://bob:****@db.example/app"},
		{" postgres://bob:S3cret@db.example/app", " postgres://bob:****@db.example/app"},
		{"\tpostgres://bob:S3cret@db.example/app", "\tpostgres://bob:****@db.example/app"},
		{"postgres:/bob:S3cret@db.example/x", "postgres:/bob:****@db.example/x"},
		{"postgres:bob:S3cret@db.example/x", "postgres:****@db.example/x"},
		{"//bob:S3cret@db.example/x", "//bob:****@db.example/x"},
		{"bob:S3cret@db.example/x", "bob:****@db.example/x"},
		{"postgres://bob:S%33cr%65t@db.example/app", "postgres://bob:****@db.example/app"},
		{"postgres://bob:p@ss/w:rd?#@db.example/app", "postgres://bob:****@db.example/app"},
		{"postgres://bob@db.example/app?password=S3cret&sslmode=require", "postgres://bob@db.example/app?password=****&sslmode=require"},
		{"postgres://bob@db.example/app?sslmode=require&PASSWORD=S3cret", "postgres://bob@db.example/app?sslmode=require&PASSWORD=****"},
		{"postgres://bob@db.example/app?pass%77ord=S3cret", "postgres://bob@db.example/app?pass%77ord=****"},
		{"host=db.example user=bob password=S3cret dbname=app", "host=db.example user=bob password=**** dbname=app"},
		{"host=db.example password = 'S3 c\\'ret' dbname=app", "host=db.example password = '****' dbname=app"},
		{"host=db.example password=S3\\ cret dbname=app", "host=db.example password=**** dbname=app"},
		{"host=db.example user=bob@corp password=S3cret", "host=db.example user=bob@corp password=****"},
		{"Password=S3cret host=db.example", "Password=**** host=db.example"},
		// Nothing to mask: left exactly as it is.
		{"postgres://bob@db.example:5432/app?sslmode=disable", "postgres://bob@db.example:5432/app?sslmode=disable"},
		{"host=/tmp dbname=app", "host=/tmp dbname=app"},
		{"", ""},
	} {
		if got := redact.DSN(c.in); got != c.want {
			t.Errorf("DSN(%q) = %q, want %q", c.in, got, c.want)
		}
		if got, want := redact.HasPassword(c.in), c.in != c.want; got != want {
			t.Errorf("HasPassword(%q) = %v, want %v", c.in, got, want)
		}
	}
}

// TestSecretsCoverEverySpelling: the secrets of a string include the
// password as written, decoded and re-encoded, and Text masks them in a
// message, with any quoted piece of them.
func TestSecretsCoverEverySpelling(t *testing.T) {
	dsn := "postgres://bob:p%40ss%22w0rd@db.example/app"
	secrets := redact.Secrets(dsn)
	for _, want := range []string{"p%40ss%22w0rd", `p@ss"w0rd`, `p@ss\"w0rd`} {
		found := false
		for _, s := range secrets {
			found = found || s == want
		}
		if !found {
			t.Errorf("Secrets(%q) = %q lacks %q", dsn, secrets, want)
		}
	}
	msg := `parse "postgres://bob:p%40ss%22w0rd@db.example/app": bad; user "p@ss\"w0rd"; escape "%40ss"; port ":5432"`
	got := redact.Text(msg, secrets...)
	for _, leak := range []string{"p%40ss", "w0rd", "%40ss"} {
		if strings.Contains(got, leak) {
			t.Errorf("Text left %q in %q", leak, got)
		}
	}
	if !strings.Contains(got, `":5432"`) {
		t.Errorf("Text masked a quoted piece that is no secret: %q", got)
	}
	if got := redact.Text("nothing secret here", nil...); got != "nothing secret here" {
		t.Errorf("Text without secrets changed the message: %q", got)
	}
}
