package main

import (
	"fmt"
	"text/tabwriter"

	vigie "github.com/vigie-hotline/vigie"
	"github.com/vigie-hotline/vigie/sqldb"
	"github.com/vigie-hotline/vigie/web"
)

// APIKeyCmd groups the partner key commands.
type APIKeyCmd struct {
	Add    APIKeyAddCmd    `cmd:"" help:"Create a key for a partner account and print it (once)."`
	List   APIKeyListCmd   `cmd:"" help:"List keys with their use."`
	Revoke APIKeyRevokeCmd `cmd:"" help:"Revoke a key by its ID."`
}

// APIKeyAddCmd creates a key.
type APIKeyAddCmd struct {
	Partner string `arg:"" help:"The partner account (role partner)."`
	Name    string `help:"What the key is for, e.g. 'upload scanner, production'." required:""`
}

// Run creates the key.
func (c *APIKeyAddCmd) Run(m *Main) error {
	ctx, users, err := m.userService()
	if err != nil {
		return err
	}
	u, err := users.FindUserByUsername(ctx, c.Partner)
	if err != nil {
		return vigie.Errorf(vigie.ENOTFOUND, "no account named %q", c.Partner)
	}
	if u.Role != vigie.RolePartner {
		return vigie.Errorf(vigie.EINVALID, "%s has the role %s; API keys are for partner accounts", u.Username, u.Role)
	}
	key, prefix, hash := web.GenerateAPIKey()
	k := &vigie.APIKey{UserID: u.ID, Name: c.Name, Prefix: prefix, Hash: hash}
	if err := sqldb.NewAPIKeyService(m.DB).CreateAPIKey(ctx, k); err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "key %d for %s: %s\n(shown once: only its fingerprint is stored)\n", k.ID, u.Username, key)
	return nil
}

// APIKeyListCmd lists keys.
type APIKeyListCmd struct{}

// Run prints the keys.
func (c *APIKeyListCmd) Run(m *Main) error {
	ctx, users, err := m.userService()
	if err != nil {
		return err
	}
	keys, err := sqldb.NewAPIKeyService(m.DB).FindAPIKeys(ctx, 0)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tPARTNER\tNAME\tPREFIX\tCREATED\tLAST USED\tREQUESTS\tSTATUS")
	for _, k := range keys {
		owner := "?"
		if u, err := users.FindUserByID(ctx, k.UserID); err == nil {
			owner = u.Username
		}
		last, status := "never", "active"
		if k.LastUsedAt != nil {
			last = fmtTime(*k.LastUsedAt)
		}
		if k.RevokedAt != nil {
			status = "revoked " + fmtTime(*k.RevokedAt)
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s…\t%s\t%s\t%d\t%s\n", k.ID, owner, k.Name, k.Prefix, fmtTime(k.CreatedAt), last, k.Requests, status)
	}
	return tw.Flush()
}

// APIKeyRevokeCmd revokes a key.
type APIKeyRevokeCmd struct {
	ID int64 `arg:"" help:"The key's ID, from 'vigie apikey list'."`
}

// Run revokes the key.
func (c *APIKeyRevokeCmd) Run(m *Main) error {
	ctx, _, err := m.userService()
	if err != nil {
		return err
	}
	if err := sqldb.NewAPIKeyService(m.DB).RevokeAPIKey(ctx, c.ID); err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "revoked key %d\n", c.ID)
	return nil
}
