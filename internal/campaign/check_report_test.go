package campaign_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/inboxctl/inboxctl/internal/campaign"
	"github.com/inboxctl/inboxctl/internal/errs"
)

// TestCheckListsEveryBadLine: a recipient file with 200 lines that are not
// phones, one a line or as CSV, has every one reported in line order —
// streamed to OnBadLine (the error then holds none), or else in the error's
// details.
func TestCheckListsEveryBadLine(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	fx := newFixture(t, 3)
	var lines, csv strings.Builder
	csv.WriteString("name,phone\n")
	var wantLines, wantCSV []string
	for i := 1; i <= 400; i++ {
		if i%2 == 1 {
			fmt.Fprintf(&lines, "+9198%08d\n", i)
			fmt.Fprintf(&csv, "N%d,+9198%08d\n", i, i)
			continue
		}
		fmt.Fprintf(&lines, "x%d\n", i)
		wantLines = append(wantLines, fmt.Sprintf(`line %d: "x%d" is not a phone: unexpected 'x'`, i, i))
		fmt.Fprintf(&csv, "N%d,%d\n", i, i)
		wantCSV = append(wantCSV, fmt.Sprintf(`line %d: "%d" is not a phone: E.164 has 8 to 15 digits, this has %d`, i+1, i, len(fmt.Sprint(i))))
	}
	for _, c := range []struct {
		name, file string
		want       []string
	}{{"lines", lines.String(), wantLines}, {"csv", csv.String(), wantCSV}} {
		var streamed []string
		_, err := campaign.Check(ctx, fx.db, fx.org.ID, campaign.CheckRequest{Recipients: strings.NewReader(c.file),
			OnBadLine: func(d string) error { streamed = append(streamed, d); return nil }})
		var e *errs.Error
		if !errors.As(err, &e) || e.Code != errs.Usage || len(e.Details) != 0 ||
			e.Msg != "200 line(s) of the recipient file are not phones; nothing was checked." {
			t.Fatalf("%s, streamed: %#v", c.name, err)
		}
		if strings.Join(streamed, "\n") != strings.Join(c.want, "\n") {
			t.Fatalf("%s, streamed: %d lines, want %d; first %q", c.name, len(streamed), len(c.want), streamed[:min(3, len(streamed))])
		}
		_, err = campaign.Check(ctx, fx.db, fx.org.ID, campaign.CheckRequest{Recipients: strings.NewReader(c.file)})
		if !errors.As(err, &e) || strings.Join(e.Details, "\n") != strings.Join(c.want, "\n") {
			t.Fatalf("%s, details: %#v", c.name, err)
		}
	}
}
