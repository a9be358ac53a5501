package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	vigie "github.com/vigie-hotline/vigie"
	"github.com/vigie-hotline/vigie/preview"
)

// revealWindow is how long an explicit reveal lets the analyst see the
// original of one item.
const revealWindow = 10 * time.Minute

type queuePage struct {
	Page
	Items      []*vigie.Item
	Confirming int
	Pause      bool
	Done       int
}

// handleQueue lists the items waiting for an assessment, family photos
// first. Known content never appears: it was classified without being shown.
func (s *Server) handleQueue(w http.ResponseWriter, r *http.Request) {
	ctx, u := r.Context(), userFrom(r.Context())
	items, err := s.Reports.FindItems(ctx, vigie.ItemFilter{States: []vigie.ItemState{vigie.ItemAwaiting}, Limit: 200})
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	pending, err := s.Reports.FindAssessments(ctx, 0, vigie.AssessmentPending)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	p := queuePage{Page: s.page(r, "queue.title"), Items: items}
	for _, a := range pending {
		if a.AnalystID != u.ID {
			p.Confirming++
		}
	}
	p.Pause, p.Done, err = s.pauseDue(ctx, u)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.render(w, http.StatusOK, "queue", p)
}

// pauseDue reports whether the analyst's pause reminder is due: every
// PauseAfter assessments over the last twelve hours.
func (s *Server) pauseDue(ctx context.Context, u *vigie.User) (bool, int, error) {
	well, err := s.Users.FindWellness(ctx, u.ID)
	if err != nil || well.PauseAfter == 0 {
		return false, 0, err
	}
	n, err := s.Reports.CountAssessments(ctx, u.ID, s.Now().Add(-12*time.Hour))
	return n > 0 && n%well.PauseAfter == 0, n, err
}

func (s *Server) itemFromPath(r *http.Request) (*vigie.Item, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return nil, vigie.Errorf(vigie.EINVALID, "bad item id")
	}
	return s.Reports.FindItem(r.Context(), id)
}

type itemPage struct {
	Page
	Item        *vigie.Item
	Case        *vigie.Case
	Evidence    vigie.Evidence
	Matches     []map[string]any
	Assessments []*vigie.Assessment
	Revealed    bool
	CanAssess   bool
	CanConfirm  *vigie.Assessment
	Wellness    vigie.Wellness
	AgeGroups   []string
	Types       []string
	Notice      string
	Error       string
}

