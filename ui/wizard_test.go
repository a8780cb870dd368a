package ui

import (
	"context"
	"errors"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// fakeWizard is a WizardBackend with one account, bob@example.org /
// secret, on a server with a self-signed certificate.
type fakeWizard struct {
	mu        sync.Mutex
	forms     []AccountForm
	node      []NodeForm
	hello     func(progress func(string)) (string, bool, error) // the preset, if set
	noKeyring bool
}

const fakeFP = "ab:cd:ef"

func (b *fakeWizard) login(f AccountForm) error {
	b.mu.Lock()
	b.forms = append(b.forms, f)
	b.mu.Unlock()
	switch {
	case !strings.Contains(f.JID, "@"):
		return errors.New(`"` + f.JID + `" is not a valid address: expected name@server, e.g. alice@example.org`)
	case strings.HasSuffix(f.JID, "@down.example"):
		return errors.New("could not connect to down.example:5222: connection refused (nothing listens there)")
	case f.Fingerprint == "":
		return &CertError{Host: domainPart(f.JID), Fingerprint: fakeFP, Raw: "abcdef"}
	case f.Fingerprint != "abcdef":
		return errors.New("wrong pin")
	case f.Password != "secret":
		return errors.New("the server refused the login: wrong address or password (not-authorized)")
	}
	return nil
}

func (b *fakeWizard) AddAccount(_ context.Context, f AccountForm) error { return b.login(f) }
func (b *fakeWizard) Register(_ context.Context, f AccountForm) error {
	if strings.HasPrefix(f.JID, "taken@") {
		return errors.New("that name is already taken on this server")
	}
	return b.login(f)
}
func (b *fakeWizard) RunNode(_ context.Context, f NodeForm) (NodeResult, error) {
	b.node = append(b.node, f)
	if f.Password == "nonode" {
		return NodeResult{}, errors.New("i2pd is not installed: install it (apt install i2pd) and try again")
	}
	r := NodeResult{Domain: "abcdefghijklmnopqrstuvwxyz234567abcdefghijklmnopqrst.b32.i2p", C2SPort: f.C2SPort, S2SPort: f.S2SPort}
	if r.C2SPort == 0 {
		r.C2SPort, r.Taken = 15222, []int{5222}
	}
	if r.S2SPort == 0 {
		r.S2SPort = 5269
	}
	return r, nil
}
func (b *fakeWizard) RememberChoice() (string, string, bool) {
	if b.noKeyring {
		return "No system keyring here: save the password in the profile", "Stored unencrypted in /p/passwords; anyone with your user account can read it.", false
	}
	return "Remember the password (system keyring)", "", true
}
func (b *fakeWizard) TestContact() string    { return "hello@test.example" }
func (b *fakeWizard) FederationRoom() string { return "federation@muc.example" }
func (b *fakeWizard) AddTestContact(_ context.Context, progress func(string)) (string, bool, error) {
	if b.hello != nil {
		return b.hello(progress)
	}
	return `added hello@test.example and sent "hello"`, true, nil
}
func (b *fakeWizard) JoinFederationRoom(context.Context) (string, error) {
	return "", errors.New("remote-server-not-found: muc.example could not be reached")
}

func newTestWizard(t *testing.T) (*Wizard, *fakeWizard) {
	t.Helper()
	fa := test.NewTempApp(t)
	b := &fakeWizard{}
	w := NewWizard(fa, b)
	w.async = func(f func()) { f() }
	w.do = func(f func()) { f() }
	w.win.Resize(fyne.NewSize(640, 520))
	t.Cleanup(w.win.Close)
	return w, b
}

func wshows(t *testing.T, w *Wizard, want ...string) {
	t.Helper()
	mustShow(t, &Pane{win: w.win}, want...)
}

func wnotShows(t *testing.T, w *Wizard, nope ...string) {
	t.Helper()
	mustNotShow(t, &Pane{win: w.win}, nope...)
}

func fillAccount(w *Wizard, j, pw string) {
	w.jid.SetText("")
	w.password.SetText("")
	test.Type(w.jid, j)
	test.Type(w.password, pw)
}

func TestWizardHaveAccountTrustsTheCertificateThenLogsIn(t *testing.T) {
	w, b := newTestWizard(t)
	wshows(t, w, "Welcome to Clove", "I have an account", "Create an account", "Run my own node")
	var done string
	w.OnDone = func(a string) { done = a }

	test.Tap(findButton(t, w, "I have an account"))
	fillAccount(w, "bob@example.org", "secret")
	w.conn.SetSelected(connChoices[ConnCustom])
	test.Type(w.custom, "127.0.0.1:5299")
	wshows(t, w, "Direct TLS port (often 5223)")
	test.Tap(w.directTLS)
	test.Tap(w.submit)
	if w.screen != "cert" {
		t.Fatalf("screen %q after the first try; want the certificate question", w.screen)
	}
	wshows(t, w, "example.org presented a certificate", fakeFP, "Trust and continue")
	test.Tap(findButton(t, w, "Trust and continue"))
	if w.screen != "presets" {
		t.Fatalf("screen %q after trusting; want presets (it shows %q)", w.screen, rendered(&Pane{win: w.win}))
	}
	last := b.forms[len(b.forms)-1]
	if last != (AccountForm{JID: "bob@example.org", Password: "secret", Conn: ConnCustom, Custom: "127.0.0.1:5299", DirectTLS: true, Fingerprint: "abcdef", Remember: true}) {
		t.Errorf("the second try sent %+v", last)
	}
	wshows(t, w, "You are logged in as bob@example.org.", "hello@test.example", "federation@muc.example")

	test.Tap(w.contactBtn)
	wshows(t, w, `Added hello@test.example and sent "hello".`)
	test.Tap(w.roomBtn)
	wshows(t, w, "Failed: Remote-server-not-found: muc.example could not be reached.")

	test.Tap(findButton(t, w, "Open my chats"))
	if done != "bob@example.org" {
		t.Errorf("OnDone got %q", done)
	}
}

func TestWizardErrorsKeepTheForm(t *testing.T) {
	w, _ := newTestWizard(t)
	test.Tap(findButton(t, w, "I have an account"))

	// Declining the certificate.
	fillAccount(w, "bob@example.org", "wrong")
	test.Tap(w.submit)
	test.Tap(findButton(t, w, "Do not trust"))
	wshows(t, w, "Not connected: the certificate of example.org was not trusted.")

	// Wrong password, after trusting.
	test.Tap(w.submit)
	test.Tap(findButton(t, w, "Trust and continue"))
	if w.screen != "account" {
		t.Fatalf("screen %q; want the form back", w.screen)
	}
	wshows(t, w, "The server refused the login: wrong address or password")
	if w.jid.Text != "bob@example.org" || w.password.Text != "wrong" {
		t.Errorf("the form lost what was typed: %q %q", w.jid.Text, w.password.Text)
	}
	// Trusted once is trusted for the next try: no second question.
	test.Tap(w.submit)
	if w.screen != "account" {
		t.Errorf("screen %q on the second try; the certificate was already trusted", w.screen)
	}

	// Unreachable server.
	fillAccount(w, "bob@down.example", "secret")
	test.Tap(w.submit)
	wshows(t, w, "Could not connect to down.example:5222: connection refused")
	wnotShows(t, w, "wrong address or password")

	// Malformed address.
	fillAccount(w, "not an address", "secret")
	test.Tap(w.submit)
	wshows(t, w, `"not an address" is not a valid address: expected name@server`)
	if w.jid.Text != "not an address" {
		t.Errorf("address entry %q", w.jid.Text)
	}

	// Empty fields never reach the backend.
	fillAccount(w, "", "")
	test.Tap(w.submit)
	wshows(t, w, "Enter your address")
}

func TestWizardRegisterSaysWhenTheNameIsTaken(t *testing.T) {
	w, _ := newTestWizard(t)
	test.Tap(findButton(t, w, "Create an account"))
	wshows(t, w, "Create account")
	fillAccount(w, "taken@example.org", "secret")
	test.Tap(w.submit)
	wshows(t, w, "That name is already taken on this server.")
	fillAccount(w, "new@example.org", "secret")
	test.Tap(w.submit)
	test.Tap(findButton(t, w, "Trust and continue"))
	wshows(t, w, "You are logged in as new@example.org.")
}

func TestWizardNodeShowsTheDomainOrSaysWhatIsMissing(t *testing.T) {
	w, _ := newTestWizard(t)
	test.Tap(findButton(t, w, "Run my own node"))
	test.Type(w.nodePassword, "nonode")
	test.Tap(w.nodeSubmit)
	wshows(t, w, "I2pd is not installed")
	if w.screen != "node" {
		t.Fatalf("screen %q", w.screen)
	}
	w.nodePassword.SetText("pw")
	test.Tap(w.nodeSubmit)
	const d = "abcdefghijklmnopqrstuvwxyz234567abcdefghijklmnopqrst.b32.i2p"
	wshows(t, w, "You are logged in as", "admin@"+d, "Your node's domain", d,
		"Your node runs on ports 15222 (clients) and 5269 (servers), because 5222 was in use.")
	test.Tap(findButton(t, w, "Copy"))
	if got := w.fa.Clipboard().Content(); got != d {
		t.Errorf("clipboard %q", got)
	}
}

// "Advanced: ports" takes the node's ports: checked when submitted (Enter
// in any entry), passed on, and told with the result.
func TestWizardNodeAdvancedPorts(t *testing.T) {
	w, b := newTestWizard(t)
	test.Tap(findButton(t, w, "Run my own node"))
	wnotShows(t, w, "Client port")
	test.Type(w.nodePassword, "pw")
	var adv *widget.Accordion
	walkShown(w.win.Canvas().Content(), func(o fyne.CanvasObject) {
		if a, ok := o.(*widget.Accordion); ok {
			adv = a
		}
	})
	if adv == nil || adv.Items[0].Title != "Advanced: ports" {
		t.Fatalf("no 'Advanced: ports'; the wizard shows %q", rendered(&Pane{win: w.win}))
	}
	adv.Open(0)
	wshows(t, w, "Client port", "Server port")
	enter := func(e *widget.Entry) { e.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn}) }
	for _, c := range []struct{ c2s, s2s, want string }{
		{"80", "", "The client port must be a number from 1024 to 65535, or empty for automatic (not \"80\")."},
		{"6000", "x", "The server port must be a number from 1024 to 65535, or empty for automatic (not \"x\")."},
		{"6000", "6000", "The client and server ports must differ (both are 6000)."},
	} {
		w.nodeC2S.SetText(c.c2s)
		w.nodeS2S.SetText(c.s2s)
		enter(w.nodeS2S)
		wshows(t, w, c.want)
	}
	if len(b.node) != 0 {
		t.Fatalf("the backend was asked with wrong ports: %+v", b.node)
	}
	w.nodeS2S.SetText(" 7000 ")
	enter(w.nodeC2S)
	if len(b.node) != 1 || b.node[0] != (NodeForm{Admin: "admin", Password: "pw", C2SPort: 6000, S2SPort: 7000}) {
		t.Fatalf("the backend was asked %+v", b.node)
	}
	wshows(t, w, "Your node runs on ports 6000 (clients) and 7000 (servers).")
}

