package web

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"

	vigie "github.com/vigie-hotline/vigie"
)

// The /m routes answer like the matcher of Meta's Hasher-Matcher-Actioner
// (HMA 2.x, OpenMediaMatch/blueprints/matching.py), so that clients written
// for HMA work against Vigie with a partner key as bearer token. Responses
// are encoded as Flask encodes them: compact JSON, keys sorted, a final
// newline.

// hmaMatch is HMA's MatchWithDistance: the distance is a string.
type hmaMatch struct {
	BankContentID int64  `json:"bank_content_id"`
	Distance      string `json:"distance"`
}

// writeHMA writes v the way Flask's JSON provider does.
func writeHMA(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf) // Encode sorts map keys and ends with "\n"
	enc.SetEscapeHTML(false)
	enc.Encode(v)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// writeHMAMatches writes the answer of a lookup, bank name → matches, byte
// for byte as writeHMA(w, 200, hmaByBank(matches)) would, without
// reflection or a map. It sorts matches by bank name, then entry.
func writeHMAMatches(w http.ResponseWriter, matches []*vigie.Match) {
	slices.SortFunc(matches, func(a, b *vigie.Match) int {
		return cmp.Or(strings.Compare(a.Bank.Name, b.Bank.Name), cmp.Compare(a.Entry.ID, b.Entry.ID))
	})
	b := make([]byte, 0, 16+64*len(matches))
	b = append(b, '{')
	for i, m := range matches {
		sameBank := i > 0 && m.Bank.Name == matches[i-1].Bank.Name
		switch {
		case sameBank:
			b = append(b, ',')
		case i > 0:
			b = append(b, "],"...)
		}
		if !sameBank {
			b = appendJSONString(b, m.Bank.Name, false)
			b = append(b, ":["...)
		}
		b = append(b, `{"bank_content_id":`...)
		b = strconv.AppendInt(b, m.Entry.ID, 10)
		b = append(b, `,"distance":"`...)
		b = strconv.AppendInt(b, int64(m.Distance), 10)
		b = append(b, `"}`...)
	}
	if len(matches) > 0 {
		b = append(b, ']')
	}
	b = append(b, "}\n"...)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	w.Write(b)
}

func hmaError(w http.ResponseWriter, status int, msg string) {
	writeHMA(w, status, map[string]string{"message": msg})
}

// hmaSignalTypes maps HMA's signal type names to Vigie's.
var hmaSignalTypes = map[string]vigie.SignalType{"pdq": vigie.SignalPDQ, "video_md5": vigie.SignalMD5}

// hmaSignal validates the signal_type and signal parameters of query q as
// HMA does, writing HMA's error on failure.
func hmaSignal(w http.ResponseWriter, q query) (vigie.Signal, bool) {
	name, value := q.Get("signal_type"), q.Get("signal")
	if q.Get("url") != "" {
		hmaError(w, http.StatusForbidden, "Hashing is disabled, missing role")
		return vigie.Signal{}, false
	}
	if name == "" || value == "" {
		hmaError(w, http.StatusBadRequest, "Either url or both signal and signal_type are required")
		return vigie.Signal{}, false
	}
	t, ok := hmaSignalTypes[name]
	if !ok {
		hmaError(w, http.StatusBadRequest, "No such SignalType '"+name+"'")
		return vigie.Signal{}, false
	}
	v, err := vigie.NormalizeSignal(t, value)
	if err != nil {
		hmaError(w, http.StatusBadRequest, "invalid signal: "+vigie.ErrorMessage(err))
		return vigie.Signal{}, false
	}
	return vigie.Signal{Type: t, Value: v}, true
}

// hmaMatches returns the matches of the signals of one content, in the
// banks named by the banks parameter of query q (all if none).
func (s *Server) hmaMatches(ctx context.Context, q query, signals []vigie.Signal) ([]*vigie.Match, error) {
	return s.Matcher.Match(ctx, signals, vigie.MatchOptions{ShareableOnly: true, Banks: splitList(q.Get("banks"))})
}

// hmaByBank returns bank name → matches, each bank's in entry order.
func hmaByBank(matches []*vigie.Match) map[string][]hmaMatch {
	out := map[string][]hmaMatch{}
	for _, m := range matches {
		out[m.Bank.Name] = append(out[m.Bank.Name], hmaMatch{BankContentID: m.Entry.ID, Distance: strconv.Itoa(m.Distance)})
	}
	for _, ms := range out {
		slices.SortFunc(ms, func(a, b hmaMatch) int { return int(a.BankContentID - b.BankContentID) })
	}
	return out
}

// handleHMALookup is HMA's GET /m/lookup with signal_type and signal: the
// matches by bank, for enabled banks and entries.
func (s *Server) handleHMALookup(w http.ResponseWriter, r *http.Request) {
	q := newQuery(r.URL.RawQuery)
	sig, ok := hmaSignal(w, q)
	if !ok {
		return
	}
	matches, err := s.hmaMatches(r.Context(), q, []vigie.Signal{sig})
	if err != nil {
		s.hmaInternal(w, r, err)
		return
	}
	writeHMAMatches(w, matches)
}

// handleHMALookupPost is HMA's POST /m/lookup: one image in a multipart
// field named "photo", answered by signal type, then bank.
func (s *Server) handleHMALookupPost(w http.ResponseWriter, r *http.Request) {
	fp, err := s.fingerprintUpload(w, r, "photo")
	if err != nil {
		hmaError(w, ErrorStatus(err), vigie.ErrorMessage(err))
		return
	}
	out := map[string]map[string][]hmaMatch{}
	if fp.PDQ != "" {
		matches, err := s.hmaMatches(r.Context(), newQuery(r.URL.RawQuery), []vigie.Signal{{Type: vigie.SignalPDQ, Value: fp.PDQ}})
		if err != nil {
			s.hmaInternal(w, r, err)
			return
		}
		out["pdq"] = hmaByBank(matches)
	}
	writeHMA(w, http.StatusOK, out)
}

// handleHMARawLookup is HMA's GET /m/raw_lookup: a flat list of matching
// content ids, or of {bank_content_id, distance} with include_distance.
func (s *Server) handleHMARawLookup(w http.ResponseWriter, r *http.Request) {
	q := newQuery(r.URL.RawQuery)
	sig, ok := hmaSignal(w, q)
	if !ok {
		return
	}
	matches, err := s.hmaMatches(r.Context(), q, []vigie.Signal{sig})
	if err != nil {
		s.hmaInternal(w, r, err)
		return
	}
	var all []hmaMatch
	for _, ms := range hmaByBank(matches) {
		all = append(all, ms...)
	}
	slices.SortFunc(all, func(a, b hmaMatch) int { return int(a.BankContentID - b.BankContentID) })
	if strings.EqualFold(q.Get("include_distance"), "true") {
		writeHMA(w, http.StatusOK, map[string]any{"matches": append([]hmaMatch{}, all...)})
		return
	}
	ids := make([]int64, 0, len(all))
	for _, m := range all {
		ids = append(ids, m.BankContentID)
	}
	writeHMA(w, http.StatusOK, map[string]any{"matches": ids})
}

func (s *Server) hmaInternal(w http.ResponseWriter, r *http.Request, err error) {
	if vigie.ErrorCode(err) == vigie.EINTERNAL {
		s.Logger.Error("internal error", "route", r.Pattern, "err", err)
	}
	hmaError(w, ErrorStatus(err), vigie.ErrorMessage(err))
}
