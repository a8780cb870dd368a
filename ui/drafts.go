package ui

import (
	"context"
	"strings"
	"sync"
)

// Each chat keeps its own draft: what was typed and not sent stays with
// that chat when another is opened (one composer serves them all), and
// comes back when it is opened again. A Backend that is a DraftKeeper
// keeps the drafts across restarts.

// DraftKeeper is a Backend that keeps each chat's unsent draft across
// restarts. Its methods are called off the UI goroutine.
type DraftKeeper interface {
	Drafts(ctx context.Context) (map[string]string, error)
	SetDraft(ctx context.Context, peer, text string) error
}

// draftSaver writes drafts in the order they were made: a save that a
// newer one of the same chat overtook is skipped.
type draftSaver struct {
	mu     sync.Mutex
	latest map[string]uint64
	next   uint64
}

// stamp numbers a new draft of peer (on the UI goroutine).
func (d *draftSaver) stamp(peer string) uint64 {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.next++
	d.latest[peer] = d.next
	return d.next
}

// save writes draft n of peer unless a newer one was made since.
func (d *draftSaver) save(peer string, n uint64, write func() error) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.latest[peer] != n {
		return nil
	}
	return write()
}

// keepDraft makes what the composer holds the open chat's draft (before
// another chat is shown, or the pane closes).
func (a *Pane) keepDraft() {
	if a.chat == nil {
		return
	}
	a.setDraft(a.chat.peer, a.composer.Text)
}

// setDraft records peer's draft and, with a DraftKeeper, saves it off the
// UI goroutine.
func (a *Pane) setDraft(peer, text string) {
	save := a.recordDraft(a.ctx, peer, text)
	if save == nil {
		return
	}
	a.async(func() {
		if err := save(); err != nil && a.ctx.Err() == nil {
			a.do(func() { a.showNotice("could not keep the draft: " + err.Error()) })
		}
	})
}

// recordDraft makes text (blank: none) peer's draft; it returns what
// saves it with ctx, or nil when there is nothing to save (no change, or
// no DraftKeeper).
func (a *Pane) recordDraft(ctx context.Context, peer, text string) (save func() error) {
	if strings.TrimSpace(text) == "" {
		text = ""
	}
	if a.drafts[peer] == text {
		return nil
	}
	if text == "" {
		delete(a.drafts, peer)
	} else {
		a.drafts[peer] = text
	}
	dk, ok := a.backend.(DraftKeeper)
	if !ok {
		return nil
	}
	n := a.draftSaver.stamp(peer)
	return func() error {
		return a.draftSaver.save(peer, n, func() error { return dk.SetDraft(ctx, peer, text) })
	}
}

// showDraft puts the open chat's draft in the composer, the cursor at its
// end.
func (a *Pane) showDraft() {
	text := ""
	if a.chat != nil {
		text = a.drafts[a.chat.peer]
	}
	a.composer.SetText(text)
	lines := strings.Split(text, "\n")
	a.composer.CursorRow = len(lines) - 1
	a.composer.CursorColumn = len([]rune(lines[len(lines)-1]))
	a.composer.Refresh()
}

// loadDrafts reads the kept drafts (once, with the first roster); a draft
// typed meanwhile wins.
func (a *Pane) loadDrafts() {
	dk, ok := a.backend.(DraftKeeper)
	if !ok || a.draftsLoaded {
		return
	}
	a.draftsLoaded = true
	a.async(func() {
		ds, err := dk.Drafts(a.ctx)
		a.do(func() {
			if err != nil {
				a.showNotice("could not read the drafts: " + err.Error())
				return
			}
			for peer, text := range ds {
				if _, typed := a.drafts[peer]; !typed {
					a.drafts[peer] = text
				}
			}
			a.roster.Refresh() // the rows' "Draft:" lines
			if a.chat != nil && a.composer.Text == "" {
				a.showDraft()
			}
		})
	})
}

// saveDraftNow keeps the open chat's draft before the pane goes away: the
// UI goroutine is over, so it is written here and now, and the pane's
// context (about to end) does not cut the write short.
func (a *Pane) saveDraftNow() {
	if a.chat == nil {
		return
	}
	if save := a.recordDraft(context.WithoutCancel(a.ctx), a.chat.peer, a.composer.Text); save != nil {
		_ = save()
	}
}
