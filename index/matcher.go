package index

import (
	"cmp"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	vigie "github.com/vigie-hotline/vigie"
)

var _ vigie.Matcher = (*Matcher)(nil)

// Matcher answers lookups against every bank from memory: an Index for PDQ
// and exact sets for MD5, SHA-1 and SHA-256. The database stays the source
// of truth: Load reads it at start, and Sync applies every change made
// since, by this process or any other on the same database, in the order of
// the entries' change sequence.
type Matcher struct {
	Banks vigie.BankService
	// PollInterval is how often Run looks for changes. Default 1 s.
	PollInterval time.Duration
	// LoadReaders is how many queries read the entries at once when Load
	// reads the database. Default: one a core.
	LoadReaders int
	// FloodLimit and FloodWindow guard against entries that match too much
	// (a flat image, a bad list): an entry that matches more than
	// FloodLimit distinct contents within FloodWindow is quarantined for a
	// supervisor's review and stops matching, in every process. Each
	// process counts the lookups it answers. FloodLimit 0 turns it off.
	FloodLimit  int
	FloodWindow time.Duration
	// EntryCacheSize is how many matched entries are kept in memory, so
	// that a lookup matching a recently matched entry reads no database.
	// Default 65536; 0 turns the cache off.
	EntryCacheSize int
	// SnapshotPath is the file where the index is saved (see WriteSnapshot)
	// and Load first looks, so that a restart need not read every entry
	// from the database; "" turns snapshots off. Lineage names the
	// database, so that a snapshot of another one is never used; without
	// it there are no snapshots either. Run writes a snapshot after the
	// first Load and every SnapshotInterval (default 10 min) if the index
	// changed.
	SnapshotPath     string
	SnapshotInterval time.Duration
	Lineage          Lineage
	Now              func() time.Time
	Logger           *slog.Logger

	pdq    *Index // every PDQ entry but those of family banks
	family *Index // PDQ entries of family banks, never in a snapshot
	md5    *Exact[[16]byte]
	sha1   *Exact[[20]byte]
	sha256 *Exact[[32]byte]

	flood   *floodCounter
	entries entryCache

	mu        sync.RWMutex
	banks     map[int64]*vigie.Bank
	all       *bankSet // the enabled banks, for lookups that name none
	shareable *bankSet // the enabled banks partners may see
	seq       int64
	sync      sync.Mutex // one Sync at a time

	snapMu  sync.Mutex   // one snapshot write at a time
	snapSeq atomic.Int64 // seq of the snapshot on disk, -1 if none
	writing atomic.Bool  // Run has a snapshot write under way
}

// NewMatcher returns an empty Matcher over banks; call Load next.
func NewMatcher(banks vigie.BankService) *Matcher {
	m := &Matcher{
		Banks:            banks,
		PollInterval:     time.Second,
		FloodLimit:       100,
		FloodWindow:      24 * time.Hour,
		EntryCacheSize:   1 << 16,
		SnapshotInterval: 10 * time.Minute,
		Now:              time.Now,
		Logger:           slog.New(slog.DiscardHandler),
		pdq:              New(),
		family:           New(),
		md5:              NewExact[[16]byte](),
		sha1:             NewExact[[20]byte](),
		sha256:           NewExact[[32]byte](),
		flood:            newFloodCounter(),
		entries:          entryCache{byID: map[int64]*vigie.BankEntry{}},
	}
	m.setBanks(map[int64]*vigie.Bank{})
	m.snapSeq.Store(-1)
	return m
}

// syncPage is how many changes one query reads.
const syncPage = 10000

