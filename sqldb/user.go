package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"

	vigie "github.com/vigie-hotline/vigie"
)

var _ vigie.UserService = (*UserService)(nil)

// UserService stores accounts.
type UserService struct{ db *DB }

// NewUserService returns the accounts stored in db.
func NewUserService(db *DB) *UserService { return &UserService{db: db} }

const userColumns = `id, username, role, password_hash, totp_secret, disabled, lang, created_at, updated_at`

// FindUserByID returns ENOTFOUND if no user has that id.
func (s *UserService) FindUserByID(ctx context.Context, id int64) (*vigie.User, error) {
	return findUser(ctx, s.db.read, `WHERE id = $1`, id)
}

// FindUserByUsername returns ENOTFOUND if no user has that name; names are
// compared without regard to case.
func (s *UserService) FindUserByUsername(ctx context.Context, username string) (*vigie.User, error) {
	return findUser(ctx, s.db.read, `WHERE lower(username) = lower($1)`, username)
}

func findUser(ctx context.Context, q queryer, where string, args ...any) (*vigie.User, error) {
	users, err := queryUsers(ctx, q, where, args...)
	if err != nil {
		return nil, err
	}
	if len(users) == 0 {
		return nil, vigie.Errorf(vigie.ENOTFOUND, "no such user")
	}
	return users[0], nil
}

// FindUsers returns the users that match, ordered by username.
func (s *UserService) FindUsers(ctx context.Context, f vigie.UserFilter) ([]*vigie.User, error) {
	var w filter
	if f.ID != nil {
		w.eq("id = ?", *f.ID)
	}
	if f.Username != nil {
		w.eq("lower(username) = lower(?)", *f.Username)
	}
	if f.Role != nil {
		w.eq("role = ?", string(*f.Role))
	}
	return queryUsers(ctx, s.db.read, w.clause()+" ORDER BY lower(username)", w.args...)
}

func queryUsers(ctx context.Context, q queryer, tail string, args ...any) ([]*vigie.User, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+userColumns+` FROM users `+tail, args...)
	if err != nil {
		return nil, fmt.Errorf("query users: %w", err)
	}
	defer rows.Close()
	var out []*vigie.User
	for rows.Next() {
		var u vigie.User
		var created, updated int64
		if err := rows.Scan(&u.ID, &u.Username, &u.Role, &u.PasswordHash, &u.TOTPSecret,
			&u.Disabled, &u.Lang, &created, &updated); err != nil {
			return nil, fmt.Errorf("scan user: %w", err)
		}
		u.CreatedAt, u.UpdatedAt = fromMS(created), fromMS(updated)
		out = append(out, &u)
	}
	return out, rows.Err()
}

// CountUsers returns the number of accounts.
func (s *UserService) CountUsers(ctx context.Context) (int, error) {
	var n int
	err := s.db.read.QueryRowContext(ctx, `SELECT count(*) FROM users`).Scan(&n)
	return n, err
}

// CreateUser stores u, sets its ID and times, and audits the creation.
func (s *UserService) CreateUser(ctx context.Context, u *vigie.User) error {
	if err := u.Validate(); err != nil {
		return err
	}
	return s.db.inTx(ctx, func(tx *sql.Tx) error {
		now := s.db.now()
		err := tx.QueryRowContext(ctx, `
			INSERT INTO users (username, role, password_hash, totp_secret, disabled, lang, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id`,
			u.Username, string(u.Role), u.PasswordHash, u.TOTPSecret, u.Disabled, u.Lang, ms(now)).Scan(&u.ID)
		if isUniqueViolation(err) {
			return vigie.Errorf(vigie.ECONFLICT, "the username %q is already taken", u.Username)
		} else if err != nil {
			return fmt.Errorf("insert user: %w", err)
		}
		u.CreatedAt, u.UpdatedAt = now, now
		_, err = appendAudit(ctx, s.db, tx, "user.create", userObject(u.ID),
			map[string]any{"username": u.Username, "role": u.Role})
		return err
	})
}

