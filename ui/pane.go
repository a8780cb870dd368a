package ui

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// pageSize is how many messages a chat loads at a time.
const pageSize = 50

// Pane is one account's pane of the main window (Shell): its roster,
// chats and status bar; the only content of the window when the profile
// has one account, a tab among others otherwise.
type Pane struct {
	fa      fyne.App
	win     fyne.Window
	account string
	backend Backend
	ctx     context.Context
	cancel  context.CancelFunc

	// async runs backend work off the UI goroutine; do runs f on it. Tests
	// replace both to run inline.
	async func(func())
	do    func(func())
	// openURL hands a web link to the desktop's browser (the app's
	// OpenURL: xdg-open); tests record instead.
	openURL func(*url.URL) error
	// later runs the page fetch a scrolled-to-top list asks for (from inside
	// the list's update: never inline).
	later func(func())

	// Everything below is touched on the UI goroutine only.
	contacts []*contactItem
	byJID    map[string]*contactItem
	shown    []*contactItem
	chat     *chatState
	early    map[string]MsgState // acks and receipts that came before the message
	earlyWhy map[string]string   // and why those that failed did
	earlyEnc map[string]bool     // ours said encrypted before Send returned

	lock   *widget.Button // by the composer: are messages to this contact encrypted
	attach *widget.Button // left of the composer: send a file (nil: the backend shares none)

	// Files: the transfers under way (rows above the composer), the
	// pictures by URL, the pictures' bytes kept (oldest first, and their
	// total), the downloads' turn, where files were saved, the pictures
	// open full size.
	transfers      *fyne.Container
	bottom         *fyne.Container // the transfers above the composer and its buttons
	transferRows   []*transfer
	pics           map[string]*picture
	rawOrder       []string
	rawBytes       int64
	picSlots       chan struct{}
	saved          map[string]string
	pictureWindows []fyne.Window
	measureFile    *messageRow // lays out a file message's row to measure it
	lockState      Encryption
	// lockAgain: a refresh of the open room's lock is due (someone came
	// or left: whether its messages can be encrypted may have changed).
	lockAgain *time.Timer
	notes     map[string][]Message // per peer: Clove's notices (new devices), shown in the chat
	rooms     map[string]*roomState
	rowH      float32        // height of a one-line message row
	lineH     float32        // height of each further line
	dayH      float32        // height of a day separator
	headH     float32        // height of a message's header (who and when), left out on a burst's later messages
	whyH      float32        // height of the line under a failed message
	bodyH     float32        // height of a one-line body
	links     *regexp.Regexp // finds links in bodies (compiled on first use)
	setH      []float32      // the message rows' heights as the list knows them (setHeights)
	// newBelow is the button over the chat's foot that says how many
	// messages came while the user read further up (newCount).
	newBelow    *widget.Button
	newBelowBox *fyne.Container // where it sits, laid out again when it shows
	newCount    int

	filter      *keyEntry
	requests    *fyne.Container // subscription requests, above the roster
	requestRows map[string]fyne.CanvasObject
	left        *fyne.Container // the roster side

	notified map[string]time.Time // last notification per chat

	// online: the account is online; while it is not, every contact is
	// shown unavailable (their last known presence is kept for a session
	// that resumes).
	online bool
	// The connection state last shown, and the account's node (nil: the
	// account is not on the profile's own node, or it was not read yet).
	connState ConnState
	connErr   string
	node      *NodeState

	prefKey     string // where the open chat is kept ("": nowhere)
	restoreChat string // the chat to reopen once the roster is there
	// openNext is a chat to open once the roster has it, whatever is open
	// (a room just joined).
	openNext string

	drafts         map[string]string // each chat's unsent text (the open one's is in the composer)
	draftsLoaded   bool
	lasts          map[string]lastLine // each chat's newest message, for its row
	previewsLoaded bool
	draftSaver     draftSaver

	shell   *Shell             // the window this account's pane is in
	content fyne.CanvasObject  // the pane
	tab     *container.TabItem // the pane as a tab (shown once there are several accounts)

	roster        *widget.List
	avatars       avatars     // the contacts' pictures (avatar.go)
	headerAvatar  *avatarView // the open chat's, in its header
	title         *widget.Label
	subject       *widget.Label // a room's subject
	notice        *widget.Label
	msgList       *chatList
	selected      *msgText        // the body holding the chat's one selection, if any
	msgView       *fyne.Container // msgList, watched for its width (bodies wrap to it)
	measureWhy    *widget.Label   // lays out the reason under a failed message at the list's width
	listW         float32         // the message list's width (0: not laid out yet)
	chatBody      *fyne.Container // the message list, or it and the people list (rooms)
	people        *widget.List    // a room's occupants
	peoplePane    *fyne.Container
	peopleHidden  bool // the user hid a room's people list in a wide window
	roomSplit     *container.Split
	tools         *fyne.Container // the chat header's buttons
	header        *fyne.Container // the chat's title and tools
	roomTools     []fyne.CanvasObject
	voice         *widget.Button            // "Request voice" (voice.go)
	joinAgain     *widget.Button            // "Join again" in a room that removed us (roomadmin.go)
	inviteTool    *widget.Button            // "Invite…" in a room's header, not after a removal
	nickCycle     *nickCycle                // the composer's last nickname completion (nickcomplete.go)
	moreButton    *widget.Button            // the header's "⋮" menu (chatmenu.go)
	strangerTools []fyne.CanvasObject       // "Add to contacts", "Block", for a stranger's chat
	blockButton   *widget.Button            // "Block" / "Unblock" in a stranger's chat (nil: no blocking)
	blocked       map[string]bool           // the account's blocklist, as last loaded
	toolLabels    map[*widget.Button]string // the header buttons' labels (icons alone in a narrow chat)
	compact       bool                      // the chat is narrow: icons alone, the name without the address
	composer      *Composer
	chatPane      *fyne.Container
	emptyPane     fyne.CanvasObject
	emptyText     *widget.Label // what the empty chat side says: pick a chat, or add a first contact
	right         *fyne.Container
	statusDot     *canvas.Circle
	statusText    *widget.Label
	routerText    *widget.Label  // I2P accounts: the router's state and next step
	statusAction  *widget.Button // "Reconnect now", "Log in…": what can be done about the state
	offered       bool           // statusAction has an action to offer
	nodeBusy      string         // "stopping your node…" while the node action runs
	statusButton  *widget.Button // the presence selector (nil: the backend cannot set one)
	statusShow    string         // the presence chosen ("" available, away, xa, dnd)
	statusMessage string         // and its message
	statusSends   statusQueue    // the presences still to send, in order

	// Chat states (XEP-0085): each contact's last one, the open chat's
	// shown in its header (typing), and the chat we told that we type in.
	theirStates map[string]string
	rowTyping   map[string]*time.Timer // a row's "typing…" ends at its timer
	typingLabel *widget.Label
	typingClear *time.Timer
	typingIn    string
	// Correction (XEP-0308): the message being edited (nil: none) and
	// the line above the composer that says so.
	editing    *editState
	editBar    *fyne.Container
	nodeAction *widget.Button // "Stop node" / "Start node": an account on the profile's own node

	reply          *replyBar      // "Replying to …" above the composer
	picker         *emojiPicker   // the emoji picker, made on first use
	emojiOpen      *widget.Button // left of the composer: the emoji picker
	quoteH, reactH float32        // heights a reply's quote and a row of reactions add to a row

	// Chat markers (XEP-0333, markers.go): per chat, the Key of the
	// contact's message last told the backend as seen.
	seenTold map[string]string
}

