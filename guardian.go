package vigie

import (
	"context"
	"time"
)

// FamilyBank is the bank that holds every family's registered photos: a
// bank of kind family, created on first use, never shared.
const FamilyBank = "families"

// FamilyTokenTTL is how long a verification link stays valid.
const FamilyTokenTTL = 24 * time.Hour

// MaxFamilyPhotos bounds the photos of one registration.
const MaxFamilyPhotos = 1000

// FamilyMinQuality is the lowest PDQ quality a registered photo may have:
// the hash of a plainer photo (a wall, a sky) tells it from too few others
// and would raise false alarms.
const FamilyMinQuality = 50

// Family is a parent's registration on the guardian page. Its hashes are
// personal data: they live in the family bank only, are never exported,
// never logged, and are deleted for good on withdrawal.
type Family struct {
	ID int64
	// CaseNumber is given at verification, e.g. "FA-7K3M9QXD"; "" before.
	CaseNumber string
	// PINHash is the argon2id PHC string of the PIN, shown once.
	PINHash string
	// Email is where the family is written to; personal data, never logged,
	// erased on withdrawal.
	Email string
	Lang  string // "fr" or "en": the language of every message to them
	// TokenHash is the SHA-256 of the verification link's token, until the
	// link is used.
	TokenHash      []byte
	TokenExpiresAt time.Time
	// Photos is how many photos were registered.
	Photos      int
	CreatedAt   time.Time
	VerifiedAt  *time.Time
	WithdrawnAt *time.Time
}

// Verified reports whether the family confirmed its e-mail address.
func (f *Family) Verified() bool { return f.VerifiedAt != nil }

// Withdrawn reports whether the family withdrew its registration.
func (f *Family) Withdrawn() bool { return f.WithdrawnAt != nil }

// FamilyPhoto is the fingerprint of one photo a family registers,
// computed on their own device.
type FamilyPhoto struct {
	PDQ     string `json:"pdq"`
	MD5     string `json:"md5"`
	Quality int    `json:"quality"`
}

// Validate normalises the photo's hashes and returns EINVALID when one is
// malformed.
func (p *FamilyPhoto) Validate() error {
	var err error
	if p.PDQ, err = NormalizeSignal(SignalPDQ, p.PDQ); err != nil {
		return err
	}
	if p.MD5 != "" {
		if p.MD5, err = NormalizeSignal(SignalMD5, p.MD5); err != nil {
			return err
		}
	}
	return nil
}

// FamilyActivation is what verification gives a registration: its case
// number and PIN hash, and the PDQ hashes that the false-match guard holds
// back for review.
type FamilyActivation struct {
	TokenHash  []byte
	CaseNumber string
	PINHash    string
	// Suspect lists PDQ hashes that match too many known or benign
	// entries: they enter the bank quarantined, for a supervisor's review,
	// and raise no alarm.
	Suspect map[string]bool
}

// FamilyStatus is what the status page tells a family: counts only, never
// an image or an address.
type FamilyStatus struct {
	Photos int // photos registered
	// Found is how many pieces of reported content an analyst confirmed
	// as one of their photos.
	Found int
}

// GuardianService stores families' registrations and their link to the
// family bank. Every change is audited without hash values or e-mail.
type GuardianService interface {
	// RegisterFamily stores a pending registration with its photos, which
	// stay out of every bank until the e-mail address is verified. It sets
	// f.ID. EINVALID for a bad hash, ETOOLARGE past MaxFamilyPhotos.
	RegisterFamily(ctx context.Context, f *Family, photos []FamilyPhoto) error
	// FindPendingFamily returns the pending registration whose token has
	// this hash, and its photos; ENOTFOUND if there is none, or if the link
	// expired or was used.
	FindPendingFamily(ctx context.Context, tokenHash []byte) (*Family, []FamilyPhoto, error)
	// ActivateFamily completes a pending registration: its photos enter the
	// family bank (the suspect ones quarantined), the token is spent, and
	// the case number and PIN hash are stored. ENOTFOUND as for
	// FindPendingFamily; ECONFLICT if the case number is taken.
	ActivateFamily(ctx context.Context, a FamilyActivation) (*Family, error)
	// FindFamilyByCase returns the verified, not withdrawn registration
	// with that case number, or ENOTFOUND.
	FindFamilyByCase(ctx context.Context, caseNumber string) (*Family, error)
	// FindFamily returns ENOTFOUND if there is no registration with that id.
	FindFamily(ctx context.Context, id int64) (*Family, error)
	// FamilyStatus returns the counts the status page shows.
	FamilyStatus(ctx context.Context, id int64) (FamilyStatus, error)
	// WithdrawFamily deletes every hash of the registration at once: the
	// entries become deleted tombstones whose values are erased, so that
	// every index drops them and no hash survives. The e-mail and PIN are
	// erased too. ENOTFOUND if there is no active registration.
	WithdrawFamily(ctx context.Context, id int64) error
	// ConfirmFamilyMatch records that an analyst confirmed that a family
	// item shows a registered photo, and enqueues a NotifyFamilyJob for
	// each registration concerned, once. It returns how many families are
	// to be told; EINVALID if the item is not a family match.
	ConfirmFamilyMatch(ctx context.Context, itemID, userID int64) (int, error)
	// MarkFamilyNotified records that the family was told about the item;
	// it returns false if it was already recorded.
	MarkFamilyNotified(ctx context.Context, familyID, itemID int64) (bool, error)
	// PurgeUnverifiedFamilies deletes the pending registrations created
	// before the given time, with their photos, and returns how many.
	PurgeUnverifiedFamilies(ctx context.Context, before time.Time) (int, error)
}

// FamilyNotifier writes to families, with care and in their language.
type FamilyNotifier interface {
	// SendFamilyVerification sends the link that confirms f's address.
	SendFamilyVerification(ctx context.Context, f *Family, link string) error
	// SendFamilyFound tells f that a hotline analyst recognised one of
	// their photos in reported content, what the hotline does about it,
	// and where to find support. It carries no image and no address of
	// the content.
	SendFamilyFound(ctx context.Context, f *Family) error
}

// NotifyFamilyJob tells a family that an analyst confirmed a match.
type NotifyFamilyJob struct {
	FamilyID int64 `json:"family_id"`
	ItemID   int64 `json:"item_id"`
}

// Kind implements Job.
func (NotifyFamilyJob) Kind() string { return "notify_family" }

// PurgeFamiliesJob deletes registrations that were never verified.
type PurgeFamiliesJob struct{}

// Kind implements Job.
func (PurgeFamiliesJob) Kind() string { return "purge_families" }
