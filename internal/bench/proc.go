package bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/inboxctl/inboxctl/internal/seed"
)

// noAgent, as a call's agent, runs it acting for no agent (the schema
// owner, level admin, may).
const noAgent = "-"

// call is one run of the inboxctl binary.
type call struct {
	args  []string
	db    string    // database URL ("" for none)
	agent string    // --as (default: the demo owner; noAgent for none)
	out   io.Writer // stdout (nil: captured)
	// okCodes are the exit codes that are not a failure besides 0.
	okCodes []int
}

// proc is what a run of the binary did.
type proc struct {
	wall   time.Duration
	rssKiB int64
	code   int
	stdout []byte
	stderr string
}

func (p proc) rssMiB() float64 { return float64(p.rssKiB) / 1024 }

// cli runs the binary with a clean environment (no INBOXCTL_* or PG*
// variables of the caller, an empty config directory) against c.db, and
// times it from fork to exit. A non-zero exit not in c.okCodes is an error
// carrying the command's stderr.
func (r *run) cli(ctx context.Context, c call) (proc, error) {
	cmd := exec.CommandContext(ctx, r.opts.Binary, c.args...)
	cmd.Dir = r.dir
	cmd.Env = r.env(c)
	var out, errb bytes.Buffer
	cmd.Stdout = &out
	if c.out != nil {
		cmd.Stdout = c.out
	}
	cmd.Stderr = &errb
	m, err := Measure(r.opts.Binary, cmd)
	p := proc{stdout: out.Bytes(), stderr: errb.String(), wall: m.Wall, rssKiB: m.PeakKiB, code: m.Code}
	if err != nil {
		return p, fmt.Errorf("running inboxctl %s: %v %s", strings.Join(c.args, " "), err, firstLine(p.stderr, errors.New("no report")))
	}
	if p.code != 0 && !contains(c.okCodes, p.code) {
		return p, fmt.Errorf("inboxctl %s: exit %d: %s", strings.Join(c.args, " "), p.code, firstLine(p.stderr, errors.New("no message")))
	}
	return p, nil
}

func (r *run) env(c call) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch {
		case strings.HasPrefix(k, "INBOXCTL_"), strings.HasPrefix(k, "PG"), k == "XDG_CONFIG_HOME", k == "NO_COLOR":
			continue
		}
		env = append(env, kv)
	}
	agent := c.agent
	if agent == "" {
		agent = seed.Owner
	}
	env = append(env, "XDG_CONFIG_HOME="+filepath.Join(r.dir, "config"), "NO_COLOR=1", "INBOXCTL_ORG="+seed.Org)
	if agent != noAgent {
		env = append(env, "INBOXCTL_AGENT="+agent)
	}
	if c.db != "" {
		env = append(env, "INBOXCTL_DATABASE_URL="+c.db)
	}
	return env
}

// repeat runs c k times and keeps the median wall time and the largest
// peak RSS: short commands are noisy on a shared machine.
func (r *run) repeat(ctx context.Context, k int, c call) (proc, error) {
	var runs []proc
	for i := 0; i < k; i++ {
		p, err := r.cli(ctx, c)
		if err != nil {
			return p, err
		}
		runs = append(runs, p)
	}
	return medianProc(runs), nil
}

func medianProc(runs []proc) proc {
	var rss int64
	for _, p := range runs {
		rss = max(rss, p.rssKiB)
	}
	sort.Slice(runs, func(i, j int) bool { return runs[i].wall < runs[j].wall })
	m := runs[len(runs)/2]
	m.rssKiB = rss
	return m
}

// median runs fn k times and returns its median duration.
func median(k int, fn func() error) (time.Duration, error) {
	var ds []time.Duration
	for i := 0; i < k; i++ {
		start := time.Now()
		if err := fn(); err != nil {
			return 0, err
		}
		ds = append(ds, time.Since(start))
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	return ds[len(ds)/2], nil
}

func contains(codes []int, c int) bool {
	for _, x := range codes {
		if x == c {
			return true
		}
	}
	return false
}

func firstLine(stderr string, err error) string {
	s := strings.TrimSpace(stderr)
	if s == "" {
		return err.Error()
	}
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// measured builds a Result from a CLI run and an optional baseline.
func measured(op string, rows int64, p proc, baseline time.Duration) Result {
	res := Result{Operation: op, Rows: ptr(rows), Seconds: ptr(p.wall.Seconds()), PeakRSSMiB: ptr(p.rssMiB())}
	if p.wall > 0 && rows > 0 {
		res.RowsPerSecond = ptr(float64(rows) / p.wall.Seconds())
	}
	if baseline > 0 {
		res.BaselineSeconds = ptr(baseline.Seconds())
		res.Ratio = ptr(p.wall.Seconds() / baseline.Seconds())
	}
	return res
}

// inProcess builds a Result for a service call timed inside this process.
func inProcess(op string, rows int64, d, baseline time.Duration) Result {
	res := measured(op, rows, proc{wall: d}, baseline)
	res.PeakRSSMiB = nil
	return res
}

// notAvailable is a row whose command does not exist in this build.
func notAvailable(op, target, why string) Result {
	return Result{Operation: op, Target: target, Detail: "not available: " + why}
}

// unknownCommand reports whether the binary does not know the command
// (another part of inboxctl that has not landed in this build).
func unknownCommand(err error) bool {
	return err != nil && strings.Contains(err.Error(), "nknown command")
}

// summary is the progress line of a result.
func (x Result) summary() string {
	s := x.Operation + ":"
	if x.Seconds != nil {
		s += " " + secs(*x.Seconds)
	}
	if x.BaselineSeconds != nil {
		s += fmt.Sprintf(" (baseline %s, ratio %.2f)", secs(*x.BaselineSeconds), *x.Ratio)
	}
	if x.PeakRSSMiB != nil {
		s += fmt.Sprintf(" rss %.1f MiB", *x.PeakRSSMiB)
	}
	if x.Met != nil {
		s += " target " + x.Target + ": " + verdict(x.Met)
	}
	if x.Detail != "" {
		s += " — " + x.Detail
	}
	return s
}
