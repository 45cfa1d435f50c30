package cmdutil

import (
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
)

// DefaultPager is the pager of long tables on a terminal when neither
// INBOXCTL_PAGER nor PAGER is set: less quits at once when the text fits
// (-F), keeps colours (-R) and leaves the text on the screen (-X).
const DefaultPager = "less -FRX"

// PagerCommand is the pager to use: $INBOXCTL_PAGER when set (empty turns
// paging off), else $PAGER, else DefaultPager; "cat" is off too.
func PagerCommand() string {
	cmd, ok := os.LookupEnv("INBOXCTL_PAGER")
	if !ok {
		cmd = os.Getenv("PAGER")
		if strings.TrimSpace(cmd) == "" {
			cmd = DefaultPager
		}
	}
	if cmd = strings.TrimSpace(cmd); cmd == "cat" {
		return ""
	}
	return cmd
}

// pagerWriter holds a table's first screen of lines; when the text grows
// past the terminal's height it starts the pager, gives it what it held
// and streams the rest to it. Text that fits is written to the terminal
// as it is when the list ends (Release), without a pager.
type pagerWriter struct {
	out     io.Writer // the terminal
	command string
	lines   int // how many lines fit on the screen
	env     []string

	mu       sync.Mutex
	held     bytes.Buffer
	released bool      // writes go straight to out
	cmd      *exec.Cmd // the running pager
	in       io.WriteCloser
	closed   bool // the pager quit (q) before the text ended
}

// ErrPagerClosed is returned by writes after the pager quit: the person
// has read enough, so the command stops without an error (exit 0).
var ErrPagerClosed = errors.New("the pager was closed")

func (p *pagerWriter) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch {
	case p.closed:
		return 0, ErrPagerClosed
	case p.in != nil:
		return p.write(b)
	case p.released:
		return p.out.Write(b)
	}
	p.held.Write(b)
	if bytes.Count(p.held.Bytes(), []byte("\n")) < p.lines {
		return len(b), nil
	}
	if err := p.start(); err != nil {
		// No pager to be had (not installed): the terminal gets the text.
		p.released = true
		_, err := p.out.Write(p.held.Bytes())
		p.held.Reset()
		return len(b), err
	}
	_, err := p.write(p.held.Bytes())
	p.held.Reset()
	return len(b), err
}

func (p *pagerWriter) write(b []byte) (int, error) {
	n, err := p.in.Write(b)
	if err != nil {
		p.closed = true
		return n, ErrPagerClosed
	}
	return n, nil
}

func (p *pagerWriter) start() error {
	args := strings.Fields(p.command)
	path, err := exec.LookPath(args[0])
	if err != nil {
		return err
	}
	cmd := exec.Command(path, args[1:]...)
	cmd.Stdout = p.out
	cmd.Stderr = os.Stderr
	cmd.Env = p.env
	in, err := cmd.StdinPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	p.cmd, p.in = cmd, in
	return nil
}

// Release ends the holding: text that fit is written now, and later
// writes (a hint after the table) go straight to the terminal, or to the
// pager when it runs.
func (p *pagerWriter) Release() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.in != nil || p.released {
		return nil
	}
	p.released = true
	_, err := p.out.Write(p.held.Bytes())
	p.held.Reset()
	return err
}

// Paging reports whether the pager runs.
func (p *pagerWriter) Paging() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.in != nil
}

// wait ends the pager's input and waits until the person quits it.
func (p *pagerWriter) wait() {
	_ = p.Release()
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.in != nil {
		p.in.Close()
		_ = p.cmd.Wait()
	}
}

// pagerEnv is the environment of the pager: LESS=FRX unless LESS is set,
// as gh does, so a $PAGER of plain "less" still quits on a short text.
func pagerEnv() []string {
	env := os.Environ()
	if _, ok := os.LookupEnv("LESS"); !ok {
		env = append(env, "LESS=FRX")
	}
	return env
}
