package sqldb

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	vigie "github.com/vigie-hotline/vigie"
)

var _ vigie.APIKeyService = (*APIKeyService)(nil)

// APIKeyService stores partner API keys.
type APIKeyService struct{ db *DB }

// NewAPIKeyService returns the API keys stored in db.
func NewAPIKeyService(db *DB) *APIKeyService { return &APIKeyService{db: db} }

const apiKeyColumns = `id, user_id, name, prefix, hash, scopes, created_at, revoked_at, last_used_at, requests`

// CreateAPIKey stores k, sets its ID and audits the creation.
func (s *APIKeyService) CreateAPIKey(ctx context.Context, k *vigie.APIKey) error {
	if k.Name == "" {
		return vigie.Errorf(vigie.EINVALID, "an API key needs a name that says what it is for")
	}
	if len(k.Scopes) == 0 {
		k.Scopes = []string{vigie.ScopeLookup}
	}
	for _, sc := range k.Scopes {
		if sc != vigie.ScopeLookup && sc != vigie.ScopeWrite {
			return vigie.Errorf(vigie.EINVALID, "unknown API key scope %q (use lookup or write)", sc)
		}
	}
	return s.db.inTx(ctx, func(tx *sql.Tx) error {
		k.CreatedAt = s.db.now()
		err := tx.QueryRowContext(ctx, `
			INSERT INTO api_keys (user_id, name, prefix, hash, scopes, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
			k.UserID, k.Name, k.Prefix, k.Hash, strings.Join(k.Scopes, ","), ms(k.CreatedAt)).Scan(&k.ID)
		if err != nil {
			return fmt.Errorf("insert api key: %w", err)
		}
		_, err = appendAudit(ctx, s.db, tx, "apikey.create", apiKeyObject(k.ID),
			map[string]any{"user": userObject(k.UserID), "name": k.Name, "prefix": k.Prefix, "scopes": k.Scopes})
		return err
	})
}

// FindAPIKeyByHash returns the active key with that hash and its owner, or
// ENOTFOUND. Keys of disabled users are not found.
func (s *APIKeyService) FindAPIKeyByHash(ctx context.Context, hash []byte) (*vigie.APIKey, *vigie.User, error) {
	keys, err := queryAPIKeys(ctx, s.db.read, `WHERE hash = $1 AND revoked_at IS NULL`, hash)
	if err != nil {
		return nil, nil, err
	}
	if len(keys) == 0 {
		return nil, nil, vigie.Errorf(vigie.ENOTFOUND, "no such API key")
	}
	u, err := findUser(ctx, s.db.read, `WHERE id = $1`, keys[0].UserID)
	if err != nil {
		return nil, nil, err
	}
	if u.Disabled {
		return nil, nil, vigie.Errorf(vigie.ENOTFOUND, "no such API key")
	}
	return keys[0], u, nil
}

// FindAPIKeys returns the keys of a user, or every key when userID is 0.
func (s *APIKeyService) FindAPIKeys(ctx context.Context, userID int64) ([]*vigie.APIKey, error) {
	if userID == 0 {
		return queryAPIKeys(ctx, s.db.read, `ORDER BY id`)
	}
	return queryAPIKeys(ctx, s.db.read, `WHERE user_id = $1 ORDER BY id`, userID)
}

func queryAPIKeys(ctx context.Context, q queryer, tail string, args ...any) ([]*vigie.APIKey, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+apiKeyColumns+` FROM api_keys `+tail, args...)
	if err != nil {
		return nil, fmt.Errorf("query api keys: %w", err)
	}
	defer rows.Close()
	var out []*vigie.APIKey
	for rows.Next() {
		var k vigie.APIKey
		var created int64
		var revoked, used sql.NullInt64
		var scopes string
		if err := rows.Scan(&k.ID, &k.UserID, &k.Name, &k.Prefix, &k.Hash, &scopes, &created, &revoked, &used, &k.Requests); err != nil {
			return nil, fmt.Errorf("scan api key: %w", err)
		}
		k.CreatedAt, k.RevokedAt, k.LastUsedAt = fromMS(created), fromNullMS(revoked), fromNullMS(used)
		k.Scopes = strings.Split(scopes, ",")
		out = append(out, &k)
	}
	return out, rows.Err()
}

// RevokeAPIKey marks the key revoked and audits it; ENOTFOUND if there is
// no active key with that id.
func (s *APIKeyService) RevokeAPIKey(ctx context.Context, id int64) error {
	return s.db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE api_keys SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL`, ms(s.db.now()), id)
		if err != nil {
			return fmt.Errorf("revoke api key: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return vigie.Errorf(vigie.ENOTFOUND, "no active API key %d", id)
		}
		_, err = appendAudit(ctx, s.db, tx, "apikey.revoke", apiKeyObject(id), nil)
		return err
	})
}

// TouchAPIKey adds n requests to the key's count and sets its last use.
func (s *APIKeyService) TouchAPIKey(ctx context.Context, id int64, n int64, at time.Time) error {
	_, err := s.db.write.ExecContext(ctx, `UPDATE api_keys SET requests = requests + $1, last_used_at = $2 WHERE id = $3`, n, ms(at), id)
	return err
}

func apiKeyObject(id int64) string { return fmt.Sprintf("apikey:%d", id) }
