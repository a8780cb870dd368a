package ui

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// ConnKind is how the wizard reaches the server.
type ConnKind int

// The connections the wizard offers.
const (
	ConnAuto   ConnKind = iota // the domain's own records; .i2p domains through i2pd's SOCKS5
	ConnLocal                  // a server on this machine, 127.0.0.1:5222
	ConnSOCKS                  // I2P through i2pd's SOCKS5 proxy, 127.0.0.1:4447
	ConnSAM                    // I2P through the SAM bridge, 127.0.0.1:7656
	ConnCustom                 // AccountForm.Custom, host:port
)

// connChoices label the ConnKinds, in order.
var connChoices = []string{
	"Automatic",
	"Local server (127.0.0.1:5222)",
	"I2P via SOCKS5 (127.0.0.1:4447)",
	"I2P via SAM (127.0.0.1:7656)",
	"Custom host:port",
}

// AccountForm is what the user typed to add or create an account.
type AccountForm struct {
	JID      string
	Password string
	Conn     ConnKind
	Custom   string // host:port, for ConnCustom
	// DirectTLS: Custom is a direct TLS port (XEP-0368: TLS from the
	// first byte, two round trips fewer than STARTTLS), for ConnCustom.
	DirectTLS bool
	// Remember keeps the password where RememberChoice said.
	Remember bool
	// Fingerprint is the SHA-256 certificate fingerprint the user agreed
	// to trust ("" until a CertError was answered).
	Fingerprint string
}

// CertError says the server presented a certificate no authority vouches
// for (self-signed) and nothing is pinned yet: the wizard shows the
// fingerprint and, if the user trusts it, tries again with it in
// AccountForm.Fingerprint.
type CertError struct {
	Host        string
	Fingerprint string // for people: colon-separated pairs
	Raw         string // as AccountForm.Fingerprint wants it
}

func (e *CertError) Error() string {
	return "the certificate of " + e.Host + " is not vouched for by any authority (SHA-256 " + e.Fingerprint + ")"
}

// NodeForm is what the user typed to run their own node.
type NodeForm struct {
	Admin, Password string
	// C2SPort and S2SPort are the loopback ports the user chose under
	// "Advanced: ports"; 0 is automatic: the usual 5222 and 5269, or free
	// ones near them where those are taken.
	C2SPort, S2SPort int
}

// NodeResult is the node the wizard runs: its domain, the ports its
// prosody listens on (127.0.0.1), and the usual ones that were taken, so
// others were picked.
type NodeResult struct {
	Domain           string
	C2SPort, S2SPort int
	Taken            []int
}

// PortsText tells the user where the node runs, and why not on the usual
// ports.
func (r NodeResult) PortsText() string {
	s := fmt.Sprintf("Your node runs on ports %d (clients) and %d (servers)", r.C2SPort, r.S2SPort)
	switch len(r.Taken) {
	case 0:
		return s + "."
	case 1:
		return fmt.Sprintf("%s, because %d was in use.", s, r.Taken[0])
	}
	return fmt.Sprintf("%s, because %d and %d were in use.", s, r.Taken[0], r.Taken[1])
}

// WizardBackend is what the first-run wizard asks of the rest of the
// program. Its methods are called off the UI goroutine and may block; the
// errors they return are shown as they are, so word them for people.
type WizardBackend interface {
	// AddAccount logs in once with the form's settings and, on success,
	// keeps the account (certificate pinned) and logs it in. A *CertError
	// asks the user to trust the certificate.
	AddAccount(ctx context.Context, f AccountForm) error
	// Register creates the account on its server (XEP-0077), then as
	// AddAccount.
	Register(ctx context.Context, f AccountForm) error
	// RunNode creates and starts the bundled node with its first user as
	// admin, then logs that user in; it returns the node's domain and
	// ports.
	RunNode(ctx context.Context, f NodeForm) (NodeResult, error)
	// RememberChoice is the "remember the password" box: its label ("":
	// none offered), a warning shown with it, and whether it starts ticked.
	RememberChoice() (label, warning string, byDefault bool)
	// Presets: the test contact and the federation room, as shown.
	TestContact() string
	FederationRoom() string
	// AddTestContact adds the test contact and sends it "hello". It calls
	// progress with each step as it happens (the server accepted it), and
	// returns what happened in the end: delivered (the contact's client
	// confirmed it), or a text saying why not yet; an error if it failed
	// (with the server's reason).
	AddTestContact(ctx context.Context, progress func(string)) (text string, delivered bool, err error)
	// JoinFederationRoom joins the federation room.
	JoinFederationRoom(ctx context.Context) (string, error)
}

