//go:build deployment

package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/inboxctl/inboxctl/internal/output"
)

// buildBinary builds inboxctl once for the tests: bench measures the real
// binary.
func buildBinary(t *testing.T) string {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	root := filepath.Join(filepath.Dir(file), "..", "..")
	bin := filepath.Join(t.TempDir(), "inboxctl")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// positive lists, per --only, the numbers each of its rows must carry
// ("unmark" names the mark-and-unmark operation)
// besides rows and seconds.
var positive = map[string]func(op string) []string{
	"startup": func(string) []string { return []string{"peak_rss_mib"} },
	"unmark":  func(string) []string { return []string{"baseline_seconds", "ratio", "rows_per_second", "peak_rss_mib"} },
	"import":  func(string) []string { return []string{"baseline_seconds", "ratio", "rows_per_second", "peak_rss_mib"} },
	"expire":  func(string) []string { return []string{"baseline_seconds", "ratio", "rows_per_second", "peak_rss_mib"} },
	"page": func(op string) []string {
		if strings.HasSuffix(op, "in-process") {
			return []string{"baseline_seconds", "ratio"}
		}
		return []string{"peak_rss_mib"}
	},
	"concurrency": func(string) []string { return []string{"rows_per_second", "peak_rss_mib"} },
	"pooler":      func(string) []string { return []string{"baseline_seconds", "ratio", "rows_per_second", "peak_rss_mib"} },
	"audience":    func(string) []string { return []string{"baseline_seconds", "ratio", "rows_per_second", "peak_rss_mib"} },
	"check":       func(string) []string { return []string{"baseline_seconds", "ratio", "peak_rss_mib"} },
	"complete":    func(string) []string { return []string{"peak_rss_mib"} },
	"standby":     func(string) []string { return []string{"baseline_seconds", "ratio", "peak_rss_mib"} },
	"rls": func(op string) []string {
		if strings.HasSuffix(op, "in-process") {
			return []string{"baseline_seconds", "ratio"}
		}
		return []string{"baseline_seconds", "ratio", "peak_rss_mib"}
	},
}

// TestBenchSmall runs operations at 2,000 users and checks that each
// produced its numbers in the -o json shape (no timing assertions).
func TestBenchSmall(t *testing.T) {
	bin := buildBinary(t)
	for only, want := range positive {
		t.Run(only, func(t *testing.T) {
			var progress bytes.Buffer
			reports, err := Run(context.Background(), Options{Users: []int{2000}, Only: only, Binary: bin, Progress: &progress, Runs: 1})
			if err != nil {
				t.Fatalf("Run: %v\n%s", err, progress.String())
			}
			if len(reports) != 1 || reports[0].Users != 2000 || len(reports[0].Results) == 0 {
				t.Fatalf("reports = %+v", reports)
			}
			if progress.Len() == 0 {
				t.Error("no progress on stderr")
			}
			var buf bytes.Buffer
			if err := Print(&buf, output.JSON, reports); err != nil {
				t.Fatal(err)
			}
			var doc map[string]any
			if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
				t.Fatalf("not one JSON document: %v\n%s", err, buf.String())
			}
			if doc["users"] != float64(2000) {
				t.Errorf("users = %v", doc["users"])
			}
			results, _ := doc["results"].([]any)
			if len(results) == 0 {
				t.Fatalf("no results: %s", buf.String())
			}
			for _, r := range results {
				row := r.(map[string]any)
				op, _ := row["operation"].(string)
				for _, k := range []string{"operation", "rows", "seconds", "baseline_seconds", "ratio", "rows_per_second", "peak_rss_mib"} {
					if _, ok := row[k]; !ok {
						t.Errorf("%s: no key %q", op, k)
					}
				}
				for _, k := range append([]string{"rows", "seconds"}, want(op)...) {
					if v, ok := row[k].(float64); !ok || v <= 0 {
						t.Errorf("%s: %s = %v, want a positive number (%v)", op, k, row[k], row["detail"])
					}
				}
				if row["met"] == nil {
					t.Errorf("%s: no verdict: %v", op, row["detail"])
				}
				// Not a timing: errors shown, rules broken and batches off
				// their file under concurrency, direct and through the pooler.
				if only == "concurrency" && row["met"] != true {
					t.Errorf("%s: %v", op, row["detail"])
				}
				if detail, _ := row["detail"].(string); only == "pooler" &&
					(strings.Count(detail, " 0 errors,") != 2 || strings.Count(detail, " 0 rule violations, 0 of ") != 2) {
					t.Errorf("%s: %v", op, row["detail"])
				}
			}
		})
	}
}
