package vigie

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"strconv"
	"time"
)

// AuditEntry is one line of the append-only audit log. Each entry carries the
// SHA-256 of the previous one, so an edit or a deletion anywhere breaks the
// chain from that point on, and `vigie audit verify` names where.
type AuditEntry struct {
	ID     int64
	At     time.Time
	Actor  string // "user:3 (alice)", "apikey:7", "cli:root", "system"
	Action string // "auth.login", "user.create", "content.view", …
	Object string // "user:5", "case:12", …
	// Details is a JSON object with what else matters; it never holds
	// secrets, image bytes or parents' hashes.
	Details  string
	PrevHash string // hex SHA-256 of the previous entry; "" for the first
	Hash     string // hex SHA-256 of this entry
}

// ComputeHash returns the hex SHA-256 of the entry's fields and PrevHash.
// Each field is length-prefixed so that no two different entries encode the
// same bytes. The time counts in milliseconds, as stored.
func (e *AuditEntry) ComputeHash() string {
	h := sha256.New()
	var buf [8]byte
	field := func(s string) {
		binary.BigEndian.PutUint64(buf[:], uint64(len(s)))
		h.Write(buf[:])
		h.Write([]byte(s))
	}
	binary.BigEndian.PutUint64(buf[:], uint64(e.ID))
	h.Write(buf[:])
	binary.BigEndian.PutUint64(buf[:], uint64(e.At.UnixMilli()))
	h.Write(buf[:])
	field(e.Actor)
	field(e.Action)
	field(e.Object)
	field(e.Details)
	field(e.PrevHash)
	return hex.EncodeToString(h.Sum(nil))
}

// AuditFilter selects entries in FindAuditEntries.
type AuditFilter struct {
	AfterID int64 // entries with a larger ID only
	Action  string
	Object  string
	Limit   int // at most this many; 0 means 100
}

// AuditBreak says where the chain is broken.
type AuditBreak struct {
	ID     int64
	Reason string
}

// AuditService appends to and reads the audit log.
type AuditService interface {
	// AppendAudit writes an entry attributed to the actor in ctx, chaining it
	// to the last one. Services that change data append in their own
	// transaction; this is for events with no other write (a login, a view).
	AppendAudit(ctx context.Context, action, object string, details map[string]any) (*AuditEntry, error)
	// FindAuditEntries returns entries in ID order.
	FindAuditEntries(ctx context.Context, filter AuditFilter) ([]*AuditEntry, error)
	// VerifyAudit walks the whole chain and returns the first break, or nil
	// and the number of entries checked when it is whole.
	VerifyAudit(ctx context.Context) (checked int, brk *AuditBreak, err error)
}

type actorKey struct{}

// NewContextWithActor returns a context that attributes changes to actor.
func NewContextWithActor(ctx context.Context, actor string) context.Context {
	return context.WithValue(ctx, actorKey{}, actor)
}

// ActorFromContext returns the actor set by NewContextWithActor, or "system".
func ActorFromContext(ctx context.Context) string {
	if a, ok := ctx.Value(actorKey{}).(string); ok && a != "" {
		return a
	}
	return "system"
}

// UserActor is the audit name of a signed-in user.
func UserActor(u *User) string {
	return "user:" + strconv.FormatInt(u.ID, 10) + " (" + u.Username + ")"
}
