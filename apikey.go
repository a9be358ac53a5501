package vigie

import (
	"context"
	"time"
)

// APIKey lets a partner (a platform, a hotline abroad) call the JSON API.
// The secret is shown once when the key is made; only its SHA-256 is kept.
type APIKey struct {
	ID     int64
	UserID int64
	// Name says what the key is for ("upload scanner, production").
	Name string
	// Prefix is the public start of the key, shown in lists so that a leaked
	// key can be recognised without storing it.
	Prefix string
	Hash   []byte
	// Scopes lists what the key may do: ScopeLookup, ScopeWrite.
	Scopes     []string
	CreatedAt  time.Time
	RevokedAt  *time.Time
	LastUsedAt *time.Time
	Requests   int64
}

// Scopes of partner keys.
const (
	ScopeLookup = "lookup" // match hashes and images, read bank feeds
	ScopeWrite  = "write"  // add entries to shareable banks
)

// Can reports whether the key holds scope.
func (k *APIKey) Can(scope string) bool {
	for _, s := range k.Scopes {
		if s == scope {
			return true
		}
	}
	return false
}

// Active reports whether the key may still be used.
func (k *APIKey) Active() bool { return k.RevokedAt == nil }

// APIKeyService stores partner API keys. Creations and revocations are
// written to the audit log.
type APIKeyService interface {
	// CreateAPIKey stores k and sets its ID.
	CreateAPIKey(ctx context.Context, k *APIKey) error
	// FindAPIKeyByHash returns ENOTFOUND if no active key has that hash.
	FindAPIKeyByHash(ctx context.Context, hash []byte) (*APIKey, *User, error)
	// FindAPIKeys returns the keys of a user, or every key when userID is 0.
	FindAPIKeys(ctx context.Context, userID int64) ([]*APIKey, error)
	// RevokeAPIKey marks the key revoked; ENOTFOUND if there is none.
	RevokeAPIKey(ctx context.Context, id int64) error
	// TouchAPIKey adds n requests to the key's count and sets its last use.
	TouchAPIKey(ctx context.Context, id int64, n int64, at time.Time) error
}
