package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
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

// TestBenchSmall runs a few operations at 2,000 users and checks that each
// produced its numbers in SPEC §5's JSON shape (no timing assertions).
func TestBenchSmall(t *testing.T) {
	bin := buildBinary(t)
	for _, only := range []string{"unmark", "import", "startup"} {
		t.Run(only, func(t *testing.T) {
			var progress bytes.Buffer
			reports, err := Run(context.Background(), Options{Users: []int{2000}, Only: only, Binary: bin, Progress: &progress})
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
				for _, k := range []string{"operation", "rows", "seconds", "baseline_seconds", "ratio", "rows_per_second", "peak_rss_mib"} {
					if _, ok := row[k]; !ok {
						t.Errorf("%v: no key %q", row["operation"], k)
					}
				}
				for _, k := range []string{"rows", "seconds", "peak_rss_mib"} {
					if v, ok := row[k].(float64); !ok || v <= 0 {
						t.Errorf("%v: %s = %v, want a positive number", row["operation"], k, row[k])
					}
				}
				if row["met"] == nil {
					t.Errorf("%v: no verdict: %v", row["operation"], row["detail"])
				}
				if only != "startup" {
					for _, k := range []string{"baseline_seconds", "ratio", "rows_per_second"} {
						if v, ok := row[k].(float64); !ok || v <= 0 {
							t.Errorf("%v: %s = %v, want a positive number", row["operation"], k, row[k])
						}
					}
				}
			}
		})
	}
}

func TestRunRefusesUnknownOperation(t *testing.T) {
	_, err := Run(context.Background(), Options{Users: []int{2000}, Only: "nope", Binary: os.Args[0]})
	if err == nil {
		t.Fatal("no error for --only nope")
	}
}
