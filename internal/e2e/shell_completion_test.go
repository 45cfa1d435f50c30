//go:build deployment

package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/inboxctl/inboxctl/internal/testdb"
)

// bashCompletion is the bash-completion package's library, which cobra's
// bash script needs (as users' shells have it).
const bashCompletion = "/usr/share/bash-completion/bash_completion"

// Tab completion in real shells, with the scripts of completions/, against
// a seeded database: what an admin at a bash or fish prompt gets.
func TestTabCompletionInBashAndFish(t *testing.T) {
	// A deployment test (README "Development"): it needs the real shells,
	// which .ci/run installs.
	_, noBash := os.Stat(bashCompletion)
	_, noFish := exec.LookPath("fish")
	if noBash != nil || noFish != nil {
		t.Fatal("real bash with bash-completion and fish are not installed (apt-get install bash-completion fish; .ci/run installs them)")
	}
	url := testdb.URL(t)
	env := append(os.Environ(), "INBOXCTL_DATABASE_URL="+url, "PATH="+binDir+string(os.PathListSeparator)+os.Getenv("PATH"))
	seed := exec.Command(filepath.Join(binDir, "inboxctl"), "db", "seed", "--demo")
	seed.Env = env
	if out, err := seed.CombinedOutput(); err != nil {
		t.Fatalf("seed: %v\n%s", err, out)
	}
	bash := func(line string) []string {
		t.Helper()
		// COMP_WORDS as bash splits the line; a trailing space starts a new word.
		words := strings.Fields(line)
		if strings.HasSuffix(line, " ") {
			words = append(words, "")
		}
		quoted := make([]string, len(words))
		for i, w := range words {
			quoted[i] = "'" + w + "'"
		}
		script := `source ` + repoRoot + `/completions/inboxctl.bash 2>/dev/null || exit 9
source ` + bashCompletion + `
COMP_WORDS=(` + strings.Join(quoted, " ") + `); COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
COMP_LINE='` + line + `'; COMP_POINT=${#COMP_LINE}
__start_inboxctl 2>/dev/null
printf '%s\n' "${COMPREPLY[@]}"`
		cmd := exec.Command("bash", "--norc", "--noprofile", "-c", script)
		cmd.Env = env
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("bash completion of %q: %v\n%s", line, err, out)
		}
		return strings.Fields(string(out))
	}
	fish := func(line string) []string {
		t.Helper()
		cmd := exec.Command("fish", "--no-config", "-c", "source "+repoRoot+"/completions/inboxctl.fish; complete -C '"+line+"'")
		cmd.Env = env
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("fish completion of %q: %v\n%s", line, err, out)
		}
		var got []string
		for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			got = append(got, strings.SplitN(l, "\t", 2)[0]) // fish prints "candidate\tdescription"
		}
		return got
	}
	phones := []string{"+919800000010", "+919800000011", "+919800000012", "+919800000013", "+919800000014",
		"+919800000015", "+919800000016", "+919800000017", "+919800000018", "+919800000019"}
	for _, tc := range []struct {
		shell string
		run   func(string) []string
		line  string
		want  []string
	}{
		{"bash", bash, "inboxctl spam mark +91980000001", phones},
		{"bash", bash, "inboxctl inbox list --folder ", []string{"all", "you", "unassigned", "spam"}},
		{"bash", bash, "inboxctl chat assign +919800000007 --to a", []string{"asha@demo.test"}},
		{"bash", bash, "inboxctl spa", []string{"spam"}},
		{"fish", fish, "inboxctl spam mark +91980000001", phones},
		{"fish", fish, "inboxctl campaign audience ", []string{"Diwali Sale", "Welcome Series"}},
		{"fish", fish, "inboxctl inbox list --as r", []string{"ravi@demo.test"}},
		{"fish", fish, "inboxctl chat label set +919800000007 ", []string{"billing", "vip"}},
	} {
		got := tc.run(tc.line)
		if strings.Join(got, "|") != strings.Join(tc.want, "|") {
			t.Errorf("%s: %q completes to %q, want %q", tc.shell, tc.line, got, tc.want)
		}
	}
}
