package ui

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// The window's preferences, kept in the app's preferences (shared by the
// user's profiles, as a desktop app's settings are).
const (
	prefTheme     = "pref.theme"      // "" (follow the system), "light", "dark"
	prefNotify    = "pref.notify"     // a notification for a message while the window is not in front
	prefEnter     = "pref.enterSends" // Enter sends (else Ctrl+Enter does)
	prefRemember  = "pref.remember"   // the login prompt offers to keep the password
	prefChatOrder = "pref.chatOrder"  // the chat list's order: "" by name, orderRecent
	orderRecent   = "recent"          // the chat with the newest message first
	themeSystem   = ""
	themeLight    = "light"
	themeDark     = "dark"
	labelSystem   = "Follow the system"
	labelLight    = "Light"
	labelDark     = "Dark"
	defaultNotify = true
)

// RememberPasswords reports whether the user wants passwords kept (the
// Preferences' "Remember passwords"; on unless turned off).
func RememberPasswords(fa fyne.App) bool {
	return fa.Preferences().BoolWithFallback(prefRemember, true)
}

// variantTheme is Fyne's theme held to one variant (light or dark)
// whatever the system's.
type variantTheme struct {
	fyne.Theme
	v fyne.ThemeVariant
}

func (t variantTheme) Color(n fyne.ThemeColorName, _ fyne.ThemeVariant) color.Color {
	return t.Theme.Color(n, t.v)
}

// applyTheme sets the app's theme from the preference.
func (s *Shell) applyTheme() {
	var th fyne.Theme = theme.DefaultTheme()
	switch s.fa.Preferences().String(prefTheme) {
	case themeLight:
		th = variantTheme{theme.DefaultTheme(), theme.VariantLight}
	case themeDark:
		th = variantTheme{theme.DefaultTheme(), theme.VariantDark}
	}
	s.fa.Settings().SetTheme(th)
}

// OnForgetPasswords gives the Preferences a "Forget saved passwords"
// button: forget deletes every account's saved password (the OS keyring,
// the profile), and where says where they are kept now (asked when the
// Preferences open: it may wait for the OS keyring's answer).
func (s *Shell) OnForgetPasswords(where func() string, forget func()) {
	s.passwordsWhere, s.forgetPasswords = where, forget
}

