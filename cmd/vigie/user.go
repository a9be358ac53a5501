package main

import (
	"bufio"
	"context"
	"fmt"
	"strings"
	"text/tabwriter"

	vigie "github.com/vigie-hotline/vigie"
	"github.com/vigie-hotline/vigie/sqldb"
	"github.com/vigie-hotline/vigie/web"
)

// UserCmd groups the account commands.
type UserCmd struct {
	Add       UserAddCmd       `cmd:"" help:"Create an account. Prints a generated password unless --password-stdin."`
	List      UserListCmd      `cmd:"" help:"List accounts."`
	Passwd    UserPasswdCmd    `cmd:"" help:"Set a new password (generated, or read from stdin); ends the user's sessions."`
	Disable   UserDisableCmd   `cmd:"" help:"Disable an account; ends its sessions and API keys stop working."`
	Enable    UserEnableCmd    `cmd:"" help:"Enable a disabled account."`
	Role      UserRoleCmd      `cmd:"" help:"Change an account's role."`
	ResetTOTP UserResetTOTPCmd `cmd:"" name:"reset-totp" help:"Remove an account's second factor (a lost phone); they enrol again at next sign-in."`
}

// userService opens the database and returns the accounts, with the person
// at the terminal as the audit actor.
func (m *Main) userService() (context.Context, *sqldb.UserService, error) {
	if err := m.openDB(); err != nil {
		return nil, nil, err
	}
	return vigie.NewContextWithActor(m.ctx, cliActor()), sqldb.NewUserService(m.DB), nil
}

// newPassword reads a password from stdin when asked to, or generates one.
func (m *Main) newPassword(fromStdin bool) (password string, generated bool, err error) {
	if !fromStdin {
		return web.GeneratePassword(), true, nil
	}
	line, err := bufio.NewReader(m.Stdin).ReadString('\n')
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", false, vigie.Errorf(vigie.EINVALID, "no password on standard input")
	}
	if len([]rune(line)) < 12 {
		return "", false, vigie.Errorf(vigie.EINVALID, "the password must have at least 12 characters")
	}
	return line, false, nil
}

// UserAddCmd creates an account.
type UserAddCmd struct {
	Username      string `arg:"" help:"Account name: letters, digits, dots, dashes, underscores."`
	Role          string `help:"One of admin, supervisor, analyst, police, partner." default:"analyst" enum:"admin,supervisor,analyst,police,partner"`
	PasswordStdin bool   `help:"Read the password from the first line of standard input instead of generating one."`
}

// Run creates the account.
func (c *UserAddCmd) Run(m *Main) error {
	ctx, users, err := m.userService()
	if err != nil {
		return err
	}
	u := &vigie.User{Username: c.Username, Role: vigie.Role(c.Role)}
	password, generated := "", false
	if u.Role.CanLogIn() {
		if password, generated, err = m.newPassword(c.PasswordStdin); err != nil {
			return err
		}
		if u.PasswordHash, err = web.HashPassword(password); err != nil {
			return err
		}
	}
	if err := users.CreateUser(ctx, u); err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "created %s (%s)\n", u.Username, u.Role)
	if generated {
		fmt.Fprintf(m.Stdout, "password: %s\n(shown once: hand it over through a safe channel)\n", password)
	}
	if u.Role == vigie.RolePartner {
		fmt.Fprintf(m.Stdout, "partners sign in with API keys only: vigie apikey add %s --name \"what it is for\"\n", u.Username)
	}
	return nil
}

// UserListCmd lists accounts.
type UserListCmd struct{}

// Run prints the accounts as a table.
func (c *UserListCmd) Run(m *Main) error {
	ctx, users, err := m.userService()
	if err != nil {
		return err
	}
	list, err := users.FindUsers(ctx, vigie.UserFilter{})
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tUSERNAME\tROLE\tSTATUS\t2FA\tCREATED")
	for _, u := range list {
		status, twofa := "active", "no"
		if u.Disabled {
			status = "disabled"
		}
		if u.HasTOTP() {
			twofa = "yes"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", u.ID, u.Username, u.Role, status, twofa, fmtTime(u.CreatedAt))
	}
	return tw.Flush()
}

// updateUser finds the account by name and applies upd.
func (m *Main) updateUser(username string, upd vigie.UserUpdate) (*vigie.User, error) {
	ctx, users, err := m.userService()
	if err != nil {
		return nil, err
	}
	u, err := users.FindUserByUsername(ctx, username)
	if err != nil {
		return nil, vigie.Errorf(vigie.ENOTFOUND, "no account named %q", username)
	}
	return users.UpdateUser(ctx, u.ID, upd)
}

// UserPasswdCmd sets a password.
type UserPasswdCmd struct {
	Username      string `arg:""`
	PasswordStdin bool   `help:"Read the password from the first line of standard input instead of generating one."`
}

// Run sets the password.
func (c *UserPasswdCmd) Run(m *Main) error {
	password, generated, err := m.newPassword(c.PasswordStdin)
	if err != nil {
		return err
	}
	hash, err := web.HashPassword(password)
	if err != nil {
		return err
	}
	if _, err := m.updateUser(c.Username, vigie.UserUpdate{PasswordHash: &hash}); err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "password changed for %s; their sessions have ended\n", c.Username)
	if generated {
		fmt.Fprintf(m.Stdout, "password: %s\n(shown once)\n", password)
	}
	return nil
}

// UserDisableCmd disables an account.
type UserDisableCmd struct {
	Username string `arg:""`
}

// Run disables the account.
func (c *UserDisableCmd) Run(m *Main) error {
	yes := true
	if _, err := m.updateUser(c.Username, vigie.UserUpdate{Disabled: &yes}); err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "disabled %s\n", c.Username)
	return nil
}

// UserEnableCmd enables an account.
type UserEnableCmd struct {
	Username string `arg:""`
}

// Run enables the account.
func (c *UserEnableCmd) Run(m *Main) error {
	no := false
	if _, err := m.updateUser(c.Username, vigie.UserUpdate{Disabled: &no}); err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "enabled %s\n", c.Username)
	return nil
}

// UserRoleCmd changes a role.
type UserRoleCmd struct {
	Username string `arg:""`
	Role     string `arg:"" help:"One of admin, supervisor, analyst, police, partner." enum:"admin,supervisor,analyst,police,partner"`
}

// Run changes the role.
func (c *UserRoleCmd) Run(m *Main) error {
	role := vigie.Role(c.Role)
	u, err := m.updateUser(c.Username, vigie.UserUpdate{Role: &role})
	if err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "%s is now %s\n", u.Username, u.Role)
	return nil
}

// UserResetTOTPCmd removes a second factor.
type UserResetTOTPCmd struct {
	Username string `arg:""`
}

// Run removes the second factor.
func (c *UserResetTOTPCmd) Run(m *Main) error {
	empty := ""
	if _, err := m.updateUser(c.Username, vigie.UserUpdate{TOTPSecret: &empty}); err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "second factor removed for %s\n", c.Username)
	return nil
}
