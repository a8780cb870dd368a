package ui

import (
	"context"
	"fmt"

	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// Requesting voice (XEP-0045 §7.13): in a moderated room a newcomer is a
// visitor and cannot speak; the room's header then offers "Request
// voice", which asks the room's moderators for the participant role.

// VoiceRequester is what a Backend that can ask for voice in a room
// offers. Called off the UI goroutine; may block.
type VoiceRequester interface {
	RequestVoice(ctx context.Context, room string) error
}

// OnRoomRole tells our own role in room (visitor, participant,
// moderator). Safe from any goroutine.
func (a *Pane) OnRoomRole(room, role string) {
	a.do(func() {
		a.room(room).self.role = role
		a.updateVoice()
	})
}

// voiceTool is the header's "Request voice" button; nil when the backend
// cannot ask.
func (a *Pane) voiceTool() *widget.Button {
	vr, _ := a.backend.(VoiceRequester)
	if vr == nil {
		return nil
	}
	b := widget.NewButtonWithIcon("Request voice", theme.VolumeUpIcon(), func() {
		if a.chat == nil {
			return
		}
		room := a.chat.peer
		a.async(func() {
			err := vr.RequestVoice(a.ctx, room)
			a.do(func() {
				if err != nil {
					showError(a.win, fmt.Errorf("asking for voice in %s: %w", room, err), nil)
					return
				}
				showDialog(a.win, dialog.NewInformation("Voice requested", "The room's moderators were asked to let you speak in "+room+".", a.win))
			})
		})
	})
	b.Hide()
	return b
}

// updateVoice shows "Request voice" exactly when the open chat is a room
// we are in as a visitor.
func (a *Pane) updateVoice() {
	a.showRoomTool(a.voice, func(r *roomState) bool { return r.joined && r.self.role == "visitor" })
}
