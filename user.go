package vigie

import (
	"context"
	"time"
)

// Role is what a person or a partner may do in Vigie.
type Role string

// Roles. An account has exactly one.
const (
	RoleAdmin      Role = "admin"      // manages accounts, keys and configuration
	RoleSupervisor Role = "supervisor" // oversees analysts, confirms decisions, opens referrals
	RoleAnalyst    Role = "analyst"    // triages and assesses reported content
	RolePolice     Role = "police"     // reads referral packages only
	RolePartner    Role = "partner"    // a platform or partner hotline: API keys only, no web login
)

// Roles lists every role, in the order the user interface shows them.
var Roles = []Role{RoleAdmin, RoleSupervisor, RoleAnalyst, RolePolice, RolePartner}

// Valid reports whether r is one of the defined roles.
func (r Role) Valid() bool {
	for _, v := range Roles {
		if r == v {
			return true
		}
	}
	return false
}

// CanLogIn reports whether accounts of this role may sign in to the web
// interface. Partners use API keys only.
func (r Role) CanLogIn() bool { return r.Valid() && r != RolePartner }

// ParseRole returns the role named s, or EINVALID.
func ParseRole(s string) (Role, error) {
	if r := Role(s); r.Valid() {
		return r, nil
	}
	return "", Errorf(EINVALID, "unknown role %q (use one of admin, supervisor, analyst, police, partner)", s)
}

// User is an account: a person who signs in, or a partner that holds API keys.
type User struct {
	ID       int64
	Username string
	Role     Role
	// PasswordHash is an argon2id PHC string; empty for partners.
	PasswordHash string
	// TOTPSecret is the base32 secret of the second factor; empty when the
	// user has not enrolled.
	TOTPSecret string
	Disabled   bool
	// Lang is the preferred interface language ("fr" or "en"), or "".
	Lang      string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// HasTOTP reports whether the user has enrolled a second factor.
func (u *User) HasTOTP() bool { return u.TOTPSecret != "" }

// Validate returns EINVALID if the user cannot be stored as it is.
func (u *User) Validate() error {
	if !validUsername(u.Username) {
		return Errorf(EINVALID, "username %q must be 1 to 64 letters, digits, dots, dashes or underscores", u.Username)
	}
	if !u.Role.Valid() {
		return Errorf(EINVALID, "unknown role %q", u.Role)
	}
	return nil
}

func validUsername(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for _, c := range s {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_' || c == '@'
		if !ok {
			return false
		}
	}
	return true
}

// UserFilter selects users in FindUsers. Zero fields match everything.
type UserFilter struct {
	ID       *int64
	Username *string
	Role     *Role
}

// UserUpdate holds the fields UpdateUser changes; nil fields stay as they are.
type UserUpdate struct {
	Role         *Role
	PasswordHash *string
	TOTPSecret   *string
	Disabled     *bool
	Lang         *string
}

// UserService stores accounts. Every change is written to the audit log in
// the same transaction, attributed to the actor in the context.
type UserService interface {
	// FindUserByID returns ENOTFOUND if no user has that id.
	FindUserByID(ctx context.Context, id int64) (*User, error)
	// FindUserByUsername returns ENOTFOUND if no user has that name.
	FindUserByUsername(ctx context.Context, username string) (*User, error)
	// FindUsers returns the users that match, ordered by username.
	FindUsers(ctx context.Context, filter UserFilter) ([]*User, error)
	// CountUsers returns the number of accounts.
	CountUsers(ctx context.Context) (int, error)
	// CreateUser stores u and sets its ID; ECONFLICT if the name is taken.
	CreateUser(ctx context.Context, u *User) error
	// UpdateUser changes the given fields; ENOTFOUND if there is no such user.
	// Disabling a user or changing the password ends all their sessions.
	UpdateUser(ctx context.Context, id int64, upd UserUpdate) (*User, error)
	// FindWellness returns a user's wellness settings, or the defaults.
	FindWellness(ctx context.Context, userID int64) (Wellness, error)
	// SaveWellness stores a user's wellness settings.
	SaveWellness(ctx context.Context, userID int64, w Wellness) error
}

// Wellness holds an analyst's protections when looking at reported content.
type Wellness struct {
	// Blur is the strength of the preview's blur, 0 (none) to 100.
	Blur int
	// Grey shows previews in greyscale.
	Grey bool
	// PauseAfter reminds the analyst to take a break after this many
	// assessments in a row; 0 turns the reminder off.
	PauseAfter int
}

// DefaultWellness is what an analyst gets until they choose.
var DefaultWellness = Wellness{Blur: 60, Grey: true, PauseAfter: 25}

// Validate returns EINVALID if a setting is out of range.
func (w Wellness) Validate() error {
	if w.Blur < 0 || w.Blur > 100 {
		return Errorf(EINVALID, "blur is between 0 and 100")
	}
	if w.PauseAfter < 0 || w.PauseAfter > 1000 {
		return Errorf(EINVALID, "the pause reminder is between 0 (off) and 1000 items")
	}
	return nil
}