// Wizard is the first-run window: add, create or host an account, then
// two one-click first steps.
type Wizard struct {
	fa      fyne.App
	win     fyne.Window
	backend WizardBackend
	ctx     context.Context
	cancel  context.CancelFunc
	async   func(func())
	do      func(func())

	// OnDone is called (on the UI goroutine) when the user leaves the
	// wizard with an account logged in.
	OnDone func(account string)
	// OnClosed is called when the wizard's window is closed, for whatever
	// reason.
	OnClosed func()

	// The account form (shared by "I have an account" and "Create").
	register        bool
	jid             *widget.Entry
	password        *widget.Entry
	conn            *widget.RadioGroup
	custom          *widget.Entry
	directTLS       *widget.Check // with custom: the port speaks TLS at once
	remember        *widget.Check
	rememberWarning *widget.Label // what saving the password means, if not plain
	formErr         *widget.Label
	status          *widget.Label
	submit          *widget.Button
	trusted         map[string]string // host → the certificate fingerprint the user trusted

	// The node form.
	nodeAdmin    *widget.Entry
	nodePassword *widget.Entry
	nodeC2S      *widget.Entry // "Advanced: ports"
	nodeS2S      *widget.Entry
	nodeErr      *widget.Label
	nodeStatus   *widget.Label
	nodeSubmit   *widget.Button

	// The presets screen.
	account       string
	domain        string // set when the account is on our own node
	contactBtn    *widget.Button
	contactResult *widget.Label
	roomBtn       *widget.Button
	roomResult    *widget.Label
	presetsBox    *fyne.Container   // laid out again when a result changes
	presetsScroll *container.Scroll // and its scroll, which sizes it

	screen string // for tests: welcome, account, cert, node, presets
}

// NewWizard builds the wizard window on its welcome screen.
func NewWizard(fa fyne.App, b WizardBackend) *Wizard {
	ctx, cancel := context.WithCancel(context.Background())
	w := &Wizard{
		fa: fa, backend: b, ctx: ctx, cancel: cancel,
		async: func(f func()) { go f() },
		do:    fyne.Do,
	}
	w.win = fa.NewWindow("Clove — set up")
	setWindowIcon(fa, w.win)
	w.win.Resize(fyne.NewSize(640, 520))
	w.win.SetOnClosed(func() {
		cancel()
		if w.OnClosed != nil {
			w.OnClosed()
		}
	})
	w.showWelcome()
	return w
}

// Window is the wizard's window.
func (w *Wizard) Window() fyne.Window { return w.win }

// Close stops pending work (the window is closed by its owner).
func (w *Wizard) Close() { w.cancel() }

func (w *Wizard) set(screen string, title string, body fyne.CanvasObject) {
	w.screen = screen
	t := widget.NewLabel(title)
	t.TextStyle = fyne.TextStyle{Bold: true}
	w.win.SetContent(container.NewPadded(container.NewBorder(t, nil, nil, nil, body)))
}

func wrapped(s string) *widget.Label {
	l := widget.NewLabel(s)
	l.Wrapping = fyne.TextWrapWord
	return l
}

func dangerLabel() *widget.Label {
	l := wrapped("")
	l.Importance = widget.DangerImportance
	l.Hide()
	return l
}