// Enter in the node form's password submits it.
func TestWizardNodeEnterSubmits(t *testing.T) {
	w, b := newTestWizard(t)
	test.Tap(findButton(t, w, "Run my own node"))
	test.Type(w.nodePassword, "pw")
	w.nodePassword.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if len(b.node) != 1 || w.screen != "presets" {
		t.Fatalf("after Enter: asked %+v, screen %q", b.node, w.screen)
	}
}

func TestNodeResultPortsText(t *testing.T) {
	for _, c := range []struct {
		r    NodeResult
		want string
	}{
		{NodeResult{C2SPort: 5222, S2SPort: 5269}, "Your node runs on ports 5222 (clients) and 5269 (servers)."},
		{NodeResult{C2SPort: 15222, S2SPort: 5269, Taken: []int{5222}}, "Your node runs on ports 15222 (clients) and 5269 (servers), because 5222 was in use."},
		{NodeResult{C2SPort: 15222, S2SPort: 15269, Taken: []int{5222, 5269}}, "Your node runs on ports 15222 (clients) and 15269 (servers), because 5222 and 5269 were in use."},
	} {
		if got := c.r.PortsText(); got != c.want {
			t.Errorf("%+v: %q; want %q", c.r, got, c.want)
		}
	}
}

// findButton finds a visible button by its text.
func findButton(t *testing.T, w *Wizard, text string) *widget.Button {
	t.Helper()
	return findButtonIn(t, w.win, text)
}