// UpdateUser changes the given fields and audits which ones changed (never
// their secret values). A new password or a disabled account ends every
// session of that user.
func (s *UserService) UpdateUser(ctx context.Context, id int64, upd vigie.UserUpdate) (*vigie.User, error) {
	var u *vigie.User
	err := s.db.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		if u, err = findUser(ctx, tx, `WHERE id = $1`, id); err != nil {
			return err
		}
		details := applyUserUpdate(u, upd)
		if upd.Role != nil && !upd.Role.Valid() {
			return vigie.Errorf(vigie.EINVALID, "unknown role %q", *upd.Role)
		}
		u.UpdatedAt = s.db.now()
		if _, err := tx.ExecContext(ctx, `
			UPDATE users SET role = $1, password_hash = $2, totp_secret = $3, disabled = $4, lang = $5, updated_at = $6
			WHERE id = $7`, string(u.Role), u.PasswordHash, u.TOTPSecret, u.Disabled, u.Lang, ms(u.UpdatedAt), id); err != nil {
			return fmt.Errorf("update user: %w", err)
		}
		if upd.PasswordHash != nil || (upd.Disabled != nil && *upd.Disabled) {
			if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = $1`, id); err != nil {
				return fmt.Errorf("end sessions: %w", err)
			}
			details["sessions_ended"] = true
		}
		if len(details) == 0 {
			return nil
		}
		_, err = appendAudit(ctx, s.db, tx, "user.update", userObject(id), details)
		return err
	})
	return u, err
}

// applyUserUpdate copies the set fields into u and returns what the audit
// log should say about them.
func applyUserUpdate(u *vigie.User, upd vigie.UserUpdate) map[string]any {
	d := map[string]any{}
	if upd.Role != nil && *upd.Role != u.Role {
		d["role"] = map[string]any{"from": u.Role, "to": *upd.Role}
		u.Role = *upd.Role
	}
	if upd.PasswordHash != nil {
		d["password"] = "changed"
		u.PasswordHash = *upd.PasswordHash
	}
	if upd.TOTPSecret != nil {
		d["totp"] = map[bool]string{true: "enrolled", false: "removed"}[*upd.TOTPSecret != ""]
		u.TOTPSecret = *upd.TOTPSecret
	}
	if upd.Disabled != nil && *upd.Disabled != u.Disabled {
		d["disabled"] = *upd.Disabled
		u.Disabled = *upd.Disabled
	}
	if upd.Lang != nil && *upd.Lang != u.Lang {
		u.Lang = *upd.Lang
		if len(d) == 0 {
			return d // a language preference alone is not worth an audit entry
		}
	}
	return d
}

func userObject(id int64) string { return "user:" + strconv.FormatInt(id, 10) }

// notFound maps sql.ErrNoRows to ENOTFOUND with the given message.
func notFound(err error, what string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return vigie.Errorf(vigie.ENOTFOUND, "no such %s", what)
	}
	return err
}

// FindWellness returns a user's wellness settings, or the defaults.
func (s *UserService) FindWellness(ctx context.Context, userID int64) (vigie.Wellness, error) {
	w := vigie.DefaultWellness
	err := s.db.read.QueryRowContext(ctx, `SELECT blur, grey, pause_after FROM wellness WHERE user_id = $1`, userID).Scan(&w.Blur, &w.Grey, &w.PauseAfter)
	if errors.Is(err, sql.ErrNoRows) {
		return vigie.DefaultWellness, nil
	}
	return w, err
}

// SaveWellness stores a user's wellness settings.
func (s *UserService) SaveWellness(ctx context.Context, userID int64, w vigie.Wellness) error {
	if err := w.Validate(); err != nil {
		return err
	}
	_, err := s.db.write.ExecContext(ctx, `INSERT INTO wellness (user_id, blur, grey, pause_after) VALUES ($1, $2, $3, $4)
		ON CONFLICT (user_id) DO UPDATE SET blur = excluded.blur, grey = excluded.grey, pause_after = excluded.pause_after`,
		userID, w.Blur, w.Grey, w.PauseAfter)
	return err
}