func showText(l *widget.Label, s string) {
	l.SetText(s)
	l.Show()
}

func (w *Wizard) showWelcome() {
	have := widget.NewButtonWithIcon("I have an account", theme.LoginIcon(), func() { w.showAccount(false) })
	create := widget.NewButtonWithIcon("Create an account", theme.ContentAddIcon(), func() { w.showAccount(true) })
	node := widget.NewButtonWithIcon("Run my own node", theme.ComputerIcon(), w.showNode)
	for _, b := range []*widget.Button{have, create, node} {
		b.Alignment = widget.ButtonAlignLeading
	}
	have.Importance = widget.HighImportance
	w.set("welcome", "Welcome to Clove", container.NewVBox(
		wrapped("Private chat over XMPP, with I2P built in. How do you want to start?"),
		have, wrapped("Log in to an account you already have, on any XMPP server or a .b32.i2p one."),
		create, wrapped("Make a new account on a server that allows it (XEP-0077), including one reached over I2P."),
		node, wrapped("Start your own server on this computer, with its own .b32.i2p address, and be its admin."),
	))
}

// showAccount shows the account form; register picks "Create an account".
// The entries are kept across screens, so what was typed stays.
func (w *Wizard) showAccount(register bool) {
	w.register = register
	if w.jid == nil {
		w.jid = widget.NewEntry()
		w.jid.SetPlaceHolder("name@example.org or name@….b32.i2p")
		w.password = widget.NewPasswordEntry()
		w.custom = widget.NewEntry()
		w.custom.SetPlaceHolder("host:port")
		w.custom.Hide()
		w.directTLS = widget.NewCheck("Direct TLS port (often 5223)", nil)
		w.directTLS.Hide()
		w.conn = widget.NewRadioGroup(connChoices, func(s string) {
			if w.formErr != nil {
				w.formErr.Hide()
			}
			if s == connChoices[ConnCustom] {
				w.custom.Show()
				w.directTLS.Show()
			} else {
				w.custom.Hide()
				w.directTLS.Hide()
			}
		})
		w.conn.Required = true
		w.conn.SetSelected(connChoices[ConnAuto])
		label, warning, byDefault := w.backend.RememberChoice()
		w.remember = widget.NewCheck(label, nil)
		w.remember.SetChecked(byDefault)
		if label == "" {
			w.remember.Hide()
		}
		w.rememberWarning = wrapped(warning)
		w.rememberWarning.Importance = widget.WarningImportance
		if warning == "" {
			w.rememberWarning.Hide()
		}
		w.formErr = dangerLabel()
		w.status = wrapped("")
		w.status.Hide()
		w.submit = widget.NewButton("", w.submitAccount)
		w.submit.Importance = widget.HighImportance
		// Enter in any field logs in, as the button does.
		for _, e := range []*widget.Entry{w.jid, w.password, w.custom} {
			e.OnSubmitted = func(string) { w.submitAccount() }
		}
		// An error about what was typed goes once the user changes it:
		// left on screen, it reads as the verdict on the fixed text.
		for _, e := range []*widget.Entry{w.jid, w.password, w.custom} {
			e.OnChanged = func(string) { w.formErr.Hide() }
		}
	}
	title, action := "I have an account", "Log in"
	if register {
		title, action = "Create an account", "Create account"
	}
	w.submit.SetText(action)
	form := widget.NewForm(
		widget.NewFormItem("Address", w.jid),
		widget.NewFormItem("Password", w.password),
		widget.NewFormItem("Connection", container.NewVBox(w.conn, w.custom, w.directTLS)),
		widget.NewFormItem("", container.NewVBox(w.remember, w.rememberWarning)),
	)
	top := container.NewVBox()
	if register {
		top.Add(widget.NewLabel("The server must allow creating accounts (XEP-0077); a .b32.i2p one\nis reached over I2P (Automatic uses i2pd's SOCKS5 proxy)."))
	}
	back := widget.NewButton("Back", w.showWelcome)
	w.set("account", title, container.NewBorder(nil, container.NewHBox(back, w.submit), nil, nil,
		container.NewVScroll(container.NewVBox(top, form, w.status, w.formErr))))
	w.win.Canvas().Focus(w.jid)
}