// findButtonIn finds a shown button by its text in win's content and, on
// top, its overlays (dialogs).
func findButtonIn(t *testing.T, win fyne.Window, text string) *widget.Button {
	t.Helper()
	var found *widget.Button
	visit := func(o fyne.CanvasObject) {
		switch b := o.(type) {
		case *widget.Button:
			if found == nil && b.Text == text {
				found = b
			}
		case *dialogButton: // a dialog's
			if found == nil && b.Text == text {
				found = &b.Button
			}
		}
	}
	walkShown(win.Canvas().Content(), visit)
	for _, o := range win.Canvas().Overlays().List() {
		walkShown(o, visit)
	}
	if found == nil {
		t.Fatalf("no button %q; the window shows %q", text, rendered(&Pane{win: win}))
	}
	return found
}

// capture writes the window as drawn by the test driver to
// docs/screenshots/NAME when CLOVE_UPDATE_SCREENSHOTS is set.
func capture(t *testing.T, w *Wizard, name string) {
	t.Helper()
	if os.Getenv("CLOVE_UPDATE_SCREENSHOTS") == "" {
		return
	}
	f, err := os.Create(filepath.Join("..", "docs", "screenshots", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, w.win.Canvas().Capture()); err != nil {
		t.Fatal(err)
	}
}

func TestWizardScreenshotsOfTheOtherPaths(t *testing.T) {
	w, _ := newTestWizard(t)
	test.ApplyTheme(t, theme.DarkTheme()) //nolint:staticcheck // the look of the real window
	test.Tap(findButton(t, w, "Create an account"))
	capture(t, w, "wizard-register.png")
	test.Tap(findButton(t, w, "Back"))
	test.Tap(findButton(t, w, "Run my own node"))
	test.Type(w.nodePassword, "pw")
	capture(t, w, "wizard-node.png")
	test.Tap(w.nodeSubmit)
	capture(t, w, "wizard-node-done.png")
}

// An error about the form goes as soon as the field it is about is
// edited (it stayed on screen after the fix and read as the verdict on
// the corrected text).
func TestWizardErrorClearsWhenTheFormIsEdited(t *testing.T) {
	for _, tc := range []struct {
		name     string
		jid, pw  string
		wantErr  string
		edit     func(w *Wizard)
		fixedErr bool // the error goes
	}{
		{"address fixed", "not an address", "secret", "is not a valid address", func(w *Wizard) { test.Type(w.jid, "@example.org") }, true},
		{"empty password typed", "bob@example.org", "", "Enter the password.", func(w *Wizard) { test.Type(w.password, "s") }, true},
		{"empty address typed", "", "", "Enter your address", func(w *Wizard) { test.Type(w.jid, "b") }, true},
		{"wrong password retyped", "bob@down.example", "secret", "connection refused", func(w *Wizard) { w.password.SetText("other") }, true},
		{"connection changed", "bob@down.example", "secret", "connection refused", func(w *Wizard) { w.conn.SetSelected(connChoices[ConnLocal]) }, true},
		{"nothing edited", "bob@down.example", "secret", "connection refused", func(*Wizard) {}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w, _ := newTestWizard(t)
			test.Tap(findButton(t, w, "I have an account"))
			fillAccount(w, tc.jid, tc.pw)
			test.Tap(w.submit)
			wshows(t, w, tc.wantErr)
			tc.edit(w)
			if got := shows(&Pane{win: w.win}, tc.wantErr); got == tc.fixedErr {
				t.Errorf("after the edit the error is shown: %v; want %v (it shows %q)", got, !tc.fixedErr, rendered(&Pane{win: w.win}))
			}
		})
	}
}

