package index

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	vigie "github.com/vigie-hotline/vigie"
)

// Lineage identifies a database's history, so that a snapshot is used only
// with the database it was taken from, in a state at least as recent. The
// audit log serves: it is a hash chain, and every change to a bank entry
// appends to it in the same transaction. A database whose audit entry N
// has the hash the snapshot recorded has the same history up to N, hence
// every entry change the snapshot holds; another database, or this one
// restored from a backup older than the snapshot, has no entry N or
// another hash there.
type Lineage interface {
	// AuditHead returns the id and hash of the newest audit entry (0 and ""
	// if the log is empty).
	AuditHead(ctx context.Context) (int64, string, error)
	// AuditHash returns the hash of the audit entry id, or "" if there is
	// none.
	AuditHash(ctx context.Context, id int64) (string, error)
}

// snapshotMagic opens every snapshot file; its last byte is the format
// version.
const snapshotMagic = "vigie index snapshot\x00\x03"

// snapshot is the Matcher's state at one change sequence number: the PDQ
// index with its hash tables, and the exact sets.
//
// Entries of family banks are never in it. They are parents' hashes of
// their own children's pictures, personal data that a parent may withdraw
// at any time; a snapshot written before a withdrawal would keep the hash
// on disk, and a restart from it would match it again if the withdrawal
// were ever missed. Family banks are small, so they are read from the
// database at every start instead (loadFamily), which makes a withdrawal
// final at once with no rule about when to rewrite the file.
type snapshot struct {
	seq       int64
	auditID   int64
	auditHash string
	pdq       *image
	md5       exactImage[[16]byte]
	sha1      exactImage[[20]byte]
	sha256    exactImage[[32]byte]
}

// capture takes the state to snapshot. The caller holds m.sync, so no
// Sync applies a change halfway through.
func (m *Matcher) capture() *snapshot {
	m.mu.RLock()
	family := m.familyBanksLocked()
	seq := m.seq
	m.mu.RUnlock()
	keep := func(bank int64) bool { return !family[bank] }
	return &snapshot{
		seq:    seq,
		pdq:    m.pdq.image(),
		md5:    m.md5.image(keep),
		sha1:   m.sha1.image(keep),
		sha256: m.sha256.image(keep),
	}
}

// familyBanksLocked returns the ids of the family banks; the caller holds
// m.mu.
func (m *Matcher) familyBanksLocked() map[int64]bool {
	out := map[int64]bool{}
	for id, b := range m.banks {
		if b.Kind == vigie.BankFamily {
			out[id] = true
		}
	}
	return out
}

// WriteSnapshot writes the index to SnapshotPath, unless the file already
// holds the current state. Lookups and Syncs go on meanwhile. The file is
// written under a temporary name, synced, then renamed, so a crash leaves
// the previous snapshot or the new one, never a part.
func (m *Matcher) WriteSnapshot(ctx context.Context) error {
	if m.SnapshotPath == "" || m.Lineage == nil || !littleEndian {
		return nil
	}
	m.snapMu.Lock()
	defer m.snapMu.Unlock()
	m.sync.Lock()
	s := m.capture()
	m.sync.Unlock()
	if s.seq == m.snapSeq.Load() {
		return nil
	}
	// Read after the capture: every change it holds committed before this
	// audit entry, so a database that has the entry has all of them.
	id, hash, err := m.Lineage.AuditHead(ctx)
	if err != nil || id == 0 {
		return err
	}
	s.auditID, s.auditHash = id, hash
	start := time.Now()
	if err := writeSnapshotFile(ctx, m.SnapshotPath, s); err != nil {
		return fmt.Errorf("write index snapshot: %w", err)
	}
	m.snapSeq.Store(s.seq)
	m.Logger.Info("index snapshot written", "seq", s.seq, "pdq", s.pdq.len(), "duration", time.Since(start).Round(time.Millisecond))
	return nil
}

func writeSnapshotFile(ctx context.Context, path string, s *snapshot) (err error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp-*") // mode 0600
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	e := &encoder{w: bufio.NewWriterSize(f, 1<<20)}
	if _, err := e.w.WriteString(snapshotMagic); err != nil {
		return err
	}
	var h fields
	h.put(uint64(s.seq), uint64(s.auditID))
	h.putString(s.auditHash)
	e.section(h.b)
	writeImage(e, s.pdq)
	if err := ctx.Err(); err != nil {
		return err
	}
	writeExact(e, s.md5)
	writeExact(e, s.sha1)
	writeExact(e, s.sha256)
	e.section([]byte("end"))
	if e.err != nil {
		return e.err
	}
	if err := e.w.Flush(); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return err
	}
	return syncDir(filepath.Dir(path))
}

