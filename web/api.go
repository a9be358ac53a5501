package web

import (
	_ "embed"
	"net/http"
	"time"
)

//go:embed openapi.json
var openAPIDoc []byte

// OpenAPI returns the OpenAPI 3.1 document of the JSON API.
func OpenAPI() []byte { return openAPIDoc }

func (s *Server) handleOpenAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Write(openAPIDoc)
}

type meResponse struct {
	Partner   string    `json:"partner"`
	KeyID     int64     `json:"key_id"`
	KeyName   string    `json:"key_name"`
	KeyPrefix string    `json:"key_prefix"`
	CreatedAt time.Time `json:"created_at"`
}

// handleAPIMe tells a partner which account and key its requests are
// attributed to; a quick way to check a key works.
func (s *Server) handleAPIMe(w http.ResponseWriter, r *http.Request) {
	k, u := apiKeyFrom(r.Context()), userFrom(r.Context())
	writeJSON(w, http.StatusOK, meResponse{Partner: u.Username, KeyID: k.ID, KeyName: k.Name, KeyPrefix: k.Prefix, CreatedAt: k.CreatedAt})
}
