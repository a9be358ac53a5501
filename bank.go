package vigie

import (
	"context"
	"strings"
	"time"
)

// SignalType names a kind of fingerprint.
type SignalType string

// Signal types. The text forms are Vigie's; upstream aliases are accepted
// on import (see ParseSignalType).
const (
	SignalPDQ    SignalType = "pdq"    // 256-bit perceptual hash, 64 hex digits
	SignalMD5    SignalType = "md5"    // 32 hex digits
	SignalSHA1   SignalType = "sha1"   // 40 hex digits
	SignalSHA256 SignalType = "sha256" // 64 hex digits
)

// SignalTypes lists the signal types Vigie stores.
var SignalTypes = []SignalType{SignalPDQ, SignalMD5, SignalSHA1, SignalSHA256}

// signalAliases maps the names that python-threatexchange and HMA use to
// Vigie's. Their video hashes are file hashes like any other.
var signalAliases = map[string]SignalType{
	"pdq": SignalPDQ, "md5": SignalMD5, "video_md5": SignalMD5, "photo_md5": SignalMD5,
	"sha1": SignalSHA1, "sha256": SignalSHA256, "video_sha256": SignalSHA256,
}

// ParseSignalType returns the signal type named s, accepting upstream
// aliases, or EINVALID.
func ParseSignalType(s string) (SignalType, error) {
	if t, ok := signalAliases[strings.ToLower(strings.TrimSpace(s))]; ok {
		return t, nil
	}
	return "", Errorf(EINVALID, "unknown signal type %q (use pdq, md5, sha1 or sha256)", s)
}

// HexLen returns the number of hex digits of a value of this type.
func (t SignalType) HexLen() int {
	switch t {
	case SignalPDQ, SignalSHA256:
		return 64
	case SignalMD5:
		return 32
	case SignalSHA1:
		return 40
	}
	return 0
}

// NormalizeSignal checks value for type t and returns its canonical form:
// lower-case hex of the exact length. It returns EINVALID saying what is
// wrong (bad length, not hex).
func NormalizeSignal(t SignalType, value string) (string, error) {
	n := t.HexLen()
	if n == 0 {
		return "", Errorf(EINVALID, "unknown signal type %q", t)
	}
	// Most values come canonical already: one pass checks that.
	if len(value) == n && isLowerHex(value) {
		return value, nil
	}
	v := strings.ToLower(strings.TrimSpace(value))
	if len(v) != n {
		return "", Errorf(EINVALID, "a %s value has %d hex digits, not %d", t, n, len(v))
	}
	if !isLowerHex(v) {
		return "", Errorf(EINVALID, "the %s value is not hexadecimal", t)
	}
	return v, nil
}

// isLowerHex reports whether s is made of the digits 0-9 and a-f only.
func isLowerHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// BankKind says what a bank's entries are, which decides what a match means
// and who may ever see the entries.
type BankKind string

// Bank kinds.
const (
	// BankKnown holds known abuse material: a match raises an item.
	BankKnown BankKind = "known"
	// BankFamily holds parents' registered photos: personal data, never
	// exported, never in partner feeds or lookups.
	BankFamily BankKind = "family"
	// BankBenign holds known false positives: a match suppresses matches
	// from other banks on the same content.
	BankBenign BankKind = "benign"
)

// ParseBankKind returns the kind named s, or EINVALID.
func ParseBankKind(s string) (BankKind, error) {
	switch k := BankKind(s); k {
	case BankKnown, BankFamily, BankBenign:
		return k, nil
	}
	return "", Errorf(EINVALID, "unknown bank kind %q (use known, family or benign)", s)
}

// Shareable reports whether entries of this kind may leave Vigie (exports,
// partner feeds, partner lookups). Parents' photos never do.
func (k BankKind) Shareable() bool { return k != BankFamily }

// DefaultPDQThreshold is the Hamming distance at or below which two PDQ
// hashes are taken to show the same image (Meta's recommendation).
const DefaultPDQThreshold = 31