// Load reads every active entry: from the snapshot at SnapshotPath if
// there is a valid one of this database, followed by the changes made
// since, else from the database. The PDQ hashes go into one bulk-built
// segment, which is much faster than adding them one by one.
func (m *Matcher) Load(ctx context.Context) error {
	if ok, err := m.loadSnapshot(ctx); err != nil || ok {
		return err
	}
	m.sync.Lock()
	defer m.sync.Unlock()
	if err := m.refreshBanks(ctx); err != nil {
		return err
	}
	parts, seq, err := m.readActive(ctx)
	if err != nil {
		return err
	}
	bulk, family := m.splitFamily(joinChunks(parts))
	if err := m.family.Load(family); err != nil {
		return err
	}
	if err := m.pdq.Load(bulk); err != nil {
		return err
	}
	// Changes made since readActive began have later sequence numbers:
	// the next Sync resumes after the last it read up to.
	m.mu.Lock()
	m.seq = seq
	m.mu.Unlock()
	m.Logger.Info("hash index loaded", "pdq", len(bulk), "entries", m.Len(), "seq", seq)
	return nil
}

// readActive reads every active entry changed up to the latest change,
// applies those that are not PDQ and collects the PDQ ones, and returns
// them and the sequence number it read up to. The range of sequence
// numbers is split between LoadReaders queries run at once: decoding rows
// is most of a first load's time, one core a query.
// An entry changed meanwhile gets a later number than the range's end,
// so none is read twice, and Sync reads what was left.
func (m *Matcher) readActive(ctx context.Context) ([]entryChunks, int64, error) {
	last, err := m.Banks.MaxEntrySeq(ctx)
	if err != nil || last == 0 {
		return nil, 0, err
	}
	n := int64(cmp.Or(m.LoadReaders, runtime.GOMAXPROCS(0)))
	n = max(1, min(n, last/syncPage)) // a page a query at least
	parts := make([]entryChunks, n)
	errs := make([]error, n)
	ctx, cancel := context.WithCancel(ctx) // one query's error stops the others
	defer cancel()
	var wg sync.WaitGroup
	for i := range n {
		f := vigie.EntryFilter{AfterSeq: last * i / n, UpToSeq: last * (i + 1) / n}
		wg.Go(func() {
			_, err := m.eachPage(ctx, f, func(page []*vigie.BankEntry) error {
				if err := m.knowBanks(ctx, page); err != nil {
					return err
				}
				for _, e := range page {
					if err := m.collect(&parts[i], e); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				errs[i] = err
				cancel()
			}
		})
	}
	wg.Wait()
	return parts, last, errors.Join(errs...)
}

// Sync applies the changes made since the last Load or Sync and returns
// how many it applied.
func (m *Matcher) Sync(ctx context.Context) (int, error) {
	m.sync.Lock()
	defer m.sync.Unlock()
	if err := m.refreshBanks(ctx); err != nil {
		return 0, err
	}
	m.mu.RLock()
	seq := m.seq
	m.mu.RUnlock()
	n := 0
	_, err := m.eachPage(ctx, vigie.EntryFilter{AfterSeq: seq, IncludeInactive: true}, func(page []*vigie.BankEntry) error {
		if err := m.knowBanks(ctx, page); err != nil {
			return err
		}
		for _, e := range page {
			m.apply(e)
		}
		n += len(page)
		if len(page) > 0 {
			m.mu.Lock()
			m.seq = page[len(page)-1].Seq
			m.mu.Unlock()
		}
		return nil
	})
	return n, err
}

// eachPage reads the entries f selects in sequence order after f.AfterSeq,
// syncPage at a time, without metadata, and calls fn with each page. It
// returns the sequence number of the last entry read (f.AfterSeq if none).
func (m *Matcher) eachPage(ctx context.Context, f vigie.EntryFilter, fn func([]*vigie.BankEntry) error) (int64, error) {
	f.Limit, f.NoMetadata = syncPage, true
	for {
		page, err := m.Banks.FindEntries(ctx, f)
		if err != nil {
			return f.AfterSeq, err
		}
		if err := fn(page); err != nil {
			return f.AfterSeq, err
		}
		if len(page) > 0 {
			f.AfterSeq = page[len(page)-1].Seq
		}
		if len(page) < syncPage {
			return f.AfterSeq, nil
		}
	}
}

// Run syncs every PollInterval until ctx ends. With snapshots on, it also
// writes one at once and every SnapshotInterval, in the background, if the
// index changed since the last; it returns when any write has ended.
func (m *Matcher) Run(ctx context.Context) {
	t := time.NewTicker(m.PollInterval)
	defer t.Stop()
	var wg sync.WaitGroup
	defer wg.Wait()
	var snap <-chan time.Time
	if m.SnapshotPath != "" && m.SnapshotInterval > 0 {
		st := time.NewTicker(m.SnapshotInterval)
		defer st.Stop()
		snap = st.C
		m.writeInBackground(ctx, &wg)
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-snap:
			m.writeInBackground(ctx, &wg)
		case <-t.C:
			if n, err := m.Sync(ctx); err != nil && ctx.Err() == nil {
				m.Logger.Error("hash index sync", "err", err)
			} else if n > 0 {
				m.Logger.Debug("hash index synced", "changes", n)
			}
		}
	}
}

// writeInBackground writes a snapshot unless a write is under way.
func (m *Matcher) writeInBackground(ctx context.Context, wg *sync.WaitGroup) {
	if !m.writing.CompareAndSwap(false, true) {
		return
	}
	wg.Go(func() {
		defer m.writing.Store(false)
		if err := m.WriteSnapshot(ctx); err != nil && ctx.Err() == nil {
			m.Logger.Error("index snapshot", "err", err)
		}
	})
}

func (m *Matcher) refreshBanks(ctx context.Context) error {
	banks, err := m.Banks.FindBanks(ctx, vigie.BankFilter{})
	if err != nil {
		return err
	}
	byID := make(map[int64]*vigie.Bank, len(banks))
	for _, b := range banks {
		byID[b.ID] = b
	}
	m.mu.Lock()
	m.setBanks(byID)
	m.mu.Unlock()
	return nil
}

// setBanks replaces the banks, and the sets of them that most lookups ask
// for, which are computed here rather than on every lookup. The caller
// holds m.mu, or has the only reference to m.
func (m *Matcher) setBanks(byID map[int64]*vigie.Bank) {
	m.banks = byID
	m.all = newBankSet(byID, vigie.MatchOptions{})
	m.shareable = newBankSet(byID, vigie.MatchOptions{ShareableOnly: true})
}

// knowBanks reads the banks again if entries belong to one created since
// the last read, so that each entry goes to the right PDQ index.
func (m *Matcher) knowBanks(ctx context.Context, entries []*vigie.BankEntry) error {
	m.mu.RLock()
	known := true
	for _, e := range entries {
		_, ok := m.banks[e.BankID]
		known = known && ok
	}
	m.mu.RUnlock()
	if known {
		return nil
	}
	return m.refreshBanks(ctx)
}

// isFamily reports whether bank is a family bank. A bank not yet read is
// taken for one: its entries then stay out of snapshots, the safe side for
// personal data (knowBanks makes this not happen).
func (m *Matcher) isFamily(bank int64) bool {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return familyBank(m.banks, bank)
}

// familyBank reports whether bank is a family bank in banks, or missing
// from it (see isFamily).
func familyBank(banks map[int64]*vigie.Bank, bank int64) bool {
	b, ok := banks[bank]
	return !ok || b.Kind == vigie.BankFamily
}

// pdqFor returns the PDQ index that holds the entries of bank.
func (m *Matcher) pdqFor(bank int64) *Index {
	if m.isFamily(bank) {
		return m.family
	}
	return m.pdq
}

// collect adds e to chunks if it is an active PDQ entry, to be loaded in
// bulk, and applies any other entry at once.
func (m *Matcher) collect(chunks *entryChunks, e *vigie.BankEntry) error {
	if e.Signal != vigie.SignalPDQ {
		m.apply(e)
		return nil
	}
	if e.Status != vigie.EntryActive {
		return nil
	}
	h, err := ParseHash(e.Value)
	if err != nil {
		return fmt.Errorf("entry %d: %w", e.ID, err)
	}
	chunks.add(Entry{ID: e.ID, Bank: e.BankID, Hash: h})
	return nil
}

// entryChunks collects entries in arrays of a fixed size and joins them
// once at the end. Appending millions of entries to one slice instead
// copies it at every doubling (about 1 GB in all at 10M entries), faulting
// in fresh pages each time, and the garbage collector waits on each copy,
// which cannot be preempted: that was about a third of a first start.
type entryChunks struct {
	full [][]Entry
	last []Entry
	n    int
}

// entryChunk is the number of entries in a chunk: 3 MB.
const entryChunk = 1 << 16

func (c *entryChunks) add(e Entry) {
	if len(c.last) == cap(c.last) {
		if c.last != nil {
			c.full = append(c.full, c.last)
		}
		c.last = make([]Entry, 0, entryChunk)
	}
	c.last = append(c.last, e)
	c.n++
}

// join returns the entries collected, in order, in one array.
func (c *entryChunks) join() []Entry { return c.appendTo(make([]Entry, 0, c.n)) }

// appendTo appends the entries collected, in order, to out.
func (c *entryChunks) appendTo(out []Entry) []Entry {
	for _, chunk := range c.full {
		out = append(out, chunk...)
	}
	return append(out, c.last...)
}

// joinChunks returns the entries collected in parts, in order, in one
// array.
func joinChunks(parts []entryChunks) []Entry {
	n := 0
	for i := range parts {
		n += parts[i].n
	}
	out := make([]Entry, 0, n)
	for i := range parts {
		out = parts[i].appendTo(out)
	}
	return out
}

// splitFamily moves the entries of family banks out of bulk, in place, and
// returns the others and them.
func (m *Matcher) splitFamily(bulk []Entry) (others, family []Entry) {
	m.mu.RLock()
	banks := m.banks
	m.mu.RUnlock()
	others = bulk[:0]
	for _, e := range bulk {
		if familyBank(banks, e.Bank) {
			family = append(family, e)
		} else {
			others = append(others, e)
		}
	}
	return others, family
}

// apply adds an active entry, or removes any other, by its ID.
func (m *Matcher) apply(e *vigie.BankEntry) {
	m.entries.forget(e.ID)
	active := e.Status == vigie.EntryActive
	switch e.Signal {
	case vigie.SignalPDQ:
		if h, err := ParseHash(e.Value); active && err == nil {
			m.pdqFor(e.BankID).Add(Entry{ID: e.ID, Bank: e.BankID, Hash: h})
		} else {
			m.pdqFor(e.BankID).Remove(e.ID)
		}
	case vigie.SignalMD5:
		if raw, ok := digest(e, 16, active); ok {
			m.md5.Add(e.ID, e.BankID, [16]byte(raw))
		} else {
			m.md5.Remove(e.ID)
		}
	case vigie.SignalSHA1:
		if raw, ok := digest(e, 20, active); ok {
			m.sha1.Add(e.ID, e.BankID, [20]byte(raw))
		} else {
			m.sha1.Remove(e.ID)
		}
	case vigie.SignalSHA256:
		if raw, ok := digest(e, 32, active); ok {
			m.sha256.Add(e.ID, e.BankID, [32]byte(raw))
		} else {
			m.sha256.Remove(e.ID)
		}
	}
}

// digest decodes an active entry's value of n bytes; false means the entry
// is to be removed.
func digest(e *vigie.BankEntry, n int, active bool) ([]byte, bool) {
	raw, err := hex.DecodeString(e.Value)
	return raw, active && err == nil && len(raw) == n
}

// Len returns the number of entries held.
func (m *Matcher) Len() int {
	return m.pdq.Len() + m.family.Len() + m.md5.Len() + m.sha1.Len() + m.sha256.Len()
}

// Seq returns the sequence number of the last change applied.
func (m *Matcher) Seq() int64 {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.seq
}

// ParseHash reads a PDQ hash from its 64 hex digits.
func ParseHash(s string) (Hash, error) {
	var h Hash
	if len(s) != 64 {
		return h, vigie.Errorf(vigie.EINVALID, "a PDQ hash has 64 hex digits, not %d", len(s))
	}
	if _, err := hex.Decode(h[:], []byte(s)); err != nil {
		return h, vigie.Errorf(vigie.EINVALID, "the PDQ hash is not hexadecimal")
	}
	return h, nil
}

// Match looks up the fingerprints of one piece of content in the enabled
// banks that opts allows and returns each matching entry once, with its
// smallest distance, closest first. PDQ matches count up to each bank's own
// threshold. If any bank of kind benign matches, only the benign matches are
// returned: the content is a known false positive.
func (m *Matcher) Match(ctx context.Context, signals []vigie.Signal, opts vigie.MatchOptions) ([]*vigie.Match, error) {
	banks := m.allowedBanks(opts)
	if len(banks.ids) == 0 {
		return nil, nil
	}
	hits, err := m.lookup(signals, banks)
	if err != nil {
		return nil, err
	}
	matches, err := m.resolve(ctx, hits, banks)
	if err != nil {
		return nil, err
	}
	return m.guard(ctx, matches, signals)
}

// guard counts the distinct contents each matched entry has matched and
// quarantines those past the flood limit, leaving them out of the result.
// The content is known by its SHA-256, or by the first signal given.
func (m *Matcher) guard(ctx context.Context, matches []*vigie.Match, signals []vigie.Signal) ([]*vigie.Match, error) {
	if m.FloodLimit <= 0 || len(matches) == 0 {
		return matches, nil
	}
	key := string(signals[0].Type) + ":" + strings.ToLower(signals[0].Value)
	for _, s := range signals {
		if s.Type == vigie.SignalSHA256 {
			key = "sha256:" + strings.ToLower(s.Value)
		}
	}
	now := m.Now()
	kept := matches[:0]
	for _, mt := range matches {
		n := m.flood.add(mt.Entry.ID, key, now, m.FloodWindow, m.FloodLimit)
		if n <= m.FloodLimit {
			kept = append(kept, mt)
			continue
		}
		if err := m.quarantine(ctx, mt.Entry, n); err != nil {
			return nil, err
		}
	}
	return kept, nil
}

// quarantine takes an entry out of matching, here at once and in every
// process through the change feed.
func (m *Matcher) quarantine(ctx context.Context, e *vigie.BankEntry, hits int) error {
	ctx = vigie.NewContextWithActor(ctx, "system:flood-guard")
	if _, err := m.Banks.SetEntryStatus(ctx, e.ID, vigie.EntryQuarantined); err != nil {
		return err
	}
	m.apply(&vigie.BankEntry{ID: e.ID, BankID: e.BankID, Signal: e.Signal, Value: e.Value, Status: vigie.EntryQuarantined})
	m.flood.forget(e.ID)
	m.Logger.Warn("bank entry quarantined: it matched too many different contents", "entry", e.ID, "bank", e.BankID,
		"distinct_contents", hits, "window", m.FloodWindow)
	return nil
}

// hit is one raw match before the entry is read from the database.
type hit struct {
	id, bank int64
	distance int
	query    vigie.Signal
}

// bankSet is the banks a lookup searches. It is never changed once made:
// lookups share it.
type bankSet struct {
	byID   map[int64]*vigie.Bank
	ids    []int64 // the keys of byID, in order
	radius int     // the largest PDQ threshold, -1 if there is no bank
	family bool    // some bank is a family bank
}

// newBankSet returns the enabled banks of banks that opts allows.
func newBankSet(banks map[int64]*vigie.Bank, opts vigie.MatchOptions) *bankSet {
	set := &bankSet{byID: map[int64]*vigie.Bank{}, radius: -1}
	for id, b := range banks {
		if !b.Enabled || (opts.ShareableOnly && !b.Kind.Shareable()) {
			continue
		}
		if len(opts.Banks) > 0 && !slices.Contains(opts.Banks, b.Name) {
			continue
		}
		set.byID[id] = b
		set.ids = append(set.ids, id)
		set.radius = max(set.radius, b.Threshold)
		set.family = set.family || b.Kind == vigie.BankFamily
	}
	slices.Sort(set.ids)
	return set
}

// allowedBanks returns the enabled banks the options allow.
func (m *Matcher) allowedBanks(opts vigie.MatchOptions) *bankSet {
	m.mu.RLock()
	defer m.mu.RUnlock()
	switch {
	case len(opts.Banks) > 0:
		return newBankSet(m.banks, opts)
	case opts.ShareableOnly:
		return m.shareable
	default:
		return m.all
	}
}

// lookup runs every signal against its structure and keeps, per entry, the
// closest hit within its bank's threshold. The hits are in entry order.
func (m *Matcher) lookup(signals []vigie.Signal, banks *bankSet) ([]hit, error) {
	var hits []hit
	for _, s := range signals {
		v, err := vigie.NormalizeSignal(s.Type, s.Value)
		if err != nil {
			return nil, err
		}
		s.Value = v
		for _, mt := range m.lookupOne(s, banks) {
			if mt.Distance <= banks.byID[mt.Bank].Threshold {
				hits = append(hits, hit{id: mt.ID, bank: mt.Bank, distance: mt.Distance, query: s})
			}
		}
	}
	return closestHits(hits), nil
}

// closestHits keeps the closest hit of each entry, the first of equals,
// and sorts them by entry.
func closestHits(hits []hit) []hit {
	slices.SortStableFunc(hits, func(a, b hit) int {
		return cmp.Or(cmp.Compare(a.id, b.id), cmp.Compare(a.distance, b.distance))
	})
	return slices.CompactFunc(hits, func(a, b hit) bool { return a.id == b.id })
}

// lookupOne returns the entries of banks that s matches, for PDQ within
// the largest threshold of banks.
func (m *Matcher) lookupOne(s vigie.Signal, banks *bankSet) []Match {
	var out []Match
	switch s.Type {
	case vigie.SignalPDQ:
		var h Hash
		decodeHex(h[:], s.Value)
		q := Query{Hashes: []Hash{h}, Radius: banks.radius, Banks: banks.ids}
		out = m.pdq.Find(q)
		// Only family banks have entries in m.family (a bank's kind never
		// changes), so a lookup without one, as every partner's is, has
		// nothing to find there.
		if banks.family {
			out = append(out, m.family.Find(q)...)
		}
		return out
	case vigie.SignalMD5:
		var d [16]byte
		decodeHex(d[:], s.Value)
		out = m.md5.Lookup(d)
	case vigie.SignalSHA1:
		var d [20]byte
		decodeHex(d[:], s.Value)
		out = m.sha1.Lookup(d)
	case vigie.SignalSHA256:
		var d [32]byte
		decodeHex(d[:], s.Value)
		out = m.sha256.Lookup(d)
	}
	return slices.DeleteFunc(out, func(mt Match) bool { return banks.byID[mt.Bank] == nil })
}

// decodeHex decodes the hex digits s, at most 64, into dst, which is
// len(s)/2 bytes long, and reports whether they were all hex. It runs on
// every lookup: the copy of s is made on the stack, where hex.DecodeString
// would allocate one and its result.
func decodeHex(dst []byte, s string) bool {
	var buf [64]byte
	if len(s) > len(buf) || len(s) != 2*len(dst) {
		return false
	}
	n, err := hex.Decode(dst, buf[:copy(buf[:], s)])
	return err == nil && n == len(dst)
}

// resolve reads the entries of hits, which are in entry order, and applies
// the benign rule.
func (m *Matcher) resolve(ctx context.Context, hits []hit, banks *bankSet) ([]*vigie.Match, error) {
	if len(hits) == 0 {
		return nil, nil
	}
	benign := false
	for _, h := range hits {
		benign = benign || banks.byID[h.bank].Kind == vigie.BankBenign
	}
	entries, err := m.findEntries(ctx, hits)
	if err != nil {
		return nil, err
	}
	out := make([]*vigie.Match, 0, len(entries))
	for _, e := range entries {
		i, ok := slices.BinarySearchFunc(hits, e.ID, func(h hit, id int64) int { return cmp.Compare(h.id, id) })
		if !ok {
			continue // not asked for
		}
		h := hits[i]
		b := banks.byID[h.bank]
		// An entry changed since the index last synced is not trusted.
		if e.Status != vigie.EntryActive || (benign && b.Kind != vigie.BankBenign) {
			continue
		}
		// Cached entries are shared: callers get their own copy, made in
		// the same allocation as the match.
		r := &resolved{entry: *e}
		r.match = vigie.Match{Bank: b, Entry: &r.entry, Distance: h.distance, Query: h.query}
		out = append(out, &r.match)
	}
	slices.SortFunc(out, func(a, b *vigie.Match) int {
		if a.Distance != b.Distance {
			return a.Distance - b.Distance
		}
		return int(a.Entry.ID - b.Entry.ID)
	})
	return out, nil
}

// resolved is a match and the copy of its entry it points to.
type resolved struct {
	match vigie.Match
	entry vigie.BankEntry
}

// findEntries returns the entries of hits, from the cache when it holds
// them, else from the database.
func (m *Matcher) findEntries(ctx context.Context, hits []hit) ([]*vigie.BankEntry, error) {
	if m.EntryCacheSize <= 0 {
		ids := make([]int64, 0, len(hits))
		for _, h := range hits {
			ids = append(ids, h.id)
		}
		return m.Banks.FindEntriesByID(ctx, ids)
	}
	found, missing, gen := m.entries.get(hits)
	if len(missing) == 0 {
		return found, nil
	}
	read, err := m.Banks.FindEntriesByID(ctx, missing)
	if err != nil {
		return nil, err
	}
	m.entries.put(read, gen, m.EntryCacheSize)
	return append(found, read...), nil
}

// entryCache holds bank entries as the database last gave them. Every
// change that Sync applies (or a quarantine) forgets the entry, so the
// cache is never staler than the index itself. A read that started before
// a change is not stored: gen counts the changes.
type entryCache struct {
	mu   sync.Mutex
	gen  uint64
	byID map[int64]*vigie.BankEntry
}

// get returns the cached entries of hits, the ids of those it does not
// hold, and the generation to pass to put with what is read for them.
func (c *entryCache) get(hits []hit) (found []*vigie.BankEntry, missing []int64, gen uint64) {
	found = make([]*vigie.BankEntry, 0, len(hits))
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, h := range hits {
		if e, ok := c.byID[h.id]; ok {
			found = append(found, e)
		} else {
			missing = append(missing, h.id)
		}
	}
	return found, missing, c.gen
}

// put stores entries read at generation gen, unless an entry changed since,
// evicting arbitrary entries past size.
func (c *entryCache) put(entries []*vigie.BankEntry, gen uint64, size int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen != gen {
		return
	}
	for _, e := range entries {
		for id := range c.byID {
			if len(c.byID) < size {
				break
			}
			delete(c.byID, id)
		}
		c.byID[e.ID] = e
	}
}

// forget drops an entry that changed.
func (c *entryCache) forget(id int64) {
	c.mu.Lock()
	c.gen++
	delete(c.byID, id)
	c.mu.Unlock()
}