type contactItem struct {
	Contact
	presence Presence
	unread   int
}

type chatState struct {
	peer    string
	msgs    []Message
	more    bool  // older messages may exist
	loading bool  // a history page is on its way
	oldest  int64 // store id of the oldest loaded message (0: none)
	// afterLoad runs once the page on its way is in (a jump to a search
	// result waits for it); marked is the message a jump showed.
	afterLoad []func()
	marked    int64
	// unreadAt is the store id of the first message that was unread when
	// the chat opened: a "New messages" line sits above it (0: none).
	unreadAt int64
	// placed: the first page is in and the view placed (at the foot, or
	// at the "New messages" line); until then nothing is told as seen
	// (markers.go).
	placed bool
	// dropped: notices (not stored) waiting for an older page: those
	// trimLoaded dropped, put back above the stored message they were
	// above, and those showNotes found older than the first page, put in
	// by time (withDropped).
	dropped []droppedNotice
}

// droppedNotice is a notice dropped from a busy chat: above is the store id
// of the first stored message that followed it (0: placed by its time).
type droppedNotice struct {
	above int64
	m     Message
}

// newApp is an account pane alone in a window of its own (a Shell), its
// roster not loaded yet.
func newApp(fa fyne.App, account string, b Backend) *Pane {
	return NewShell(fa).add(account, b)
}

