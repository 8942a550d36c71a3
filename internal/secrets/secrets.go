// Package secrets seals values the hub must keep but nobody should read from a copy of its
// database: notification channels' HMAC keys, SMTP passwords and chat-service tokens. A
// sealed value is AES-256-GCM with a random nonce, bound to where it is stored (the
// "context", e.g. org, channel and field) so that a sealed value copied into another row does
// not open. The 32-byte key lives outside the database: a file in the data directory created
// 0600 on first start, or a file or environment variable the operator provides (PostgreSQL
// and several hubs sharing one database need the same key on every hub).
package secrets

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
)

// Prefix marks a sealed value; anything else is clear text (rows written before sealing).
const Prefix = "enc:v1:"

// KeyFileName is the key file's name in the data directory.
const KeyFileName = "secret.key"

// ErrOpen is returned when a sealed value does not open: another key sealed it, or it was
// altered or moved to another row.
var ErrOpen = errors.New("sealed value does not open with this key (another key sealed it, or it was altered)")

// Key seals and opens values. Safe for concurrent use.
type Key struct {
	aead cipher.AEAD
}

// Parse reads a key written as base64 (standard or URL alphabet, padding optional) of 32
// bytes, as Generate and the key file hold it. Surrounding white space is ignored.
func Parse(text string) (*Key, error) {
	text = strings.TrimSpace(text)
	var raw []byte
	var err error
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if raw, err = enc.DecodeString(text); err == nil {
			break
		}
	}
	if err != nil || len(raw) != 32 {
		return nil, errors.New("a secret key is 32 random bytes in base64 (44 characters; make one with `head -c 32 /dev/urandom | base64`)")
	}
	block, err := aes.NewCipher(raw)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Key{aead: aead}, nil
}

// Generate returns a new random key in the text form Parse reads.
func Generate() string {
	b := make([]byte, 32)
	rand.Read(b) // never fails (crypto/rand documents it)
	return base64.StdEncoding.EncodeToString(b)
}

// ReadFile reads a key file. Its permissions are not checked: the operator chose the file.
func ReadFile(path string) (*Key, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read secret key: %w", err)
	}
	k, err := Parse(string(b))
	if err != nil {
		return nil, fmt.Errorf("secret key file %s: %w", path, err)
	}
	return k, nil
}

// CreateFile writes a new random key to path, readable by the owner only, and returns it.
// It fails if the file exists, so a key is never replaced.
func CreateFile(path string) (*Key, error) {
	text := Generate()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("create secret key file: %w", err)
	}
	if _, err := f.WriteString(text + "\n"); err != nil {
		f.Close()
		os.Remove(path)
		return nil, fmt.Errorf("write secret key file %s: %w", path, err)
	}
	if err := f.Sync(); err != nil { // the key must reach the disk before anything it seals
		f.Close()
		os.Remove(path)
		return nil, fmt.Errorf("write secret key file %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("write secret key file %s: %w", path, err)
	}
	return Parse(text)
}

// Exists reports whether a file is at path.
func Exists(path string) (bool, error) {
	_, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	return err == nil, err
}

// Seal returns plain sealed for the given context; "" stays "" (nothing to hide).
func (k *Key) Seal(plain, context string) (string, error) {
	if plain == "" {
		return "", nil
	}
	nonce := make([]byte, k.aead.NonceSize())
	rand.Read(nonce)
	out := k.aead.Seal(nonce, nonce, []byte(plain), []byte(context))
	return Prefix + base64.RawStdEncoding.EncodeToString(out), nil
}

// Open returns the clear text of a value Seal returned for the same context. A value without
// Prefix is returned as it is: it was stored before sealing existed (see IsSealed).
func (k *Key) Open(stored, context string) (string, error) {
	if !IsSealed(stored) {
		return stored, nil
	}
	raw, err := base64.RawStdEncoding.DecodeString(stored[len(Prefix):])
	if err != nil || len(raw) < k.aead.NonceSize() {
		return "", ErrOpen
	}
	n := k.aead.NonceSize()
	plain, err := k.aead.Open(nil, raw[:n], raw[n:], []byte(context))
	if err != nil {
		return "", ErrOpen
	}
	return string(plain), nil
}

// IsSealed reports whether a stored value is sealed.
func IsSealed(stored string) bool { return strings.HasPrefix(stored, Prefix) }
