package campaign

import (
	"bytes"
	"testing"

	"github.com/inboxctl/inboxctl/internal/input"
)

// FuzzReadPhones: the recipient-file reader (plain lines or a CSV with a
// phone column) never panics, reports every phone in canonical form and
// numbers lines in increasing order.
func FuzzReadPhones(f *testing.F) {
	for _, s := range []string{
		"+919800000001\n# c\n\n+91 98000 00002\r\n",
		"name,phone\nA,+919800000001\n\"B, Jr\",+91-9800-000002\n",
		"\ufeffphone\n+919800000001\n",
		"phone,name\n\"unterminated,+919800000001\n",
		"name,city\nA,Pune\n",
		"+9198\x0000001\n\xff\n",
		"a,b\n1\n1,2,3\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		last := 0
		_ = readPhones(bytes.NewReader(data), func(line int, phone string, verr error) error {
			if line < last {
				t.Fatalf("line %d after line %d", line, last)
			}
			last = line
			if verr != nil {
				if phone != "" {
					t.Fatalf("line %d: bad line with phone %q", line, phone)
				}
				return nil
			}
			ref, err := input.ParsePhone(phone)
			if err != nil || ref.Phone != phone {
				t.Fatalf("line %d: reported phone %q is not canonical (%v)", line, phone, err)
			}
			return nil
		})
	})
}
