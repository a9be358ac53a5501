package index

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
)

// configs are the ways a segment can be searched: as the cost model
// decides, always through tables of several shapes, and always by scan.
func configs() map[string]forcing {
	return map[string]forcing{
		"Auto":     {},
		"Scan":     {scan: true},
		"Tables13": {m: 13, table: true},
		"Tables16": {m: 16, table: true},
		"Tables23": {m: 23, table: true},
		"Tables64": {m: 64, table: true},
	}
}

func datasets(t *testing.T) map[string][]Entry {
	rng := rand.New(rand.NewPCG(1, 2))
	return map[string][]Entry{
		"Uniform":   uniformEntries(3000, rng),
		"Clustered": clusteredEntries(3000, rng),
		"RealPDQ":   realEntries(t, rng),
	}
}

func TestSearchMatchesBruteForce(t *testing.T) {
	for dname, es := range datasets(t) {
		for cname, f := range configs() {
			t.Run(dname+"/"+cname, func(t *testing.T) {
				x := New()
				x.force = f
				if err := x.Load(es); err != nil {
					t.Fatal(err)
				}
				rng := rand.New(rand.NewPCG(3, 4))
				for r := 0; r <= 64; r++ {
					nq := 12
					if r > 40 && f.table {
						nq = 3 // probing every table at large radii is slow
					}
					for _, q := range queriesFor(es, nq, 48, rng) {
						want := bruteForce(es, []Hash{q}, r, nil)
						checkMatches(t, fmt.Sprintf("r=%d", r), x.Search(q, r), want)
					}
				}
			})
		}
	}
}

func TestSearchRadiusOutOfRange(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	es := uniformEntries(100, rng)
	x := New()
	if err := x.Load(es); err != nil {
		t.Fatal(err)
	}
	if got := x.Search(es[0].Hash, -1); len(got) != 0 {
		t.Fatalf("Search(r=-1) = %v, want none", got)
	}
	if got, want := len(x.Search(es[0].Hash, 1000)), len(es); got != want {
		t.Fatalf("Search(r=1000) found %d, want all %d", got, want)
	}
}

func TestFindFiltersBanks(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	es := clusteredEntries(2000, rng)
	for cname, f := range configs() {
		t.Run(cname, func(t *testing.T) {
			x := New()
			x.force = f
			if err := x.Load(es); err != nil {
				t.Fatal(err)
			}
			banks := []int64{0, 7}
			for _, q := range queriesFor(es, 40, 30, rng) {
				got := x.Find(Query{Hashes: []Hash{q}, Radius: 40, Banks: banks})
				checkMatches(t, "banks", got, bruteForce(es, []Hash{q}, 40, banks))
			}
		})
	}
}

func TestSearchAnyKeepsClosest(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	es := clusteredEntries(3000, rng)
	for cname, f := range configs() {
		t.Run(cname, func(t *testing.T) {
			x := New()
			x.force = f
			if err := x.Load(es); err != nil {
				t.Fatal(err)
			}
			for _, r := range []int{0, 8, 31, 52} {
				for range 10 {
					// Variants close to one another, as a query and its
					// near-duplicates would be, so entries match several.
					src := es[rng.IntN(len(es))].Hash
					qs := make([]Hash, 8)
					for i := range qs {
						qs[i] = flip(src, rng.IntN(20), rng)
					}
					checkMatches(t, fmt.Sprintf("r=%d", r), x.SearchAny(qs, r), bruteForce(es, qs, r, nil))
				}
			}
		})
	}
}

// TestSearchAnyDihedral stores one orientation of each reference image and
// queries with the 8 variants the reference hasher computed for the image.
func TestSearchAnyDihedral(t *testing.T) {
	rows := readHashes(t, "expected/pdq-reference-dihedral.tsv")
	if len(rows)%8 != 0 {
		t.Fatalf("%d hashes, want rows of 8", len(rows))
	}
	var es []Entry
	for i := 0; i < len(rows); i += 8 {
		es = append(es, Entry{ID: int64(i/8 + 1), Bank: 1, Hash: rows[i+(i/8)%8]})
	}
	x := New()
	if err := x.Load(es); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < len(rows); i += 8 {
		got := x.SearchAny(rows[i:i+8], 0)
		if !slices.ContainsFunc(got, func(m Match) bool { return m.ID == int64(i/8+1) && m.Distance == 0 }) {
			t.Fatalf("row %d: SearchAny(variants) = %v, want entry %d at distance 0", i/8, got, i/8+1)
		}
		checkMatches(t, "dihedral", got, bruteForce(es, rows[i:i+8], 0, nil))
	}
}