// newPane builds account's pane for shell s.
func newPane(s *Shell, account string, b Backend) *Pane {
	ctx, cancel := context.WithCancel(context.Background())
	a := &Pane{
		fa: s.fa, win: s.win, shell: s, account: account, backend: b, ctx: ctx, cancel: cancel,
		async:    func(f func()) { go f() },
		later:    func(f func()) { go f() },
		do:       s.do,
		openURL:  s.fa.OpenURL,
		byJID:    map[string]*contactItem{},
		early:    map[string]MsgState{},
		earlyWhy: map[string]string{},
		earlyEnc: map[string]bool{},
		notes:    map[string][]Message{},
		pics:     map[string]*picture{},
		saved:    map[string]string{},
		picSlots: make(chan struct{}, pictureDownloads),
		rooms:    map[string]*roomState{},

		drafts:     map[string]string{},
		lasts:      map[string]lastLine{},
		toolLabels: map[*widget.Button]string{},
		draftSaver: draftSaver{latest: map[string]uint64{}},

		requestRows: map[string]fyne.CanvasObject{},
		theirStates: map[string]string{},
		rowTyping:   map[string]*time.Timer{},
		notified:    map[string]time.Time{},
		seenTold:    map[string]string{},
	}
	a.content = a.build()
	a.tab = container.NewTabItem(account, a.content)
	a.OnStateSync(Offline, "")
	return a
}

// Window is the window the account's pane is in.
func (a *Pane) Window() fyne.Window { return a.win }

// Shell is the window the account's pane is in.
func (a *Pane) Shell() *Shell { return a.shell }

// Close keeps the open chat's draft and stops pending background work
// (the window itself is closed by its owner). Called once the window's
// event loop is over.
func (a *Pane) Close() {
	a.saveDraftNow()
	a.cancel()
}

