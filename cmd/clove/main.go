// Command clove is Clove's desktop XMPP client with I2P built in, and a
// headless CLI on the same core. Run without a subcommand it opens the
// window; the subcommands script everything.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"sync"
	"syscall"

	"github.com/clove-xmpp/clove/chat"
	// Its init turns heap profiling off before the packages that allocate
	// at start run theirs (see there).
	_ "github.com/clove-xmpp/clove/internal/noheapprofile"
	// Its init quiets the toolkit under the C locale, before Fyne's runs
	// (see there).
	"github.com/clove-xmpp/clove/internal/plainlocale"
)

const usage = `clove — private XMPP chat, over I2P or not

Usage: clove [--profile DIR] [--verbose] [COMMAND [ARGS]]
       (no command: open the window)

Accounts:
  account add JID [--server HOST:PORT] [--proxy socks5://HOST:PORT] [--sam HOST:PORT]
                  [--i2p-only] [--i2p-hops N] [--map DOMAIN=B32]... [--pin SHA256] [--offline] [--remember]
                  [--require-encryption]   (never send a chat message unencrypted)
  account list
  account set JID require-encryption on|off
  account avatar --account JID PATH | --remove
  account profile --account JID [CONTACT] [--json]   (the vCard's fields, XEP-0054: yours, or CONTACT's)
  account profile --account JID --set FIELD=VALUE…   (changes yours; FIELD= removes it; the photo stays)
        fields: fullname nickname birthday email phone url org role locality country note
  account remove JID
  register JID [--server …] [--proxy …] [--sam …] [--i2p-only] [--pin SHA256]

Chat:
  send --account JID [--timeout DURATION] [--plain] TO TEXT   (TEXT "-": one message per line of stdin;
        encrypted with OMEMO when TO has OMEMO devices, unless --plain)
  send --account JID --reply-to ID [--plain] TO TEXT   (a reply, XEP-0461, to the message ID of TO's chat:
        the "id" listen/history --json show; other clients see a quote of it first)
  send --account JID --retract ID TO   (deletes your message ID, as send printed it, for everyone, XEP-0424:
        gone here at once; clients without it keep showing it)
  react --account JID TO ID [EMOJI…]   (your reactions, XEP-0444, to the message ID of TO's chat: the whole
        set, replacing what you sent before; no EMOJI takes yours back)
  send --account JID --file PATH [--plain] TO   (uploads the file to your server and sends it; prints its URL;
        encrypted, XEP-0454, when TO has OMEMO devices; pictures lose their metadata)
  fetch --account JID URL -o PATH   (downloads a shared file through the account's connection; decrypts aesgcm://)
  listen --account JID [--count N] [--timeout DURATION] [--json]
  omemo --account JID fingerprints [JID]   (DEVICE_ID FINGERPRINT TRUST per device; no JID: the account's own)
  omemo --account JID trust|distrust JID FINGERPRINT
  history --account JID [--with JID] [--search QUERY] [--limit N] [--json]
  history --account JID --with JID --delete   (the chat's messages go from this profile and its file)
  roster --account JID [list | add JID [--name NAME] | remove JID | approve JID | deny JID]
  roster --account JID [blocked | block JID | unblock JID]   (the server drops what a blocked JID sends)
  room --account JID join ROOM [--nick NICK] [--history N] [--listen DURATION]
  room --account JID send ROOM TEXT [--nick NICK]
  room --account JID send --to NICK ROOM TEXT    a private message to NICK in ROOM (XEP-0045 §7.5; never encrypted)
  room --account JID invite ROOM JID [--reason TEXT] [--via-room]
  room --account JID register ROOM [--nick NICK]   reserve NICK in ROOM (XEP-0045 §7.10); later joins without --nick take it
  room --account JID send --file PATH ROOM [--nick NICK]
  room --account JID retract ROOM ID    deletes your message ID (as room send printed it) for everyone (XEP-0424)
  room --account JID moderate ROOM ID [--reason TEXT]   removes someone's message ID (history --json) as the
                       room's moderator (XEP-0425)
  room --account JID list [SERVICE]     public rooms of SERVICE (default: every one of your server): address, occupants, name
  room --account JID start JID [JID…]   a new private room (members-only, unlisted) with them invited (XEP-0045 §7.9); prints its address
  room --account JID members ROOM       its owners, admins and members (§7.11): address, affiliation, nick
  room --account JID kick ROOM NICK [--reason TEXT]     removes NICK from the room (a moderator; §8.2)
  room --account JID role ROOM NICK none|visitor|participant|moderator [--reason TEXT]   voice, moderators (§8–9)
  room --account JID ban ROOM JID [--reason TEXT]       bans JID from the room (an admin or owner; §9.1)
  room --account JID affiliation ROOM JID none|member|admin|owner|outcast [--reason TEXT]   (§9–10)
  room --account JID destroy ROOM [--reason TEXT]       ends the room for everyone (its owner; §10.9)
  room --account JID config ROOM [VAR=VALUE…]           its settings (its owner; §10.2): var, type, value, label;
                       changes those given first (a boolean 1/0; room config ROOM lists the vars)
  room --account JID encryption ROOM    whether its messages go OMEMO-encrypted (a private room whose members
                       all have OMEMO), for whom, or why not
  bot echo --account JID [--prefix TEXT] [--count N] [--timeout DURATION]
                       (answers every chat message with the same text; one line per reply)

Your own server (bundled node, its own .b32.i2p domain):
  node init [--dir DIR] [--c2s-port N] [--s2s-port N] [--http-port N] [--socks HOST:PORT] [--hops N[/M]]
  node adduser [--dir DIR] NAME[@DOMAIN] (the first user is the admin)
  node start [--dir DIR] [--sam HOST:PORT | --own-router]
                       (a router already running with SAM on 127.0.0.1:7656, or the
                       one at --sam, carries the node; else it runs its own i2pd)
  node stop|status [--dir DIR]         (run: start, in the foreground)
  node map [--dir DIR] CLEARNET_DOMAIN NAME.b32.i2p
  node serve [--dir DIR] DOMAIN        (also serve a clearnet name mapped here)

Diagnostics:
  doctor [--socks HOST:PORT] [--sam HOST:PORT]

Passwords come from $CLOVE_PASSWORD, --password-file FILE, the OS keyring
(saved by 'account add --remember'), or a prompt on a terminal; never from
the command line.
Exit status: 0 success, 1 failure (one line on stderr), 2 usage error.
`

