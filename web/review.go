package web

import (
	"net/http"
	"strconv"

	vigie "github.com/vigie-hotline/vigie"
)

type reviewPage struct {
	Page
	Entries []*vigie.BankEntry
	Banks   map[int64]*vigie.Bank
	Notice  string
}

// handleReviewEntries lists bank entries held in quarantine by the flood
// guard, for a supervisor to restore or disable. Only hashes are shown.
func (s *Server) handleReviewEntries(w http.ResponseWriter, r *http.Request) {
	s.renderReview(w, r, "")
}

func (s *Server) renderReview(w http.ResponseWriter, r *http.Request, notice string) {
	p := reviewPage{Page: s.page(r, "review.title"), Banks: map[int64]*vigie.Bank{}, Notice: notice}
	banks, err := s.Banks.FindBanks(r.Context(), vigie.BankFilter{})
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	for _, b := range banks {
		p.Banks[b.ID] = b
	}
	var seq int64
	for {
		page, err := s.Banks.FindEntries(r.Context(), vigie.EntryFilter{AfterSeq: seq, IncludeInactive: true, Limit: 1000})
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		for _, e := range page {
			if e.Status == vigie.EntryQuarantined {
				p.Entries = append(p.Entries, e)
			}
			seq = e.Seq
		}
		if len(page) < 1000 || len(p.Entries) >= 500 {
			break
		}
	}
	s.render(w, http.StatusOK, "review", p)
}

// handleReviewDecision restores a quarantined entry to matching, or
// disables it; the change is audited and reaches every process's index.
func (s *Server) handleReviewDecision(status vigie.EntryStatus, noticeKey string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
		if err != nil {
			s.pageError(w, r, vigie.Errorf(vigie.EINVALID, "bad entry id"))
			return
		}
		if _, err := s.Banks.SetEntryStatus(r.Context(), id, status); err != nil {
			s.pageError(w, r, err)
			return
		}
		s.renderReview(w, r, s.msgs.T(requestLang(r), noticeKey))
	}
}
