package web

import (
	"net/http"
	"strconv"
	"strings"

	vigie "github.com/vigie-hotline/vigie"
)

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

type usersPage struct {
	Page
	Users []*vigie.User
	Roles []vigie.Role
	// Shown is a new or reset password, displayed once.
	ShownUser     string
	ShownPassword string
	Error         string
	Notice        string
}

func (s *Server) usersPage(r *http.Request) (usersPage, error) {
	p := usersPage{Page: s.page(r, "users.title"), Roles: vigie.Roles}
	var err error
	p.Users, err = s.Users.FindUsers(r.Context(), vigie.UserFilter{})
	return p, err
}

func (s *Server) handleUsers(w http.ResponseWriter, r *http.Request) {
	p, err := s.usersPage(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.render(w, http.StatusOK, "users", p)
}

// handleCreateUser makes an account with a generated password, shown once to
// the administrator, who hands it over. Partners get no password: they use
// API keys.
func (s *Server) handleCreateUser(w http.ResponseWriter, r *http.Request) {
	role, err := vigie.ParseRole(r.PostFormValue("role"))
	u := &vigie.User{Username: strings.TrimSpace(r.PostFormValue("username")), Role: role}
	password := ""
	if err == nil && role.CanLogIn() {
		password = GeneratePassword()
		u.PasswordHash, err = HashPassword(password)
	}
	if err == nil {
		err = s.Users.CreateUser(r.Context(), u)
	}
	s.usersResult(w, r, err, u.Username, password, "users.created")
}

// usersResult renders the users page after an action, with its error or
// notice, and the password to show once, if any.
func (s *Server) usersResult(w http.ResponseWriter, r *http.Request, actionErr error, username, password, noticeKey string) {
	p, err := s.usersPage(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	status := http.StatusOK
	if actionErr != nil {
		if vigie.ErrorCode(actionErr) == vigie.EINTERNAL {
			s.pageError(w, r, actionErr)
			return
		}
		status, p.Error = ErrorStatus(actionErr), vigie.ErrorMessage(actionErr)
	} else {
		if username == "" {
			p.Notice = p.T(noticeKey)
		} else {
			p.Notice = p.T(noticeKey, username)
		}
		p.ShownUser, p.ShownPassword = username, password
	}
	s.render(w, status, "users", p)
}

// userAction loads the user named in the path, applies upd, and shows the
// list again. An administrator cannot lock themselves out.
func (s *Server) userAction(w http.ResponseWriter, r *http.Request, upd vigie.UserUpdate, noticeKey string) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.pageError(w, r, vigie.Errorf(vigie.EINVALID, "bad user id"))
		return
	}
	if me := userFrom(r.Context()); me.ID == id && (upd.Disabled != nil || upd.Role != nil) {
		s.usersResult(w, r, vigie.Errorf(vigie.EINVALID, "you cannot disable your own account or change your own role"), "", "", "")
		return
	}
	u, err := s.Users.UpdateUser(r.Context(), id, upd)
	name := ""
	if u != nil {
		name = u.Username
	}
	s.usersResult(w, r, err, name, "", noticeKey)
}

func (s *Server) handleSetRole(w http.ResponseWriter, r *http.Request) {
	role, err := vigie.ParseRole(r.PostFormValue("role"))
	if err != nil {
		s.usersResult(w, r, err, "", "", "")
		return
	}
	s.userAction(w, r, vigie.UserUpdate{Role: &role}, "users.updated")
}

func (s *Server) handleDisable(w http.ResponseWriter, r *http.Request) {
	yes := true
	s.userAction(w, r, vigie.UserUpdate{Disabled: &yes}, "users.disabled")
}

func (s *Server) handleEnable(w http.ResponseWriter, r *http.Request) {
	no := false
	s.userAction(w, r, vigie.UserUpdate{Disabled: &no}, "users.enabled")
}

// handleResetPassword sets a new generated password, shown once; it ends the
// user's sessions.
func (s *Server) handleResetPassword(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.pageError(w, r, vigie.Errorf(vigie.EINVALID, "bad user id"))
		return
	}
	password := GeneratePassword()
	hash, err := HashPassword(password)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	u, err := s.Users.UpdateUser(r.Context(), id, vigie.UserUpdate{PasswordHash: &hash})
	if err != nil {
		s.usersResult(w, r, err, "", "", "")
		return
	}
	s.usersResult(w, r, nil, u.Username, password, "users.password_reset")
}