func (w *Wizard) form() AccountForm {
	f := AccountForm{JID: strings.TrimSpace(w.jid.Text), Password: w.password.Text, Custom: strings.TrimSpace(w.custom.Text), Remember: w.remember.Checked}
	for i, c := range connChoices {
		if w.conn.Selected == c {
			f.Conn = ConnKind(i)
		}
	}
	f.DirectTLS = f.Conn == ConnCustom && w.directTLS.Checked
	f.Fingerprint = w.trusted[strings.ToLower(domainPart(f.JID))]
	return f
}

func (w *Wizard) submitAccount() {
	if w.submit.Disabled() {
		return // Enter while the last try is under way
	}
	w.tryAccount(w.form())
}

func (w *Wizard) tryAccount(f AccountForm) {
	w.formErr.Hide()
	switch {
	case f.JID == "":
		showText(w.formErr, "Enter your address, e.g. alice@example.org.")
		return
	case f.Password == "":
		showText(w.formErr, "Enter the password.")
		return
	case f.Conn == ConnCustom && f.Custom == "":
		showText(w.formErr, "Enter the server's host:port, or pick another connection.")
		return
	}
	doing := "Connecting to " + domainPart(f.JID) + "…"
	if w.register {
		doing = "Creating " + f.JID + "…"
	}
	showText(w.status, doing)
	w.submit.Disable()
	register := w.register
	w.async(func() {
		var err error
		if register {
			err = w.backend.Register(w.ctx, f)
		} else {
			err = w.backend.AddAccount(w.ctx, f)
		}
		w.do(func() {
			w.submit.Enable()
			w.status.Hide()
			if ce, ok := err.(*CertError); ok {
				w.showCert(f, ce)
				return
			}
			if err != nil {
				showText(w.formErr, sentence(err.Error()))
				return
			}
			w.showPresets(f.JID, nil)
		})
	})
}

// showCert asks whether to trust a self-signed certificate.
func (w *Wizard) showCert(f AccountForm, ce *CertError) {
	fp := widget.NewLabel(ce.Fingerprint)
	fp.TextStyle = fyne.TextStyle{Monospace: true}
	fp.Wrapping = fyne.TextWrapWord
	trust := widget.NewButton("Trust and continue", func() {
		if w.trusted == nil {
			w.trusted = map[string]string{}
		}
		w.trusted[strings.ToLower(ce.Host)] = ce.Raw
		f.Fingerprint = ce.Raw
		w.showAccount(w.register)
		w.tryAccount(f)
	})
	trust.Importance = widget.HighImportance
	cancel := widget.NewButton("Do not trust", func() {
		w.showAccount(w.register)
		showText(w.formErr, "Not connected: the certificate of "+ce.Host+" was not trusted.")
	})
	w.set("cert", "Check the server's certificate", container.NewBorder(nil, container.NewHBox(cancel, trust), nil, nil,
		container.NewVBox(
			wrapped(ce.Host+" presented a certificate that no certificate authority vouches for (a self-signed one, usual for a private or .i2p server)."),
			wrapped("Its SHA-256 fingerprint is:"),
			fp,
			wrapped("Compare it with the one the server's admin gave you (for your own server: clove node status, or prosodyctl cert). If you trust it, Clove pins it and refuses any other certificate from then on."),
		)))
}

