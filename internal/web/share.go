package web

import (
	"encoding/json"
	"net/http"
	"strings"
)

// Share is how a public page presents itself when its link is shared:
// the Open Graph and Twitter tags, and the itemprop ones WeChat's browser
// reads. Image is absolute and at least 300×300.
type Share struct {
	Type        string // Open Graph type: website or article
	Title       string
	Description string
	URL         string
	Image       string
	// Square is a square picture, which WeChat shows beside a link.
	Square string
}

// ThemeColour is the site's brand colour, for the browser's bar.
const ThemeColour = "#0b5cad"

// manifest is the web app manifest; icons are under static/icons.
type manifest struct {
	Name            string         `json:"name"`
	ShortName       string         `json:"short_name"`
	Lang            string         `json:"lang"`
	StartURL        string         `json:"start_url"`
	Scope           string         `json:"scope"`
	Display         string         `json:"display"`
	ThemeColor      string         `json:"theme_color"`
	BackgroundColor string         `json:"background_color"`
	Icons           []manifestIcon `json:"icons"`
}

type manifestIcon struct {
	Src     string `json:"src"`
	Sizes   string `json:"sizes"`
	Type    string `json:"type"`
	Purpose string `json:"purpose,omitempty"`
}

// Manifest answers /manifest.webmanifest in the visitor's language.
func Manifest(w http.ResponseWriter, r *http.Request) {
	l := L(r.Context())
	w.Header().Set("Cache-Control", "public, max-age=3600")
	w.Header().Set("Vary", "Accept-Language, Cookie")
	WriteManifest(w, r, l.T("share.manifest.name"), l.T("app.name"), "/", "/")
}

// WriteManifest writes a web manifest with the site's icons and colours:
// the site's, or that of a part installed on its own (the offline
// check-in) with its name, start page and scope.
func WriteManifest(w http.ResponseWriter, r *http.Request, name, shortName, startURL, scope string) {
	m := manifest{
		Name: name, ShortName: shortName, Lang: Lang(r.Context()), StartURL: startURL, Scope: scope, Display: "standalone",
		ThemeColor: ThemeColour, BackgroundColor: "#ffffff",
		Icons: []manifestIcon{
			{Src: staticURL("icons/icon-192.png"), Sizes: "192x192", Type: "image/png", Purpose: "any"},
			{Src: staticURL("icons/icon-512.png"), Sizes: "512x512", Type: "image/png", Purpose: "any"},
			{Src: staticURL("icons/icon-maskable-512.png"), Sizes: "512x512", Type: "image/png", Purpose: "maskable"},
		},
	}
	w.Header().Set("Content-Type", "application/manifest+json; charset=utf-8")
	json.NewEncoder(w).Encode(m)
}

// Icon answers a fixed path browsers ask for without reading the page
// (/favicon.ico, /apple-touch-icon.png) with the embedded file.
func Icon(name, contentType string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		b, err := staticFS.ReadFile("static/icons/" + name)
		if err != nil {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", contentType)
		w.Header().Set("Cache-Control", "public, max-age=86400")
		w.Write(b)
	}
}

// ShareFor is the share card of the page r asks for, on the site at base
// (scheme and host), with its picture at imagePath on that site; the
// picture answers shape=square with a square one. imagePath may carry a
// query, such as the version of the picture.
func ShareFor(r *http.Request, base, kind, title, desc, imagePath string) *Share {
	img := base + imagePath
	sep := "?"
	if strings.Contains(img, "?") {
		sep = "&"
	}
	return &Share{Type: kind, Title: title, Description: desc, URL: base + r.URL.RequestURI(), Image: img, Square: img + sep + "shape=square"}
}