func (a *Pane) build() fyne.CanvasObject {
	a.filter = newKeyEntry(a)
	a.filter.OnSubmitted = a.filterSubmitted
	a.filter.hints = placeHolders{"Filter contacts", "Filter"}
	a.filter.hints.fit(&a.filter.Entry, 0)
	a.filter.OnChanged = func(string) { a.applyFilter() }
	a.roster = widget.NewList(
		func() int { return len(a.shown) },
		func() fyne.CanvasObject { return newRosterRow() },
		func(id widget.ListItemID, o fyne.CanvasObject) {
			if id < len(a.shown) {
				it := a.shown[id]
				r := o.(*rosterRow)
				r.set(it, a.shownPresence(it), a.blocked[it.JID])
				r.setPreview(a.rowPreview(it.JID, time.Now()))
				r.avatar.set(it.JID, it.Label(), a.avatarImage(it.JID))
				jid := it.JID
				r.menu = func(at fyne.Position) { a.showContactMenu(jid, at) }
				r.tap = func() { a.roster.Select(id) }
			}
		})
	a.roster.OnSelected = func(id widget.ListItemID) {
		if id < len(a.shown) {
			a.openChat(a.shown[id].JID)
		}
	}
	a.requests = container.NewVBox()
	a.requests.Hide()
	left := container.NewBorder(container.NewVBox(a.rosterTools(), a.requests), nil, nil, nil, a.roster)
	a.left = left

	a.title = widget.NewLabel("")
	a.title.TextStyle = fyne.TextStyle{Bold: true}
	a.title.Truncation = fyne.TextTruncateEllipsis
	a.notice = widget.NewLabel("")
	a.notice.Importance = widget.DangerImportance
	a.notice.Wrapping = fyne.TextWrapWord
	a.notice.Hide()
	a.msgList = newChatList(
		func() int {
			if a.chat == nil {
				return 0
			}
			return len(a.chat.msgs)
		},
		func() fyne.CanvasObject {
			r := newMessageRow()
			r.onMenu = a.messageMenu
			r.onLink = func(link string) { a.clearSelection(); a.openLink(link) }
			r.onTap = a.messageTapped
			r.onLoadPicture, r.onSave, r.onOpenPicture = a.loadPictureAt, a.saveFileAt, a.openPictureAt
			r.onQuote, r.onReact, r.onWho = a.jumpToOriginal, a.toggleReaction, a.showWho
			r.findLinks = a.findLinks
			r.body.onSelect = a.selectionIn
			r.body.onKey = a.shortcut
			return r
		},
		a.updateMessageRow)
	a.msgList.onTap = a.clearSelection
	a.msgList.OnSelected = a.messageTapped
	a.newBelow = widget.NewButtonWithIcon("", theme.MoveDownIcon(), a.toBottom)
	a.newBelow.Importance = widget.HighImportance
	a.newBelow.Hide()
	a.newBelowBox = container.NewVBox(layout.NewSpacer(), container.NewHBox(layout.NewSpacer(), a.newBelow))
	pad := theme.Padding()
	a.msgView = container.NewStack(
		container.New(&widthWatch{onWidth: a.onListWidth}, a.msgList),
		container.New(layout.NewCustomPaddedLayout(0, 2*pad, 0, 4*pad), // clear of the scroll bar
			a.newBelowBox))
	a.composer = NewComposer(a.send)
	a.composer.OnShortcut = a.shortcut
	a.composer.OnTyped = a.userTyped
	a.composer.OnUpEmpty = a.editLast
	a.composer.OnEscape = a.cancelEdit
	a.composer.Complete = a.completeNick
	a.composer.OnPaste = a.paste
	a.composer.OnPage = a.scrollPage
	a.composer.OnGrow = func() {
		if a.chatPane != nil {
			// The composer's row gets its new height and lays itself out
			// again (a resize does); the messages above get the rest.
			a.chatPane.Refresh()
		}
	}
	a.composer.setEnterSends(a.fa.Preferences().BoolWithFallback(prefEnter, true))
	send := widget.NewButtonWithIcon("", theme.MailSendIcon(), func() { a.composer.submit() })
	sendBox := fyne.CanvasObject(send)
	if a.encryptor() != nil {
		a.lock = a.newLockButton()
		sendBox = container.NewHBox(a.lock, send)
	}
	a.transfers = container.NewVBox()
	a.transfers.Hide()
	var attach fyne.CanvasObject
	if a.sharer() != nil {
		a.attach = a.newAttachButton()
		attach = a.attach
	}
	a.editBar = a.newEditBar()
	a.reply = a.newReplyBar()
	a.composer.OnEscape = func() bool {
		// An edit (XEP-0308) first, then a reply being written.
		if a.cancelEdit() {
			return true
		}
		if a.reply.to == nil {
			return false
		}
		a.cancelReply()
		return true
	}
	a.emojiOpen = widget.NewButtonWithIcon("", theme.NewThemedResource(smileIcon), func() { a.showEmojiPicker("Insert emoji", a.insertEmoji) })
	a.emojiOpen.Importance = widget.LowImportance
	tools := fyne.CanvasObject(a.emojiOpen)
	if attach != nil {
		tools = container.NewHBox(attach, a.emojiOpen)
	}
	// The buttons beside the composer keep their size at its foot as it
	// grows (stretched, the send button was as tall as six lines).
	foot := func(o fyne.CanvasObject) fyne.CanvasObject { return container.NewVBox(layout.NewSpacer(), o) }
	bottom := container.NewBorder(container.NewVBox(a.transfers, a.editBar, a.reply.box), nil, foot(tools), foot(sendBox), a.composer)
	a.bottom = bottom
	a.buildRoomParts()
	a.tools = a.chatTools()
	a.typingLabel = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Italic: true})
	a.typingLabel.Hide()
	a.headerAvatar = newAvatarView()
	// A click on the avatar opens the contact's profile, as in Gajim.
	headerPic := container.NewStack(a.headerAvatar.content, newRowClicks(func(*fyne.PointEvent) {}, a.showChatProfile))
	a.header = container.NewBorder(nil, nil, container.NewCenter(container.NewPadded(headerPic)), container.NewHBox(a.typingLabel, a.tools), a.title)
	a.chatBody = container.NewStack(a.msgView)
	a.subject = widget.NewLabel("")
	a.subject.Wrapping = fyne.TextWrapWord
	a.subject.Hide()
	headerView := container.New(&widthWatch{onWidth: func(w float32) { a.compactTools(w < compactBelow) }}, a.header)
	a.chatPane = container.NewBorder(container.NewVBox(headerView, a.subject, a.notice), bottom, nil, nil, a.chatBody)
	a.chatPane.Hide()
	a.emptyText = widget.NewLabel("Pick a contact on the left to chat.")
	a.emptyText.Alignment = fyne.TextAlignCenter
	a.emptyText.Wrapping = fyne.TextWrapWord
	a.emptyPane = container.New(&centredText{max: 420, min: 160}, a.emptyText)
	a.right = container.New(shownStack{}, a.emptyPane, a.chatPane)

	split := container.NewHSplit(left, a.right)
	split.Offset = 0.3

	a.statusDot = canvas.NewCircle(theme.Color(theme.ColorNameDisabled))
	a.statusText = widget.NewLabel("")
	a.statusText.Truncation = fyne.TextTruncateEllipsis
	a.routerText = widget.NewLabel("")
	a.routerText.Hide()
	a.statusAction = widget.NewButton("", nil)
	a.statusAction.Hide()
	a.nodeAction = a.newNodeButton()
	right := container.NewHBox(a.routerText, a.statusAction, a.nodeAction)
	if sel := a.buildStatus(); sel != nil {
		right.Add(sel)
	}
	status := container.NewBorder(nil, nil, dotBox(a.statusDot), right, a.statusText)
	return container.NewBorder(nil, container.NewVBox(widget.NewSeparator(), status), nil, nil, split)
}

