package reliability

import (
	"bytes"
	"io"
	"strings"
	"testing"

	"github.com/inboxctl/inboxctl/internal/bench"
	"github.com/inboxctl/inboxctl/internal/seed"
)

// hostileFile streams head, then n bytes of fill (a line break every
// every bytes, none if 0), then tail, holding none of it: a file of any
// size at the cost of one small buffer.
type hostileFile struct {
	head, tail []byte
	fill       byte
	every      int64
	n, sent    int64
}

func (h *hostileFile) Read(p []byte) (int, error) {
	switch {
	case len(h.head) > 0:
		k := copy(p, h.head)
		h.head = h.head[k:]
		return k, nil
	case h.sent < h.n:
		k := int64(len(p))
		k = min(k, h.n-h.sent)
		for i := range k {
			p[i] = h.fill
			if h.every > 0 && (h.sent+i+1)%h.every == 0 {
				p[i] = '\n'
			}
		}
		h.sent += k
		return int(k), nil
	case len(h.tail) > 0:
		k := copy(p, h.tail)
		h.tail = h.tail[k:]
		return k, nil
	}
	return 0, io.EOF
}

const hostileMB = 100

// TestHostileFilesKeepMemoryFlat feeds each reader of files a 100 MB field
// or line, streamed, to the built binary: user import (a CSV field, and a
// quoted field of short lines), campaign check --recipients (a CSV field,
// a plain line) and spam mark -f (a line). Each exits 2 naming the line
// where the field starts, changes nothing, and its peak RSS, measured as
// the bench measures it, stays under 64 MiB.
func TestHostileFilesKeepMemoryFlat(t *testing.T) {
	t.Parallel()
	d := newDemo(t, 4)
	const size = hostileMB << 20
	csvField := func() io.Reader {
		return &hostileFile{head: []byte("phone,name\n+919800000001,ok\n+919800000002,"), fill: 'x', n: size, tail: []byte("\n")}
	}
	cases := []struct {
		name string
		args []string
		file io.Reader
		line string
	}{
		{"user import, a CSV field", []string{"user", "import", "-f", "-"}, csvField(), "line 3"},
		{"user import, a quoted field of short lines", []string{"user", "import", "-f", "-"},
			&hostileFile{head: []byte("phone,name\n+919800000001,\"x"), fill: 'x', every: 80, n: size, tail: []byte("\"\n")}, "line 2"},
		{"campaign check, a CSV field", []string{"campaign", "check", "--recipients", "-"}, csvField(), "line 3"},
		{"campaign check, a plain line", []string{"campaign", "check", "--recipients", "-"},
			&hostileFile{head: []byte("+919800000001\n# a comment\n"), fill: '9', n: size, tail: []byte("\n")}, "line 3"},
		{"spam mark, a refs line", []string{"spam", "mark", "-f", "-", "--yes"},
			&hostileFile{head: []byte("+919800000001\n"), fill: '9', n: size}, "line 2"},
	}
	for _, c := range cases {
		cmd := command(t, d.env("INBOXCTL_AGENT="+seed.Owner), c.args...)
		var out, errb bytes.Buffer
		cmd.Stdin, cmd.Stdout, cmd.Stderr = c.file, &out, &errb
		m, err := bench.Measure(bin, cmd)
		if err != nil {
			t.Fatalf("%s: %v\n%s", c.name, err, errb.String())
		}
		t.Logf("%s: exit %d, peak RSS %.1f MiB in %v", c.name, m.Code, float64(m.PeakKiB)/1024, m.Wall)
		if m.Code != 2 || !strings.Contains(errb.String(), c.line+": longer than 65536 bytes (64 KiB)") {
			t.Errorf("%s: want exit 2 naming %s:\nexit %d\n%s%s", c.name, c.line, m.Code, out.String(), errb.String())
		}
		if lines := strings.Count(errb.String(), "\n"); lines != 1 {
			t.Errorf("%s: want one sentence, got %d lines:\n%s", c.name, lines, errb.String())
		}
		if m.PeakKiB >= 64<<10 {
			t.Errorf("%s: peak RSS %.1f MiB, want under 64 MiB", c.name, float64(m.PeakKiB)/1024)
		}
	}
	if n := d.count(t, `SELECT count(*) FROM users WHERE spam OR name = 'ok'`); n != 0 {
		t.Fatalf("%d users changed by files that were refused", n)
	}
}
