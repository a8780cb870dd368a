package ui

import (
	"image/color"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// The emoji picker: common emoji by category with a search box, used by
// the composer's button (inserts at the cursor) and by a message's
// "React…" (reacts with the one picked). It is built on first use: its
// few hundred buttons and the colour emoji font they draw with (Fyne
// loads it when a rune needs it) cost the window's start nothing.

// emojiEntry is one emoji and the words it is found by.
type emojiEntry struct{ emoji, words string }

// emojiCategory is a heading and its emoji.
type emojiCategory struct {
	name    string
	entries []emojiEntry
}

// smileIcon is the composer's emoji button: a drawn face (Material's
// "mood"), not an emoji character, which would have the window look up
// the colour emoji font at start (Fyne's patched painter does it when a
// rune needs it: go-text's index of the system fonts, then the font;
// docs/benchmarks.md).
var smileIcon = fyne.NewStaticResource("smile.svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"><path fill="#000000" d="M11.99 2C6.47 2 2 6.48 2 12s4.47 10 9.99 10C17.52 22 22 17.52 22 12S17.52 2 11.99 2zM12 20c-4.42 0-8-3.58-8-8s3.58-8 8-8 8 3.58 8 8-3.58 8-8 8zm3.5-9c.83 0 1.5-.67 1.5-1.5S16.33 8 15.5 8 14 8.67 14 9.5s.67 1.5 1.5 1.5zm-7 0c.83 0 1.5-.67 1.5-1.5S9.33 8 8.5 8 7 8.67 7 9.5 7.67 11 8.5 11zm3.5 6.5c2.33 0 4.31-1.46 5.11-3.5H6.89c.8 2.04 2.78 3.5 5.11 3.5z"/></svg>`))

// quickReactions are the reactions "React…" offers at once, as Dino and
// Conversations do.
var quickReactions = []string{"👍", "❤️", "😂", "😮", "😢", "🙏"}

// emojiCategories is the picker's table: what a chat mostly needs, named
// in English for the search.
func emojiCategories() []emojiCategory {
	parse := func(s string) []emojiEntry {
		var out []emojiEntry
		for _, line := range strings.Split(strings.TrimSpace(s), "\n") {
			e, words, _ := strings.Cut(strings.TrimSpace(line), " ")
			out = append(out, emojiEntry{e, words})
		}
		return out
	}
	return []emojiCategory{
		{"Smileys", parse(`
😀 grinning smile happy
😃 smiley smile happy
😄 smile happy joy
😁 grin beaming
😆 laughing satisfied
😅 sweat smile relief
😂 joy tears laugh lol
🤣 rofl rolling laugh
🙂 slight smile
🙃 upside down
😉 wink
😊 blush smile
😇 innocent halo angel
🥰 love hearts smiling
😍 heart eyes love
🤩 star struck
😘 kiss blow
😋 yum delicious
😛 tongue
😜 wink tongue crazy
🤪 zany crazy
🤔 thinking hmm
🤨 raised eyebrow skeptic
😐 neutral
😑 expressionless
😶 no mouth silent
🙄 eye roll
😏 smirk
😬 grimace
😌 relieved
😔 pensive sad
😪 sleepy
😴 sleeping zzz
😷 mask sick
🤒 thermometer sick ill
🤯 exploding head mind blown
🥳 party partying celebrate
😎 cool sunglasses
🤓 nerd glasses
😕 confused
😟 worried
😮 open mouth wow surprised
😲 astonished shocked
😳 flushed embarrassed
🥺 pleading puppy eyes
😢 cry sad tear
😭 sob crying loud
😱 scream fear
😤 triumph huff
😡 rage angry mad
🤬 cursing swearing
😈 devil smiling
💀 skull dead
🤡 clown
👻 ghost
👽 alien
🤖 robot`)},
		{"People", parse(`
👍 thumbs up yes ok like
👎 thumbs down no dislike
👌 ok hand perfect
✌️ victory peace
🤞 fingers crossed luck
🤝 handshake deal
👏 clap applause
🙌 raised hands hooray
🙏 pray please thanks folded hands
💪 muscle strong flex
👋 wave hello bye
🤙 call me shaka
👉 point right
👈 point left
👆 point up
👇 point down
✋ raised hand stop high five
🤷 shrug dunno
🤦 facepalm
🙋 raising hand
🙈 see no evil monkey
🙉 hear no evil monkey
🙊 speak no evil monkey
👀 eyes look
🧠 brain
👶 baby
🧑 person
👨 man
👩 woman
🧓 older person`)},
		{"Hearts", parse(`
❤️ red heart love
🧡 orange heart
💛 yellow heart
💚 green heart
💙 blue heart
💜 purple heart
🖤 black heart
🤍 white heart
💔 broken heart
💕 two hearts
💖 sparkling heart
💯 hundred perfect
💥 boom collision
💫 dizzy
💬 speech balloon
🔥 fire lit hot
✨ sparkles
⭐ star
🌟 glowing star
⚡ zap lightning`)},
		{"Nature and food", parse(`
🐶 dog puppy
🐱 cat kitten
🐭 mouse
🦊 fox
🐻 bear
🐼 panda
🐸 frog
🐵 monkey
🐧 penguin
🐦 bird
🦄 unicorn
🐝 bee
🦋 butterfly
🌸 blossom flower
🌹 rose flower
🌻 sunflower
🌳 tree
🍀 clover luck
🌈 rainbow
☀️ sun sunny
🌙 moon night
❄️ snowflake cold
☔ umbrella rain
🍎 apple
🍕 pizza
🍔 burger hamburger
🍟 fries
🍰 cake
🎂 birthday cake
🍪 cookie
🍫 chocolate
☕ coffee tea hot
🍺 beer
🍷 wine
🥂 cheers toast clink`)},
		{"Activities and objects", parse(`
🎉 tada party celebrate congratulations
🎊 confetti
🎁 gift present
🎈 balloon
🏆 trophy win
⚽ soccer football
🏀 basketball
🎮 video game
🎵 music note
🎶 notes music
📷 camera photo
💻 laptop computer
📱 phone mobile
⌛ hourglass time wait
⏰ alarm clock
💡 bulb idea
📌 pin
📎 paperclip
🔒 lock locked secure
🔑 key
🛠️ tools fix
🚀 rocket launch ship
✈️ airplane travel
🚗 car
🏠 house home`)},
		{"Symbols", parse(`
✅ check done yes
✔️ check mark
❌ cross no wrong
❓ question
❗ exclamation
⚠️ warning
🚫 prohibited forbidden
➕ plus add
➖ minus
🆗 ok button
🆕 new
🔴 red circle
🟢 green circle
🔵 blue circle
⬆️ up arrow
⬇️ down arrow
➡️ right arrow
⬅️ left arrow
🔁 repeat
♻️ recycle`)},
	}
}

// emojiPicker is the picker's content: a search box over a grid of
// buttons by category; pick is told the emoji chosen.
type emojiPicker struct {
	search *dialogEntry
	body   *fyne.Container
	pick   func(string)
	cats   []emojiCategory
	view   fyne.CanvasObject // content(), made once
}

func newEmojiPicker() *emojiPicker {
	p := &emojiPicker{search: newDialogEntry(), cats: emojiCategories()}
	p.search.SetPlaceHolder("Search emoji")
	p.body = container.NewVBox()
	p.search.OnChanged = func(q string) { p.show(q) }
	p.search.OnSubmitted = func(q string) {
		// Enter takes the first match, as in Gajim's and Dino's pickers.
		if es := p.matches(q); len(es) > 0 && p.pick != nil {
			p.pick(es[0].emoji)
		}
	}
	p.show("")
	return p
}

// matches are the emoji whose words contain every word of q.
func (p *emojiPicker) matches(q string) []emojiEntry {
	words := strings.Fields(strings.ToLower(q))
	var out []emojiEntry
	for _, c := range p.cats {
		for _, e := range c.entries {
			ok := true
			for _, w := range words {
				ok = ok && (strings.Contains(e.words, w) || e.emoji == w)
			}
			if ok {
				out = append(out, e)
			}
		}
	}
	return out
}

// show fills the grid: by category, or the matches of q.
func (p *emojiPicker) show(q string) {
	p.body.RemoveAll()
	if strings.TrimSpace(q) != "" {
		es := p.matches(q)
		if len(es) == 0 {
			p.body.Add(widget.NewLabel("No emoji found."))
		} else {
			p.body.Add(p.grid(es))
		}
		p.body.Refresh()
		return
	}
	for _, c := range p.cats {
		h := widget.NewLabel(c.name)
		h.TextStyle = fyne.TextStyle{Bold: true}
		p.body.Add(h)
		p.body.Add(p.grid(c.entries))
	}
	p.body.Refresh()
}

// emojiCell is the size of one emoji button in the grid.
var emojiCell = fyne.NewSquareSize(40)

func (p *emojiPicker) grid(es []emojiEntry) fyne.CanvasObject {
	g := container.NewGridWrap(emojiCell)
	for _, e := range es {
		g.Add(newEmojiButton(e.emoji, func() {
			if p.pick != nil {
				p.pick(e.emoji)
			}
		}))
	}
	return g
}

// emojiButton is one emoji of the grid, drawn large (a button's label
// is text-sized, and an emoji that small is hard to make out).
type emojiButton struct {
	widget.BaseWidget
	text  *canvas.Text
	bg    *canvas.Rectangle
	onTap func()
}

func newEmojiButton(e string, tap func()) *emojiButton {
	b := &emojiButton{text: canvas.NewText(e, theme.Color(theme.ColorNameForeground)), bg: canvas.NewRectangle(color.Transparent), onTap: tap}
	b.text.TextSize = 24
	b.text.Alignment = fyne.TextAlignCenter
	b.bg.CornerRadius = 6
	b.ExtendBaseWidget(b)
	return b
}

func (b *emojiButton) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(container.NewStack(b.bg, container.NewCenter(b.text)))
}

func (b *emojiButton) Tapped(*fyne.PointEvent) { b.onTap() }

// Cursor, MouseIn, MouseMoved, MouseOut: the emoji under the pointer is
// highlighted, as a button would be.
func (b *emojiButton) Cursor() desktop.Cursor { return desktop.PointerCursor }

func (b *emojiButton) MouseIn(*desktop.MouseEvent) {
	b.bg.FillColor = theme.Color(theme.ColorNameHover)
	b.bg.Refresh()
}

func (b *emojiButton) MouseMoved(*desktop.MouseEvent) {}

func (b *emojiButton) MouseOut() {
	b.bg.FillColor = color.Transparent
	b.bg.Refresh()
}

// content is the picker as a dialog shows it.
func (p *emojiPicker) content() fyne.CanvasObject {
	if p.view == nil {
		scroll := container.NewVScroll(p.body)
		scroll.SetMinSize(fyne.NewSize(8*emojiCell.Width+20, 300))
		p.view = container.NewBorder(p.search, nil, nil, nil, scroll)
	}
	return p.view
}

// showEmojiPicker opens the picker in a dialog; pick is told the emoji
// chosen (the dialog closes then). The picker is built once per pane.
func (a *Pane) showEmojiPicker(title string, pick func(string)) {
	if a.picker == nil {
		a.picker = newEmojiPicker()
	}
	p := a.picker
	p.search.SetText("")
	var d dialog.Dialog
	p.pick = func(e string) {
		d.Hide()
		pick(e)
	}
	d = dialog.NewCustom(title, "Close", p.content(), a.win)
	showDialog(a.win, d, p.search)
	a.win.Canvas().Focus(p.search)
}

// insertEmoji puts e into the composer at its cursor.
func (a *Pane) insertEmoji(e string) {
	for _, r := range e {
		a.composer.TypedRune(r)
	}
	a.win.Canvas().Focus(a.composer)
}