// handleItem shows one item: its evidence and matches, its preview —
// blurred and grey unless the analyst's settings say otherwise — and the
// original only after an explicit reveal.
func (s *Server) handleItem(w http.ResponseWriter, r *http.Request) {
	p, err := s.itemPage(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.render(w, http.StatusOK, "item", p)
}

func (s *Server) itemPage(r *http.Request) (itemPage, error) {
	ctx, u := r.Context(), userFrom(r.Context())
	it, err := s.itemFromPath(r)
	if err != nil {
		return itemPage{}, err
	}
	p := itemPage{Page: s.page(r, "item.title"), Item: it, AgeGroups: vigie.AgeGroups, Types: vigie.ContentTypes}
	if p.Case, err = s.Reports.FindCase(ctx, it.CaseID); err != nil {
		return p, err
	}
	json.Unmarshal([]byte(it.Evidence), &p.Evidence)
	json.Unmarshal([]byte(it.Matches), &p.Matches)
	if p.Assessments, err = s.Reports.FindAssessments(ctx, it.ID, ""); err != nil {
		return p, err
	}
	if p.Wellness, err = s.Users.FindWellness(ctx, u.ID); err != nil {
		return p, err
	}
	if p.Revealed, err = s.revealed(ctx, u, it.ID); err != nil {
		return p, err
	}
	p.CanAssess = it.State == vigie.ItemAwaiting
	for _, a := range p.Assessments {
		if a.Status == vigie.AssessmentPending && a.AnalystID != u.ID {
			p.CanConfirm = a
		}
	}
	return p, nil
}

// revealed reports whether u revealed the item within the reveal window,
// according to the audit log: the log is the single record of reveals.
func (s *Server) revealed(ctx context.Context, u *vigie.User, itemID int64) (bool, error) {
	var after int64
	actor := vigie.UserActor(u)
	for {
		es, err := s.Audit.FindAuditEntries(ctx, vigie.AuditFilter{AfterID: after, Action: "content.reveal", Object: "item:" + itoa(itemID), Limit: 500})
		if err != nil {
			return false, err
		}
		for _, e := range es {
			if e.Actor == actor && s.Now().Sub(e.At) < revealWindow {
				return true, nil
			}
			after = e.ID
		}
		if len(es) < 500 {
			return false, nil
		}
	}
}

// handlePreview serves the item's preview image, rendered on the server
// with the analyst's blur and greyscale settings, and audits the display.
func (s *Server) handlePreview(w http.ResponseWriter, r *http.Request) {
	ctx, u := r.Context(), userFrom(r.Context())
	it, err := s.itemFromPath(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	well, err := s.Users.FindWellness(ctx, u.ID)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	data, err := s.content(ctx, it)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	opts := preview.DefaultOptions()
	opts.Grey, opts.Blur = well.Grey, well.Blur
	png, err := preview.Render(ctx, data, opts)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.audit(ctx, "content.preview", "item:"+itoa(it.ID), map[string]any{"blur": well.Blur, "grey": well.Grey})
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(png)
}

// content reads an item's bytes from the quarantine.
func (s *Server) content(ctx context.Context, it *vigie.Item) ([]byte, error) {
	if !it.Stored {
		return nil, vigie.Errorf(vigie.ENOTFOUND, "this content is no longer stored (retention ended or it was never fetched)")
	}
	return s.Quarantine.Get(ctx, it.SHA256)
}

// handleReveal records the analyst's explicit choice to see the original.
func (s *Server) handleReveal(w http.ResponseWriter, r *http.Request) {
	it, err := s.itemFromPath(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	if _, err := s.Audit.AppendAudit(r.Context(), "content.reveal", "item:"+itoa(it.ID), map[string]any{"case": it.CaseID}); err != nil {
		s.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/items/%d#content", it.ID), http.StatusSeeOther)
}

// handleOriginal serves the original bytes to an analyst who revealed the
// item within the window; each display is audited.
func (s *Server) handleOriginal(w http.ResponseWriter, r *http.Request) {
	ctx, u := r.Context(), userFrom(r.Context())
	it, err := s.itemFromPath(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	ok, err := s.revealed(ctx, u, it.ID)
	if err == nil && !ok {
		err = vigie.Errorf(vigie.EFORBIDDEN, "reveal the item first")
	}
	var data []byte
	if err == nil {
		data, err = s.content(ctx, it)
	}
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.audit(ctx, "content.view_original", "item:"+itoa(it.ID), nil)
	w.Header().Set("Content-Type", originalType(data))
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Disposition", "inline")
	w.Write(data)
}

// originalType names only image types the browser may render; anything
// else is served as opaque bytes.
func originalType(data []byte) string {
	t := http.DetectContentType(data)
	switch t {
	case "image/jpeg", "image/png", "image/gif", "image/webp", "image/bmp":
		return t
	}
	return "application/octet-stream"
}

// handleAssess records an analyst's assessment.
func (s *Server) handleAssess(w http.ResponseWriter, r *http.Request) {
	u := userFrom(r.Context())
	it, err := s.itemFromPath(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	c, err := vigie.ParseClassification(r.PostFormValue("classification"))
	a := &vigie.Assessment{ItemID: it.ID, AnalystID: u.ID, Classification: c,
		AgeGroup: oneOf(r.PostFormValue("age_group"), vigie.AgeGroups), ContentType: oneOf(r.PostFormValue("content_type"), vigie.ContentTypes),
		Notes: truncate(strings.TrimSpace(r.PostFormValue("notes")), maxFieldLength), AddToBenign: r.PostFormValue("benign") == "on"}
	if err == nil {
		err = s.Reports.Assess(r.Context(), a)
	}
	s.afterDecision(w, r, err, "item.assessed_"+string(a.Status))
}

// afterDecision shows the item again with the outcome of a decision.
func (s *Server) afterDecision(w http.ResponseWriter, r *http.Request, actionErr error, noticeKey string) {
	p, err := s.itemPage(r)
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
		p.Notice = p.T(noticeKey)
	}
	s.render(w, status, "item", p)
}

func oneOf(v string, allowed []string) string {
	if contains(allowed, v) {
		return v
	}
	return ""
}

// handleConfirm records the second person's decision on an assessment.
func (s *Server) handleConfirm(w http.ResponseWriter, r *http.Request) {
	u := userFrom(r.Context())
	aid, err := strconv.ParseInt(r.PostFormValue("assessment"), 10, 64)
	if err != nil {
		s.pageError(w, r, vigie.Errorf(vigie.EINVALID, "bad assessment id"))
		return
	}
	agree := r.PostFormValue("agree") == "yes"
	_, err = s.Reports.Confirm(r.Context(), aid, u.ID, agree)
	key := "item.confirmed"
	if !agree {
		key = "item.rejected"
	}
	s.afterDecision(w, r, err, key)
}

type confirmationsPage struct {
	Page
	Pending []*vigie.Assessment
}

// handleConfirmations lists illegal assessments waiting for a second
// person, except the viewer's own.
func (s *Server) handleConfirmations(w http.ResponseWriter, r *http.Request) {
	u := userFrom(r.Context())
	all, err := s.Reports.FindAssessments(r.Context(), 0, vigie.AssessmentPending)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	p := confirmationsPage{Page: s.page(r, "confirm.title")}
	for _, a := range all {
		if a.AnalystID != u.ID {
			p.Pending = append(p.Pending, a)
		}
	}
	s.render(w, http.StatusOK, "confirmations", p)
}

type wellnessPage struct {
	Page
	W      vigie.Wellness
	Notice string
	Error  string
}

func (s *Server) handleWellness(w http.ResponseWriter, r *http.Request) {
	well, err := s.Users.FindWellness(r.Context(), userFrom(r.Context()).ID)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.render(w, http.StatusOK, "wellness", wellnessPage{Page: s.page(r, "wellness.title"), W: well})
}

// handleSaveWellness stores the analyst's protections.
func (s *Server) handleSaveWellness(w http.ResponseWriter, r *http.Request) {
	blur, err1 := strconv.Atoi(r.PostFormValue("blur"))
	pause, err2 := strconv.Atoi(r.PostFormValue("pause_after"))
	well := vigie.Wellness{Blur: blur, Grey: r.PostFormValue("grey") == "on", PauseAfter: pause}
	p := wellnessPage{Page: s.page(r, "wellness.title"), W: well}
	err := well.Validate()
	if err1 != nil || err2 != nil {
		err = vigie.Errorf(vigie.EINVALID, "blur and the pause reminder are whole numbers")
	}
	if err == nil {
		err = s.Users.SaveWellness(r.Context(), userFrom(r.Context()).ID, well)
	}
	if err != nil {
		p.Error = vigie.ErrorMessage(err)
		s.render(w, ErrorStatus(err), "wellness", p)
		return
	}
	p.Notice = p.T("wellness.saved")
	s.render(w, http.StatusOK, "wellness", p)
}
