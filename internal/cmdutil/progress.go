package cmdutil

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// progressAfter is how long a bulk command runs before its progress line
// appears: a quick one never flickers.
const progressAfter = time.Second

// Progress shows how far a long bulk command got, on stderr, only when
// stderr is a terminal and the work has taken more than a second: the
// phase it is in (reading, resolving, writing, committing), how long that
// phase and the whole command have taken, and the input read so far.
type Progress struct {
	io      *IOStreams
	what    string
	unit    string
	started time.Time
	read    atomic.Int64
	stop    chan struct{}
	wg      sync.WaitGroup
	// mu guards the phase and the line; Pause holds it.
	mu    sync.Mutex
	phase string
	since time.Time
	shown bool
}

// NewProgress starts a progress line for the verb (mark, unmark, import)
// that counts the unit read (refs, rows); the first phase is reading.
func NewProgress(io *IOStreams, verb, unit string) *Progress {
	now := time.Now()
	p := &Progress{io: io, what: verb, unit: unit, started: now, phase: "reading", since: now, stop: make(chan struct{})}
	if !io.StderrTTY {
		return p
	}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		tick := time.NewTicker(250 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-p.stop:
				p.mu.Lock()
				p.clear()
				p.mu.Unlock()
				return
			case <-tick.C:
				p.mu.Lock()
				p.draw()
				p.mu.Unlock()
			}
		}
	}()
	return p
}

// draw writes the line, once the command has run long enough; mu is held.
func (p *Progress) draw() {
	if !p.io.StderrTTY || time.Since(p.started) < progressAfter {
		return
	}
	p.shown = true
	read := "" // nothing read: an unmark --batch takes its users from the database
	if n := p.read.Load(); n > 0 {
		read = fmt.Sprintf("%d %s read, ", n, p.unit)
	}
	fmt.Fprintf(p.io.ErrOut, "\r\033[K%s: %s, %s (%s%s in all)", p.what, p.phase,
		time.Since(p.since).Round(time.Second), read, time.Since(p.started).Round(time.Second))
}

func (p *Progress) clear() {
	if p.shown {
		fmt.Fprint(p.io.ErrOut, "\r\033[K")
		p.shown = false
	}
}

// Pause clears the progress line and keeps it away while fn runs (a
// prompt the line would otherwise overwrite).
func (p *Progress) Pause(fn func() error) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.clear()
	return fn()
}

// Phase names the step the command is in from now on (resolving,
// writing, committing); once the line is due it shows the new phase at
// once, so even a short phase is named.
func (p *Progress) Phase(name string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.phase, p.since = name, time.Now()
	p.draw()
}

// Read reports how many input rows were read so far.
func (p *Progress) Read(n int64) { p.read.Store(n) }

// Done stops and clears the progress line.
func (p *Progress) Done() {
	close(p.stop)
	p.wg.Wait()
}
