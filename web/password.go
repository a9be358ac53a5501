package web

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"strings"

	"github.com/alexedwards/argon2id"
)

// HashPassword returns the argon2id PHC string of password, with the
// library's recommended parameters (64 MiB, one pass, two lanes).
func HashPassword(password string) (string, error) {
	return argon2id.CreateHash(password, argon2id.DefaultParams)
}

// CheckPassword reports whether password matches the PHC string hash.
func CheckPassword(password, hash string) bool {
	if hash == "" {
		return false
	}
	ok, err := argon2id.ComparePasswordAndHash(password, hash)
	return err == nil && ok
}

// dummyHash is compared against when the username is unknown, so that a
// missing account takes as long to refuse as a wrong password.
const dummyHash = "$argon2id$v=19$m=65536,t=1,p=2$c29tZXNhbHRzb21lc2FsdA$0NrFcXNqYYn9oSV0pYCgM7jrjKyv3CHW2fOrQ0h3G8E"

// GeneratePassword returns a random password of 20 letters and digits in
// groups of five, easy to read aloud and to type (about 100 bits).
func GeneratePassword() string {
	var b [13]byte
	rand.Read(b[:])
	s := strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:]))[:20]
	return s[0:5] + "-" + s[5:10] + "-" + s[10:15] + "-" + s[15:20]
}

// apiKeyPrefix starts every partner key, so that leaked keys are easy to
// find with secret scanners.
const apiKeyPrefix = "vigie_"

// GenerateAPIKey returns a new partner API key, its public prefix (shown in
// lists) and the SHA-256 that is stored. Keys carry 160 random bits, so a
// fast hash is enough: there is nothing to brute-force.
func GenerateAPIKey() (key, prefix string, hash []byte) {
	var b [20]byte
	rand.Read(b[:])
	secret := strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:]))
	key = apiKeyPrefix + secret
	return key, key[:len(apiKeyPrefix)+6], HashAPIKey(key)
}

// HashAPIKey returns the stored form of a key.
func HashAPIKey(key string) []byte {
	h := hashAPIKey(key)
	return h[:]
}

// hashAPIKey is HashAPIKey for every partner request: a key of usual
// length is copied to the stack, not to a []byte on the heap.
func hashAPIKey(key string) [sha256.Size]byte {
	var buf [64]byte
	if len(key) > len(buf) {
		return sha256.Sum256([]byte(key))
	}
	return sha256.Sum256(append(buf[:0], key...))
}
