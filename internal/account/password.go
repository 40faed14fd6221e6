package account

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"
	"sync"

	"golang.org/x/crypto/argon2"
)

// Argon2id parameters: OWASP's recommended minimum (19 MiB, 2 passes).
const (
	argonTime    = 2
	argonMemory  = 19 * 1024
	argonThreads = 1
	argonKeyLen  = 32
)

// HashPassword returns an argon2id hash in the PHC string format.
func HashPassword(password string) string {
	salt := make([]byte, 16)
	rand.Read(salt)
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads, b64.EncodeToString(salt), b64.EncodeToString(key))
}

// CheckPassword reports whether password matches the stored hash.
func CheckPassword(hash, password string) bool {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil {
		return false
	}
	b64 := base64.RawStdEncoding
	salt, err := b64.DecodeString(parts[4])
	if err != nil {
		return false
	}
	want, err := b64.DecodeString(parts[5])
	if err != nil {
		return false
	}
	got := argon2.IDKey([]byte(password), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// dummyHash is checked against when the username is unknown, so that the
// answer takes as long as for a wrong password.
var dummyHash = sync.OnceValue(func() string { return HashPassword("sciweek-no-such-account") })

// RandomPassword returns a new password that is easy to read out: four
// groups of lower-case letters and digits without look-alikes.
func RandomPassword() string {
	const alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
	b := make([]byte, 16)
	rand.Read(b)
	var out strings.Builder
	for i, v := range b {
		if i > 0 && i%4 == 0 {
			out.WriteByte('-')
		}
		out.WriteByte(alphabet[int(v)%len(alphabet)])
	}
	return out.String()
}

// MinPasswordLength is the fewest characters a password may have.
const MinPasswordLength = 10

// commonPasswords are passwords from the published lists of the most used
// ones, and the site's own name, compared in lower case; a password of at
// least MinPasswordLength characters that is one of them is still refused.
var commonPasswords = map[string]bool{
	"1234567890": true, "0123456789": true, "9876543210": true, "1111111111": true, "0000000000": true,
	"1q2w3e4r5t": true, "qwertyuiop": true, "asdfghjkl;": true, "password12": true, "password123": true,
	"password1234": true, "passw0rd123": true, "p@ssw0rd123": true, "iloveyou123": true, "abcdefghij": true,
	"abc1234567": true, "a123456789": true, "qwe1234567": true, "woaini1314": true, "woaini520": true,
	"admin12345": true, "admin123456": true, "administrator": true, "welcome123": true, "sciweek123": true,
	"sciweek2020": true, "sciweek2026": true, "qazwsxedc123": true, "1qaz2wsx3edc": true, "zxcvbnm123": true,
	"changeme123": true, "letmein123": true, "football123": true, "baseball123": true, "princess123": true,
	"aa123456789": true, "qq123456789": true, "123456789a": true, "12345678910": true, "123123123123": true,
	"kejizhou2020": true, "kejizhou123": true,
}

// WeakPassword returns the catalogue key (and its arguments) saying why
// password is too weak for username, or "" when it will do: at least
// MinPasswordLength characters, not only digits, not one character
// repeated, not the username nor built from it, not a common password.
func WeakPassword(username, password string) (string, []any) {
	lower := strings.ToLower(password)
	user := strings.ToLower(strings.TrimSpace(username))
	switch {
	case len([]rune(password)) < MinPasswordLength:
		return "security.password.short", []any{MinPasswordLength}
	case len(password) > 200:
		return "error.too_long", []any{200}
	case strings.Trim(password, "0123456789") == "":
		return "security.password.digits", nil
	case strings.Trim(lower, lower[:1]) == "":
		return "security.password.repeated", nil
	case user != "" && strings.Contains(lower, user) && len(lower)-len(user) < 4:
		return "account.error.password_is_username", nil
	case commonPasswords[lower]:
		return "security.password.common", nil
	}
	return "", nil
}
