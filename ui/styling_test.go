package ui

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
)

// What each byte of a body is styled as, shown compactly: a letter per
// byte, "." plain, "s" strong, "e" emphasis, "x" strike, "m" mono, "q"
// quotation, upper case for a mix (only the cases below need one: "S"
// strong and mono, "E" strong and emphasis).
func styleString(text string, st []styleBits) string {
	if st == nil {
		return strings.Repeat(".", len(text))
	}
	var b strings.Builder
	for _, s := range st {
		switch s {
		case 0:
			b.WriteByte('.')
		case styleStrong:
			b.WriteByte('s')
		case styleEmphasis:
			b.WriteByte('e')
		case styleStrike:
			b.WriteByte('x')
		case styleMono:
			b.WriteByte('m')
		case styleQuote:
			b.WriteByte('q')
		case styleStrong | styleMono:
			b.WriteByte('S')
		case styleStrong | styleEmphasis:
			b.WriteByte('E')
		case styleQuote | styleStrong:
			b.WriteByte('Q')
		default:
			b.WriteByte('?')
		}
	}
	return b.String()
}

// The XEP-0393 examples (§5), each styled as it says, and its examples
// of what is not styled at all.
func TestParseStyling(t *testing.T) {
	for _, tc := range []struct{ text, want string }{
		{"plain span", ".........."},
		{"*strong span*", "sssssssssssss"},
		{"plain _emphasis_ plain", "......eeeeeeeeee......"},
		{"`pre` plain *strong*", "mmmmm.......ssssssss"},
		{"*strong*plain*", "ssssssss......"},
		{"* plain *strong*", "........ssssssss"},
		{"Everyone ~dis~likes cake.", ".........xxxxx..........."},
		{"This is `*monospace*`", "........mmmmmmmmmmmmm"},
		{"This is *`monospace and bold`*", "........sSSSSSSSSSSSSSSSSSSSSs"},
		{"*strong _both_*", "ssssssssEEEEEEs"},
		// Not styled.
		{"not strong*", "..........."},
		{"*not strong", "..........."},
		{"*not \n strong*", "..............."[:14]},
		{"*not *strong", "............"},
		{"**", ".."},
		{"***", "..."},
		{"****", "...."},
		{"2*3*4", "....."},
		{"snake_case_name", "..............."},
		{"x > y", "....."},
		// Blocks.
		{"> That that is, is.\nSaid the old hermit of Prague.", strings.Repeat("q", 19) + "." + strings.Repeat(".", 30)},
		{"> *quoted strong*", "qqQQQQQQQQQQQQQQQ"},
		{"```\n*code*\n```\nafter *s*", "mmm.mmmmmm.mmm.......sss"},
		{"```\nnever closed *s*", "mmm." + strings.Repeat("m", 16)},
		{"emoji > _ <", "..........."},
		{"", ""},
	} {
		if got := styleString(tc.text, parseStyling(tc.text)); got != tc.want {
			t.Errorf("%q:\n got %s\nwant %s", tc.text, got, tc.want)
		}
	}
}

// A line of 20,000 openings and no closing is styled in one pass per
// directive (it took minutes when each opening looked for its closing to
// the line's end); a body over maxStyled is not styled.
func TestParseStylingBounded(t *testing.T) {
	long := strings.Repeat("*a _b ~c `d ", 6000)
	if st := parseStyling(long[:maxStyled-1]); st != nil {
		t.Errorf("a line of openings without closings styled something")
	}
	if st := parseStyling(strings.Repeat("*a* ", maxStyled/4+1)); st != nil {
		t.Errorf("a body over %d bytes styled", maxStyled)
	}
}

