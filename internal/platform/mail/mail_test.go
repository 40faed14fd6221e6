package mail_test

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/sciweek/sciweek/internal/platform/mail"
	"github.com/sciweek/sciweek/internal/platform/mail/mailtest"
)

func send(t *testing.T, cfg mail.Config, m mail.Message) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return (&mail.SMTP{Config: cfg}).Send(ctx, m)
}

func TestSend(t *testing.T) {
	msg := mail.Message{To: "hqu@example.cn", Subject: "《科技活动周重点项目备案表》被退回修改", Lang: "zh-CN",
		Text: "请按意见修改。\n第二行", HTML: "<p>请按意见修改。</p>"}

	t.Run("STARTTLS with authentication", func(t *testing.T) {
		srv := mailtest.Start(t, mailtest.Options{TLS: true, Username: "kjj", Password: "s3cret"})
		cfg := mail.Config{Host: srv.Host, Port: srv.Port, From: "泉州市科学技术局 <noreply@qzkj.example.cn>", Security: mail.StartTLS,
			Username: "kjj", Password: "s3cret", RootCAs: srv.CertPool}
		if err := send(t, cfg, msg); err != nil {
			t.Fatal(err)
		}
		got := srv.Wait(t, 1, 5*time.Second)[0]
		if got.Subject != msg.Subject || got.To[0] != "hqu@example.cn" || got.From != "noreply@qzkj.example.cn" {
			t.Errorf("received %q to %v from %q", got.Subject, got.To, got.From)
		}
		if !strings.Contains(got.Text, "请按意见修改。\r\n第二行") || got.HTML != msg.HTML {
			t.Errorf("parts: text %q html %q", got.Text, got.HTML)
		}
		if got.Header.Get("Content-Language") != "zh-CN" || got.Header.Get("Message-Id") == "" {
			t.Errorf("headers: %v", got.Header)
		}
	})

	t.Run("implicit TLS", func(t *testing.T) {
		srv := mailtest.Start(t, mailtest.Options{Implicit: true, Username: "kjj", Password: "s3cret"})
		cfg := mail.Config{Host: srv.Host, Port: srv.Port, From: "noreply@qzkj.example.cn", Security: mail.TLS, Username: "kjj", Password: "s3cret", RootCAs: srv.CertPool}
		if err := send(t, cfg, msg); err != nil {
			t.Fatal(err)
		}
		if got := srv.Wait(t, 1, 5*time.Second)[0]; got.Subject != msg.Subject {
			t.Errorf("received %q", got.Subject)
		}
		plain := cfg
		plain.Security, plain.Timeout = mail.None, time.Second
		if err := send(t, plain, msg); err == nil {
			t.Error("a plain conversation with a TLS port went through")
		}
	})

	t.Run("wrong password", func(t *testing.T) {
		srv := mailtest.Start(t, mailtest.Options{TLS: true, Username: "kjj", Password: "s3cret"})
		cfg := mail.Config{Host: srv.Host, Port: srv.Port, From: "noreply@qzkj.example.cn", Security: mail.StartTLS, Username: "kjj", Password: "wrong", RootCAs: srv.CertPool}
		err := send(t, cfg, msg)
		if err == nil || !mail.Permanent(err) || !strings.Contains(err.Error(), "535") {
			t.Fatalf("err = %v, want a permanent 535", err)
		}
	})

	t.Run("untrusted certificate", func(t *testing.T) {
		srv := mailtest.Start(t, mailtest.Options{TLS: true})
		err := send(t, mail.Config{Host: srv.Host, Port: srv.Port, From: "noreply@qzkj.example.cn", Security: mail.StartTLS}, msg)
		if err == nil || mail.Permanent(err) || len(srv.Messages()) != 0 {
			t.Fatalf("err = %v; the message must not go over an unverified connection", err)
		}
	})

	t.Run("refused recipient", func(t *testing.T) {
		srv := mailtest.Start(t, mailtest.Options{})
		srv.Refuse(func(to string) bool { return strings.HasPrefix(to, "nobody@") })
		cfg := mail.Config{Host: srv.Host, Port: srv.Port, From: "noreply@qzkj.example.cn", Security: mail.None}
		m := msg
		m.To = "nobody@example.cn"
		err := send(t, cfg, m)
		if err == nil || !mail.Permanent(err) || !strings.Contains(err.Error(), "does not exist") {
			t.Fatalf("err = %v, want a permanent refusal with the server's reason", err)
		}
	})

	t.Run("unreachable server", func(t *testing.T) {
		ln, _ := net.Listen("tcp", "127.0.0.1:0")
		port := ln.Addr().(*net.TCPAddr).Port
		ln.Close()
		err := send(t, mail.Config{Host: "127.0.0.1", Port: port, From: "noreply@qzkj.example.cn", Security: mail.None, Timeout: 2 * time.Second}, msg)
		if err == nil || mail.Permanent(err) || !strings.Contains(err.Error(), "connect") {
			t.Fatalf("err = %v, want a temporary connection error", err)
		}
	})
}

func TestBuildEncodesHeadersAndText(t *testing.T) {
	b, err := mail.Build(mail.Message{To: "a@example.cn", Subject: "还有 3 天截止", Text: "正文"}, "noreply@example.cn", time.Date(2026, 12, 9, 10, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	if !strings.Contains(s, "Subject: =?utf-8?b?") || strings.Contains(s, "还有") || !strings.Contains(s, "text/plain; charset=utf-8") {
		t.Fatalf("message:\n%s", s)
	}
	if mail.DecodeHeader("=?utf-8?b?6L+Y5pyJIDMg5aSp5oiq5q2i?=") != "还有 3 天截止" {
		t.Error("DecodeHeader")
	}
}
