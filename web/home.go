package web

import (
	"net/http"

	vigie "github.com/vigie-hotline/vigie"
)

// homePage is the start page. Each role sees the work that is its own; the
// sections fill in as the queue, the cases and the referrals arrive.
type homePage struct {
	Page
	Role vigie.Role
}

func (s *Server) handleHome(w http.ResponseWriter, r *http.Request) {
	u := userFrom(r.Context())
	s.render(w, http.StatusOK, "home", homePage{Page: s.page(r, "home."+string(u.Role)+".title"), Role: u.Role})
}