// showNode shows the "Run my own node" form.
func (w *Wizard) showNode() {
	if w.nodeAdmin == nil {
		w.nodeAdmin = widget.NewEntry()
		w.nodeAdmin.SetText("admin")
		w.nodePassword = widget.NewPasswordEntry()
		w.nodeC2S, w.nodeS2S = widget.NewEntry(), widget.NewEntry()
		w.nodeC2S.SetPlaceHolder("automatic (5222)")
		w.nodeS2S.SetPlaceHolder("automatic (5269)")
		for _, e := range []*widget.Entry{w.nodeAdmin, w.nodePassword, w.nodeC2S, w.nodeS2S} {
			e.OnSubmitted = func(string) { w.submitNode() }
		}
		w.nodeErr = dangerLabel()
		w.nodeStatus = wrapped("")
		w.nodeStatus.Hide()
		w.nodeSubmit = widget.NewButton("Create and start my node", w.submitNode)
		w.nodeSubmit.Importance = widget.HighImportance
	}
	form := widget.NewForm(
		widget.NewFormItem("Admin name", w.nodeAdmin),
		widget.NewFormItem("Password", w.nodePassword),
	)
	ports := widget.NewAccordion(widget.NewAccordionItem("Advanced: ports", container.NewVBox(
		wrapped("The ports your node listens on, on this computer only. Empty: 5222 and 5269, or free ones near them where those are taken (another XMPP server)."),
		widget.NewForm(
			widget.NewFormItem("Client port", w.nodeC2S),
			widget.NewFormItem("Server port", w.nodeS2S),
		))))
	back := widget.NewButton("Back", w.showWelcome)
	w.set("node", "Run my own node", container.NewBorder(nil, container.NewHBox(back, w.nodeSubmit), nil, nil,
		container.NewVScroll(container.NewVBox(
			widget.NewLabel("Clove creates a server on this computer (prosody with i2pd).\n"+
				"Its domain is a new .b32.i2p address, reachable only over I2P.\n"+
				"You become its admin and are logged in. The node keeps running\n"+
				"after you close Clove; Stop node in the status bar stops it."),
			form, ports, w.nodeStatus, w.nodeErr))))
	w.win.Canvas().Focus(w.nodePassword)
}

// nodeForm reads the node form; the error says what to fix.
func (w *Wizard) nodeForm() (NodeForm, error) {
	f := NodeForm{Admin: strings.TrimSpace(w.nodeAdmin.Text), Password: w.nodePassword.Text}
	if f.Admin == "" || f.Password == "" {
		return f, errors.New("enter an admin name and a password")
	}
	var err error
	if f.C2SPort, err = portEntry(w.nodeC2S.Text, "client"); err != nil {
		return f, err
	}
	if f.S2SPort, err = portEntry(w.nodeS2S.Text, "server"); err != nil {
		return f, err
	}
	if f.C2SPort != 0 && f.C2SPort == f.S2SPort {
		return f, fmt.Errorf("the client and server ports must differ (both are %d)", f.C2SPort)
	}
	return f, nil
}

// portEntry reads a port typed under "Advanced: ports" ("" is 0:
// automatic).
func portEntry(s, which string) (int, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	p, err := strconv.Atoi(s)
	if err != nil || p < 1024 || p > 65535 {
		// Below 1024 needs root, which the node does not have.
		return 0, fmt.Errorf("the %s port must be a number from 1024 to 65535, or empty for automatic (not %q)", which, s)
	}
	return p, nil
}

func (w *Wizard) submitNode() {
	if w.nodeSubmit.Disabled() {
		return // Enter while the node is being made
	}
	w.nodeErr.Hide()
	f, err := w.nodeForm()
	if err != nil {
		showText(w.nodeErr, sentence(err.Error()))
		return
	}
	showText(w.nodeStatus, "Creating the node and starting it (the first start on the I2P network can take a few minutes)…")
	w.nodeSubmit.Disable()
	w.async(func() {
		r, err := w.backend.RunNode(w.ctx, f)
		w.do(func() {
			w.nodeSubmit.Enable()
			w.nodeStatus.Hide()
			if err != nil {
				showText(w.nodeErr, sentence(err.Error()))
				return
			}
			w.showPresets(strings.ToLower(f.Admin)+"@"+r.Domain, &r)
		})
	})
}

