// Package auth authenticates people and scripts: argon2id password hashes, session cookies with
// double-submit CSRF protection, bearer API tokens, and login rate limiting. Its middleware puts
// a Principal in the request context for handlers and for the live WebSocket.
package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Argon2id parameters: RFC 9106's second recommended option (64 MiB, 3 passes) is ~60 ms on one
// core here, slow enough for offline attacks, fast enough for logins.
const (
	argonTime    = 3
	argonMemory  = 64 * 1024
	argonThreads = 1
	argonKeyLen  = 32
)

// MinPasswordLength is enforced for every new password.
const MinPasswordLength = 10

// HashPassword returns an encoded argon2id hash in the PHC string format.
func HashPassword(password string) (string, error) {
	if len(password) < MinPasswordLength {
		return "", fmt.Errorf("password must be at least %d characters", MinPasswordLength)
	}
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key)), nil
}

// dummyHash is verified against when an account does not exist, so that a login for an unknown
// email costs the same argon2id work as a wrong password and does not reveal which emails exist.
const dummyHash = "$argon2id$v=19$m=65536,t=3,p=1$c29tZXNhbHRzb21lc2FsdA$Uv8xcY3eR7wYpQ1QmXEmRbTPKkfQfsLvDKqzA3oxjRA"

// VerifyUnknownUser spends the time of one password verification and always fails. Callers
// use it when no account matches, so response times do not tell attackers which accounts exist.
func VerifyUnknownUser(password string) {
	_, _ = VerifyPassword(dummyHash, password)
}

// VerifyPassword checks a password against an encoded hash in constant time.
func VerifyPassword(encoded, password string) (bool, error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, errors.New("unknown password hash format")
	}
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil {
		return false, fmt.Errorf("password hash parameters: %w", err)
	}
	salt, err := base64.RawStdEncoding.DecodeString(parts[4])
	if err != nil {
		return false, fmt.Errorf("password hash salt: %w", err)
	}
	want, err := base64.RawStdEncoding.DecodeString(parts[5])
	if err != nil {
		return false, fmt.Errorf("password hash key: %w", err)
	}
	// A truncated or hand-edited hash with an empty key would compare equal to any empty
	// derivation, and absurd parameters would let one login pin the CPU or exhaust memory.
	if len(salt) < 8 || len(want) < 16 || len(want) > 64 || t < 1 || t > 16 || m < 8*uint32(p) || m > 1<<20 || p < 1 {
		return false, errors.New("password hash parameters out of range")
	}
	got := argon2.IDKey([]byte(password), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}
