package index

import (
	"bufio"
	"bytes"
	"errors"
	"math/rand/v2"
	"testing"
)

// roundTrip writes img and reads it back.
func roundTrip(t *testing.T, img *image) *image {
	t.Helper()
	var buf bytes.Buffer
	e := &encoder{w: bufio.NewWriter(&buf)}
	writeImage(e, img)
	if e.err != nil || e.w.Flush() != nil {
		t.Fatal(e.err)
	}
	d := &decoder{r: bufio.NewReader(bytes.NewReader(buf.Bytes())), left: int64(buf.Len())}
	got, err := readImage(d)
	if err != nil {
		t.Fatal(err)
	}
	if d.left != 0 {
		t.Fatalf("%d bytes left unread", d.left)
	}
	return got
}

// An index restored from its image, with several segments, tombstones and
// a delta, answers every search as brute force over its live entries does.
func TestImageRoundTrip(t *testing.T) {
	for cname, f := range configs() {
		t.Run(cname, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(11, 12))
			es := clusteredEntries(3000, rng)
			x := New()
			x.force = f
			if err := x.Load(es[:2500]); err != nil {
				t.Fatal(err)
			}
			if err := x.AddBatch(es[2500:2900]); err != nil {
				t.Fatal(err)
			}
			for _, e := range es[2900:] {
				x.Add(e) // stays in the delta
			}
			live := map[int64]bool{}
			for _, e := range es {
				live[e.ID] = true
			}
			for i := 0; i < len(es); i += 7 {
				x.Remove(es[i].ID)
				delete(live, es[i].ID)
			}
			var want []Entry
			for _, e := range es {
				if live[e.ID] {
					want = append(want, e)
				}
			}
			y := New()
			y.restore(roundTrip(t, x.image()))
			for i, s := range y.segs {
				o := x.segs[i]
				if s.tables != o.tables || s.batch != o.batch || len(s.tabs) != len(o.tabs) {
					t.Fatalf("segment %d: search plan differs after the round trip", i)
				}
				for j := range s.tabs {
					a, b := s.tabs[j], o.tabs[j]
					if a.word != b.word || a.shift != b.shift || a.bits != b.bits || a.mask != b.mask {
						t.Fatalf("segment %d table %d: %+v, want %+v", i, j, a, b)
					}
				}
			}
			if got := y.Len(); got != len(want) {
				t.Fatalf("Len=%d, want %d", got, len(want))
			}
			if st := y.Stats(); st.Segments < 2 {
				t.Fatalf("%d segments: the test should cover several", st.Segments)
			}
			for _, q := range queriesFor(es, 40, 40, rng) {
				checkMatches(t, "restored", y.Search(q, 32), bruteForce(want, []Hash{q}, 32, nil))
			}
			// The restored index keeps working: removals and adds.
			y.Remove(want[0].ID)
			y.Add(Entry{ID: 1 << 40, Bank: 1, Hash: want[1].Hash})
			if got := y.Search(want[0].Hash, 0); len(got) != 0 && got[0].ID == want[0].ID {
				t.Fatalf("removed entry still found: %v", got)
			}
			if got := y.Search(want[1].Hash, 0); len(got) < 2 {
				t.Fatalf("Search after Add found %v, want the old and the new entry", got)
			}
		})
	}
}

// Every truncation, and a change of any one byte, is reported as damage,
// never read as an index.
func TestImageDamage(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	x := New()
	x.force = forcing{m: 16, table: true}
	if err := x.Load(uniformEntries(300, rng)); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	e := &encoder{w: bufio.NewWriter(&buf)}
	writeImage(e, x.image())
	e.w.Flush()
	good := buf.Bytes()
	read := func(b []byte) error {
		_, err := readImage(&decoder{r: bufio.NewReader(bytes.NewReader(b)), left: int64(len(b))})
		return err
	}
	for n := 0; n < len(good); n += 1 + n/50 {
		if err := read(good[:n]); !errors.Is(err, errCorrupt) {
			t.Fatalf("truncated to %d of %d bytes: err=%v, want damage", n, len(good), err)
		}
	}
	for i := 0; i < len(good); i += 1 + i/40 {
		bad := bytes.Clone(good)
		bad[i] ^= 0x10
		if err := read(bad); !errors.Is(err, errCorrupt) {
			t.Fatalf("byte %d of %d changed: err=%v, want damage", i, len(good), err)
		}
	}
}
