// Package cmdutil holds what every command shares: the IO streams, the
// Factory of lazy constructors (config, database, printer, acting agent),
// and the helpers that read refs and ask for confirmation.
package cmdutil

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/term"

	"github.com/inboxctl/inboxctl/internal/safetext"
)

// IOStreams are the process's streams and what they are connected to.
// Commands never touch os.Stdout directly, so tests can swap them.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer

	StdinTTY  bool
	StdoutTTY bool
	StderrTTY bool
	// TermWidth and TermHeight are stdout's terminal size (0 when it is
	// no terminal, or its size is unknown).
	TermWidth, TermHeight int

	// Interrupted, when closed, ends a pending Confirm: Ctrl-C at a prompt
	// must not wait for Enter.
	Interrupted <-chan struct{}
}

// System is the real process streams.
func System() *IOStreams {
	isTTY := func(f *os.File) bool { return term.IsTerminal(int(f.Fd())) }
	s := &IOStreams{
		In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr,
		StdinTTY: isTTY(os.Stdin), StdoutTTY: isTTY(os.Stdout), StderrTTY: isTTY(os.Stderr),
	}
	if s.StdoutTTY {
		if w, h, err := term.GetSize(int(os.Stdout.Fd())); err == nil {
			s.TermWidth, s.TermHeight = w, h
		}
	}
	return s
}

// CanPrompt reports whether a person can answer a question.
func (s *IOStreams) CanPrompt() bool { return s.StdinTTY && s.StderrTTY }

// Confirm asks a yes/no question on stderr and reads the answer from
// stdin; anything but y or yes is no. The question is escaped: it names
// the acting agent as stored.
func (s *IOStreams) Confirm(question string) (bool, error) {
	fmt.Fprintf(s.ErrOut, "%s [y/N] ", safetext.Prose(question))
	answer := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(s.In).ReadString('\n')
		answer <- line
	}()
	var line string
	select {
	case line = <-answer:
	case <-s.Interrupted:
		fmt.Fprintln(s.ErrOut)
		return false, context.Canceled
	}
	switch strings.ToLower(strings.TrimSpace(line)) {
	case "y", "yes":
		return true, nil
	}
	return false, nil
}

// TestIO is IOStreams for a test: no terminal, stdin read from in, stdout
// and stderr written to out and errOut.
func TestIO() (s *IOStreams, in, out, errOut *bytes.Buffer) {
	in, out, errOut = &bytes.Buffer{}, &bytes.Buffer{}, &bytes.Buffer{}
	return &IOStreams{In: in, Out: out, ErrOut: errOut}, in, out, errOut
}
