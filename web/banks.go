package web

import (
	"encoding/json"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
	"time"

	vigie "github.com/vigie-hotline/vigie"
)

// Body limits of the bank API. Images may be as large as the fetcher allows.
const (
	maxJSONBody    = 1 << 20
	maxEntriesBody = 32 << 20
	maxImageBody   = 50 << 20
	maxEntriesPOST = 10000
	maxFeedPage    = 5000
)

type apiBank struct {
	Name        string `json:"name"`
	Kind        string `json:"kind"`
	Threshold   int    `json:"threshold"`
	Enabled     bool   `json:"enabled"`
	Source      string `json:"source"`
	Description string `json:"description"`
}

func toAPIBank(b *vigie.Bank) apiBank {
	return apiBank{Name: b.Name, Kind: string(b.Kind), Threshold: b.Threshold, Enabled: b.Enabled, Source: b.Source, Description: b.Description}
}

// handleAPIBanks lists the banks a partner may see: never family banks.
func (s *Server) handleAPIBanks(w http.ResponseWriter, r *http.Request) {
	banks, err := s.Banks.FindBanks(r.Context(), vigie.BankFilter{ShareableOnly: true})
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	out := []apiBank{}
	for _, b := range banks {
		out = append(out, toAPIBank(b))
	}
	writeJSON(w, http.StatusOK, map[string]any{"banks": out})
}

// partnerBank returns the named bank if a partner may see it. A family bank
// answers as if it did not exist.
func (s *Server) partnerBank(r *http.Request) (*vigie.Bank, error) {
	b, err := s.Banks.FindBankByName(r.Context(), r.PathValue("name"))
	if err != nil {
		return nil, err
	}
	if !b.Kind.Shareable() {
		return nil, vigie.Errorf(vigie.ENOTFOUND, "no bank named %q", b.Name)
	}
	return b, nil
}

type apiEntry struct {
	ID         int64          `json:"id"`
	SignalType string         `json:"signal_type"`
	Value      string         `json:"value"`
	Metadata   map[string]any `json:"metadata"`
	Status     string         `json:"status"`
	AddedAt    time.Time      `json:"added_at"`
	UpdatedAt  time.Time      `json:"updated_at"`
	Seq        int64          `json:"seq"`
}

func toAPIEntry(e *vigie.BankEntry) apiEntry {
	return apiEntry{ID: e.ID, SignalType: string(e.Signal), Value: e.Value, Metadata: orEmpty(e.Metadata),
		Status: string(e.Status), AddedAt: e.AddedAt, UpdatedAt: e.UpdatedAt, Seq: e.Seq}
}

func orEmpty(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

// handleAPIEntries is a bank's change feed: every entry added or changed
// after the cursor, deletions and disables included, oldest first. A client
// keeps next_cursor and asks again with it to stay in sync.
func (s *Server) handleAPIEntries(w http.ResponseWriter, r *http.Request) {
	b, err := s.partnerBank(r)
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	q := r.URL.Query()
	cursor, limit := int64(0), 1000
	if v := q.Get("cursor"); v != "" {
		if cursor, err = strconv.ParseInt(v, 10, 64); err != nil || cursor < 0 {
			s.jsonError(w, r, vigie.Errorf(vigie.EINVALID, "cursor must be a next_cursor from an earlier page"))
			return
		}
	}
	if v := q.Get("limit"); v != "" {
		if limit, err = strconv.Atoi(v); err != nil || limit < 1 || limit > maxFeedPage {
			s.jsonError(w, r, vigie.Errorf(vigie.EINVALID, "limit must be between 1 and %d", maxFeedPage))
			return
		}
	}
	entries, err := s.Banks.FindEntries(r.Context(), vigie.EntryFilter{BankID: b.ID, AfterSeq: cursor, IncludeInactive: true, Limit: limit})
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	out := make([]apiEntry, 0, len(entries))
	for _, e := range entries {
		out = append(out, toAPIEntry(e))
		cursor = e.Seq
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"bank": b.Name, "entries": out, "next_cursor": strconv.FormatInt(cursor, 10), "has_more": len(entries) == limit,
	})
}