// ShowPreferences opens the Preferences: theme, notifications, what Enter
// does, typing notifications and read markers, passwords.
func (s *Shell) ShowPreferences() {
	p := s.fa.Preferences()
	themes := newDialogRadio([]string{labelSystem, labelLight, labelDark},
		map[string]string{themeSystem: labelSystem, themeLight: labelLight, themeDark: labelDark}[p.String(prefTheme)],
		func(l string) {
			p.SetString(prefTheme, map[string]string{labelSystem: themeSystem, labelLight: themeLight, labelDark: themeDark}[l])
			s.applyTheme()
		})
	notify := newDialogCheck("Show notifications", func(on bool) { p.SetBool(prefNotify, on) })
	notify.SetChecked(p.BoolWithFallback(prefNotify, defaultNotify))
	enter := newDialogCheck("Enter sends", func(on bool) {
		p.SetBool(prefEnter, on)
		for _, a := range s.apps {
			a.composer.setEnterSends(on)
		}
	})
	enter.SetChecked(p.BoolWithFallback(prefEnter, true))
	typing := newDialogCheck("Send typing notifications", func(on bool) {
		p.SetBool(prefTyping, on)
		for _, a := range s.apps {
			if t := a.typist(); t != nil {
				t.SetTypingNotifications(on)
			}
			if !on {
				a.typingIn = ""
			}
		}
	})
	typing.SetChecked(TypingNotifications(s.fa))
	markers := newDialogCheck("Send read markers", func(on bool) {
		p.SetBool(prefReadMarkers, on)
		for _, a := range s.apps {
			if m := a.marker(); m != nil {
				m.SetReadMarkers(on)
			}
		}
	})
	markers.SetChecked(ReadMarkers(s.fa))
	orderLabels := map[string]string{"": "By name", orderRecent: "Newest message first"}
	order := newDialogRadio([]string{orderLabels[""], orderLabels[orderRecent]}, orderLabels[p.String(prefChatOrder)], func(l string) {
		for v, label := range orderLabels {
			if label == l {
				p.SetString(prefChatOrder, v)
			}
		}
		for _, a := range s.apps {
			a.sortContacts()
			a.applyFilter()
		}
	})

	// Pictures: which contacts' pictures download by themselves.
	picLabels := map[int]string{0: "Never", 1: "1 MiB", 5: "5 MiB", 20: "20 MiB"}
	picOrder := []int{0, 1, 5, 20}
	var picOptions []string
	for _, n := range picOrder {
		picOptions = append(picOptions, picLabels[n])
	}
	pictures := newDialogRadio(picOptions, picLabels[p.IntWithFallback(prefPictureMiB, defaultPictureMiB)], func(l string) {
		for n, label := range picLabels {
			if label == l {
				p.SetInt(prefPictureMiB, n)
			}
		}
	})

	var d dialog.Dialog
	remember := newDialogCheck("Remember passwords", nil)
	remember.SetChecked(RememberPasswords(s.fa))
	remember.OnChanged = func(on bool) {
		p.SetBool(prefRemember, on)
		if !on && s.forgetPasswords != nil {
			// The box is unticked already: the answer is about the
			// passwords saved until now, kept or forgotten.
			showDialog(s.win, newConfirm(s.win, "Forget saved passwords", "Also forget the passwords saved until now? You will be asked for them at the next start.", "Forget them", "Keep them", func(yes bool) {
				if yes {
					s.forgetPasswords()
				}
			}))
		}
	}
	// Short labels, each explained in a line below it that wraps: the
	// dialog fits a 420 px window (the long labels ran off its edge).
	heading := func(t string) fyne.CanvasObject {
		return widget.NewLabelWithStyle(t, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	}
	rows := []fyne.CanvasObject{
		heading("Theme"), themes,
		heading("Messages"),
		notify, prefHint("For a new message while Clove is not in front."),
		enter, prefHint("Shift+Enter starts a new line. Off: Enter starts a new line and Ctrl+Enter sends."),
		typing, prefHint("Contacts who share presence with you see that you type."),
		markers, prefHint("Contacts who share presence with you see which of their messages you have read."),
		heading("Chat list"), order,
		prefHint("Newest message first: the chats you use at the top, as Dino and Gajim list them; chats without messages follow by name."),
		heading("Pictures that load by themselves"), pictures,
		prefHint("A contact's picture up to this size; larger ones wait for a click on Load picture."),
		heading("Passwords"),
		remember, prefHint("The login prompt offers to keep them."),
	}
	if s.passwordsWhere != nil {
		if text := s.passwordsWhere(); text != "" {
			where := widget.NewLabel(text) // a warning when unencrypted: plain text
			where.Wrapping = fyne.TextWrapWord
			rows = append(rows, where)
		}
	}
	if s.forgetPasswords != nil {
		rows = append(rows, container.NewHBox(widget.NewButton("Forget saved passwords", func() {
			showConfirm(s.win, "Forget saved passwords", "Forget every account's saved password? You will be asked for them at the next start.", "Forget", func(yes bool) {
				if yes {
					s.forgetPasswords()
				}
			})
		})))
	}
	body := container.NewVBox(rows...)
	scroll := container.NewVScroll(body)
	d = dialog.NewCustom("Preferences", "Close", scroll, s.win)
	// Enter on a check box or radio button closes the Preferences, as
	// their one button does (each choice is kept at once).
	showDialogKeys(s.win, d, nil, d.Hide)
	fitDialog(s.win, d, scroll, body, 620)
}

// prefHint is a line that explains the preference above it, indented
// under its label, in the placeholder colour; it wraps.
func prefHint(text string) fyne.CanvasObject {
	r := widget.NewRichText(&widget.TextSegment{Text: text, Style: widget.RichTextStyle{
		ColorName: theme.ColorNamePlaceHolder, SizeName: theme.SizeNameCaptionText,
	}})
	r.Wrapping = fyne.TextWrapWord
	indent := theme.IconInlineSize() // the hint's text under its label's
	return container.New(layout.NewCustomPaddedLayout(-theme.Padding()*2, 0, indent, 0), r)
}

// fitDialog sizes a shown dialog whose content scrolls: width wide at
// most, as tall as body needs at that width, and never larger than the
// window (the content scrolls then).
func fitDialog(win fyne.Window, d dialog.Dialog, scroll *container.Scroll, body fyne.CanvasObject, wide float32) {
	ws := win.Canvas().Size()
	w := fyne.Min(wide, ws.Width-2*theme.Padding())
	d.Resize(fyne.NewSize(w, ws.Height)) // lays body out at the width
	chrome := d.MinSize().Height - scroll.MinSize().Height
	h := fyne.Min(body.MinSize().Height+chrome, ws.Height-2*theme.Padding())
	d.Resize(fyne.NewSize(w, h))
}
