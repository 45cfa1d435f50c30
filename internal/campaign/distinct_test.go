package campaign

import (
	"math/rand/v2"
	"testing"

	"github.com/inboxctl/inboxctl/internal/input"
)

// TestDistinctCounterSpills: the count is exact whether the keys fit in
// memory or spill into sorted runs (runs of 7 keys here), with repeats
// inside a run and across runs.
func TestDistinctCounterSpills(t *testing.T) {
	for _, size := range []int{7, distinctRun} {
		rng := rand.New(rand.NewPCG(1, uint64(size)))
		d := &distinctCounter{size: size}
		want := map[uint64]bool{}
		for range 1000 {
			k := rng.Uint64N(300)
			want[k] = true
			if err := d.Add(k); err != nil {
				t.Fatal(err)
			}
		}
		spilled := d.file != nil
		got, err := d.Count()
		if err != nil || got != int64(len(want)) {
			t.Fatalf("runs of %d: %d distinct, want %d (%v)", size, got, len(want), err)
		}
		if spilled != (size == 7) {
			t.Fatalf("runs of %d: spilled %v", size, spilled)
		}
	}
}

// TestPhoneKeyIsOneToOne: distinct phones get distinct keys, leading zeros
// and lengths included.
func TestPhoneKeyIsOneToOne(t *testing.T) {
	keys := map[uint64]string{}
	for _, raw := range []string{"+12345678", "+012345678", "+0012345678", "+123456789012345", "+999999999999999", "+000000000000000", "+00000000", "+919800000001"} {
		ref, err := input.ParsePhone(raw)
		if err != nil {
			t.Fatal(err)
		}
		k := phoneKey(ref.Phone)
		if other, ok := keys[k]; ok {
			t.Fatalf("%s and %s share key %d", raw, other, k)
		}
		keys[k] = raw
	}
}