type newEntry struct {
	SignalType string         `json:"signal_type"`
	Value      string         `json:"value"`
	Metadata   map[string]any `json:"metadata"`
}

type entryError struct {
	Index   int    `json:"index"`
	Message string `json:"message"`
}

// handleAPIAddEntries adds entries to a bank for partners whose key may
// write. Bad entries are reported by index; the good ones are added.
func (s *Server) handleAPIAddEntries(w http.ResponseWriter, r *http.Request) {
	if !apiKeyFrom(r.Context()).Can(vigie.ScopeWrite) {
		s.jsonError(w, r, vigie.Errorf(vigie.EFORBIDDEN, "this API key may not write to banks"))
		return
	}
	b, err := s.partnerBank(r)
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	var body struct {
		Entries []newEntry `json:"entries"`
	}
	if err := decodeJSON(w, r, maxEntriesBody, &body); err != nil {
		s.jsonError(w, r, err)
		return
	}
	if len(body.Entries) == 0 || len(body.Entries) > maxEntriesPOST {
		s.jsonError(w, r, vigie.Errorf(vigie.EINVALID, "send between 1 and %d entries", maxEntriesPOST))
		return
	}
	var good []*vigie.BankEntry
	errs := []entryError{}
	for i, ne := range body.Entries {
		e, err := parseNewEntry(ne)
		if err != nil {
			errs = append(errs, entryError{Index: i, Message: vigie.ErrorMessage(err)})
			continue
		}
		good = append(good, e)
	}
	added, dups := 0, 0
	if len(good) > 0 {
		if added, dups, err = s.Banks.AddEntries(r.Context(), b.ID, good); err != nil {
			s.jsonError(w, r, err)
			return
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"added": added, "duplicates": dups, "errors": errs})
}

func parseNewEntry(ne newEntry) (*vigie.BankEntry, error) {
	sig, err := parseSignal(ne.SignalType, ne.Value)
	if err != nil {
		return nil, err
	}
	return &vigie.BankEntry{Signal: sig.Type, Value: sig.Value, Metadata: ne.Metadata}, nil
}

// parseSignal returns the signal of that type name and value, normalised.
func parseSignal(signalType, value string) (vigie.Signal, error) {
	t, err := vigie.ParseSignalType(signalType)
	if err != nil {
		return vigie.Signal{}, err
	}
	v, err := vigie.NormalizeSignal(t, value)
	if err != nil {
		return vigie.Signal{}, err
	}
	return vigie.Signal{Type: t, Value: v}, nil
}

// decodeJSON reads one JSON value of at most limit bytes into v.
func decodeJSON(w http.ResponseWriter, r *http.Request, limit int64, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, limit))
	if err := dec.Decode(v); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return vigie.Errorf(vigie.ETOOLARGE, "the request body is larger than %d bytes", limit)
		}
		return vigie.Errorf(vigie.EINVALID, "the request body is not valid JSON: %v", err)
	}
	return nil
}

type apiMatch struct {
	Bank       string         `json:"bank"`
	BankKind   string         `json:"bank_kind"`
	Source     string         `json:"source"`
	EntryID    int64          `json:"entry_id"`
	SignalType string         `json:"signal_type"`
	Value      string         `json:"value"`
	Distance   int            `json:"distance"`
	Metadata   map[string]any `json:"metadata"`
	Query      string         `json:"query"`
}

type apiFingerprints struct {
	PDQ     string `json:"pdq,omitempty"`
	Quality int    `json:"quality"`
	MD5     string `json:"md5"`
	SHA1    string `json:"sha1"`
	SHA256  string `json:"sha256"`
	Width   int    `json:"width,omitempty"`
	Height  int    `json:"height,omitempty"`
	Format  string `json:"format,omitempty"`
}

