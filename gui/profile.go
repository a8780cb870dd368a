package gui

import (
	"context"

	"github.com/clove-xmpp/clove/chat"
	"github.com/clove-xmpp/clove/ui"
	"github.com/clove-xmpp/clove/xmppclient"
)

var _ ui.Profiler = (*Backend)(nil)

// ProfileFields lists the vCard fields the window shows and edits.
func (b *Backend) ProfileFields() []ui.ProfileField {
	fs := xmppclient.ProfileFields()
	out := make([]ui.ProfileField, len(fs))
	for i, f := range fs {
		out[i] = ui.ProfileField{Key: f.Key, Label: f.Label}
	}
	return out
}

// CachedProfile is the last fetched profile of peer.
func (b *Backend) CachedProfile(ctx context.Context, peer string) (ui.ContactProfile, bool, error) {
	to, err := chat.ParsePeerJID(peer)
	if err != nil {
		return ui.ContactProfile{}, false, err
	}
	cp, ok, err := b.p.CachedProfile(ctx, b.account, to.Bare().String())
	return uiProfile(cp), ok, err
}

// FetchProfile asks peer's server for their profile now (and keeps it).
func (b *Backend) FetchProfile(ctx context.Context, peer string) (ui.ContactProfile, error) {
	s, err := b.session()
	if err != nil {
		return ui.ContactProfile{}, err
	}
	to, err := chat.ParsePeerJID(peer)
	if err != nil {
		return ui.ContactProfile{}, err
	}
	cp, err := s.FetchProfile(ctx, to)
	return uiProfile(cp), err
}

// SetProfile changes the account's own profile fields in changes.
func (b *Backend) SetProfile(ctx context.Context, changes map[string]string) (ui.ContactProfile, error) {
	s, err := b.session()
	if err != nil {
		return ui.ContactProfile{}, err
	}
	p, err := s.SetProfile(ctx, changes)
	return uiProfile(chat.ContactProfile{Profile: p, None: p.Empty()}), err
}

func uiProfile(cp chat.ContactProfile) ui.ContactProfile {
	v := map[string]string{}
	for _, f := range xmppclient.ProfileFields() {
		if s := *cp.Field(f.Key); s != "" {
			v[f.Key] = s
		}
	}
	return ui.ContactProfile{Values: v, None: cp.None, Fetched: cp.Fetched, Cut: cp.Cut}
}
