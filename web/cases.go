package web

import (
	"net/http"
	"strconv"

	vigie "github.com/vigie-hotline/vigie"
)

type casePage struct {
	Page
	Case     *vigie.Case
	Reports  []*vigie.Report
	Items    []*vigie.Item
	Takedown *vigie.Takedown
	Notices  []*vigie.Notice
	Checks   []*vigie.Check
	Notice   string
}

// handleCase shows a case to the staff: what reporters wrote (never their
// contact details) and the items fetched, without any content.
func (s *Server) handleCase(w http.ResponseWriter, r *http.Request) {
	s.renderCase(w, r, "")
}

func (s *Server) renderCase(w http.ResponseWriter, r *http.Request, notice string) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.pageError(w, r, vigie.Errorf(vigie.EINVALID, "bad case id"))
		return
	}
	p := casePage{Page: s.page(r, "case.title"), Notice: notice}
	if p.Case, err = s.Reports.FindCase(r.Context(), id); err == nil {
		p.Reports, err = s.Reports.FindCaseReports(r.Context(), id)
	}
	if err == nil {
		p.Items, err = s.Reports.FindItems(r.Context(), vigie.ItemFilter{CaseID: id, Limit: 500})
	}
	if err == nil {
		err = s.caseTakedown(r, &p)
	}
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.render(w, http.StatusOK, "case", p)
}

// caseTakedown adds the takedown of the case, if any: its notices with
// their failures, and its checks.
func (s *Server) caseTakedown(r *http.Request, p *casePage) error {
	td, err := s.Takedowns.FindTakedown(r.Context(), p.Case.ID)
	if vigie.ErrorCode(err) == vigie.ENOTFOUND {
		return nil
	} else if err != nil {
		return err
	}
	p.Takedown = td
	if p.Notices, err = s.Takedowns.FindNotices(r.Context(), p.Case.ID); err != nil {
		return err
	}
	p.Checks, err = s.Takedowns.FindChecks(r.Context(), p.Case.ID)
	return err
}

type casesPage struct {
	Page
	Cases []*vigie.Case
}

// handleCases lists the latest cases.
func (s *Server) handleCases(w http.ResponseWriter, r *http.Request) {
	cs, err := s.Reports.FindCases(r.Context(), vigie.CaseFilter{Limit: 200})
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.render(w, http.StatusOK, "cases", casesPage{Page: s.page(r, "cases.title"), Cases: cs})
}

// handleLegalHold lets a supervisor keep a case's content past retention,
// or release it.
func (s *Server) handleLegalHold(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err == nil {
		err = s.Reports.SetLegalHold(r.Context(), id, r.PostFormValue("hold") == "on")
	}
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.renderCase(w, r, s.msgs.T(requestLang(r), "case.hold_saved"))
}