func TestSearchBatchMatchesSearch(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	es := uniformEntries(5000, rng)
	for cname, f := range configs() {
		t.Run(cname, func(t *testing.T) {
			x := New()
			x.force = f
			if err := x.Load(es); err != nil {
				t.Fatal(err)
			}
			qs := queriesFor(es, 21, 31, rng)
			for _, r := range []int{31, 52} {
				got := x.SearchBatch(qs, r)
				for i, q := range qs {
					checkMatches(t, fmt.Sprintf("query %d r=%d", i, r), got[i], bruteForce(es, []Hash{q}, r, nil))
				}
			}
		})
	}
}

func TestSkewedBucketStoredOnce(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	es := uniformEntries(1000, rng)
	for i := range 5000 {
		es = append(es, Entry{ID: int64(10000 + i), Bank: 2}) // all-zero hash
	}
	x := New()
	x.force = forcing{m: 16, table: true}
	if err := x.Load(es); err != nil {
		t.Fatal(err)
	}
	if got, want := len(x.segs[0].codes), 1001; got != want {
		t.Fatalf("distinct codes stored = %d, want %d", got, want)
	}
	q := flip(Hash{}, 5, rng)
	checkMatches(t, "zeros", x.Search(q, 31), bruteForce(es, []Hash{q}, 31, nil))
	if got, want := len(x.Search(q, 31)), 5000; got < want {
		t.Fatalf("found %d, want at least %d", got, want)
	}
}

func TestLoadRejectsDuplicateIDs(t *testing.T) {
	x := New()
	err := x.Load([]Entry{{ID: 3}, {ID: 1, Hash: Hash{1}}, {ID: 3, Hash: Hash{2}}})
	if err == nil {
		t.Fatal("Load with a duplicate id: err = nil, want an error")
	}
}

func TestAddBatchRejectsDuplicateIDs(t *testing.T) {
	x := New()
	x.Add(Entry{ID: 1, Hash: Hash{1}})
	err := x.AddBatch([]Entry{{ID: 1, Hash: Hash{2}}, {ID: 2}, {ID: 1, Hash: Hash{3}}})
	if err == nil {
		t.Fatal("AddBatch with a duplicate id: err = nil, want an error")
	}
	checkMatches(t, "after failed batch", x.Search(Hash{1}, 0), []Match{{ID: 1}})
	if got, want := x.Len(), 1; got != want {
		t.Fatalf("Len = %d, want %d", got, want)
	}
}

func TestLoadReplacesContents(t *testing.T) {
	x := New()
	x.Add(Entry{ID: 1, Hash: Hash{1}})
	if err := x.Load([]Entry{{ID: 2, Hash: Hash{2}}}); err != nil {
		t.Fatal(err)
	}
	if got, want := x.Len(), 1; got != want {
		t.Fatalf("Len = %d, want %d", got, want)
	}
	if got := x.Search(Hash{1}, 0); len(got) != 0 {
		t.Fatalf("Search(old entry) = %v, want none", got)
	}
}

// model is the reference for add/remove sequences: the live entries by id.
type model map[int64]Entry

func (m model) entries() []Entry {
	var es []Entry
	for _, e := range m {
		es = append(es, e)
	}
	return es
}

func TestAddRemoveMatchesModel(t *testing.T) {
	for cname, f := range configs() {
		if f.m == 13 {
			continue // 13 substrings allocate 4 MiB directories at every flush: slow, and covered above
		}
		t.Run(cname, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(15, 16))
			x := New()
			x.DeltaSize = 16
			x.force = f
			want := model{}
			initial := clusteredEntries(500, rng)
			if err := x.Load(initial); err != nil {
				t.Fatal(err)
			}
			for _, e := range initial {
				want[e.ID] = e
			}
			for step := range 3000 {
				randomOp(x, want, rng)
				if step%100 == 99 {
					checkModel(t, x, want, rng)
				}
			}
			if got := x.Stats().Segments; got < 2 {
				t.Fatalf("Segments = %d, want several after many adds", got)
			}
		})
	}
}