// handleAPILookup matches one signal ({"signal_type", "value"} in JSON) or
// an uploaded image (multipart field "file") against the shareable banks.
func (s *Server) handleAPILookup(w http.ResponseWriter, r *http.Request) {
	signals, fp, err := s.lookupInput(w, r)
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	banks := splitList(newQuery(r.URL.RawQuery).Get("banks"))
	matches, err := s.Matcher.Match(r.Context(), signals, vigie.MatchOptions{ShareableOnly: true, Banks: banks})
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	out := make([]apiMatch, 0, len(matches))
	for _, m := range matches {
		out = append(out, apiMatch{Bank: m.Bank.Name, BankKind: string(m.Bank.Kind), Source: m.Bank.Source, EntryID: m.Entry.ID,
			SignalType: string(m.Entry.Signal), Value: m.Entry.Value, Distance: m.Distance, Metadata: orEmpty(m.Entry.Metadata), Query: m.Query.Value})
	}
	resp := lookupResponse{Matches: out}
	if fp != nil {
		resp.Fingerprints = &apiFingerprints{PDQ: fp.PDQ, Quality: fp.Quality, MD5: fp.MD5, SHA1: fp.SHA1, SHA256: fp.SHA256,
			Width: fp.Width, Height: fp.Height, Format: fp.Format}
	}
	writeLookupResponse(w, resp)
}

// lookupResponse is the answer of POST /api/v1/lookup. Its fields are in
// the order of the sorted keys of the map it replaces, so the bytes are
// the same.
type lookupResponse struct {
	Fingerprints *apiFingerprints `json:"fingerprints,omitempty"`
	Matches      []apiMatch       `json:"matches"`
}

// lookupInput reads the signals to look up from a JSON body or an image.
func (s *Server) lookupInput(w http.ResponseWriter, r *http.Request) ([]vigie.Signal, *vigie.Fingerprints, error) {
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		fp, err := s.fingerprintUpload(w, r, "file", "photo")
		if err != nil {
			return nil, nil, err
		}
		return fp.Signals(r.URL.Query().Get("dihedral") == "true"), fp, nil
	}
	raw, err := decodeLookupBody(w, r)
	if err != nil {
		return nil, nil, err
	}
	sig, err := parseSignal(raw.SignalType, raw.Value)
	if err != nil {
		return nil, nil, err
	}
	return []vigie.Signal{sig}, nil, nil
}

// fingerprintUpload hashes the one file of a multipart upload, read from the
// first of the given field names that is present. The file is streamed to
// the hasher, never stored.
func (s *Server) fingerprintUpload(w http.ResponseWriter, r *http.Request, fields ...string) (*vigie.Fingerprints, error) {
	mr, err := multipartReader(w, r)
	if err != nil {
		return nil, err
	}
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			return nil, vigie.Errorf(vigie.EINVALID, "send the image as a multipart file field named %q", fields[0])
		} else if err != nil {
			return nil, multipartError(err)
		}
		if !contains(fields, part.FormName()) || part.FileName() == "" {
			part.Close()
			continue
		}
		fp, err := s.Fingerprinter.Fingerprint(r.Context(), part)
		if err != nil && (fp == nil || fp.SHA256 == "") {
			return nil, multipartError(err)
		}
		return fp, nil
	}
}

func multipartReader(w http.ResponseWriter, r *http.Request) (*multipart.Reader, error) {
	r.Body = http.MaxBytesReader(w, r.Body, maxImageBody+1<<20)
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, vigie.Errorf(vigie.EINVALID, "the request is not a multipart upload: %v", err)
	}
	return mr, nil
}

func multipartError(err error) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return vigie.Errorf(vigie.ETOOLARGE, "the upload is larger than %d MiB", maxImageBody>>20)
	}
	if vigie.ErrorCode(err) != vigie.EINTERNAL {
		return err
	}
	return vigie.Errorf(vigie.EINVALID, "the upload could not be read: %v", err)
}

func splitList(s string) []string {
	if s == "" {
		return nil
	}
	var out []string
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
