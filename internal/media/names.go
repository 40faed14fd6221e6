package media

import "strings"

// NameFor gives a client's file name the extension of the type detected
// from the content, so a JPEG sent as x.html downloads as x.jpg; an
// extension that already names the type (.jpeg for .jpg) is kept.
func NameFor(name, ext string) string {
	if ext == "" {
		return name
	}
	cur := ""
	if i := strings.LastIndexByte(name, '.'); i > 0 {
		cur = strings.ToLower(name[i:])
	}
	if cur == ext || extAliases[cur] == ext {
		return name
	}
	if cur != "" {
		name = name[:len(name)-len(cur)]
	}
	return name + ext
}

// extAliases are the other extensions of a detected type.
var extAliases = map[string]string{".jpeg": ".jpg", ".jpe": ".jpg", ".jfif": ".jpg", ".m4v": ".mp4", ".qt": ".mov", ".text": ".txt", ".csv": ".txt", ".md": ".txt",
	".xls": ".doc", ".ppt": ".doc"}

// ExtOf is the extension of a content type as the checks detect them.
func ExtOf(contentType string) string {
	switch contentType {
	case "image/jpeg":
		return ".jpg"
	case "image/png":
		return ".png"
	case "image/webp":
		return ".webp"
	case "video/mp4":
		return ".mp4"
	case "video/quicktime":
		return ".mov"
	case "video/webm":
		return ".webm"
	case "video/x-matroska":
		return ".mkv"
	case "video/x-msvideo":
		return ".avi"
	case "video/x-flv":
		return ".flv"
	case "video/x-ms-wmv":
		return ".wmv"
	case "application/pdf":
		return ".pdf"
	case "application/msword":
		return ".doc"
	case "text/plain":
		return ".txt"
	case "application/zip":
		return ".zip"
	case "application/vnd.openxmlformats-officedocument.wordprocessingml.document":
		return ".docx"
	case "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":
		return ".xlsx"
	case "application/vnd.openxmlformats-officedocument.presentationml.presentation":
		return ".pptx"
	}
	return ""
}