// syncDir makes a rename in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// readSnapshotFile reads and checks a whole snapshot file.
func readSnapshotFile(path string) (*snapshot, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	d := &decoder{r: bufio.NewReaderSize(f, 1<<20), left: st.Size() - int64(len(snapshotMagic))}
	magic := make([]byte, len(snapshotMagic))
	if _, err := io.ReadFull(d.r, magic); err != nil || string(magic) != snapshotMagic {
		return nil, fmt.Errorf("%w: not a snapshot of this version", errCorrupt)
	}
	h := fields{b: readArray[byte](d)}
	s := &snapshot{seq: int64(h.get()), auditID: int64(h.get()), auditHash: h.getString()}
	if d.err != nil || h.bad {
		return nil, orCorrupt(d.err)
	}
	if s.pdq, err = readImage(d); err != nil {
		return nil, err
	}
	if s.md5, err = readExact[[16]byte](d); err != nil {
		return nil, err
	}
	if s.sha1, err = readExact[[20]byte](d); err != nil {
		return nil, err
	}
	if s.sha256, err = readExact[[32]byte](d); err != nil {
		return nil, err
	}
	if end := readArray[byte](d); d.err != nil || string(end) != "end" || d.left != 0 {
		return nil, orCorrupt(d.err)
	}
	return s, nil
}

// loadSnapshot installs the snapshot at SnapshotPath if it is valid and of
// this database, reads the family banks, and syncs the changes made since
// the snapshot. It returns false, having changed nothing, if there is no
// usable snapshot; an error means the database could not be read.
func (m *Matcher) loadSnapshot(ctx context.Context) (bool, error) {
	if m.SnapshotPath == "" || m.Lineage == nil || !littleEndian {
		return false, nil
	}
	// A write cut short by a crash leaves its temporary file: remove it.
	temps, _ := filepath.Glob(m.SnapshotPath + ".tmp-*")
	for _, name := range temps {
		os.Remove(name)
	}
	start := time.Now()
	s, err := readSnapshotFile(m.SnapshotPath)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	} else if err != nil {
		m.Logger.Warn("index snapshot ignored, loading from the database", "path", m.SnapshotPath, "err", err)
		return false, nil
	}
	read := time.Since(start)
	hash, err := m.Lineage.AuditHash(ctx, s.auditID)
	if err != nil {
		return false, err
	}
	if hash == "" || hash != s.auditHash {
		m.Logger.Warn("index snapshot ignored: it is of another database, or of a later state than this one (restored from a backup?); loading from the database",
			"path", m.SnapshotPath, "audit_entry", s.auditID)
		return false, nil
	}
	// Sync adds entries one by one, slower than a bulk load: after a large
	// import made while the server was down, reading everything is faster.
	last, err := m.Banks.MaxEntrySeq(ctx)
	if err != nil {
		return false, err
	}
	if behind := last - s.seq; behind > int64(max(s.pdq.len(), 100*syncPage)) {
		m.Logger.Info("index snapshot not used: the database has more changes since than the snapshot has entries; loading from the database",
			"snapshot_seq", s.seq, "changes_since", behind)
		return false, nil
	}
	if err := m.install(ctx, s); err != nil {
		return false, err
	}
	n, err := m.Sync(ctx)
	if err != nil {
		return false, err
	}
	m.Logger.Info("hash index loaded from snapshot", "pdq", s.pdq.len(), "entries", m.Len(), "snapshot_seq", s.seq,
		"changes_since", n, "read", read.Round(time.Millisecond), "duration", time.Since(start).Round(time.Millisecond))
	return true, nil
}

// install replaces the Matcher's state with s plus the family banks read
// from the database.
func (m *Matcher) install(ctx context.Context, s *snapshot) error {
	m.sync.Lock()
	defer m.sync.Unlock()
	if err := m.refreshBanks(ctx); err != nil {
		return err
	}
	m.pdq.restore(s.pdq)
	m.md5.restore(s.md5)
	m.sha1.restore(s.sha1)
	m.sha256.restore(s.sha256)
	if err := m.loadFamily(ctx); err != nil {
		return err
	}
	m.mu.Lock()
	m.seq = s.seq
	m.mu.Unlock()
	m.snapSeq.Store(s.seq)
	return nil
}

// loadFamily reads the active entries of the family banks. Changes made
// while it reads are applied again by the next Sync, which resumes from an
// older sequence number.
func (m *Matcher) loadFamily(ctx context.Context) error {
	m.mu.RLock()
	family := m.familyBanksLocked()
	m.mu.RUnlock()
	var chunks entryChunks
	for bank := range family {
		_, err := m.eachPage(ctx, vigie.EntryFilter{BankID: bank}, func(page []*vigie.BankEntry) error {
			for _, e := range page {
				if err := m.collect(&chunks, e); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return m.family.Load(chunks.join())
}
