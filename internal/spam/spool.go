package spam

import (
	"bufio"
	"encoding/gob"
	"errors"
	"io"
	"os"
)

// spoolHeld records stay in memory; more go to a temporary file.
const spoolHeld = 1000

// spool keeps records read inside a transaction, to hand them on once it
// has ended: a slow reader of the report must not hold row locks, and the
// temp tables they come from end with the transaction. Memory stays flat:
// past spoolHeld records, they go to a temporary file.
type spool[T any] struct {
	held []T
	file *os.File
	w    *bufio.Writer
	enc  *gob.Encoder
}

func (s *spool[T]) add(v T) error {
	if s.file == nil && len(s.held) < spoolHeld {
		s.held = append(s.held, v)
		return nil
	}
	if s.file == nil {
		f, err := os.CreateTemp("", "inboxctl-report-")
		if err != nil {
			return err
		}
		s.file, s.w = f, bufio.NewWriterSize(f, 64*1024)
		s.enc = gob.NewEncoder(s.w)
	}
	return s.enc.Encode(v)
}

// each hands every record to fn, in the order added.
func (s *spool[T]) each(fn func(T) error) error {
	for _, v := range s.held {
		if err := fn(v); err != nil {
			return err
		}
	}
	if s.file == nil {
		return nil
	}
	if err := s.w.Flush(); err != nil {
		return err
	}
	if _, err := s.file.Seek(0, io.SeekStart); err != nil {
		return err
	}
	dec := gob.NewDecoder(bufio.NewReaderSize(s.file, 64*1024))
	for {
		var v T
		if err := dec.Decode(&v); errors.Is(err, io.EOF) {
			return nil
		} else if err != nil {
			return err
		}
		if err := fn(v); err != nil {
			return err
		}
	}
}

// close removes the temporary file.
func (s *spool[T]) close() {
	if s.file != nil {
		s.file.Close()
		os.Remove(s.file.Name())
		s.file = nil
	}
	s.held = nil
}