// shownStack is Fyne's stack layout laying out only the children shown
// (showRight shows one). The chat side (header, message list, composer,
// bars) is hidden until a chat opens, and Fyne's stack measured and wrapped
// all of it for the first frame anyway: about a third of the start that is
// Clove's own before the window is mapped (docs/benchmarks.md).
type shownStack struct{}

func (shownStack) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objs {
		if o.Visible() {
			o.Resize(size)
			o.Move(fyne.Position{})
		}
	}
}

func (shownStack) MinSize(objs []fyne.CanvasObject) fyne.Size {
	return layout.NewStackLayout().MinSize(objs) // counts the shown only
}

// showRight shows o (the chat or the empty side) instead of the other
// and lays it out at the side's size: shownStack skipped it while hidden.
func (a *Pane) showRight(o fyne.CanvasObject) {
	for _, x := range a.right.Objects {
		if x != o {
			x.Hide()
		}
	}
	o.Show()
	a.right.Layout.Layout(a.right.Objects, a.right.Size())
}

// centredText lays a wrapped text out in the middle, at most max wide
// (a line a reader can follow) and needing only min: the empty chat side
// must not keep a small window wide (a fixed 420 px box made the pane
// need 470 px, wider than a 420 px window).
type centredText struct{ max, min float32 }

func (c *centredText) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	w := min(size.Width, c.max)
	o := objs[0]
	o.Resize(fyne.NewSize(w, o.MinSize().Height))
	h := o.MinSize().Height // at width w
	o.Resize(fyne.NewSize(w, h))
	o.Move(fyne.NewPos((size.Width-w)/2, max(0, (size.Height-h)/2)))
}

