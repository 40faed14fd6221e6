package paper

import "testing"

func TestNormalize(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"ABCDE-FGHJK", "ABCDEFGHJK"},
		{" abcde fghjk ", "ABCDEFGHJK"},
		{"https://kjz.example.cn/verify/ABCDEFGHJK", "ABCDEFGHJK"},
		{"http://x/verify/ABCDEFGHJK?from=qr", "ABCDEFGHJK"},
		{"0OIL1ABCDE", "00111ABCDE"}, // read from paper: O for 0, I and L for 1
		{"ABCDEFGHJ", ""},
		{"ABCDEFGHJKM", ""},
		{"ABCDE_FGHJK", ""},
		{"ABCDEFGHJU", ""},
		{"", ""},
	} {
		if got := Normalize(c.in); got != c.want {
			t.Errorf("Normalize(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestNewCode(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		c := newCode()
		if Normalize(c) != c || Normalize(Display(c)) != c {
			t.Fatalf("code %q does not read back", c)
		}
		if seen[c] {
			t.Fatalf("code %q twice", c)
		}
		seen[c] = true
	}
}

func TestShortFingerprint(t *testing.T) {
	fp := Fingerprint([]byte("x"))
	if len(fp) != 64 {
		t.Fatalf("fingerprint %q", fp)
	}
	if got := ShortFingerprint("2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881"); got != "2D71 1642 B726 B044" {
		t.Errorf("short: %q", got)
	}
}
