package ui

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
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
// the profile), and where says where they are kept now.
func (s *Shell) OnForgetPasswords(where string, forget func()) {
	s.passwordsWhere, s.forgetPasswords = where, forget
}

// ShowPreferences opens the Preferences: theme, notifications, what Enter
// does, passwords.
func (s *Shell) ShowPreferences() {
	p := s.fa.Preferences()
	themes := newDialogRadio([]string{labelSystem, labelLight, labelDark},
		map[string]string{themeSystem: labelSystem, themeLight: labelLight, themeDark: labelDark}[p.String(prefTheme)],
		func(l string) {
			p.SetString(prefTheme, map[string]string{labelSystem: themeSystem, labelLight: themeLight, labelDark: themeDark}[l])
			s.applyTheme()
		})
	notify := newDialogCheck("Show a notification for a new message while Clove is not in front", func(on bool) { p.SetBool(prefNotify, on) })
	notify.SetChecked(p.BoolWithFallback(prefNotify, defaultNotify))
	enter := newDialogCheck("Enter sends a message (Shift+Enter starts a new line); off: Ctrl+Enter sends", func(on bool) {
		p.SetBool(prefEnter, on)
		for _, a := range s.apps {
			a.composer.setEnterSends(on)
		}
	})
	enter.SetChecked(p.BoolWithFallback(prefEnter, true))
	typing := newDialogCheck("Send typing notifications (contacts who share presence with you see that you type)", func(on bool) {
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

	// Pictures: which contacts' pictures download by themselves.
	picLabels := map[int]string{0: "Never", 1: "Up to 1 MiB", 5: "Up to 5 MiB", 20: "Up to 20 MiB"}
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
	remember := newDialogCheck("Remember passwords (the login prompt offers to keep them)", nil)
	remember.SetChecked(RememberPasswords(s.fa))
	remember.OnChanged = func(on bool) {
		p.SetBool(prefRemember, on)
		if !on && s.forgetPasswords != nil {
			showConfirm(s.win, "Forget saved passwords", "Also forget the passwords saved until now? You will be asked for them at the next start.", func(yes bool) {
				if yes {
					s.forgetPasswords()
				}
			})
		}
	}
	rows := []fyne.CanvasObject{
		widget.NewLabelWithStyle("Theme", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), themes,
		widget.NewLabelWithStyle("Messages", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), notify, enter, typing,
		widget.NewLabel("Show contacts' pictures at once (others: a click on Load picture)"), pictures,
		widget.NewLabelWithStyle("Passwords", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), remember,
	}
	if s.passwordsWhere != "" {
		where := widget.NewLabel(s.passwordsWhere)
		where.Wrapping = fyne.TextWrapWord
		rows = append(rows, where)
	}
	if s.forgetPasswords != nil {
		rows = append(rows, container.NewHBox(widget.NewButton("Forget saved passwords", func() {
			showConfirm(s.win, "Forget saved passwords", "Forget every account's saved password? You will be asked for them at the next start.", func(yes bool) {
				if yes {
					s.forgetPasswords()
				}
			})
		})))
	}
	d = dialog.NewCustom("Preferences", "Close", container.NewVBox(rows...), s.win)
	d.Resize(fyne.NewSize(620, d.MinSize().Height))
	// Enter on a check box or radio button closes the Preferences, as
	// their one button does (each choice is kept at once).
	showDialogKeys(s.win, d, nil, d.Hide)
}
