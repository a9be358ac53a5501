package web

import (
	"net/http"

	vigie "github.com/vigie-hotline/vigie"
)

type directoryPage struct {
	Page
	Providers []*vigie.Provider
	Partners  []*vigie.Partner
	Imported  int
	Bad       []vigie.CSVLineError
	Error     string
}

func (s *Server) directoryPage(r *http.Request) (directoryPage, error) {
	p := directoryPage{Page: s.page(r, "directory.title")}
	var err error
	if p.Providers, err = s.Takedowns.FindProviders(r.Context()); err == nil {
		p.Partners, err = s.Takedowns.FindPartners(r.Context())
	}
	return p, err
}

// handleDirectory lists the hosting providers and partner hotlines that
// notices go to.
func (s *Server) handleDirectory(w http.ResponseWriter, r *http.Request) {
	p, err := s.directoryPage(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.render(w, http.StatusOK, "directory", p)
}

// handleDirectoryImport takes a CSV of providers or partners: the good
// lines are saved, the bad ones listed with their line numbers.
func (s *Server) handleDirectoryImport(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<20)
	file, _, err := r.FormFile("file")
	if err != nil {
		s.pageError(w, r, vigie.Errorf(vigie.EINVALID, "choose a CSV file (at most 16 MiB)"))
		return
	}
	defer file.Close()
	var n int
	var bad []vigie.CSVLineError
	switch r.FormValue("kind") {
	case "providers":
		var ps []*vigie.Provider
		ps, bad = vigie.ParseProvidersCSV(file)
		for _, pr := range ps {
			if err = s.Takedowns.SaveProvider(r.Context(), pr); err != nil {
				break
			}
			n++
		}
	case "partners":
		var ps []*vigie.Partner
		ps, bad = vigie.ParsePartnersCSV(file)
		for _, pt := range ps {
			if err = s.Takedowns.SavePartner(r.Context(), pt); err != nil {
				break
			}
			n++
		}
	default:
		err = vigie.Errorf(vigie.EINVALID, "unknown directory")
	}
	p, perr := s.directoryPage(r)
	if perr != nil {
		s.pageError(w, r, perr)
		return
	}
	p.Imported, p.Bad = n, bad
	status := http.StatusOK
	if err != nil {
		status, p.Error = ErrorStatus(err), vigie.ErrorMessage(err)
	}
	s.render(w, status, "directory", p)
}
