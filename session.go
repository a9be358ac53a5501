package vigie

import (
	"context"
	"time"
)

// Session is a signed-in browser. The cookie holds a random token; only its
// SHA-256 is stored, so a copy of the database cannot be used to sign in.
type Session struct {
	ID        int64
	UserID    int64
	TokenHash []byte
	// Pending is true between the password and the second factor: such a
	// session only opens the TOTP step.
	Pending   bool
	CreatedAt time.Time
	ExpiresAt time.Time
	IP        string
	UserAgent string
}

// SessionService stores sessions.
type SessionService interface {
	// CreateSession stores s and sets its ID.
	CreateSession(ctx context.Context, s *Session) error
	// FindSessionByTokenHash returns ENOTFOUND if no unexpired session matches.
	FindSessionByTokenHash(ctx context.Context, hash []byte, now time.Time) (*Session, *User, error)
	// CompleteSession clears Pending once the second factor is checked.
	CompleteSession(ctx context.Context, id int64) error
	// DeleteSession ends one session.
	DeleteSession(ctx context.Context, id int64) error
	// DeleteUserSessions ends every session of a user ("log out everywhere").
	DeleteUserSessions(ctx context.Context, userID int64) (int, error)
	// PurgeSessions deletes sessions that expired before now.
	PurgeSessions(ctx context.Context, now time.Time) (int, error)
}

// LoginThrottle counts failed sign-ins by key ("ip:…" or "user:…") so that
// guessing passwords is slow whichever process answers.
type LoginThrottle interface {
	// RecordLoginFailure notes one failure for each key.
	RecordLoginFailure(ctx context.Context, at time.Time, keys ...string) error
	// CountLoginFailures returns the failures of key since the given time.
	CountLoginFailures(ctx context.Context, key string, since time.Time) (int, error)
	// ClearLoginFailures forgets the failures of key, after a success.
	ClearLoginFailures(ctx context.Context, key string) error
	// PurgeLoginFailures deletes failures older than before.
	PurgeLoginFailures(ctx context.Context, before time.Time) (int, error)
}