// Enter in any field of the account form logs in, as the button does —
// once, even if pressed again while the try is under way.
func TestWizardEnterSubmitsTheAccountForm(t *testing.T) {
	for _, field := range []string{"address", "password", "host:port"} {
		t.Run(field, func(t *testing.T) {
			w, b := newTestWizard(t)
			test.Tap(findButton(t, w, "I have an account"))
			fillAccount(w, "bob@example.org", "secret")
			w.conn.SetSelected(connChoices[ConnCustom])
			test.Type(w.custom, "127.0.0.1:5299")
			e := map[string]*widget.Entry{"address": w.jid, "password": w.password, "host:port": w.custom}[field]
			var pending []func()
			w.async = func(f func()) { pending = append(pending, f) }
			e.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
			e.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn}) // again, while it runs
			if len(pending) != 1 {
				t.Fatalf("Enter in the %s field started %d tries; want 1", field, len(pending))
			}
			pending[0]()
			if w.screen != "cert" || len(b.forms) != 1 || b.forms[0].Custom != "127.0.0.1:5299" {
				t.Errorf("after Enter: screen %q, forms %+v", w.screen, b.forms)
			}
		})
	}
}

// The hello preset says each step and how it ended — delivered in green,
// accepted but not confirmed not in green, a failure with the server's
// reason — drawn at once (it appeared only after a resize), and a preset
// that did its work cannot be clicked again (hello was sent twice).
func TestWizardHelloPresetReportsWhatHappened(t *testing.T) {
	for _, tc := range []struct {
		name        string
		hello       func(progress func(string)) (string, bool, error)
		want        string
		importance  widget.Importance
		clickable   bool
		wantProgess string
	}{
		{"delivered", func(p func(string)) (string, bool, error) {
			p(`"hello" was accepted by your server; waiting for hello@test.example to confirm it`)
			return `"hello" was delivered to hello@test.example`, true, nil
		}, `"hello" was delivered to hello@test.example.`, widget.SuccessImportance, false, `"hello" was accepted by your server; waiting`},
		{"not confirmed", func(p func(string)) (string, bool, error) {
			p(`"hello" was accepted by your server`)
			return `"hello" was accepted by your server; hello@test.example has not confirmed it`, false, nil
		}, "has not confirmed it.", widget.WarningImportance, false, `"hello" was accepted by your server.`},
		{"failed", func(p func(string)) (string, bool, error) {
			p(`"hello" was accepted by your server`)
			return "", false, errors.New(`"hello" was not delivered: remote-server-not-found (test.example could not be reached)`)
		}, `Failed: "hello" was not delivered: remote-server-not-found`, widget.DangerImportance, true, `"hello" was accepted`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w, b := newTestWizard(t)
			w.showPresets("bob@example.org", nil)
			w.win.Canvas().Refresh(w.win.Content()) // laid out with the result hidden
			var steps []string
			b.hello = func(p func(string)) (string, bool, error) {
				return tc.hello(func(s string) {
					p(s)
					steps = append(steps, w.contactResult.Text)
					if !w.contactBtn.Disabled() {
						t.Error("the button is enabled while the preset runs")
					}
				})
			}
			var pending []func()
			w.async = func(f func()) { pending = append(pending, f) }
			test.Tap(w.contactBtn)
			test.Tap(w.contactBtn) // a second click while it runs
			if len(pending) != 1 {
				t.Fatalf("two clicks started %d presets", len(pending))
			}
			wshows(t, w, "Adding hello@test.example…")
			pending[0]()
			if len(steps) != 1 || !strings.Contains(steps[0], tc.wantProgess) {
				t.Errorf("the steps shown: %q; want one with %q", steps, tc.wantProgess)
			}
			wshows(t, w, tc.want)
			if w.contactResult.Importance != tc.importance {
				t.Errorf("drawn with importance %v; want %v", w.contactResult.Importance, tc.importance)
			}
			if w.contactBtn.Disabled() == tc.clickable {
				t.Errorf("the button is clickable: %v; want %v", !w.contactBtn.Disabled(), tc.clickable)
			}
			// Drawn at once: the result has its place and size without a
			// resize of the window.
			if sz, min := w.contactResult.Size(), w.contactResult.MinSize(); sz.Height < min.Height || sz.Width < min.Width {
				t.Errorf("the result is %v, smaller than its text (%v): not drawn until a resize", sz, min)
			}
			if btn, res := w.contactBtn.Position(), w.contactResult.Position(); res.Y <= btn.Y {
				t.Errorf("the result at %v is not below its button at %v", res, btn)
			}
		})
	}
}

// Without a keyring the box says so, offers the profile with a plain
// warning, and starts unticked; with one it offers the keyring, ticked.
func TestWizardRememberSaysWhereThePasswordGoes(t *testing.T) {
	for _, noKeyring := range []bool{false, true} {
		w, b := newTestWizard(t)
		b.noKeyring = noKeyring
		test.Tap(findButton(t, w, "I have an account"))
		if noKeyring {
			wshows(t, w, "No system keyring here: save the password in the profile", "Stored unencrypted in /p/passwords; anyone with your user account can")
		} else {
			wshows(t, w, "Remember the password (system keyring)")
			wnotShows(t, w, "unencrypted")
		}
		if w.remember.Checked == noKeyring {
			t.Errorf("no keyring %v: ticked %v", noKeyring, w.remember.Checked)
		}
		w.remember.SetChecked(true)
		fillAccount(w, "bob@example.org", "secret")
		test.Tap(w.submit)
		if f := b.forms[len(b.forms)-1]; !f.Remember {
			t.Errorf("no keyring %v: the form says Remember=false", noKeyring)
		}
	}
}