func (s *Server) handleEndSessions(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.pageError(w, r, vigie.Errorf(vigie.EINVALID, "bad user id"))
		return
	}
	_, err = s.Sessions.DeleteUserSessions(r.Context(), id)
	s.usersResult(w, r, err, "", "", "users.sessions_ended")
}

type keysPage struct {
	Page
	Keys     []*vigie.APIKey
	Partners []*vigie.User
	Owners   map[int64]string
	ShownKey string
	Error    string
	Notice   string
}

func (s *Server) keysPage(r *http.Request) (keysPage, error) {
	p := keysPage{Page: s.page(r, "keys.title"), Owners: map[int64]string{}}
	users, err := s.Users.FindUsers(r.Context(), vigie.UserFilter{})
	if err != nil {
		return p, err
	}
	for _, u := range users {
		p.Owners[u.ID] = u.Username
		if u.Role == vigie.RolePartner && !u.Disabled {
			p.Partners = append(p.Partners, u)
		}
	}
	p.Keys, err = s.APIKeys.FindAPIKeys(r.Context(), 0)
	return p, err
}

func (s *Server) handleKeys(w http.ResponseWriter, r *http.Request) {
	p, err := s.keysPage(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.render(w, http.StatusOK, "keys", p)
}

// handleCreateKey makes a key for a partner account and shows it once.
func (s *Server) handleCreateKey(w http.ResponseWriter, r *http.Request) {
	shown, err := s.createKey(r)
	p, perr := s.keysPage(r)
	if perr != nil {
		s.pageError(w, r, perr)
		return
	}
	if err != nil {
		p.Error = vigie.ErrorMessage(err)
		s.render(w, ErrorStatus(err), "keys", p)
		return
	}
	p.ShownKey, p.Notice = shown, p.T("keys.created")
	s.render(w, http.StatusOK, "keys", p)
}

func (s *Server) createKey(r *http.Request) (string, error) {
	id, err := strconv.ParseInt(r.PostFormValue("user"), 10, 64)
	if err != nil {
		return "", vigie.Errorf(vigie.EINVALID, "choose a partner account")
	}
	u, err := s.Users.FindUserByID(r.Context(), id)
	if err != nil {
		return "", err
	}
	if u.Role != vigie.RolePartner {
		return "", vigie.Errorf(vigie.EINVALID, "API keys are for partner accounts only")
	}
	key, prefix, hash := GenerateAPIKey()
	k := &vigie.APIKey{UserID: u.ID, Name: strings.TrimSpace(r.PostFormValue("name")), Prefix: prefix, Hash: hash}
	return key, s.APIKeys.CreateAPIKey(r.Context(), k)
}

func (s *Server) handleRevokeKey(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err == nil {
		err = s.APIKeys.RevokeAPIKey(r.Context(), id)
	}
	p, perr := s.keysPage(r)
	if perr != nil {
		s.pageError(w, r, perr)
		return
	}
	if err != nil {
		p.Error = vigie.ErrorMessage(err)
		s.render(w, ErrorStatus(err), "keys", p)
		return
	}
	p.Notice = p.T("keys.revoked")
	s.render(w, http.StatusOK, "keys", p)
}

type auditPage struct {
	Page
	Entries []*vigie.AuditEntry
	Next    int64
}

// handleAuditLog lists the audit log, a page at a time.
func (s *Server) handleAuditLog(w http.ResponseWriter, r *http.Request) {
	after, _ := strconv.ParseInt(r.URL.Query().Get("after"), 10, 64)
	entries, err := s.Audit.FindAuditEntries(r.Context(), vigie.AuditFilter{AfterID: after, Limit: 100})
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	p := auditPage{Page: s.page(r, "audit.title"), Entries: entries}
	if len(entries) == 100 {
		p.Next = entries[len(entries)-1].ID
	}
	s.render(w, http.StatusOK, "audit", p)
}
