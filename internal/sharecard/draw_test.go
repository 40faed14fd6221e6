package sharecard

import (
	"bytes"
	"image"
	"image/png"
	"os"
	"strings"
	"testing"
)

func TestDrawCards(t *testing.T) {
	cases := map[string]Card{
		"plain": {Kicker: "2020年泉州市科技活动周", Title: "走进华侨大学实验室：科技战疫 创新强国", Lines: []string{"8月23日 09:30–11:30", "泉州市丰泽区城华北路269号"}, Footer: "科技活动周"},
		"long":  {Kicker: "2020年泉州市科技活动周", Title: strings.Repeat("超长的活动标题", 30), Lines: []string{"8月23日至29日"}, Footer: "科技活动周"},
		"rare":  {Kicker: "𠀀𪚥", Title: "龘靐齉 𠀀𪚥 䶮 emoji 🎉 and Latin words that wrap across lines properly", Lines: []string{"\x00\uFFFD"}, Footer: "sciweek"},
		"empty": {},
	}
	for name, c := range cases {
		for _, s := range []Shape{Wide, Square} {
			img, err := Draw(c, s)
			if err != nil {
				t.Fatal(err)
			}
			b, err := PNG(img)
			if err != nil {
				t.Fatal(err)
			}
			got, err := png.Decode(bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			if got.Bounds().Dx() != s.W || got.Bounds().Dy() != s.H {
				t.Errorf("%s: size %v, want %v", name, got.Bounds(), s)
			}
			if d := os.Getenv("SHARECARD_OUT"); d != "" {
				os.WriteFile(d+"/"+name+"-"+string(rune('0'+s.W/600))+".png", b, 0o644)
			}
		}
	}
}

func TestDrawTicketPicture(t *testing.T) {
	qr := image.NewGray(image.Rect(0, 0, 360, 360))
	img, err := DrawTicket(Card{Kicker: "2026年泉州市科技活动周", Title: "智能制造装备开放日", Lines: []string{"12月19日 周六 07:00–07:30", "泉州市丰泽区东海街道东海大街", "3 人 · 预约码 K7Q2ABCD", "已预约"}, Footer: "科技活动周"}, qr)
	if err != nil {
		t.Fatal(err)
	}
	if img.Bounds().Dx() != TicketShape.W || img.Bounds().Dy() != TicketShape.H {
		t.Errorf("ticket is %v", img.Bounds())
	}
	if d := os.Getenv("SHARECARD_OUT"); d != "" {
		b, _ := PNG(img)
		os.WriteFile(d+"/ticket.png", b, 0o644)
	}
}
