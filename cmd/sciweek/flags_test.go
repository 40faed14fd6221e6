package main

import (
	"flag"
	"io"
	"testing"
)

// TestSwitchFlags: --trust-proxy and --secure-cookies work alone as
// switches, still take =false, and built-in TLS always marks cookies
// Secure.
func TestSwitchFlags(t *testing.T) {
	parse := func(args ...string) (trust, secure bool) {
		t.Helper()
		fs := flag.NewFlagSet("serve", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		cfg, check := configFlags(fs)
		if err := fs.Parse(append(args, "--data", t.TempDir())); err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		if err := check(); err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		return cfg.TrustProxy, cfg.SecureCookies
	}
	if trust, secure := parse(); trust || secure {
		t.Errorf("defaults: trust %v, secure %v", trust, secure)
	}
	if trust, secure := parse("--trust-proxy", "--secure-cookies"); !trust || !secure {
		t.Errorf("bare switches: trust %v, secure %v", trust, secure)
	}
	if trust, _ := parse("--trust-proxy=false"); trust {
		t.Error("--trust-proxy=false turned it on")
	}
	cert, key := selfSigned(t, t.TempDir())
	if _, secure := parse("--tls-cert", cert, "--tls-key", key); !secure {
		t.Error("with built-in TLS the session cookie is not Secure")
	}
}
