package campaign_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/inboxctl/inboxctl/internal/campaign"
	"github.com/inboxctl/inboxctl/internal/errs"
)

// Every line of a recipient file that is not a phone is reported with its
// number, in order, however many there are; one phone a line and CSV alike.
func TestCheckReportsEveryBadLine(t *testing.T) {
	ctx := context.Background()
	fx := newFixture(t, 10)
	const bad = 1800
	for name, header := range map[string]string{"lines": "", "csv": "name,phone\n"} {
		t.Run(name, func(t *testing.T) {
			var in strings.Builder
			in.WriteString(header)
			first := 1 + strings.Count(header, "\n")
			for i := 0; i < bad; i++ {
				if header == "" {
					fmt.Fprintf(&in, "+9198%08d\nnot a phone %d\n", i, i)
				} else {
					fmt.Fprintf(&in, "a,+9198%08d\nb,not a phone %d\n", i, i)
				}
			}
			_, err := campaign.Check(ctx, fx.db, fx.org.ID, campaign.CheckRequest{Recipients: strings.NewReader(in.String())})
			var report bytes.Buffer
			errs.Report(&report, err)
			lines := strings.Split(strings.TrimSuffix(report.String(), "\n"), "\n")
			if errs.ExitCode(err) != errs.Usage || lines[0] != fmt.Sprintf("Error: %d line(s) of the recipient file are not phones; nothing was checked.", bad) {
				t.Fatalf("check of a bad file: %v", err)
			}
			if len(lines)-1 != bad {
				t.Fatalf("%d bad lines listed, want %d", len(lines)-1, bad)
			}
			for i, l := range lines[1:] {
				if want := fmt.Sprintf("  line %d: ", first+1+2*i); !strings.HasPrefix(l, want) {
					t.Fatalf("bad line %d listed as %q, want %q...", i, l, want)
				}
			}
		})
	}
}

// A recipient CSV may start with # comments before its header.
func TestCheckCSVAfterComments(t *testing.T) {
	ctx := context.Background()
	fx := newFixture(t, 10)
	fx.mark(t, "7")
	in := "# exported 2026-11-25\n# by the sender\nname,phone\nA,+919800000001\nB,+919800000007\n"
	res, err := campaign.Check(ctx, fx.db, fx.org.ID, campaign.CheckRequest{Recipients: strings.NewReader(in)})
	if err != nil || res.OK || res.Checked != 2 || len(res.Offenders) != 1 || res.Offenders[0].UserID != 7 {
		t.Fatalf("check of a CSV after comments: %+v, %v", res, err)
	}
}
