package bench

import (
	"bytes"
	"context"
	"fmt"
	"strings"
)

const (
	startupTarget  = "≤ 15 ms"
	completeTarget = "≤ 100 ms"
	// startupRuns: a process start is a few milliseconds, so take the
	// median of many.
	startupRuns = 11
)

func opStartup(ctx context.Context, r *run) ([]Result, error) {
	var out []Result
	for _, args := range [][]string{{"version"}, {"--help"}} {
		p, err := r.repeat(ctx, startupRuns, call{args: args})
		if err != nil {
			return out, err
		}
		res := measured("inboxctl "+args[0], 1, p, 0)
		res.RowsPerSecond = nil
		res.Target = startupTarget
		res.Met = ptr(p.wall.Seconds() <= 0.015)
		res.Detail = fmt.Sprintf("median of %d runs", startupRuns)
		out = append(out, res)
	}
	return out, nil
}

// completePrefix is a phone prefix that names many users at every size:
// +9198001 is users 1000..1999 at 10,000 users and up.
const completePrefix = "+9198001"

func opComplete(ctx context.Context, r *run) ([]Result, error) {
	c := call{db: r.benchURL, args: []string{"__complete", "spam", "mark", completePrefix}}
	p, err := r.repeat(ctx, startupRuns, c)
	if err != nil {
		return nil, err
	}
	n := completions(p.stdout)
	if n == 0 && directive(p.stdout) == "0" {
		// Cobra's default directive and no candidate: no completion
		// function is registered for the command's arguments.
		return []Result{notAvailable("__complete spam mark "+completePrefix, completeTarget,
			"this build has no dynamic completion of phones for spam mark")}, nil
	}
	res := measured("__complete spam mark "+completePrefix, n, p, 0)
	res.RowsPerSecond = nil
	res.Target = completeTarget
	res.Met = ptr(p.wall.Seconds() <= 0.1 && n > 0)
	res.Detail = fmt.Sprintf("%d candidates, median of %d runs", n, startupRuns)
	if n == 0 {
		res.Detail = "no candidates"
	} else if first := firstCandidate(p.stdout); !strings.HasPrefix(first, completePrefix) {
		res.Met = ptr(false)
		res.Detail += fmt.Sprintf("; unexpected candidate %q", first)
	}
	return []Result{res}, nil
}

// completions counts the candidates cobra's __complete printed: one a line,
// then ":DIRECTIVE".
func completions(out []byte) int64 {
	var n int64
	for _, l := range bytes.Split(bytes.TrimSpace(out), []byte("\n")) {
		if len(l) > 0 && l[0] != ':' {
			n++
		}
	}
	return n
}

// directive is the number on cobra's last ":N" line.
func directive(out []byte) string {
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	return strings.TrimPrefix(lines[len(lines)-1], ":")
}

func firstCandidate(out []byte) string {
	l, _, _ := strings.Cut(string(out), "\n")
	l, _, _ = strings.Cut(l, "\t")
	return l
}
