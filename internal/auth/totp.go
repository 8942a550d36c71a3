package auth

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base32"
	"encoding/binary"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// TOTP parameters are RFC 6238's defaults, which every authenticator app supports.
const (
	totpStep   = 30 * time.Second
	totpDigits = 6
)

var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// NewTOTPSecret returns a random 160-bit secret in base32, as authenticator apps expect.
func NewTOTPSecret() string {
	b := make([]byte, 20)
	_, _ = rand.Read(b)
	return b32.EncodeToString(b)
}

// TOTPURL is the otpauth:// URL an authenticator app scans as a QR code.
func TOTPURL(issuer, account, secret string) string {
	v := url.Values{"secret": {secret}, "issuer": {issuer}, "digits": {"6"}, "period": {"30"}}
	return "otpauth://totp/" + url.PathEscape(issuer+":"+account) + "?" + v.Encode()
}

// TOTPStep is the time step of t.
func TOTPStep(t time.Time) int64 { return t.Unix() / int64(totpStep/time.Second) }

// TOTPCode computes the code of a step (RFC 4226 HOTP with the step as counter).
func TOTPCode(secret string, step int64) (string, error) {
	key, err := b32.DecodeString(strings.ToUpper(strings.TrimRight(secret, "=")))
	if err != nil {
		return "", fmt.Errorf("two-factor secret is not base32: %w", err)
	}
	mac := hmac.New(sha1.New, key)
	binary.Write(mac, binary.BigEndian, uint64(step))
	sum := mac.Sum(nil)
	off := sum[len(sum)-1] & 0x0f
	n := binary.BigEndian.Uint32(sum[off:off+4]) & 0x7fffffff
	mod := uint32(1)
	for range totpDigits {
		mod *= 10
	}
	return fmt.Sprintf("%0*d", totpDigits, n%mod), nil
}

// VerifyTOTP checks a code against the steps around t (±1, for clock drift) and returns the
// matching step, which the caller records to refuse replays.
func VerifyTOTP(secret, code string, t time.Time) (int64, bool) {
	code = strings.ReplaceAll(strings.TrimSpace(code), " ", "")
	if len(code) != totpDigits {
		return 0, false
	}
	now := TOTPStep(t)
	for _, step := range []int64{now, now - 1, now + 1} {
		want, err := TOTPCode(secret, step)
		if err == nil && subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return step, true
		}
	}
	return 0, false
}

// NewRecoveryCodes returns n one-time codes like "k7f2-9qxd-m3pa".
func NewRecoveryCodes(n int) []string {
	const alphabet = "abcdefghjkmnpqrstuvwxyz23456789" // no look-alikes
	// Bytes at or above limit are skipped (rejection sampling): 256 is not a multiple of the
	// alphabet's 31 letters, and keeping them would make the first letters more likely.
	const limit = 256 - 256%len(alphabet)
	out := make([]string, n)
	buf := make([]byte, 1)
	for i := range out {
		var s strings.Builder
		for j := 0; j < 12; {
			_, _ = rand.Read(buf) // crypto/rand.Read never fails on supported platforms
			if int(buf[0]) >= limit {
				continue
			}
			if j > 0 && j%4 == 0 {
				s.WriteByte('-')
			}
			s.WriteByte(alphabet[int(buf[0])%len(alphabet)])
			j++
		}
		out[i] = s.String()
	}
	return out
}

// NormalizeRecoveryCode makes typed codes comparable: case and spaces do not matter.
func NormalizeRecoveryCode(c string) string {
	return strings.ToLower(strings.ReplaceAll(strings.TrimSpace(c), " ", ""))
}
