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
		p, err := r.repeat(ctx, r.times(startupRuns), call{args: args})
		if err != nil {
			return out, err
		}
		res := measured("inboxctl "+args[0], 1, p, 0)
		res.RowsPerSecond = nil
		res.Target = startupTarget
		res.Met = ptr(p.wall.Seconds() <= 0.015)
		res.Detail = fmt.Sprintf("median of %d runs", r.times(startupRuns))
		out = append(out, res)
	}
	return out, nil
}

// completePrefix is a phone prefix that names many users: +9198001 is
// users 100,000..199,999 (seed.Phone), +919800001 users 1,000..1,999.
func completePrefix(users int) string {
	if users >= 200_000 {
		return "+9198001"
	}
	return "+919800001"
}

func opComplete(ctx context.Context, r *run) ([]Result, error) {
	prefix := completePrefix(r.n)
	c := call{db: r.benchURL, args: []string{"__complete", "spam", "mark", prefix}}
	p, err := r.repeat(ctx, r.times(startupRuns), c)
	if err != nil {
		return nil, err
	}
	n := completions(p.stdout)
	if n == 0 && directive(p.stdout) == "0" {
		// Cobra's default directive and no candidate: no completion
		// function is registered for the command's arguments.
		return []Result{notAvailable("__complete spam mark "+prefix, completeTarget,
			"this build has no dynamic completion of phones for spam mark")}, nil
	}
	res := measured("__complete spam mark "+prefix, n, p, 0)
	res.RowsPerSecond = nil
	res.Target = completeTarget
	res.Met = ptr(p.wall.Seconds() <= 0.1 && n > 0)
	res.Detail = fmt.Sprintf("%d candidates, median of %d runs", n, r.times(startupRuns))
	if n == 0 {
		res.Detail = "no candidates"
	} else if first := firstCandidate(p.stdout); !strings.HasPrefix(first, prefix) {
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