func (c *centredText) MinSize(objs []fyne.CanvasObject) fyne.Size {
	return fyne.NewSize(c.min, objs[0].MinSize().Height)
}

// dotBox gives a circle a fixed 10×10 size, centred.
func dotBox(c *canvas.Circle) fyne.CanvasObject {
	return container.NewCenter(container.NewGridWrap(fyne.NewSquareSize(10), c))
}

// OnState shows the account's connection state; errText says why it is
// offline or failed ("" for none). Safe from any goroutine.
func (a *Pane) OnState(s ConnState, errText string) {
	a.do(func() { a.OnStateSync(s, errText) })
}

// OnStateSync is OnState on the UI goroutine.
func (a *Pane) OnStateSync(s ConnState, errText string) {
	a.connState, a.connErr = s, errText
	text, c := a.stateText(s, errText)
	a.statusText.SetText(text)
	a.statusDot.FillColor = theme.Color(c)
	a.statusDot.Refresh()
	if s == Connecting || s == Online {
		a.offered = false // what it offered is under way
	}
	a.showStatusAction()
	if s != Online {
		a.roomsOffline()
	}
	if was := a.online; was != (s == Online) {
		a.online = s == Online
		a.roster.Refresh()
	}
}

// stateText words the account's state for the status bar, and picks its
// dot's colour.
func (a *Pane) stateText(s ConnState, errText string) (string, fyne.ThemeColorName) {
	text := a.account + " — " + s.String()
	if errText != "" {
		text += ": " + errText
	}
	c := theme.ColorNameDisabled
	switch s {
	case Online:
		c = theme.ColorNameSuccess
	case Connecting:
		c = theme.ColorNameWarning
	case Error:
		c = theme.ColorNameError
	}
	if a.node != nil {
		return a.nodeStateText(s, text, c)
	}
	return text, c
}

// nodeStateText is stateText for an account on the profile's own node.
// The account is named by its user alone: the node's domain is 60
// characters that would push the state out of the status bar (the title
// bar names the account in full). Online is a loopback login: no one else
// can reach the account before the node is reachable over I2P, so it is
// green only then.
func (a *Pane) nodeStateText(s ConnState, text string, c fyne.ThemeColorName) (string, fyne.ThemeColorName) {
	user, _, _ := strings.Cut(a.account, "@")
	who := user + " on your node — "
	_, state, _ := strings.Cut(text, " — ")
	n := a.node
	switch {
	case a.nodeBusy != "":
		return who + a.nodeBusy, theme.ColorNameWarning
	case a.nodeStopped():
		// Whatever the connection says (refused, retrying): the node is why.
		return who + "offline: your node is stopped", theme.ColorNameDisabled
	case s != Online:
		return who + state, c
	case n.Reachable:
		return who + "online, reachable over I2P", c
	case n.Stage == "":
		return who + "online; checking whether other servers can reach it over I2P", theme.ColorNameWarning
	}
	return who + "online; not reachable over I2P yet: " + n.Stage, theme.ColorNameWarning
}

// OfferAction shows a button in the status bar that does act (one at a
// time: "Reconnect now" while waiting to retry, "Log in…" when there is no
// session); it hides once the account is connecting or online, or when
// tapped. Safe from any goroutine.
func (a *Pane) OfferAction(label string, act func()) {
	a.do(func() {
		a.statusAction.SetText(label)
		a.statusAction.OnTapped = func() {
			a.offered = false
			a.statusAction.Hide()
			act()
		}
		a.offered = true
		a.showStatusAction()
	})
}

// showStatusAction shows the action offered, if any, unless the account's
// node is stopped: then Start node is what to do (and reconnects).
func (a *Pane) showStatusAction() {
	if a.offered && !a.nodeStopped() && a.nodeBusy == "" {
		a.statusAction.Show()
	} else {
		a.statusAction.Hide()
	}
}

