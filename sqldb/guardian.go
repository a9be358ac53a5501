package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	vigie "github.com/vigie-hotline/vigie"
)

var _ vigie.GuardianService = (*GuardianService)(nil)

// GuardianService stores parents' registrations. Their hashes live in the
// family bank only, linked to the registration by family_entries, so that
// no entry's metadata names a family and withdrawal finds every hash.
type GuardianService struct {
	db   *DB
	Jobs vigie.Enqueuer
}

// NewGuardianService returns the registrations stored in db.
func NewGuardianService(db *DB, jobs vigie.Enqueuer) *GuardianService {
	return &GuardianService{db: db, Jobs: jobs}
}

const familyColumns = `id, COALESCE(case_number, ''), pin_hash, email, lang, token_hash, token_expires_at, photos,
	created_at, verified_at, withdrawn_at`

func queryFamilies(ctx context.Context, q queryer, tail string, args ...any) ([]*vigie.Family, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+familyColumns+` FROM families `+tail, args...)
	if err != nil {
		return nil, fmt.Errorf("query families: %w", err)
	}
	defer rows.Close()
	var out []*vigie.Family
	for rows.Next() {
		var f vigie.Family
		var expires, created int64
		var verified, withdrawn sql.NullInt64
		if err := rows.Scan(&f.ID, &f.CaseNumber, &f.PINHash, &f.Email, &f.Lang, &f.TokenHash, &expires, &f.Photos,
			&created, &verified, &withdrawn); err != nil {
			return nil, fmt.Errorf("scan family: %w", err)
		}
		f.TokenExpiresAt, f.CreatedAt = fromMS(expires), fromMS(created)
		f.VerifiedAt, f.WithdrawnAt = fromNullMS(verified), fromNullMS(withdrawn)
		out = append(out, &f)
	}
	return out, rows.Err()
}

func familyObject(id int64) string { return "family:" + strconv.FormatInt(id, 10) }

