package campaign

import (
	"bufio"
	"container/heap"
	"encoding/binary"
	"io"
	"os"
	"slices"
)

// distinctRun is how many keys distinctCounter holds in memory (8 MiB);
// past it, sorted runs go to a temporary file.
const distinctRun = 1 << 20

// distinctCounter counts distinct uint64 keys in bounded memory, as an
// external sort: keys are buffered, each full buffer is sorted and written
// as a run to a temporary file, and Count merges the runs.
type distinctCounter struct {
	buf  []uint64
	file *os.File
	runs []int64 // length of each run, in keys
	size int     // keys per run (distinctRun; smaller in tests)
}

func (d *distinctCounter) Add(k uint64) error {
	if d.size == 0 {
		d.size = distinctRun
	}
	d.buf = append(d.buf, k)
	if len(d.buf) < d.size {
		return nil
	}
	return d.spill()
}

// spill writes the buffer, sorted and without repeats, as a run.
func (d *distinctCounter) spill() error {
	if d.file == nil {
		f, err := os.CreateTemp("", "inboxctl-distinct-")
		if err != nil {
			return err
		}
		os.Remove(f.Name()) // gone with the last close, whatever happens
		d.file = f
	}
	slices.Sort(d.buf)
	d.buf = slices.Compact(d.buf)
	w := bufio.NewWriter(d.file)
	var b [8]byte
	for _, k := range d.buf {
		binary.LittleEndian.PutUint64(b[:], k)
		w.Write(b[:])
	}
	if err := w.Flush(); err != nil {
		return err
	}
	d.runs = append(d.runs, int64(len(d.buf)))
	d.buf = d.buf[:0]
	return nil
}

// Count is the number of distinct keys added. It releases the counter.
func (d *distinctCounter) Count() (int64, error) {
	defer d.Close()
	if d.file == nil {
		slices.Sort(d.buf)
		return int64(len(slices.Compact(d.buf))), nil
	}
	if len(d.buf) > 0 {
		if err := d.spill(); err != nil {
			return 0, err
		}
	}
	h := make(runHeap, 0, len(d.runs))
	var off int64
	for _, n := range d.runs {
		r := &run{r: bufio.NewReaderSize(io.NewSectionReader(d.file, off*8, n*8), 64*1024)}
		off += n
		if ok, err := r.next(); err != nil {
			return 0, err
		} else if ok {
			h = append(h, r)
		}
	}
	heap.Init(&h)
	var n int64
	var last uint64
	for len(h) > 0 {
		r := h[0]
		if n == 0 || r.head != last {
			n++
			last = r.head
		}
		ok, err := r.next()
		if err != nil {
			return 0, err
		}
		if ok {
			heap.Fix(&h, 0)
		} else {
			heap.Pop(&h)
		}
	}
	return n, nil
}

// Close releases the temporary file, if any.
func (d *distinctCounter) Close() {
	if d.file != nil {
		d.file.Close()
		d.file = nil
	}
	d.buf = nil
}

type run struct {
	r    *bufio.Reader
	head uint64
}

func (r *run) next() (bool, error) {
	var b [8]byte
	if _, err := io.ReadFull(r.r, b[:]); err == io.EOF {
		return false, nil
	} else if err != nil {
		return false, err
	}
	r.head = binary.LittleEndian.Uint64(b[:])
	return true, nil
}

type runHeap []*run

func (h runHeap) Len() int           { return len(h) }
func (h runHeap) Less(i, j int) bool { return h[i].head < h[j].head }
func (h runHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *runHeap) Push(x any)        { *h = append(*h, x.(*run)) }
func (h *runHeap) Pop() any {
	old := *h
	r := old[len(old)-1]
	*h = old[:len(old)-1]
	return r
}

// phoneKey packs an E.164 phone ("+" and 8 to 15 digits, as ParsePhone
// gives it) into a uint64: the digits' value, and their count above it
// (so +0012345678 and +12345678 stay apart).
func phoneKey(phone string) uint64 {
	var v uint64
	for i := 1; i < len(phone); i++ {
		v = v*10 + uint64(phone[i]-'0')
	}
	return uint64(len(phone)-1)<<50 | v
}