// usageError makes main exit 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

// env is what every command gets: global flags, streams, the logger.
type env struct {
	profile      string
	passwordFile string
	stdout       io.Writer
	stderr       io.Writer
	stdin        *os.File
	log          *slog.Logger
	getenv       func(string) string
}

func main() {
	plainlocale.Restore()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Stdin, os.Getenv)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer, stdin *os.File, getenv func(string) string) int {
	// stderr is written from the event loop and from progress reports.
	stderr = &lockedWriter{w: stderr}
	e := &env{stdout: stdout, stderr: stderr, stdin: stdin, getenv: getenv}
	fs := flag.NewFlagSet("clove", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&e.profile, "profile", "", "profile directory (default: $XDG_DATA_HOME/clove)")
	fs.StringVar(&e.passwordFile, "password-file", "", "read the account password from this file")
	verbose := fs.Bool("verbose", false, "log details to stderr")
	help := fs.Bool("help", false, "show help")
	if err := fs.Parse(args); err != nil {
		fmt.Fprintf(stderr, "clove: %v\n\n%s", err, usage)
		return 2
	}
	level := slog.LevelWarn
	if *verbose {
		level = slog.LevelDebug
	}
	e.log = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	rest := fs.Args()
	if *help || (len(rest) > 0 && rest[0] == "help") {
		fmt.Fprint(stdout, usage)
		return 0
	}
	if e.profile == "" {
		e.profile = defaultProfile(getenv)
	}
	if len(rest) == 0 {
		rest = []string{"gui"} // no command: the window
	}
	cmds := map[string]func(context.Context, *env, []string) error{
		"account":  cmdAccount,
		"register": cmdRegister,
		"send":     cmdSend,
		"react":    cmdReact,
		"listen":   cmdListen,
		"history":  cmdHistory,
		"fetch":    cmdFetch,
		"omemo":    cmdOMEMO,
		"roster":   cmdRoster,
		"room":     cmdRoom,
		"bot":      cmdBot,
		"doctor":   cmdDoctor,
		"node":     cmdNode,
		"gui":      func(ctx context.Context, e *env, _ []string) error { return cmdGUI(ctx, e) },
	}
	cmd, ok := cmds[rest[0]]
	if !ok {
		fmt.Fprintf(stderr, "clove: unknown command %q\n\n%s", rest[0], usage)
		return 2
	}
	err := cmd(ctx, e, rest[1:])
	var ue usageError
	var ie *chat.InputError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "clove %s: %s\n(run 'clove help' for usage)\n", rest[0], ue.msg)
		return 2
	case errors.As(err, &ie):
		fmt.Fprintf(stderr, "clove %s: %s\n(run 'clove help' for usage)\n", rest[0], termText(chat.OneLine(ie.Error())))
		return 2
	default:
		fmt.Fprintf(stderr, "clove %s: %s\n", rest[0], termText(chat.OneLine(err.Error())))
		return 1
	}
}

type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// flagSet reports whether the flag was given on the command line.
func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

// parseFlags parses flags that may come before, between or after positional
// arguments (`account add JID --server H:P`).
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	fs.SetOutput(io.Discard)
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, usagef("see 'clove help'")
			}
			return nil, usageError{err.Error()}
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}
