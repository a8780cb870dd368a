package chat

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"mellium.im/xmpp/jid"

	"github.com/clove-xmpp/clove/store"
	"github.com/clove-xmpp/clove/xmppclient"
)

// Profiles (issue 20, XEP-0054's text fields): a contact's vCard, fetched
// over XMPP when their details open and kept in the store, so the last
// one shows at once next time while a fresh one is asked for; and the
// account's own, edited field by field (the avatar's PHOTO kept).

// Timeouts of a profile's fetch: a contact's server answers within
// seconds; over I2P a first query may wait for tunnels and lookups.
const (
	ProfileTimeout    = 20 * time.Second
	ProfileTimeoutI2P = 2 * time.Minute
)

// ContactProfile is a profile as kept: the fields, whether the contact
// has published none, and when it was fetched (zero: never).
type ContactProfile struct {
	xmppclient.Profile
	None    bool
	Fetched time.Time
}

// CachedProfile returns account's last fetched profile of who (a bare
// JID); ok is false when none was ever fetched.
func (p *Profile) CachedProfile(ctx context.Context, account, who string) (cp ContactProfile, ok bool, err error) {
	sp, err := p.st.Profile(ctx, account, who)
	if errors.Is(err, store.ErrNotFound) {
		return ContactProfile{}, false, nil
	}
	if err != nil {
		return ContactProfile{}, false, err
	}
	cp = ContactProfile{None: sp.None, Fetched: sp.Fetched}
	if err := json.Unmarshal(sp.Data, &cp.Profile); err != nil {
		return ContactProfile{}, false, fmt.Errorf("kept profile of %s: %w", who, err)
	}
	return cp, true, nil
}

// profileTimeout is how long a profile query may take on this account.
func (s *Session) profileTimeout() time.Duration {
	if OverI2P(s.account) {
		return ProfileTimeoutI2P
	}
	return ProfileTimeout
}

// FetchProfile asks for who's vCard now (within profileTimeout), keeps
// what it says (also "none") and returns it. An error (no answer, a
// refusal) keeps nothing: the last kept profile stays.
func (s *Session) FetchProfile(ctx context.Context, who jid.JID) (ContactProfile, error) {
	ctx, cancel := context.WithTimeout(ctx, s.profileTimeout())
	defer cancel()
	owner := who.Bare()
	if owner.Equal(s.client.JID().Bare()) {
		owner = jid.JID{} // our own: a query without 'to', as servers expect
	}
	if s.tooLarge.has(who.Bare().String()) {
		return ContactProfile{}, profileTooLarge(who)
	}
	prof, err := s.client.FetchProfile(ctx, owner)
	none := errors.Is(err, xmppclient.ErrNoProfile)
	var big *xmppclient.StanzaTooLargeError
	if errors.As(err, &big) {
		// Asking again would only cost another reconnection.
		s.tooLarge.add(who.Bare().String())
		return ContactProfile{}, profileTooLarge(who)
	}
	if err != nil && !none {
		if errors.Is(err, context.DeadlineExceeded) {
			return ContactProfile{}, fmt.Errorf("profile of %s: no answer within %s", who.Bare(), s.profileTimeout())
		}
		return ContactProfile{}, err
	}
	cp := ContactProfile{Profile: prof, None: none || prof.Empty(), Fetched: time.Now()}
	s.keepProfile(ctx, who.Bare().String(), cp)
	return cp, nil
}

// profileTooLarge: who's vCard is over the stanza limit (the
// connection was dropped and made again).
func profileTooLarge(who jid.JID) error {
	return fmt.Errorf("the profile of %s is larger than Clove reads (1 MiB): not shown", who.Bare())
}

// tooLargeProfiles is a run's set of contacts whose vCard was over the
// stanza limit: not asked again in the run.
type tooLargeProfiles struct {
	mu  sync.Mutex
	set map[string]bool
}

func (t *tooLargeProfiles) has(who string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.set[who]
}

func (t *tooLargeProfiles) add(who string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.set == nil || len(t.set) > 1000 {
		t.set = map[string]bool{}
	}
	t.set[who] = true
}

// keepProfile stores cp as who's; a failure only costs the cache.
func (s *Session) keepProfile(ctx context.Context, who string, cp ContactProfile) {
	data, err := json.Marshal(cp.Profile)
	if err == nil {
		err = s.p.st.PutProfile(ctx, s.account.JID, store.Profile{JID: who, Data: data, None: cp.None, Fetched: cp.Fetched})
	}
	if err != nil {
		s.p.log.Warn("profile not kept", "jid", who, "err", err)
	}
}

// SetProfile changes the account's own vCard fields named in changes
// (xmppclient.ProfileFields keys; "" removes one), keeping the rest of
// the vCard, and keeps the result.
func (s *Session) SetProfile(ctx context.Context, changes map[string]string) (xmppclient.Profile, error) {
	ctx, cancel := context.WithTimeout(ctx, s.profileTimeout())
	defer cancel()
	prof, err := s.client.SetProfile(ctx, changes)
	if err != nil {
		return xmppclient.Profile{}, err
	}
	s.keepProfile(ctx, s.client.JID().Bare().String(), ContactProfile{Profile: prof, None: prof.Empty(), Fetched: time.Now()})
	return prof, nil
}

// ReadProfile runs the session until it is online, fetches who's profile
// (the account's own for the zero JID) and ends it, within timeout.
func (s *Session) ReadProfile(ctx context.Context, who jid.JID, timeout time.Duration) (ContactProfile, error) {
	if who.Equal(jid.JID{}) {
		who = s.client.JID().Bare()
	}
	var cp ContactProfile
	err := s.onceOnline(ctx, timeout, func(ctx context.Context) error {
		var err error
		cp, err = s.FetchProfile(ctx, who)
		return err
	})
	return cp, err
}

// WriteProfile runs the session until it is online, applies changes to
// the account's own profile (SetProfile) and ends it, within timeout.
func (s *Session) WriteProfile(ctx context.Context, changes map[string]string, timeout time.Duration) (xmppclient.Profile, error) {
	var prof xmppclient.Profile
	err := s.onceOnline(ctx, timeout, func(ctx context.Context) error {
		var err error
		prof, err = s.SetProfile(ctx, changes)
		return err
	})
	return prof, err
}
