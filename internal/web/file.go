package web

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// ContentDisposition returns the header value for a file with its original
// name: an ASCII fallback in filename and the exact name, percent-encoded
// UTF-8, in filename* (RFC 6266 and RFC 5987), which every current browser
// prefers, so a name such as 活动照片.jpg comes back as it was.
func ContentDisposition(disposition, name string) string {
	var ascii strings.Builder
	for _, r := range name {
		switch {
		case r == '"' || r == '\\' || r == '/' || r < 0x20 || r == 0x7f:
			ascii.WriteByte('_')
		case r < 0x80:
			ascii.WriteRune(r)
		default:
			ascii.WriteByte('_')
		}
	}
	fallback := ascii.String()
	if !isASCII(name) || strings.Trim(fallback, "_. ") == "" {
		fallback = "file"
		if i := strings.LastIndexByte(name, '.'); i >= 0 && i < len(name)-1 && isASCII(name[i:]) {
			fallback += name[i:]
		}
	}
	// url.PathEscape leaves a few characters RFC 5987's attr-char does not
	// allow; escape them too.
	enc := url.PathEscape(name)
	for _, c := range []string{"'", "(", ")", "*", ",", ";", "=", "@", ":"} {
		enc = strings.ReplaceAll(enc, c, "%"+strings.ToUpper(hex2(c[0])))
	}
	return disposition + `; filename="` + fallback + `"; filename*=UTF-8''` + enc
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 || s[i] < 0x20 {
			return false
		}
	}
	return true
}

func hex2(b byte) string {
	const digits = "0123456789abcdef"
	return string([]byte{digits[b>>4], digits[b&15]})
}

// ServeFile answers with a stored file: its type, its original name, no
// sniffing, and range requests (so a video seeks in the browser). inline
// shows it in the browser; otherwise it is downloaded.
func ServeFile(w http.ResponseWriter, r *http.Request, content io.ReadSeeker, modified time.Time, name, contentType string, inline bool) {
	h := w.Header()
	if contentType == "" {
		contentType = "application/octet-stream"
	}
	h.Set("Content-Type", contentType)
	disposition := "attachment"
	if inline {
		disposition = "inline"
	}
	h.Set("Content-Disposition", ContentDisposition(disposition, name))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "private, no-cache")
	// A stored file is never a page: even an HTML file a browser was told
	// to show inline runs nothing.
	h.Set("Content-Security-Policy", "default-src 'none'; img-src 'self'; media-src 'self'; style-src 'unsafe-inline'; sandbox")
	AllowSlow(w, time.Hour) // a video, to a phone on a slow network
	http.ServeContent(w, r, "", modified, content)
}
