package booking

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
)

// Keys seal the bookers' personal data at rest and sign their tickets. All
// three are derived from one secret.
type Keys struct {
	aead   cipher.AEAD
	lookup *keyedHash
	ticket *keyedHash
}

// keyedHash is an HMAC-SHA-256 key and the hashes made with it, kept for
// the next value: making a keyed hash costs twice as much as hashing a
// phone number with it, and every booking hashes its phone, its address
// and its ticket.
type keyedHash struct {
	key  []byte
	made sync.Pool
}

// sum is the keyed hash of s.
func (k *keyedHash) sum(s string) [sha256.Size]byte {
	m, ok := k.made.Get().(hash.Hash)
	if !ok {
		m = hmac.New(sha256.New, k.key)
	}
	io.WriteString(m, s)
	var sum [sha256.Size]byte
	m.Sum(sum[:0])
	m.Reset()
	k.made.Put(m)
	return sum
}

// KeyFile is the name of the secret created in the data directory when
// SCIWEEK_SECRET_KEY is not set.
const KeyFile = "secret.key"

// LoadKeys derives the keys from secret when it is set, or from the key
// file in dataDir, creating it on first use.
func LoadKeys(secret, dataDir string) (*Keys, error) {
	if secret == "" {
		path := filepath.Join(dataDir, KeyFile)
		b, err := os.ReadFile(path)
		switch {
		case err == nil:
			secret = strings.TrimSpace(string(b))
		case errors.Is(err, os.ErrNotExist):
			raw := make([]byte, 32)
			rand.Read(raw)
			secret = hex.EncodeToString(raw)
			if err := os.MkdirAll(dataDir, 0o750); err != nil {
				return nil, fmt.Errorf("create data directory: %w", err)
			}
			if err := os.WriteFile(path, []byte(secret+"\n"), 0o600); err != nil {
				return nil, fmt.Errorf("write key file: %w", err)
			}
		default:
			return nil, fmt.Errorf("read key file: %w", err)
		}
	}
	if len(secret) < 16 {
		return nil, errors.New("the secret key must be at least 16 characters")
	}
	return NewKeys(secret)
}

// NewKeys derives the keys from a secret.
func NewKeys(secret string) (*Keys, error) {
	derive := func(purpose string) []byte {
		m := hmac.New(sha256.New, []byte(secret))
		m.Write([]byte("sciweek booking " + purpose))
		return m.Sum(nil)
	}
	block, err := aes.NewCipher(derive("seal"))
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Keys{aead: aead, lookup: &keyedHash{key: derive("lookup")}, ticket: &keyedHash{key: derive("ticket")}}, nil
}

// Seal encrypts s with AES-GCM under a fresh nonce.
func (k *Keys) Seal(s string) string {
	nonce := make([]byte, k.aead.NonceSize())
	rand.Read(nonce)
	return base64.RawStdEncoding.EncodeToString(k.aead.Seal(nonce, nonce, []byte(s), nil))
}

// Open decrypts what Seal returned.
func (k *Keys) Open(s string) (string, error) {
	if s == "" {
		return "", nil
	}
	b, err := base64.RawStdEncoding.DecodeString(s)
	if err != nil || len(b) < k.aead.NonceSize() {
		return "", errors.New("sealed value is damaged")
	}
	plain, err := k.aead.Open(nil, b[:k.aead.NonceSize()], b[k.aead.NonceSize():], nil)
	return string(plain), err
}

// PhoneHash is the keyed hash that finds a phone number's bookings without
// storing it in the clear.
func (k *Keys) PhoneHash(phone string) string {
	sum := k.lookup.sum(phone)
	return hex.EncodeToString(sum[:20])
}

// ticketPrefix starts every ticket's QR payload.
const ticketPrefix = "SWT1"

// Ticket is the signed payload of a booking's QR code: it names the
// campaign and the code, so a ticket of another campaign or a forged one
// is refused at the door.
func (k *Keys) Ticket(campaignID int64, code string) string {
	body := ticketPrefix + "." + strconv.FormatInt(campaignID, 10) + "." + code
	return body + "." + k.sign(body)
}

func (k *Keys) sign(body string) string {
	sum := k.ticket.sum(body)
	return base64.RawURLEncoding.EncodeToString(sum[:12])
}

// ReadTicket checks a ticket's signature and returns its campaign and code.
func (k *Keys) ReadTicket(t string) (campaignID int64, code string, ok bool) {
	parts := strings.Split(strings.TrimSpace(t), ".")
	if len(parts) != 4 || parts[0] != ticketPrefix {
		return 0, "", false
	}
	body := strings.Join(parts[:3], ".")
	if !hmac.Equal([]byte(k.sign(body)), []byte(parts[3])) {
		return 0, "", false
	}
	id, err := strconv.ParseInt(parts[1], 10, 64)
	if err != nil || !validCode(parts[2]) {
		return 0, "", false
	}
	return id, parts[2], true
}
