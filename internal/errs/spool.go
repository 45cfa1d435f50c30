package errs

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"
)

// spoolHeld is how many detail lines a Spool keeps in memory; the rest go
// to a temporary file.
const spoolHeld = 1000

// Spool collects the detail lines of a bulk error, one per bad input line,
// in input order: the first spoolHeld in memory, the rest in a temporary
// file, so that every line is reported however many there are while memory
// stays flat. The zero value is ready to use.
type Spool struct {
	held []string
	file *os.File
	w    *bufio.Writer
	n    int64
}

// Add appends one line (newlines in it are replaced by spaces).
func (s *Spool) Add(line string) error {
	s.n++
	line = strings.ReplaceAll(line, "\n", " ")
	if s.file == nil && len(s.held) < spoolHeld {
		s.held = append(s.held, line)
		return nil
	}
	if s.file == nil {
		f, err := os.CreateTemp("", "inboxctl-details-")
		if err != nil {
			return fmt.Errorf("cannot spool the list of bad lines: %w", err)
		}
		s.file, s.w = f, bufio.NewWriterSize(f, 64*1024)
	}
	_, err := s.w.WriteString(line + "\n")
	return err
}

// Len is the number of lines added.
func (s *Spool) Len() int64 { return s.n }

// WriteTo writes every line, each after indent and Clean,
// then removes the temporary file; a Spool is written once.
func (s *Spool) WriteTo(out io.Writer, indent string, secrets ...string) error {
	w := bufio.NewWriterSize(out, 64*1024) // a million lines, not a million writes
	if err := s.writeTo(w, indent, secrets); err != nil {
		return err
	}
	return w.Flush()
}

func (s *Spool) writeTo(w io.Writer, indent string, secrets []string) error {
	for _, l := range s.held {
		if _, err := fmt.Fprintln(w, indent+Clean(l, secrets...)); err != nil {
			return err
		}
	}
	if s.file == nil {
		return nil
	}
	defer s.Close()
	if err := s.w.Flush(); err != nil {
		return err
	}
	if _, err := s.file.Seek(0, io.SeekStart); err != nil {
		return err
	}
	sc := bufio.NewScanner(s.file)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for sc.Scan() {
		if _, err := fmt.Fprintln(w, indent+Clean(sc.Text(), secrets...)); err != nil {
			return err
		}
	}
	return sc.Err()
}

// Close removes the temporary file, if any.
func (s *Spool) Close() {
	if s.file != nil {
		s.file.Close()
		os.Remove(s.file.Name())
		s.file = nil
	}
}

// WithSpool returns e with the spooled lines as its details, after any it
// has; Report writes them all.
func (e *Error) WithSpool(s *Spool) *Error {
	e.spool = s
	return e
}
