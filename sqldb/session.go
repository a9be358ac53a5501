package sqldb

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	vigie "github.com/vigie-hotline/vigie"
)

var (
	_ vigie.SessionService = (*SessionService)(nil)
	_ vigie.LoginThrottle  = (*SessionService)(nil)
)

// SessionService stores browser sessions and counts failed sign-ins.
type SessionService struct{ db *DB }

// NewSessionService returns the sessions stored in db.
func NewSessionService(db *DB) *SessionService { return &SessionService{db: db} }

// CreateSession stores s and sets its ID.
func (s *SessionService) CreateSession(ctx context.Context, sess *vigie.Session) error {
	if sess.CreatedAt.IsZero() {
		sess.CreatedAt = s.db.now()
	}
	return s.db.write.QueryRowContext(ctx, `
		INSERT INTO sessions (user_id, token_hash, pending, created_at, expires_at, ip, user_agent)
		VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
		sess.UserID, sess.TokenHash, sess.Pending, ms(sess.CreatedAt), ms(sess.ExpiresAt), sess.IP, sess.UserAgent).Scan(&sess.ID)
}

// FindSessionByTokenHash returns the unexpired session and its user, or
// ENOTFOUND. Sessions of disabled users are not found.
func (s *SessionService) FindSessionByTokenHash(ctx context.Context, hash []byte, now time.Time) (*vigie.Session, *vigie.User, error) {
	var sess vigie.Session
	var created, expires int64
	err := s.db.read.QueryRowContext(ctx, `
		SELECT id, user_id, token_hash, pending, created_at, expires_at, ip, user_agent
		FROM sessions WHERE token_hash = $1 AND expires_at > $2`, hash, ms(now)).
		Scan(&sess.ID, &sess.UserID, &sess.TokenHash, &sess.Pending, &created, &expires, &sess.IP, &sess.UserAgent)
	if err != nil {
		return nil, nil, notFound(err, "session")
	}
	sess.CreatedAt, sess.ExpiresAt = fromMS(created), fromMS(expires)
	u, err := findUser(ctx, s.db.read, `WHERE id = $1`, sess.UserID)
	if err != nil {
		return nil, nil, err
	}
	if u.Disabled {
		return nil, nil, vigie.Errorf(vigie.ENOTFOUND, "no such session")
	}
	return &sess, u, nil
}

// CompleteSession clears Pending once the second factor is checked.
func (s *SessionService) CompleteSession(ctx context.Context, id int64) error {
	_, err := s.db.write.ExecContext(ctx, `UPDATE sessions SET pending = $1 WHERE id = $2`, false, id)
	return err
}

// DeleteSession ends one session.
func (s *SessionService) DeleteSession(ctx context.Context, id int64) error {
	_, err := s.db.write.ExecContext(ctx, `DELETE FROM sessions WHERE id = $1`, id)
	return err
}

// DeleteUserSessions ends every session of a user and audits it.
func (s *SessionService) DeleteUserSessions(ctx context.Context, userID int64) (int, error) {
	var n int64
	err := s.db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = $1`, userID)
		if err != nil {
			return fmt.Errorf("delete sessions: %w", err)
		}
		n, _ = res.RowsAffected()
		_, err = appendAudit(ctx, s.db, tx, "auth.logout_everywhere", userObject(userID), map[string]any{"sessions": n})
		return err
	})
	return int(n), err
}

// PurgeSessions deletes sessions that expired before now.
func (s *SessionService) PurgeSessions(ctx context.Context, now time.Time) (int, error) {
	return s.exec(ctx, `DELETE FROM sessions WHERE expires_at <= $1`, ms(now))
}

// RecordLoginFailure notes one failure for each key.
func (s *SessionService) RecordLoginFailure(ctx context.Context, at time.Time, keys ...string) error {
	return s.db.inTx(ctx, func(tx *sql.Tx) error {
		for _, k := range keys {
			if _, err := tx.ExecContext(ctx, `INSERT INTO login_failures (key, at) VALUES ($1, $2)`, k, ms(at)); err != nil {
				return fmt.Errorf("record login failure: %w", err)
			}
		}
		return nil
	})
}

// CountLoginFailures returns the failures of key since the given time.
func (s *SessionService) CountLoginFailures(ctx context.Context, key string, since time.Time) (int, error) {
	var n int
	err := s.db.read.QueryRowContext(ctx, `SELECT count(*) FROM login_failures WHERE key = $1 AND at >= $2`, key, ms(since)).Scan(&n)
	return n, err
}

// ClearLoginFailures forgets the failures of key.
func (s *SessionService) ClearLoginFailures(ctx context.Context, key string) error {
	_, err := s.exec(ctx, `DELETE FROM login_failures WHERE key = $1`, key)
	return err
}

// PurgeLoginFailures deletes failures older than before.
func (s *SessionService) PurgeLoginFailures(ctx context.Context, before time.Time) (int, error) {
	return s.exec(ctx, `DELETE FROM login_failures WHERE at < $1`, ms(before))
}

func (s *SessionService) exec(ctx context.Context, q string, args ...any) (int, error) {
	res, err := s.db.write.ExecContext(ctx, q, args...)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}
