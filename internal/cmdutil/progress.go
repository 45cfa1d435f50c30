package cmdutil

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// Progress shows how far a long bulk command got, on stderr, only when
// stderr is a terminal and the work has taken more than a second.
type Progress struct {
	io   *IOStreams
	what string
	read atomic.Int64
	stop chan struct{}
	wg   sync.WaitGroup
	// mu is held while the line is drawn, and by Pause.
	mu    sync.Mutex
	shown bool
}

// NewProgress starts a progress line for the verb (mark, unmark, import).
func NewProgress(io *IOStreams, verb string) *Progress {
	p := &Progress{io: io, what: verb, stop: make(chan struct{})}
	if !io.StderrTTY {
		return p
	}
	started := time.Now()
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
				if time.Since(started) < time.Second {
					continue
				}
				p.mu.Lock()
				p.shown = true
				fmt.Fprintf(p.io.ErrOut, "\r\033[K%s: %d refs read, %s elapsed", p.what, p.read.Load(), time.Since(started).Round(time.Second))
				p.mu.Unlock()
			}
		}
	}()
	return p
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

// Read reports how many input rows were read so far.
func (p *Progress) Read(n int64) { p.read.Store(n) }

// Done stops and clears the progress line.
func (p *Progress) Done() {
	close(p.stop)
	p.wg.Wait()
}