// showPresets is the last screen: logged in, two one-click first steps.
func (w *Wizard) showPresets(account string, n *NodeResult) {
	w.account = account
	head := container.NewVBox(wrapped("You are logged in as " + account + "."))
	if n != nil {
		domain := n.Domain
		w.domain = domain
		d := widget.NewEntry()
		d.SetText(domain)
		d.OnChanged = func(string) { d.SetText(domain) } // read-only but selectable
		cp := widget.NewButtonWithIcon("Copy", theme.ContentCopyIcon(), func() {
			w.fa.Clipboard().SetContent(domain)
		})
		head.Add(wrapped("Your node's domain (give it to the people who should reach you):"))
		head.Add(container.NewBorder(nil, nil, nil, cp, d))
		head.Add(wrapped(n.PortsText()))
	}
	w.contactResult = wrapped("")
	w.contactResult.Hide()
	w.roomResult = wrapped("")
	w.roomResult.Hide()
	w.contactBtn = widget.NewButton("Add the test contact and say hello", func() {
		w.runPreset(w.contactBtn, w.contactResult, "Adding "+w.backend.TestContact()+"…", w.backend.AddTestContact)
	})
	w.roomBtn = widget.NewButton("Join the federation room", func() {
		w.runPreset(w.roomBtn, w.roomResult, "Joining "+w.backend.FederationRoom()+"…",
			func(ctx context.Context, _ func(string)) (string, bool, error) {
				text, err := w.backend.JoinFederationRoom(ctx)
				return text, true, err
			})
	})
	done := widget.NewButton("Open my chats", func() {
		if w.OnDone != nil {
			w.OnDone(w.account)
		}
	})
	done.Importance = widget.HighImportance
	w.presetsBox = container.NewVBox(
		head,
		widget.NewSeparator(),
		wrapped("Two first steps, one click each (both go over I2P and can take a minute):"),
		w.contactBtn, wrapped("Adds "+w.backend.TestContact()+" to your contacts and sends it \"hello\"."), w.contactResult,
		w.roomBtn, wrapped("Joins "+w.backend.FederationRoom()+", a room shared by servers across I2P."), w.roomResult,
	)
	w.presetsScroll = container.NewVScroll(w.presetsBox)
	w.set("presets", "You are set up", container.NewBorder(nil, container.NewHBox(done), nil, nil, w.presetsScroll))
}

// runPreset runs preset f with button b disabled, its steps and result in
// result. Once it has done its work (sent, joined) the button stays
// disabled: a second click sent "hello" twice; after a failure it can be
// tried again.
func (w *Wizard) runPreset(b *widget.Button, result *widget.Label, doing string, f func(context.Context, func(string)) (string, bool, error)) {
	b.Disable()
	w.showResult(result, widget.MediumImportance, doing)
	progress := func(text string) {
		w.do(func() { w.showResult(result, widget.MediumImportance, sentence(text)) })
	}
	w.async(func() {
		text, final, err := f(w.ctx, progress)
		w.do(func() {
			switch {
			case err != nil:
				b.Enable()
				w.showResult(result, widget.DangerImportance, "Failed: "+sentence(err.Error()))
			case final:
				w.showResult(result, widget.SuccessImportance, sentence(text))
			default: // done, but not confirmed: not a success yet
				w.showResult(result, widget.WarningImportance, sentence(text))
			}
		})
	})
}

// showResult shows a preset's text in l and lays the screen out again: a
// label shown (or grown) inside a box keeps its old size until its box is
// laid out, so the result appeared only after the window was resized.
func (w *Wizard) showResult(l *widget.Label, imp widget.Importance, text string) {
	l.Importance = imp
	showText(l, text)
	if w.presetsScroll != nil {
		w.presetsScroll.Refresh()
		w.presetsBox.Refresh()
	}
}

func domainPart(j string) string {
	if _, d, ok := strings.Cut(j, "@"); ok {
		if d, _, ok := strings.Cut(d, "/"); ok {
			return d
		}
		return d
	}
	return j
}
