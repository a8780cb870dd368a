package chat

import (
	"errors"
	"testing"

	"github.com/clove-xmpp/clove/store"
	"github.com/clove-xmpp/clove/xmppclient"
)

// The archive cursor never moves past a message that was not saved
// (issue 17: on a full disk the messages' inserts failed while the
// cursor's update fitted, and history lost them for good).
func TestCursorGuard(t *testing.T) {
	full := errors.New("store: add incoming message: " + store.ErrDiskFull.Error())
	msg := xmppclient.MessageReceived{Message: xmppclient.Message{Archived: true, ArchiveID: "a1"}}
	room := xmppclient.GroupMessage{ArchiveID: "r1"}
	synced := xmppclient.ArchiveSynced{LastID: "a9"}
	type step struct {
		ev       xmppclient.Event
		err      error // the outcome of saving ev
		wantHold bool  // checked for ArchiveSynced
	}
	for _, tc := range []struct {
		name  string
		steps []step
	}{
		{"all saved", []step{{msg, nil, false}, {msg, nil, false}, {synced, nil, false}}},
		{"one not saved", []step{{msg, nil, false}, {msg, full, false}, {msg, nil, false}, {synced, nil, true}}},
		{"a room message not saved", []step{{room, full, false}, {synced, nil, true}}},
		{"held once, then moves again", []step{{msg, full, false}, {synced, nil, true}, {msg, nil, false}, {synced, nil, false}}},
		{"a receipt's failure does not hold it", []step{{xmppclient.ReceiptReceived{ID: "x"}, full, false}, {synced, nil, false}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var g cursorGuard
			for i, st := range tc.steps {
				hold, why := g.hold(st.ev)
				if hold != st.wantHold {
					t.Fatalf("step %d (%T): hold = %v, want %v", i, st.ev, hold, st.wantHold)
				}
				if hold && !errors.Is(why, full) {
					t.Errorf("step %d: why = %v, want the save's error", i, why)
				}
				if !hold {
					g.saved(st.ev, st.err)
				}
			}
		})
	}
}
