package ui

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// findCheck is the shown check box whose text starts with prefix.
func findCheck(t *testing.T, win fyne.Window, prefix string) *dialogCheck {
	t.Helper()
	var found *dialogCheck
	for _, o := range win.Canvas().Overlays().List() {
		walkShown(o, func(o fyne.CanvasObject) {
			if c, ok := o.(*dialogCheck); ok && found == nil && len(c.Text) >= len(prefix) && c.Text[:len(prefix)] == prefix {
				found = c
			}
		})
	}
	if found == nil {
		t.Fatalf("no check %q shown", prefix)
	}
	return found
}

// The Preferences: the theme (held dark, then back to the system's),
// Enter or Ctrl+Enter to send, notifications, and remembering passwords
// (turned off, the saved ones are forgotten after a question).
func TestPreferences(t *testing.T) {
	b := threeContacts()
	a, _ := newTestApp(t, b)
	forgot := 0
	a.shell.OnForgetPasswords(func() string { return "Saved passwords are kept in the system keyring." }, func() { forgot++ })
	a.shell.ShowPreferences()
	mustShowOverlay := func(want string) {
		t.Helper()
		for _, s := range overlayTexts(a) {
			if s == want {
				return
			}
		}
		t.Errorf("the Preferences do not show %q: %q", want, overlayTexts(a))
	}
	mustShowOverlay("Saved passwords are kept in the system keyring.")

	// The theme's radio buttons: one chosen at a time; a click on the
	// chosen one keeps it.
	for _, click := range []string{"Dark", "Dark"} {
		test.Tap(findCheck(t, a.win, click))
		if v, ok := a.fa.Settings().Theme().(variantTheme); !ok || v.v != theme.VariantDark {
			t.Errorf("the theme after a click on Dark: %T %v", a.fa.Settings().Theme(), v.v)
		}
		if !findCheck(t, a.win, "Dark").Checked || findCheck(t, a.win, "Follow").Checked || findCheck(t, a.win, "Light").Checked {
			t.Error("after a click on Dark, Dark alone is not chosen")
		}
	}
	test.Tap(findCheck(t, a.win, "Follow the system"))
	if _, ok := a.fa.Settings().Theme().(variantTheme); ok {
		t.Error("the theme still held after 'Follow the system'")
	}
	if findCheck(t, a.win, "Dark").Checked || !findCheck(t, a.win, "Follow").Checked {
		t.Error("after 'Follow the system' Dark is still chosen")
	}

	findCheck(t, a.win, "Enter sends").SetChecked(false)
	selectContact(t, a, "bob@example.org")
	before := len(a.chat.msgs)
	test.Type(a.composer, "two")
	a.composer.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	test.Type(a.composer, "lines")
	if len(a.chat.msgs) != before || a.composer.Text != "two\nlines" {
		t.Fatalf("Enter sent with 'Enter sends' off: %q, %d messages", a.composer.Text, len(a.chat.msgs)-before)
	}
	a.composer.TypedShortcut(&desktop.CustomShortcut{KeyName: fyne.KeyReturn, Modifier: fyne.KeyModifierControl})
	if len(a.chat.msgs) != before+1 || a.chat.msgs[len(a.chat.msgs)-1].Body != "two\nlines" {
		t.Fatalf("Ctrl+Enter did not send: %d messages", len(a.chat.msgs)-before)
	}

	findCheck(t, a.win, "Show notifications").SetChecked(false)
	if a.fa.Preferences().BoolWithFallback(prefNotify, true) {
		t.Error("notifications still on")
	}

	findCheck(t, a.win, "Remember passwords").SetChecked(false)
	test.Tap(findButtonIn(t, a.win, "Forget them"))
	if forgot != 1 || RememberPasswords(a.fa) {
		t.Errorf("after turning remembering off: forgot %d times, remember %v", forgot, RememberPasswords(a.fa))
	}
}

// The Preferences fit a 420×320 window: the dialog stays inside it, its
// content scrolls, each label is whole (the long ones ran off the
// dialog's edge) and Close lies below the content, not over it.
func TestThePreferencesFitASmallWindow(t *testing.T) {
	for _, size := range []fyne.Size{{Width: 420, Height: 320}, {Width: 900, Height: 600}} {
		a, _ := newTestApp(t, threeContacts())
		a.shell.OnForgetPasswords(func() string {
			return "There is no system keyring here: saved passwords are stored unencrypted in /home/someone/.local/share/clove/profile/passwords."
		}, func() {})
		a.win.Resize(size)
		a.shell.ShowPreferences()
		drv := fyne.CurrentApp().Driver()
		var scroll *container.Scroll
		var checks []*dialogCheck
		var closeB fyne.CanvasObject
		for _, o := range a.win.Canvas().Overlays().List() {
			walkShown(o, func(o fyne.CanvasObject) {
				switch x := o.(type) {
				case *container.Scroll:
					scroll = x
				case *dialogCheck:
					checks = append(checks, x)
				case *dialogButton:
					if x.Text == "Close" {
						closeB = x
					}
				case *widget.Button:
					if x.Text == "Close" {
						closeB = x
					}
				}
			})
		}
		if scroll == nil || closeB == nil || len(checks) < 4 {
			t.Fatalf("%v: the Preferences have no scrolling content, Close or check boxes", size)
		}
		at, sz := drv.AbsolutePositionForObject(scroll), scroll.Size()
		if at.X < 0 || at.Y < 0 || at.X+sz.Width > size.Width || at.Y+sz.Height > size.Height {
			t.Errorf("%v: the content is at %v, %v: outside the window", size, at, sz)
		}
		if c := drv.AbsolutePositionForObject(closeB); c.Y < at.Y+sz.Height || c.Y+closeB.Size().Height > size.Height {
			t.Errorf("%v: Close at y %.0f, the content ends at %.0f in a window %.0f high", size, c.Y, at.Y+sz.Height, size.Height)
		}
		for _, c := range checks {
			if w := c.MinSize().Width; w > sz.Width {
				t.Errorf("%v: %q needs %.0f px, the dialog gives %.0f", size, c.Text, w, sz.Width)
			}
		}
	}
}