// randomOp adds a new entry or a batch, replaces, removes or re-adds one,
// or removes an id that is not there, on both the index and the model.
func randomOp(x *Index, want model, rng *rand.Rand) {
	id := int64(1 + rng.IntN(1500))
	switch rng.IntN(5) {
	case 4:
		batch := map[int64]Entry{}
		for range 1 + rng.IntN(60) {
			id := int64(1 + rng.IntN(1500))
			batch[id] = Entry{ID: id, Bank: int64(rng.IntN(3)), Hash: randHash(rng)}
		}
		var es []Entry
		for _, e := range batch {
			es = append(es, e)
			want[e.ID] = e
		}
		if err := x.AddBatch(es); err != nil {
			panic(err)
		}
	case 0, 1:
		h := randHash(rng)
		if old, ok := want[id]; ok && rng.IntN(2) == 0 {
			h = flip(old.Hash, rng.IntN(10), rng)
		} else if len(want) > 0 && rng.IntN(2) == 0 {
			h = flip(want[int64(1+rng.IntN(500))].Hash, rng.IntN(10), rng)
		}
		e := Entry{ID: id, Bank: int64(rng.IntN(3)), Hash: h}
		x.Add(e)
		want[e.ID] = e
	default:
		_, had := want[id]
		if got := x.Remove(id); got != had {
			panic(fmt.Sprintf("Remove(%d) = %v, want %v", id, got, had))
		}
		delete(want, id)
	}
}

func checkModel(t *testing.T, x *Index, want model, rng *rand.Rand) {
	t.Helper()
	if got, want := x.Len(), len(want); got != want {
		t.Fatalf("Len = %d, want %d", got, want)
	}
	es := want.entries()
	if len(es) == 0 {
		return
	}
	for _, r := range []int{0, 3, 10, 31, 45, 64} {
		for _, q := range queriesFor(es, 6, 40, rng) {
			checkMatches(t, fmt.Sprintf("r=%d", r), x.Search(q, r), bruteForce(es, []Hash{q}, r, nil))
		}
	}
}

func TestRemoveCompactsDeadSegments(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 18))
	es := uniformEntries(4000, rng)
	x := New()
	if err := x.Load(es); err != nil {
		t.Fatal(err)
	}
	before := x.Stats().Bytes
	for _, e := range es[:3000] {
		if !x.Remove(e.ID) {
			t.Fatalf("Remove(%d) = false, want true", e.ID)
		}
	}
	// Without compaction the dead entries' arrays would stay: the memory
	// would not fall at all. (The rebuilt segment, of 1,999 entries, may
	// spend more per entry on its tables than the first one did.)
	if got := x.Stats(); got.Entries != 1000 || got.Bytes > before*3/4 {
		t.Fatalf("Stats after removing 3/4 = %+v, want 1000 entries in under %d bytes", got, before*3/4)
	}
	q := es[3500].Hash
	checkMatches(t, "after compaction", x.Search(q, 31), bruteForce(es[3000:], []Hash{q}, 31, nil))
}

// TestConcurrentReadersAndWriter runs searches while a writer adds, removes
// and re-adds entries. Stable entries, never touched, must always be found;
// every other match must be a churned entry at its true distance.
func TestConcurrentReadersAndWriter(t *testing.T) {
	rng := rand.New(rand.NewPCG(19, 20))
	stable := clusteredEntries(2000, rng)
	churn := make(map[int64]Hash)
	for i := range 400 {
		churn[int64(100000+i)] = flip(stable[i].Hash, 1+rng.IntN(20), rng)
	}
	x := New()
	x.DeltaSize = 32
	if err := x.Load(stable); err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	errs := make(chan string, 4)
	for w := range 3 {
		wg.Go(func() {
			readUntil(stop, x, stable, churn, uint64(w), errs)
		})
	}
	for round := range 6 {
		for id, h := range churn {
			x.Add(Entry{ID: id, Bank: 9, Hash: h})
		}
		for id := range churn {
			if int(id)%3 != round%3 {
				x.Remove(id)
			}
		}
	}
	close(stop)
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Fatal(e)
	}
}

func readUntil(stop <-chan struct{}, x *Index, stable []Entry, churn map[int64]Hash, seed uint64, errs chan<- string) {
	rng := rand.New(rand.NewPCG(seed, 21))
	for n := 0; ; n++ {
		if n >= 20 { // a few searches even if the writer is done first
			select {
			case <-stop:
				return
			default:
			}
		}
		q := flip(stable[rng.IntN(400)].Hash, rng.IntN(10), rng)
		got := x.Search(q, 31)
		want := bruteForce(stable, []Hash{q}, 31, nil)
		var fromStable []Match
		for _, m := range got {
			h, churned := churn[m.ID]
			switch {
			case !churned:
				fromStable = append(fromStable, m)
			case hamming(h, q) != m.Distance:
				errs <- fmt.Sprintf("churned entry %d at distance %d, want %d", m.ID, m.Distance, hamming(h, q))
				return
			}
		}
		if !slices.Equal(fromStable, want) {
			errs <- fmt.Sprintf("stable matches %v, want %v", head(fromStable), head(want))
			return
		}
	}
}
