// Package golden is the tests' one golden-file mechanism: expected output
// lives in txtar archives, as the end-to-end scripts' does
// (testdata/script/*.txtar), and one -update flag rewrites both.
//
// An archive under testdata/golden holds one file per case; Check compares
// a test's output with its file. Only tests import this package.
package golden

import (
	"bytes"
	"flag"
	"os"
	"sync"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"
)

// Update is -update: rewrite the golden files (Check's archives, and the
// scripts' golden output where a test passes it to testscript).
var Update = flag.Bool("update", false, "rewrite the golden files: testdata/golden/*.txtar and the golden output in testdata/script/*.txtar")

// mu orders the rewrites of one test binary's parallel tests.
var mu sync.Mutex

// Check compares got with the file name of the txtar archive at path; with
// -update it writes got there instead. A file of an archive ends with a
// newline, so got must too.
func Check(t testing.TB, path, name string, got []byte) {
	t.Helper()
	if len(got) > 0 && got[len(got)-1] != '\n' {
		t.Fatalf("%s: output without a final newline cannot be a golden file:\n%s", name, got)
	}
	mu.Lock()
	defer mu.Unlock()
	a, err := txtar.ParseFile(path)
	if err != nil && !(*Update && os.IsNotExist(err)) {
		t.Fatalf("%v (run the test with -update to write it)", err)
	}
	if a == nil {
		a = &txtar.Archive{}
	}
	for i, f := range a.Files {
		if f.Name != name {
			continue
		}
		if *Update {
			a.Files[i].Data = got
			write(t, path, a)
			return
		}
		if !bytes.Equal(got, f.Data) {
			t.Fatalf("%s of %s differs:\n--- got\n%s--- want\n%s", name, path, got, f.Data)
		}
		return
	}
	if !*Update {
		t.Fatalf("%s has no file %s (run the test with -update to add it)", path, name)
	}
	a.Files = append(a.Files, txtar.File{Name: name, Data: got})
	write(t, path, a)
}

func write(t testing.TB, path string, a *txtar.Archive) {
	t.Helper()
	if err := os.WriteFile(path, txtar.Format(a), 0o644); err != nil {
		t.Fatal(err)
	}
}
