package bench

import (
	"fmt"
	"io"
	"strconv"

	"github.com/inboxctl/inboxctl/internal/output"
)

// Columns of the table, in the order of the -o json fields, then the target
// and verdict.
var columns = output.Cols("operation", "rows", "seconds", "baseline_seconds", "ratio", "rows_per_second", "peak_rss_mib", "target", "met", "detail")

// Print writes the reports: for json one document (an array when several
// sizes were measured), otherwise a list per size under a title line.
func Print(w io.Writer, format output.Format, reports []Report) error {
	p := &output.Printer{Out: w, Format: format}
	if format == output.JSON || format == output.NDJSON {
		if len(reports) == 1 {
			return p.JSON(reports[0])
		}
		return p.JSON(reports)
	}
	for i, rep := range reports {
		if format == output.Table {
			if i > 0 {
				fmt.Fprintln(w)
			}
			fmt.Fprintf(w, "%s users\n", count(int64(rep.Users)))
		}
		l := p.List(columns)
		for _, x := range rep.Results {
			var rows any
			if x.Rows != nil {
				rows = *x.Rows
			}
			if err := l.Row(x.Operation, rows, secsOf(x.Seconds), secsOf(x.BaselineSeconds), num(x.Ratio, 2),
				num(x.RowsPerSecond, 0), num(x.PeakRSSMiB, 1), x.Target, verdict(x.Met), x.Detail); err != nil {
				return err
			}
		}
		if err := l.Close(); err != nil {
			return err
		}
	}
	return nil
}

func verdict(met *bool) string {
	switch {
	case met == nil:
		return "-"
	case *met:
		return "met"
	}
	return "MISSED"
}

func num(v *float64, prec int) string {
	if v == nil {
		return ""
	}
	return strconv.FormatFloat(*v, 'f', prec, 64)
}

func secsOf(v *float64) string {
	if v == nil {
		return ""
	}
	return secs(*v)
}

// secs shows short times to a tenth of a millisecond.
func secs(s float64) string {
	if s < 10 {
		return strconv.FormatFloat(s, 'f', 4, 64)
	}
	return strconv.FormatFloat(s, 'f', 2, 64)
}