// Bank is a named list of fingerprints.
type Bank struct {
	ID   int64
	Name string
	Kind BankKind
	// Threshold is the largest PDQ distance that counts as a match
	// (inclusive), 0–128.
	Threshold int
	Enabled   bool
	// Source says where the list comes from ("NCMEC", "IWF", "own triage").
	Source      string
	Description string
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Validate returns EINVALID if the bank cannot be stored as it is.
func (b *Bank) Validate() error {
	if !validUsername(b.Name) {
		return Errorf(EINVALID, "bank name %q must be 1 to 64 letters, digits, dots, dashes or underscores", b.Name)
	}
	if _, err := ParseBankKind(string(b.Kind)); err != nil {
		return err
	}
	if b.Threshold < 0 || b.Threshold > 128 {
		return Errorf(EINVALID, "a PDQ threshold is between 0 and 128, not %d", b.Threshold)
	}
	return nil
}

// EntryStatus is the state of a bank entry.
type EntryStatus string

// Entry statuses. Only active entries match.
const (
	EntryActive      EntryStatus = "active"
	EntryDisabled    EntryStatus = "disabled"
	EntryQuarantined EntryStatus = "quarantined" // held for a supervisor's review
	EntryDeleted     EntryStatus = "deleted"     // a tombstone, so that feeds carry deletions
)

// BankEntry is one fingerprint in a bank.
type BankEntry struct {
	ID     int64
	BankID int64
	Signal SignalType
	Value  string // canonical: lower-case hex
	// Metadata is a JSON object: tags, categories, notes, upstream ids.
	Metadata map[string]any
	AddedBy  string
	AddedAt  time.Time
	Status   EntryStatus
	// Seq increases on every change of any entry; feeds and index
	// followers resume from the last Seq they saw.
	Seq       int64
	UpdatedAt time.Time
}

// BankFilter selects banks.
type BankFilter struct {
	Name *string
	Kind *BankKind
	// ShareableOnly drops family banks, for anything partners see.
	ShareableOnly bool
}

// EntryFilter selects entries in feed order (by Seq).
type EntryFilter struct {
	BankID   int64
	AfterSeq int64
	// UpToSeq, if not 0, leaves out entries whose last change came after
	// it, so that readers can split a sequence range between them.
	UpToSeq int64
	Signal  SignalType
	Value   string
	// IncludeInactive also returns disabled, quarantined and deleted entries,
	// as a sync feed must.
	IncludeInactive bool
	// NoMetadata leaves Metadata nil, for readers that need only the hashes
	// (loading the index reads millions of entries).
	NoMetadata bool
	Limit      int // 0 means 1000
}

// BankService stores banks and their entries. Entry changes bump a global
// sequence so that every process's index can follow them.
type BankService interface {
	// CreateBank stores b and sets its ID; ECONFLICT if the name is taken.
	CreateBank(ctx context.Context, b *Bank) error
	// FindBankByName returns ENOTFOUND if there is no such bank.
	FindBankByName(ctx context.Context, name string) (*Bank, error)
	// FindBanks returns banks ordered by name.
	FindBanks(ctx context.Context, f BankFilter) ([]*Bank, error)
	// UpdateBank stores b's threshold, enabled flag, source and description.
	UpdateBank(ctx context.Context, b *Bank) error
	// AddEntries stores entries in one transaction; each gets ID, Seq and
	// times. An entry already in the bank (same signal and value) is left
	// as it is and reported as a duplicate.
	AddEntries(ctx context.Context, bankID int64, entries []*BankEntry) (added, duplicates int, err error)
	// SetEntryStatus changes an entry's status; ENOTFOUND if there is none.
	SetEntryStatus(ctx context.Context, id int64, status EntryStatus) (*BankEntry, error)
	// FindEntries returns entries in Seq order.
	FindEntries(ctx context.Context, f EntryFilter) ([]*BankEntry, error)
	// FindEntriesByID returns the entries with these ids, in any order;
	// ids that do not exist are left out.
	FindEntriesByID(ctx context.Context, ids []int64) ([]*BankEntry, error)
	// MaxEntrySeq returns the sequence number of the latest change.
	MaxEntrySeq(ctx context.Context) (int64, error)
}

// Match is a stored entry that a queried fingerprint hits.
type Match struct {
	Bank  *Bank
	Entry *BankEntry
	// Distance is the Hamming distance for PDQ, 0 for exact hashes.
	Distance int
	// Query is the signal that matched: for an image, one of its
	// fingerprints, possibly the PDQ hash of a rotation or mirror.
	Query Signal
}

// Signal is a fingerprint to look up.
type Signal struct {
	Type  SignalType
	Value string
}

// MatchOptions shapes a lookup.
type MatchOptions struct {
	// Banks limits the lookup to these bank names; empty means every
	// enabled bank.
	Banks []string
	// ShareableOnly leaves family banks out, for partners.
	ShareableOnly bool
}

// Matcher finds bank entries that match fingerprints.
type Matcher interface {
	// Match looks up the fingerprints of one piece of content (for an image:
	// its PDQ hash, optionally the PDQ hashes of its rotations and mirrors,
	// and its file hashes) and returns each matching entry once, with the
	// smallest distance. Matches in a benign bank suppress the others.
	Match(ctx context.Context, signals []Signal, opts MatchOptions) ([]*Match, error)
}