// nodeStopped reports whether the account is on the profile's own node and
// that node is known to be stopped.
func (a *Pane) nodeStopped() bool { return a.node != nil && !a.node.Running && a.node.Stage != "" }

// OnSessionStarted says the account is online in a new session (not a
// resumed one): the server tells the presence of every contact who is
// available, so the last known ones are forgotten. Safe from any
// goroutine.
func (a *Pane) OnSessionStarted() {
	a.do(func() {
		for _, it := range a.contacts {
			if !it.Room {
				it.presence = Unavailable
			}
		}
		a.roster.Refresh()
		a.loadBlocked()
	})
}

// shownPresence is the presence the roster shows for it: unavailable while
// the account is not online.
func (a *Pane) shownPresence(it *contactItem) Presence {
	if !a.online {
		return Unavailable
	}
	return it.presence
}

// NodeState is the state of the node the account is on (the profile's
// own): whether it runs, and its I2P stage ("no peers yet", "tunnels
// building", "reachable"); the zero NodeState is a node not read yet.
type NodeState struct {
	Running   bool
	Stage     string
	Reachable bool
}

// OnNode shows the state of the account's node: while it is not
// reachable over I2P, the status bar says so instead of a green online.
// Safe from any goroutine.
func (a *Pane) OnNode(n NodeState) {
	a.do(func() {
		a.node = &n
		a.OnStateSync(a.connState, a.connErr)
		a.showNodeAction()
	})
}

// OnRouter shows the I2P router's state for I2P accounts ("" hides it).
// Safe from any goroutine.
func (a *Pane) OnRouter(text string) {
	a.do(func() {
		a.routerText.SetText(text)
		if text == "" {
			a.routerText.Hide()
		} else {
			a.routerText.Show()
		}
	})
}

// OnRoster reloads the roster from the backend. Safe from any goroutine.
func (a *Pane) OnRoster() { a.do(a.reloadContacts) }

func (a *Pane) reloadContacts() {
	a.async(func() {
		cs, err := a.backend.Contacts(a.ctx)
		a.do(func() {
			if err != nil {
				a.showNotice(fmt.Sprintf("could not load contacts: %v", err))
				return
			}
			a.setContacts(cs)
			a.reloadAvatars()
			if a.chat != nil { // a stranger may have become a contact
				a.showChatBody(a.isRoom(a.chat.peer))
			}
			a.loadDrafts()
			a.loadPreviews()
			a.reopenChat()
			a.openJoined()
		})
	})
}

func (a *Pane) setContacts(cs []Contact) {
	old := a.byJID
	a.byJID = map[string]*contactItem{}
	a.contacts = a.contacts[:0]
	for _, c := range cs {
		it := &contactItem{Contact: c}
		if o := old[c.JID]; o != nil {
			it.presence, it.unread = o.presence, o.unread
		}
		if r := a.rooms[c.JID]; c.Room && r != nil && r.joined {
			it.presence = Available // joined before the list had it
		}
		a.byJID[c.JID] = it
		a.contacts = append(a.contacts, it)
	}
	// A stranger who wrote to us stays listed, read or not (and one who
	// was just removed from the roster while a message is unread).
	for j, o := range old {
		if a.byJID[j] == nil && (o.Stranger || o.unread > 0) {
			a.byJID[j] = o
			a.contacts = append(a.contacts, o)
		}
	}
	a.sortContacts()
	a.applyFilter()
	a.sayWhatToDo()
}

// sayWhatToDo words the empty chat side: pick a chat, or, with an empty
// roster, how to add the first contact or join a room.
func (a *Pane) sayWhatToDo() {
	text := "Pick a contact on the left to chat."
	if len(a.contacts) == 0 {
		text = "No contacts yet."
		if a.editor() != nil {
			text += " Add your first one with + above the list (their address, like name@server)"
			if a.roomBackend() != nil {
				text += ", or join a room with #"
			}
			text += "."
		}
	}
	if a.emptyText.Text != text {
		a.emptyText.SetText(text)
	}
}