// RegisterFamily stores a pending registration; its photos wait, outside
// every bank, for the e-mail address to be verified.
func (s *GuardianService) RegisterFamily(ctx context.Context, f *vigie.Family, photos []vigie.FamilyPhoto) error {
	photos, err := validPhotos(photos)
	if err != nil {
		return err
	}
	raw, err := json.Marshal(photos)
	if err != nil {
		return err
	}
	return s.db.inTx(ctx, func(tx *sql.Tx) error {
		f.CreatedAt, f.Photos = s.db.now(), len(photos)
		err := tx.QueryRowContext(ctx, `
			INSERT INTO families (email, lang, token_hash, token_expires_at, pending_photos, photos, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
			f.Email, f.Lang, f.TokenHash, ms(f.TokenExpiresAt), string(raw), f.Photos, ms(f.CreatedAt)).Scan(&f.ID)
		if isUniqueViolation(err) {
			return vigie.Errorf(vigie.ECONFLICT, "verification token already used")
		} else if err != nil {
			return fmt.Errorf("insert family: %w", err)
		}
		_, err = appendAudit(ctx, s.db, tx, "guardian.register", familyObject(f.ID), map[string]any{"photos": f.Photos, "lang": f.Lang})
		return err
	})
}

// validPhotos normalises photos and drops repeats of the same PDQ hash.
func validPhotos(photos []vigie.FamilyPhoto) ([]vigie.FamilyPhoto, error) {
	if len(photos) == 0 {
		return nil, vigie.Errorf(vigie.EINVALID, "no photo to register")
	}
	if len(photos) > vigie.MaxFamilyPhotos {
		return nil, vigie.Errorf(vigie.ETOOLARGE, "at most %d photos at once", vigie.MaxFamilyPhotos)
	}
	seen := map[string]bool{}
	out := make([]vigie.FamilyPhoto, 0, len(photos))
	for _, p := range photos {
		if err := p.Validate(); err != nil {
			return nil, err
		}
		if !seen[p.PDQ] {
			seen[p.PDQ] = true
			out = append(out, p)
		}
	}
	return out, nil
}

// FindPendingFamily returns the pending registration of a live token.
func (s *GuardianService) FindPendingFamily(ctx context.Context, tokenHash []byte) (*vigie.Family, []vigie.FamilyPhoto, error) {
	return s.pending(ctx, s.db.read, tokenHash)
}

func (s *GuardianService) pending(ctx context.Context, q queryer, tokenHash []byte) (*vigie.Family, []vigie.FamilyPhoto, error) {
	notFound := vigie.Errorf(vigie.ENOTFOUND, "this link is not valid: it expired, or it was already used")
	if len(tokenHash) == 0 {
		return nil, nil, notFound
	}
	fs, err := queryFamilies(ctx, q, `WHERE token_hash = $1 AND verified_at IS NULL AND withdrawn_at IS NULL AND token_expires_at > $2`,
		tokenHash, ms(s.db.now()))
	if err != nil {
		return nil, nil, err
	}
	if len(fs) == 0 {
		return nil, nil, notFound
	}
	var raw string
	if err := q.QueryRowContext(ctx, `SELECT pending_photos FROM families WHERE id = $1`, fs[0].ID).Scan(&raw); err != nil {
		return nil, nil, fmt.Errorf("read pending photos: %w", err)
	}
	var photos []vigie.FamilyPhoto
	if err := json.Unmarshal([]byte(raw), &photos); err != nil {
		return nil, nil, fmt.Errorf("family %d photos: %w", fs[0].ID, err)
	}
	return fs[0], photos, nil
}

// ActivateFamily puts a verified registration's photos into the family
// bank, spends the token and stores the case number and PIN hash, in one
// transaction.
func (s *GuardianService) ActivateFamily(ctx context.Context, a vigie.FamilyActivation) (*vigie.Family, error) {
	var f *vigie.Family
	err := s.db.inTx(ctx, func(tx *sql.Tx) error {
		var photos []vigie.FamilyPhoto
		var err error
		if f, photos, err = s.pending(ctx, tx, a.TokenHash); err != nil {
			return err
		}
		bankID, err := ensureFamilyBank(ctx, s.db, tx)
		if err != nil {
			return err
		}
		quarantined, err := s.addPhotos(ctx, tx, f.ID, bankID, photos, a.Suspect)
		if err != nil {
			return err
		}
		return s.activate(ctx, tx, f, a, quarantined)
	})
	return f, err
}

// activate stores the credentials, spends the token and forgets the
// pending photos, now in the bank.
func (s *GuardianService) activate(ctx context.Context, tx *sql.Tx, f *vigie.Family, a vigie.FamilyActivation, quarantined int) error {
	now := s.db.now()
	_, err := tx.ExecContext(ctx, `UPDATE families SET case_number = $1, pin_hash = $2, token_hash = NULL, pending_photos = '[]',
		verified_at = $3 WHERE id = $4`, a.CaseNumber, a.PINHash, ms(now), f.ID)
	if isUniqueViolation(err) {
		return vigie.Errorf(vigie.ECONFLICT, "case number already used")
	} else if err != nil {
		return fmt.Errorf("activate family: %w", err)
	}
	f.CaseNumber, f.PINHash, f.TokenHash, f.VerifiedAt = a.CaseNumber, a.PINHash, nil, &now
	_, err = appendAudit(ctx, s.db, tx, "guardian.verify", familyObject(f.ID),
		map[string]any{"case": f.CaseNumber, "photos": f.Photos, "quarantined": quarantined})
	return err
}

// ensureFamilyBank returns the id of the shared family bank, creating it
// on first use.
func ensureFamilyBank(ctx context.Context, db *DB, tx *sql.Tx) (int64, error) {
	var kind string
	var id int64
	err := tx.QueryRowContext(ctx, `SELECT id, kind FROM banks WHERE name = $1`, vigie.FamilyBank).Scan(&id, &kind)
	if err == nil && vigie.BankKind(kind) != vigie.BankFamily {
		return 0, vigie.Errorf(vigie.ECONFLICT, "the bank %q exists and is not of kind family", vigie.FamilyBank)
	} else if err == nil {
		return id, nil
	} else if err != sql.ErrNoRows {
		return 0, fmt.Errorf("find family bank: %w", err)
	}
	return ensureBank(ctx, db, tx, vigie.FamilyBank, vigie.BankFamily)
}

// addPhotos stores each photo's PDQ and MD5 in the family bank (suspect
// PDQ hashes quarantined) and links the entries to the family. An entry
// another family registered already is shared, not copied. It returns how
// many entries were quarantined.
func (s *GuardianService) addPhotos(ctx context.Context, tx *sql.Tx, familyID, bankID int64, photos []vigie.FamilyPhoto, suspect map[string]bool) (int, error) {
	var entries []*vigie.BankEntry
	quarantined := 0
	for _, p := range photos {
		e := &vigie.BankEntry{Signal: vigie.SignalPDQ, Value: p.PDQ, Metadata: map[string]any{"source": "guardian", "quality": p.Quality}}
		if suspect[p.PDQ] {
			e.Status = vigie.EntryQuarantined
			quarantined++
		}
		entries = append(entries, e)
		if p.MD5 != "" {
			entries = append(entries, &vigie.BankEntry{Signal: vigie.SignalMD5, Value: p.MD5, Metadata: map[string]any{"source": "guardian"}})
		}
	}
	banks := &BankService{db: s.db}
	now := s.db.now()
	for start := 0; start < len(entries); start += entryBatch {
		if _, err := banks.insertEntries(ctx, tx, bankID, entries[start:min(start+entryBatch, len(entries))], now); err != nil {
			return 0, err
		}
	}
	for _, e := range entries {
		if err := linkEntry(ctx, tx, familyID, bankID, e); err != nil {
			return 0, err
		}
	}
	return quarantined, nil
}

// linkEntry links the family to the entry holding e's value, new or not.
func linkEntry(ctx context.Context, tx *sql.Tx, familyID, bankID int64, e *vigie.BankEntry) error {
	if e.ID == 0 {
		err := tx.QueryRowContext(ctx, `SELECT id FROM bank_entries WHERE bank_id = $1 AND signal = $2 AND value = $3`,
			bankID, string(e.Signal), e.Value).Scan(&e.ID)
		if err != nil {
			return fmt.Errorf("find family entry: %w", err)
		}
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO family_entries (family_id, entry_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, familyID, e.ID)
	if err != nil {
		return fmt.Errorf("link family entry: %w", err)
	}
	return nil
}

// FindFamilyByCase returns the active registration with that case number.
func (s *GuardianService) FindFamilyByCase(ctx context.Context, caseNumber string) (*vigie.Family, error) {
	fs, err := queryFamilies(ctx, s.db.read, `WHERE case_number = $1 AND withdrawn_at IS NULL`, caseNumber)
	if err != nil {
		return nil, err
	}
	if len(fs) == 0 {
		return nil, vigie.Errorf(vigie.ENOTFOUND, "no registration has this case number")
	}
	return fs[0], nil
}

// FindFamily returns ENOTFOUND if there is no registration with that id.
func (s *GuardianService) FindFamily(ctx context.Context, id int64) (*vigie.Family, error) {
	fs, err := queryFamilies(ctx, s.db.read, `WHERE id = $1`, id)
	if err != nil {
		return nil, err
	}
	if len(fs) == 0 {
		return nil, vigie.Errorf(vigie.ENOTFOUND, "no registration %d", id)
	}
	return fs[0], nil
}

// FamilyStatus counts the registration's photos and confirmed matches.
func (s *GuardianService) FamilyStatus(ctx context.Context, id int64) (vigie.FamilyStatus, error) {
	var st vigie.FamilyStatus
	err := s.db.read.QueryRowContext(ctx, `SELECT photos, (SELECT count(*) FROM family_matches WHERE family_id = $1)
		FROM families WHERE id = $1`, id).Scan(&st.Photos, &st.Found)
	if err == sql.ErrNoRows {
		return st, vigie.Errorf(vigie.ENOTFOUND, "no registration %d", id)
	}
	return st, err
}

// WithdrawFamily erases the registration's hashes, e-mail and PIN in one
// transaction. Each entry no other family shares becomes a deleted
// tombstone with a new sequence number, so that every index drops it by
// id, and its value is replaced by a placeholder: no hash survives.
func (s *GuardianService) WithdrawFamily(ctx context.Context, id int64) error {
	return s.db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE families SET withdrawn_at = $1, email = '', pin_hash = '', token_hash = NULL,
			pending_photos = '[]' WHERE id = $2 AND withdrawn_at IS NULL`, ms(s.db.now()), id)
		if err != nil {
			return fmt.Errorf("withdraw family: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return vigie.Errorf(vigie.ENOTFOUND, "no registration to withdraw")
		}
		erased, err := s.eraseEntries(ctx, tx, id)
		if err != nil {
			return err
		}
		_, err = appendAudit(ctx, s.db, tx, "guardian.withdraw", familyObject(id), map[string]any{"entries_erased": erased})
		return err
	})
}

// eraseEntries unlinks the family's entries and erases those no other
// family holds; it returns how many it erased.
func (s *GuardianService) eraseEntries(ctx context.Context, tx *sql.Tx, familyID int64) (int, error) {
	ids, err := queryIDs(ctx, tx, `SELECT entry_id FROM family_entries fe WHERE family_id = $1
		AND NOT EXISTS (SELECT 1 FROM family_entries o WHERE o.entry_id = fe.entry_id AND o.family_id <> fe.family_id)`, familyID)
	if err != nil {
		return 0, err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM family_entries WHERE family_id = $1`, familyID); err != nil {
		return 0, fmt.Errorf("unlink family entries: %w", err)
	}
	now := ms(s.db.now())
	for _, id := range ids {
		seq, err := nextSeqs(ctx, tx, 1)
		if err != nil {
			return 0, err
		}
		_, err = tx.ExecContext(ctx, `UPDATE bank_entries SET status = 'deleted', value = $1, metadata = '{}', seq = $2, updated_at = $3
			WHERE id = $4`, "withdrawn-"+strconv.FormatInt(id, 10), seq, now, id)
		if err != nil {
			return 0, fmt.Errorf("erase family entry: %w", err)
		}
	}
	return len(ids), nil
}

func queryIDs(ctx context.Context, q queryer, query string, args ...any) ([]int64, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("query ids: %w", err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// ConfirmFamilyMatch records an analyst's confirmation and enqueues the
// families' notifications in the same transaction.
func (s *GuardianService) ConfirmFamilyMatch(ctx context.Context, itemID, userID int64) (int, error) {
	var n int
	err := s.db.inTx(ctx, func(tx *sql.Tx) error {
		it, err := findItem(ctx, tx, itemID)
		if err != nil {
			return err
		}
		if !it.Family {
			return vigie.Errorf(vigie.EINVALID, "this item does not match a family's photo")
		}
		families, err := matchedFamilies(ctx, tx, it)
		if err != nil {
			return err
		}
		var jobs []vigie.Job
		for _, fid := range families {
			res, err := tx.ExecContext(ctx, `INSERT INTO family_matches (family_id, item_id, confirmed_by, confirmed_at)
				VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`, fid, itemID, userID, ms(s.db.now()))
			if err != nil {
				return fmt.Errorf("record family match: %w", err)
			}
			if k, _ := res.RowsAffected(); k > 0 {
				jobs = append(jobs, vigie.NotifyFamilyJob{FamilyID: fid, ItemID: itemID})
			}
		}
		n = len(jobs)
		if _, err := appendAudit(ctx, s.db, tx, "guardian.match_confirm", itemObject(itemID), map[string]any{"families": n}); err != nil {
			return err
		}
		if n == 0 {
			return nil
		}
		return s.Jobs.EnqueueTx(ctx, tx, jobs...)
	})
	return n, err
}

// matchedFamilies returns the active registrations linked to the family
// entries the item matched.
func matchedFamilies(ctx context.Context, tx *sql.Tx, it *vigie.Item) ([]int64, error) {
	var recs []struct {
		Kind  string `json:"kind"`
		Entry int64  `json:"entry"`
	}
	if err := json.Unmarshal([]byte(orJSON(it.Matches, "[]")), &recs); err != nil {
		return nil, fmt.Errorf("item %d matches: %w", it.ID, err)
	}
	var entries, args []any
	for _, r := range recs {
		if vigie.BankKind(r.Kind) == vigie.BankFamily {
			entries = append(entries, r.Entry)
		}
	}
	if len(entries) == 0 {
		return nil, nil
	}
	q := `SELECT DISTINCT fe.family_id FROM family_entries fe JOIN families f ON f.id = fe.family_id
		WHERE f.withdrawn_at IS NULL AND fe.entry_id IN (` + placeholders(&args, entries) + `) ORDER BY fe.family_id`
	return queryIDs(ctx, tx, q, args...)
}

// MarkFamilyNotified records that the family was told about the item.
func (s *GuardianService) MarkFamilyNotified(ctx context.Context, familyID, itemID int64) (bool, error) {
	var changed bool
	err := s.db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE family_matches SET notified_at = $1 WHERE family_id = $2 AND item_id = $3 AND notified_at IS NULL`,
			ms(s.db.now()), familyID, itemID)
		if err != nil {
			return fmt.Errorf("mark family notified: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		changed = true
		_, err = appendAudit(ctx, s.db, tx, "guardian.notified", familyObject(familyID), map[string]any{"item": itemObject(itemID)})
		return err
	})
	return changed, err
}

// PurgeUnverifiedFamilies deletes pending registrations created before
// the given time: their photos never reached a bank.
func (s *GuardianService) PurgeUnverifiedFamilies(ctx context.Context, before time.Time) (int, error) {
	var n int
	err := s.db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM families WHERE verified_at IS NULL AND withdrawn_at IS NULL AND created_at < $1`, ms(before))
		if err != nil {
			return fmt.Errorf("purge families: %w", err)
		}
		k, _ := res.RowsAffected()
		if n = int(k); n == 0 {
			return nil
		}
		_, err = appendAudit(ctx, s.db, tx, "guardian.purge_unverified", "families", map[string]any{"deleted": n})
		return err
	})
	return n, err
}