// Hostile bodies end in time and styled in bounds: directives only, a
// long run of openings with no closing (the lazy match scans the line
// once per opening), invalid UTF-8.
func FuzzParseStyling(f *testing.F) {
	for _, s := range []string{"*a*", "```\nx\n```", "> _x_", "*_~`", "\xff*\xfe*", strings.Repeat("*a ", 200)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		st := parseStyling(s)
		if st != nil && len(st) != len(s) {
			t.Fatalf("%d styles for %d bytes", len(st), len(s))
		}
	})
}

// drawnPieces are the texts a body draws, with their style, and the
// thin rectangles (a link's underline, a strike's line) by their y.
func drawnPieces(body *msgText) (texts map[string]*canvas.Text, lines []*canvas.Rectangle) {
	texts = map[string]*canvas.Text{}
	for _, o := range test.WidgetRenderer(body).Objects() {
		switch o := o.(type) {
		case *canvas.Text:
			texts[o.Text] = o
		case *canvas.Rectangle:
			if o.Size().Height == 1 {
				lines = append(lines, o)
			}
		}
	}
	return texts, lines
}

// A styled message in the chat: each span drawn in its style with its
// directives (*hi* bold, _now_ italic, `x := 1` monospace, ~never~
// struck through the middle), quotation lines dim, a fenced block
// monospace; the row is as tall as its lines (a long bold message wraps
// as bold text is wide, and the pane's height for it is the body's).
func TestStyledMessagesRender(t *testing.T) {
	const bob = "bob@example.org"
	ms := conversation(bob, 3)
	ms[0].Body = "say *hi*, _now_ ~never~ `x := 1`"
	ms[1].Body = "> what you said\nmy answer\n```\ncode *here*\n```"
	ms[2].Body = "*" + strings.Repeat("bold words wrap wider ", 12) + "end*"
	b := &fakeBackend{contacts: []Contact{{JID: bob, Name: "Bob"}}, history: map[string][]Message{bob: ms}}
	a, _ := newTestApp(t, b)
	a.win.Resize(fyne.NewSize(900, 1000))
	selectContact(t, a, bob)

	texts, lines := drawnPieces(shownRow(t, a, ms[0].Body).body)
	for piece, want := range map[string]fyne.TextStyle{
		"say ":     {},
		"*hi*":     {Bold: true},
		"_now_":    {Italic: true},
		"~never~":  {},
		"`x := 1`": {Monospace: true},
	} {
		if txt, ok := texts[piece]; !ok || txt.TextStyle != want {
			t.Errorf("%q drawn %v (found %v), want %+v", piece, txt, ok, want)
		}
	}
	struck := texts["~never~"]
	found := false
	for _, l := range lines {
		if l.Position().X == struck.Position().X && l.Position().Y > struck.Position().Y+2 && l.Position().Y < struck.Position().Y+struck.Size().Height-2 {
			found = l.Size().Width == struck.Size().Width
		}
	}
	if !found {
		t.Errorf("no line through ~never~ (%v at %v): %d thin lines", struck.Text, struck.Position(), len(lines))
	}

	quoted := shownRow(t, a, ms[1].Body).body
	texts, _ = drawnPieces(quoted)
	v := fyne.CurrentApp().Settings().ThemeVariant()
	if q := texts["> what you said"]; q == nil || q.Color != quoted.Theme().Color(theme.ColorNamePlaceHolder, v) {
		t.Errorf("the quotation line: %+v", q)
	}
	if c := texts["code *here*"]; c == nil || !c.TextStyle.Monospace || c.TextStyle.Bold {
		t.Errorf("the fenced line: %+v (monospace, and no span inside a block)", c)
	}
	if txt := texts["my answer"]; txt == nil || txt.TextStyle != (fyne.TextStyle{}) {
		t.Errorf("the plain line: %+v", txt)
	}

	row := shownRow(t, a, ms[2].Body)
	if n := len(row.body.lines); a.bodyRowHeight(ms[2]) != a.rowH+float32(n-1)*a.lineH {
		t.Errorf("the pane sizes the bold message for %v, its body draws %d lines", a.bodyRowHeight(ms[2]), n)
	}
}