// sortContacts orders the roster by name as a reader expects: without
// case or accents ("Émilie" among the E's, not after "Zoe"), each key
// folded once. With the Preferences' "Newest message first" the chats
// with messages come first, newest first (the previews' times).
func (a *Pane) sortContacts() {
	keys := make(map[*contactItem]string, len(a.contacts))
	for _, c := range a.contacts {
		keys[c] = foldText(c.Label())
	}
	recent := a.recentFirst()
	sort.SliceStable(a.contacts, func(i, j int) bool {
		x, y := a.contacts[i], a.contacts[j]
		if recent {
			lx, okx := a.lasts[x.JID]
			ly, oky := a.lasts[y.JID]
			switch {
			case okx && oky && !lx.at.Equal(ly.at):
				return lx.at.After(ly.at)
			case okx != oky:
				return okx
			}
		}
		return keys[x] < keys[y]
	})
}

// recentFirst reports whether the chat list puts the newest chats first.
func (a *Pane) recentFirst() bool {
	return a.fa.Preferences().String(prefChatOrder) == orderRecent
}

func (a *Pane) applyFilter() {
	q := foldText(strings.TrimSpace(a.filter.Text)) // "emilie" finds Émilie
	a.shown = a.shown[:0]
	for _, c := range a.contacts {
		if q == "" || strings.Contains(foldText(c.Name), q) || strings.Contains(foldText(c.JID), q) {
			a.shown = append(a.shown, c)
		}
	}
	a.roster.Refresh()
	a.syncSelection()
}

// syncSelection keeps the roster's highlighted row on the open chat.
func (a *Pane) syncSelection() {
	if a.chat == nil {
		return
	}
	for i, c := range a.shown {
		if c.JID == a.chat.peer {
			a.roster.Select(i) // openChat ignores the chat already open
			return
		}
	}
	a.roster.UnselectAll()
}

func (a *Pane) refreshContact(jid string) {
	for i, c := range a.shown {
		if c.JID == jid {
			a.roster.RefreshItem(i)
			return
		}
	}
}

// OnPresence shows a contact's availability. Safe from any goroutine.
func (a *Pane) OnPresence(jid string, p Presence) {
	a.do(func() {
		if it := a.byJID[jid]; it != nil && it.presence != p {
			it.presence = p
			a.refreshContact(jid)
		}
	})
}

func (a *Pane) showNotice(s string) {
	a.notice.SetText(s)
	a.notice.Show()
	if a.chat == nil {
		a.OnStateSync(Error, s)
	}
}

// RememberOffer is the login prompt's offer to keep the password: the
// box's label (empty: no box), a warning shown under it, and whether it
// is ticked at first.
type RememberOffer struct {
	Label, Warning string
	Ticked         bool
}

// AskPassword shows a small password dialog in the window; done gets the
// password and whether to keep it (offer's box), or ok false when the
// user cancelled.
func (a *Pane) AskPassword(offer RememberOffer, done func(password string, remember, ok bool)) {
	AskPassword(a.win, a.account, offer, done)
}

// AskPassword shows a password dialog for account in w.
func AskPassword(w fyne.Window, account string, offer RememberOffer, done func(password string, remember, ok bool)) {
	pw := newDialogPasswordEntry()
	items := []*widget.FormItem{widget.NewFormItem("Password for "+account, pw)}
	keep := newDialogCheck(offer.Label, nil)
	keep.SetChecked(offer.Ticked)
	if offer.Label != "" {
		items = append(items, widget.NewFormItem("", keep))
		if offer.Warning != "" {
			warn := widget.NewLabel(offer.Warning)
			warn.Wrapping = fyne.TextWrapWord
			warn.Importance = widget.WarningImportance
			items = append(items, widget.NewFormItem("", warn))
		}
	}
	d := dialog.NewForm("Password", "Log in", "Cancel", items,
		func(ok bool) { done(pw.Text, keep.Checked && offer.Label != "", ok && pw.Text != "") }, w)
	h := float32(160)
	if offer.Label != "" {
		h = d.MinSize().Height + 40
	}
	d.Resize(fyne.NewSize(460, h))
	showForm(w, d, pw)
}
