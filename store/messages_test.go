package store

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

const (
	me  = "me@example.org"
	you = "you@example.org"
)

func TestMessageRoundTrip(t *testing.T) {
	ctx := t.Context()
	s := newStoreWith(t, me)
	want := Message{
		Account: me, Peer: you, Outgoing: false, From: you + "/phone", To: me + "/clove",
		Body: "héllo\x00with nul and 🎉", OriginID: "o1", StanzaID: "s1", ArchiveID: "a1",
		Time: time.Unix(1700000000, 123456789), State: Received,
	}
	m := want
	if ins, err := s.AddIncoming(ctx, &m); err != nil || !ins {
		t.Fatalf("AddIncoming = %v, %v", ins, err)
	}
	want.ID = m.ID
	got, err := s.History(ctx, me, you, 0, 10)
	if err != nil || len(got) != 1 {
		t.Fatalf("History = %v, %v", got, err)
	}
	if !got[0].Time.Equal(want.Time) {
		t.Errorf("Time = %v, want %v", got[0].Time, want.Time)
	}
	got[0].Time = want.Time
	if !reflect.DeepEqual(got[0], want) {
		t.Errorf("History[0] = %+v\nwant         %+v", got[0], want)
	}
}

func TestAddDefaultsAndValidation(t *testing.T) {
	ctx := t.Context()
	s := newStoreWith(t, me)
	before := time.Now()

	o := &Message{Account: me, From: me + "/clove", To: you + "/laptop", Body: "hi"}
	if err := s.AddOutgoing(ctx, o); err != nil {
		t.Fatal(err)
	}
	if o.ID == 0 || o.State != Queued || !o.Outgoing || o.Peer != you || o.OriginID == "" || o.Time.Before(before) {
		t.Errorf("AddOutgoing did not fill in the message: %+v", o)
	}
	o2 := out(me, you, "hi again")
	if err := s.AddOutgoing(ctx, o2); err != nil {
		t.Fatal(err)
	}
	if o2.OriginID == o.OriginID || o2.ID <= o.ID {
		t.Errorf("second message: origin %q id %d; first: %q %d", o2.OriginID, o2.ID, o.OriginID, o.ID)
	}

	i := &Message{Account: me, From: you + "/phone", To: me, Body: "yo"}
	if _, err := s.AddIncoming(ctx, i); err != nil {
		t.Fatal(err)
	}
	if i.ID == 0 || i.State != Received || i.Peer != you || i.Time.IsZero() {
		t.Errorf("AddIncoming did not fill in the message: %+v", i)
	}
	carbon := &Message{Account: me, Outgoing: true, From: me + "/other", To: you, Body: "sent elsewhere"}
	if _, err := s.AddIncoming(ctx, carbon); err != nil {
		t.Fatal(err)
	}
	if carbon.State != Sent || carbon.Peer != you {
		t.Errorf("sent carbon stored as %+v", carbon)
	}
	if p, _ := s.Pending(ctx, me); len(p) != 2 {
		t.Errorf("Pending has %d messages, want the 2 outgoing ones", len(p))
	}

	for _, tc := range []struct {
		name string
		err  error
		want error
	}{
		{"outgoing nil", s.AddOutgoing(ctx, nil), ErrInvalid},
		{"incoming nil", func() error { _, err := s.AddIncoming(ctx, nil); return err }(), ErrInvalid},
		{"no account", s.AddOutgoing(ctx, &Message{To: you}), ErrInvalid},
		{"no peer", s.AddOutgoing(ctx, &Message{Account: me}), ErrInvalid},
		{"bad state", func() error {
			_, err := s.AddIncoming(ctx, &Message{Account: me, From: you, State: "bogus"})
			return err
		}(), ErrInvalid},
		{"unknown account out", s.AddOutgoing(ctx, out("nobody@example.org", you, "x")), ErrNotFound},
		{"unknown account in", func() error { _, err := s.AddIncoming(ctx, in("nobody@example.org", you, "x")); return err }(), ErrNotFound},
		{"same origin id", s.AddOutgoing(ctx, &Message{Account: me, From: o.From, To: you, OriginID: o.OriginID}), ErrExists},
	} {
		if !errors.Is(tc.err, tc.want) {
			t.Errorf("%s: err = %v, want %v", tc.name, tc.err, tc.want)
		}
	}
	if n := count(t, s, "messages", "1"); n != 4 {
		t.Errorf("%d messages stored, want 4 (failed adds must write nothing)", n)
	}
}

func TestAddIncomingDedupe(t *testing.T) {
	const other = "other@example.org"
	type add struct {
		account, from             string
		origin, stanzaID, archive string
		want                      bool // inserted
	}
	for _, tc := range []struct {
		name string
		adds []add
		// ids the first stored message ends up with
		wantStanzaID, wantArchive string
	}{
		{name: "same origin id and from", adds: []add{
			{me, you, "o1", "", "", true},
			{me, you, "o1", "", "", false},
		}},
		{name: "same origin id, other sender", adds: []add{
			{me, you, "o1", "", "", true},
			{me, "eve@example.org", "o1", "", "", true},
		}},
		{name: "same origin id, other resource is another sender", adds: []add{
			{me, you + "/a", "o1", "", "", true},
			{me, you + "/b", "o1", "", "", true},
		}},
		{name: "same origin id, other account", adds: []add{
			{me, you, "o1", "", "", true},
			{other, you, "o1", "", "", true},
		}},
		{name: "same archive id", adds: []add{
			{me, you, "", "", "a1", true},
			{me, you, "", "", "a1", false},
			{me, you, "o9", "", "a1", false},
		}},
		{name: "same archive id, other account", adds: []add{
			{me, you, "", "", "a1", true},
			{other, you, "", "", "a1", true},
		}},
		{name: "no ids never collide", adds: []add{
			{me, you, "", "", "", true},
			{me, you, "", "", "", true},
			{me, you, "", "s1", "", true},
			{me, you, "", "s1", "", true}, // stanza id alone does not dedupe
		}},
		{name: "live, then carbon, then MAM replays", adds: []add{
			{me, you, "o1", "", "", true},      // live, no archive id yet
			{me, you, "o1", "", "", false},     // carbon
			{me, you, "o1", "s1", "a1", false}, // MAM page: fills in ids
			{me, you, "", "", "a1", false},     // MAM replay without origin id
			{me, you, "o2", "", "a2", true},
		}, wantStanzaID: "s1", wantArchive: "a1"},
		{name: "archive id already used keeps the first", adds: []add{
			{me, you, "o1", "", "", true},
			{me, you, "o2", "", "a1", true},
			{me, you, "o1", "", "a1", false}, // matches both: no error
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := t.Context()
			s := newStoreWith(t, me, other)
			var firstID int64
			for i, a := range tc.adds {
				m := &Message{Account: a.account, From: a.from, To: a.account, Body: fmt.Sprint("msg ", i),
					OriginID: a.origin, StanzaID: a.stanzaID, ArchiveID: a.archive}
				got, err := s.AddIncoming(ctx, m)
				if err != nil {
					t.Fatalf("add %d: %v", i, err)
				}
				if got != a.want {
					t.Errorf("add %d (%+v): inserted = %v, want %v", i, a, got, a.want)
				}
				if i == 0 {
					firstID = m.ID
				} else if !got && m.ID != firstID && tc.name != "archive id already used keeps the first" {
					t.Errorf("add %d: duplicate reports ID %d, want the stored %d", i, m.ID, firstID)
				}
			}
			want := 0
			for _, a := range tc.adds {
				if a.want {
					want++
				}
			}
			if n := count(t, s, "messages", "1"); n != want {
				t.Errorf("%d messages stored, want %d", n, want)
			}
			if tc.wantArchive != "" {
				h, err := s.History(ctx, me, you, 0, 100)
				if err != nil || len(h) == 0 {
					t.Fatalf("History = %v, %v", h, err)
				}
				m := h[0]
				if m.StanzaID != tc.wantStanzaID || m.ArchiveID != tc.wantArchive {
					t.Errorf("stored copy has stanza id %q archive id %q, want %q %q", m.StanzaID, m.ArchiveID, tc.wantStanzaID, tc.wantArchive)
				}
			}
			checkIntegrity(t, s)
		})
	}
}

func TestOutboxOrder(t *testing.T) {
	ctx := t.Context()
	s := newStoreWith(t, me, "other@example.org")
	var want []int64
	for i := range 20 {
		peer := fmt.Sprintf("peer%d@example.org", i%3)
		m := out(me, peer, fmt.Sprint("m", i))
		if err := s.AddOutgoing(ctx, m); err != nil {
			t.Fatal(err)
		}
		want = append(want, m.ID)
		// interleave another account and incoming traffic
		if err := s.AddOutgoing(ctx, out("other@example.org", peer, "x")); err != nil {
			t.Fatal(err)
		}
		if _, err := s.AddIncoming(ctx, in(me, peer, "y")); err != nil {
			t.Fatal(err)
		}
	}
	ids := func() []int64 {
		p, err := s.Pending(ctx, me)
		if err != nil {
			t.Fatal(err)
		}
		var ids []int64
		for _, m := range p {
			if m.State != Queued || !m.Outgoing || m.Account != me {
				t.Errorf("pending message %+v", m)
			}
			ids = append(ids, m.ID)
		}
		return ids
	}
	if got := ids(); !slices.Equal(got, want) {
		t.Errorf("Pending ids = %v, want %v", got, want)
	}
	// Acknowledging from the middle keeps the order of the rest.
	p, _ := s.Pending(ctx, me)
	for _, i := range []int{5, 0, 19} {
		if err := s.MarkSent(ctx, me, p[i].OriginID); err != nil {
			t.Fatal(err)
		}
	}
	want = slices.DeleteFunc(want, func(id int64) bool { return id == p[5].ID || id == p[0].ID || id == p[19].ID })
	if got := ids(); !slices.Equal(got, want) {
		t.Errorf("after acks Pending ids = %v, want %v", got, want)
	}
}

func TestStateTransitions(t *testing.T) {
	type mark string
	const (
		sent      mark = "sent"
		delivered mark = "delivered"
		failed    mark = "failed"
	)
	for _, tc := range []struct {
		marks       []mark
		want        State
		wantPending bool
	}{
		{nil, Queued, true},
		{[]mark{sent}, Sent, false},
		{[]mark{sent, sent}, Sent, false},
		{[]mark{delivered}, Delivered, false},
		{[]mark{sent, delivered}, Delivered, false},
		{[]mark{sent, delivered, delivered}, Delivered, false},
		{[]mark{delivered, sent}, Delivered, false},
		{[]mark{failed}, Failed, false},
		{[]mark{sent, failed}, Failed, false},
		{[]mark{delivered, failed}, Delivered, false},
		{[]mark{failed, sent}, Failed, false},
		{[]mark{failed, delivered}, Delivered, false},
	} {
		t.Run(fmt.Sprint(tc.marks), func(t *testing.T) {
			ctx := t.Context()
			s := newStoreWith(t, me)
			m := out(me, you, "hello")
			if err := s.AddOutgoing(ctx, m); err != nil {
				t.Fatal(err)
			}
			for _, mk := range tc.marks {
				var err error
				switch mk {
				case sent:
					err = s.MarkSent(ctx, me, m.OriginID)
				case delivered:
					err = s.MarkDelivered(ctx, me, m.OriginID)
				case failed:
					err = s.MarkFailed(ctx, me, m.OriginID, "Server-to-server connection failed: NXDomain")
				}
				if err != nil {
					t.Fatalf("mark %s: %v", mk, err)
				}
			}
			h, err := s.History(ctx, me, you, 0, 1)
			if err != nil || len(h) != 1 {
				t.Fatalf("History = %v, %v", h, err)
			}
			if h[0].State != tc.want {
				t.Errorf("state = %s, want %s", h[0].State, tc.want)
			}
			// Why it failed is kept with it (not when it was delivered
			// before the error came).
			if failedFirst := slices.Index(tc.marks, failed) >= 0 && !slices.Contains(tc.marks[:slices.Index(tc.marks, failed)], delivered); failedFirst != (h[0].Error != "") {
				t.Errorf("error = %q after %v", h[0].Error, tc.marks)
			} else if h[0].Error != "" && h[0].Error != "Server-to-server connection failed: NXDomain" {
				t.Errorf("error = %q", h[0].Error)
			}
			p, _ := s.Pending(ctx, me)
			if (len(p) == 1) != tc.wantPending {
				t.Errorf("pending = %d messages, want pending %v", len(p), tc.wantPending)
			}
		})
	}
}

func TestMarkErrors(t *testing.T) {
	ctx := t.Context()
	s := newStoreWith(t, me, "other@example.org")
	o := out(me, you, "x")
	if err := s.AddOutgoing(ctx, o); err != nil {
		t.Fatal(err)
	}
	i := in(me, you, "y")
	i.OriginID = "incoming-origin"
	if _, err := s.AddIncoming(ctx, i); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name            string
		account, origin string
		want            error
	}{
		{"unknown origin id", me, "nope", ErrNotFound},
		{"other account", "other@example.org", o.OriginID, ErrNotFound},
		{"incoming message", me, "incoming-origin", ErrNotFound},
		{"empty origin id", me, "", ErrInvalid},
	} {
		for name, f := range map[string]func() error{
			"MarkSent":      func() error { return s.MarkSent(ctx, tc.account, tc.origin) },
			"MarkDelivered": func() error { return s.MarkDelivered(ctx, tc.account, tc.origin) },
			"MarkFailed":    func() error { return s.MarkFailed(ctx, tc.account, tc.origin, "why") },
		} {
			if err := f(); !errors.Is(err, tc.want) {
				t.Errorf("%s: %s = %v, want %v", tc.name, name, err, tc.want)
			}
		}
	}
	if p, _ := s.Pending(ctx, me); len(p) != 1 {
		t.Errorf("failed marks changed the outbox: %d pending", len(p))
	}
}

// An echo of our own queued message (carbon or MAM) proves the server has it.
func TestEchoOfQueuedMessageMarksSent(t *testing.T) {
	ctx := t.Context()
	s := newStoreWith(t, me)
	o := out(me, you, "did it arrive?")
	if err := s.AddOutgoing(ctx, o); err != nil {
		t.Fatal(err)
	}
	echo := *o
	echo.ID, echo.State, echo.ArchiveID = 0, "", "arch-1"
	ins, err := s.AddIncoming(ctx, &echo)
	if err != nil || ins {
		t.Fatalf("AddIncoming(echo) = %v, %v; want not inserted", ins, err)
	}
	if echo.ID != o.ID {
		t.Errorf("echo ID = %d, want %d", echo.ID, o.ID)
	}
	h, _ := s.History(ctx, me, you, 0, 10)
	if len(h) != 1 || h[0].State != Sent || h[0].ArchiveID != "arch-1" {
		t.Errorf("History = %+v", h)
	}
	if p, _ := s.Pending(ctx, me); len(p) != 0 {
		t.Errorf("echoed message still pending")
	}
}

func TestHistoryPaging(t *testing.T) {
	ctx := t.Context()
	s := newStoreWith(t, me, "other@example.org")
	peers := []string{"a@example.org", "b@example.org", "c@example.org"}
	all := map[string][]int64{}
	var everything []int64
	for i := range 95 {
		p := peers[i%len(peers)]
		var m *Message
		if i%2 == 0 {
			m = out(me, p, fmt.Sprint("out ", i))
			if err := s.AddOutgoing(ctx, m); err != nil {
				t.Fatal(err)
			}
		} else {
			m = in(me, p, fmt.Sprint("in ", i))
			if _, err := s.AddIncoming(ctx, m); err != nil {
				t.Fatal(err)
			}
		}
		all[p] = append(all[p], m.ID)
		everything = append(everything, m.ID)
		if _, err := s.AddIncoming(ctx, in("other@example.org", p, "noise")); err != nil {
			t.Fatal(err)
		}
	}
	all[""] = everything

	page := func(with string, before int64, limit int) []int64 {
		h, err := s.History(ctx, me, with, before, limit)
		if err != nil {
			t.Fatal(err)
		}
		var ids []int64
		for _, m := range h {
			if m.Account != me || (with != "" && m.Peer != with) {
				t.Errorf("History(%q) returned %+v", with, m)
			}
			ids = append(ids, m.ID)
		}
		return ids
	}
	for _, with := range []string{"a@example.org", "b@example.org", ""} {
		for _, limit := range []int{1, 7, 10, 32, 1000} {
			t.Run(fmt.Sprintf("%s/limit=%d", with, limit), func(t *testing.T) {
				want := all[with]
				var got []int64
				before := int64(0)
				for pages := 0; ; pages++ {
					ids := page(with, before, limit)
					if len(ids) > limit {
						t.Fatalf("page of %d > limit %d", len(ids), limit)
					}
					if !slices.IsSorted(ids) {
						t.Fatalf("page not oldest-first: %v", ids)
					}
					if len(ids) == 0 {
						break
					}
					got = append(ids, got...)
					before = ids[0]
					if pages > len(want) {
						t.Fatal("paging does not end")
					}
				}
				if !slices.Equal(got, want) {
					t.Errorf("paged ids = %v\nwant %v", got, want)
				}
			})
		}
	}
	if ids := page("a@example.org", 0, 0); len(ids) != min(DefaultLimit, len(all["a@example.org"])) {
		t.Errorf("limit 0 gave %d messages", len(ids))
	}
	if ids := page("nobody@example.org", 0, 10); len(ids) != 0 {
		t.Errorf("unknown peer gave %v", ids)
	}
	if ids := page("a@example.org", all["a@example.org"][0], 10); len(ids) != 0 {
		t.Errorf("before the oldest gave %v", ids)
	}
}

func TestBatches(t *testing.T) {
	ctx := t.Context()
	s := newStoreWith(t, me)
	batch := func(n int, prefix string) []*Message {
		var ms []*Message
		for i := range n {
			ms = append(ms, out(me, you, fmt.Sprint(prefix, i)))
		}
		return ms
	}

	ms := batch(5, "ok ")
	if err := s.AddOutgoingBatch(ctx, ms); err != nil {
		t.Fatal(err)
	}
	for i, m := range ms {
		if m.ID == 0 || m.State != Queued || m.OriginID == "" || (i > 0 && m.ID <= ms[i-1].ID) {
			t.Errorf("message %d after batch: %+v", i, m)
		}
	}
	if err := s.AddOutgoingBatch(ctx, nil); err != nil {
		t.Errorf("empty batch: %v", err)
	}

	// All or nothing.
	dup := batch(3, "dup ")
	dup[2].OriginID = ms[0].OriginID
	dup[2].From = ms[0].From
	unknown := batch(3, "unknown ")
	unknown[1].Account = "nobody@example.org"
	withNil := batch(3, "nil ")
	withNil[1] = nil
	for _, tc := range []struct {
		name string
		ms   []*Message
		want error
	}{
		{"duplicate origin id", dup, ErrExists},
		{"unknown account", unknown, ErrNotFound},
		{"nil message", withNil, ErrInvalid},
	} {
		if err := s.AddOutgoingBatch(ctx, tc.ms); !errors.Is(err, tc.want) {
			t.Errorf("%s: err = %v, want %v", tc.name, err, tc.want)
		}
		if tc.ms[0].ID != 0 {
			t.Errorf("%s: failed batch set IDs", tc.name)
		}
	}
	p, _ := s.Pending(ctx, me)
	if got := bodies(p); !slices.Equal(got, []string{"ok 0", "ok 1", "ok 2", "ok 3", "ok 4"}) {
		t.Errorf("Pending = %q: a failed batch left rows", got)
	}

	// A MAM page: new messages, a replay of a stored one, a duplicate inside
	// the page, and an echo of our queued message.
	stored := in(me, you, "stored")
	stored.ArchiveID = "a0"
	if _, err := s.AddIncoming(ctx, stored); err != nil {
		t.Fatal(err)
	}
	echo := *ms[0]
	echo.ID, echo.State, echo.ArchiveID = 0, "", "a-echo"
	page := []*Message{
		{Account: me, From: you, Body: "new 1", ArchiveID: "a1"},
		{Account: me, From: you, Body: "stored again", ArchiveID: "a0"},
		{Account: me, From: you, Body: "new 2", ArchiveID: "a2"},
		{Account: me, From: you, Body: "new 2 again", ArchiveID: "a2"},
		&echo,
	}
	ins, err := s.AddIncomingBatch(ctx, page)
	if err != nil {
		t.Fatal(err)
	}
	if want := []bool{true, false, true, false, false}; !slices.Equal(ins, want) {
		t.Errorf("inserted = %v, want %v", ins, want)
	}
	if page[1].ID != stored.ID || page[3].ID != page[2].ID || echo.ID != ms[0].ID {
		t.Errorf("duplicates report ids %d %d %d, want %d %d %d", page[1].ID, page[3].ID, echo.ID, stored.ID, page[2].ID, ms[0].ID)
	}
	if p, _ := s.Pending(ctx, me); len(p) != 4 {
		t.Errorf("echoed message still pending: %d pending", len(p))
	}
	bad := []*Message{{Account: me, From: you, Body: "fine", ArchiveID: "a9"}, {Account: "nobody@example.org", From: you}}
	if _, err := s.AddIncomingBatch(ctx, bad); !errors.Is(err, ErrNotFound) {
		t.Errorf("batch with unknown account: %v", err)
	}
	if n := count(t, s, "messages", "archive_id = 'a9'"); n != 0 {
		t.Errorf("failed incoming batch left rows")
	}
	checkIntegrity(t, s)
}

// queryPlan returns EXPLAIN QUERY PLAN's details for q.
func queryPlan(t *testing.T, s *Store, q string, args ...any) []string {
	t.Helper()
	rows, err := s.r.QueryContext(t.Context(), "EXPLAIN QUERY PLAN "+q, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	return plan
}

// The hot queries must use their index and never sort: their cost must not
// grow with the size of the history.
func TestQueryPlans(t *testing.T) {
	s := newStoreWith(t, me)
	for _, tc := range []struct {
		name, query string
		args        []any
		want        string
	}{
		{"history of one chat", `SELECT ` + msgColumns + ` FROM messages
			WHERE account = ? AND peer = ? AND id < ? AND replaces IS NULL ORDER BY id DESC LIMIT ?`,
			[]any{me, you, 100, 50}, "SEARCH messages USING INDEX messages_peer (account=? AND peer=? AND id<?)"},
		{"history of all chats", `SELECT ` + msgColumns + ` FROM messages
			WHERE account = ? AND id < ? AND replaces IS NULL ORDER BY id DESC LIMIT ?`,
			[]any{me, 100, 50}, "SEARCH messages USING INDEX messages_account (account=? AND id<?)"},
		{"mark by origin id", `UPDATE messages SET state = ?
			WHERE account = ? AND origin_id = ? AND outgoing = 1 AND state IN (?)`,
			[]any{"sent", me, "o", "queued"}, "SEARCH messages USING INDEX messages_origin (account=? AND origin_id=?)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			plan := queryPlan(t, s, tc.query, tc.args...)
			if !slices.Contains(plan, tc.want) {
				t.Errorf("plan %q lacks %q", plan, tc.want)
			}
			for _, d := range plan {
				if strings.Contains(d, "TEMP B-TREE") {
					t.Errorf("plan sorts: %q", plan)
				}
			}
		})
	}
}

func TestExtremeTimes(t *testing.T) {
	ctx := t.Context()
	s := newStoreWith(t, me)
	for _, tc := range []struct {
		in, want time.Time
	}{
		{time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC), time.Unix(0, math.MaxInt64)},
		{time.Date(1, 1, 2, 0, 0, 0, 0, time.UTC), time.Unix(0, math.MinInt64)},
		{time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC), time.Unix(0, 0)},
	} {
		m := in(me, you, "when?")
		m.Time = tc.in
		if _, err := s.AddIncoming(ctx, m); err != nil {
			t.Fatalf("AddIncoming(time %v): %v", tc.in, err)
		}
		h, err := s.History(ctx, me, you, 0, 1)
		if err != nil || len(h) != 1 {
			t.Fatal(h, err)
		}
		if !h[0].Time.Equal(tc.want) {
			t.Errorf("time %v stored as %v, want %v", tc.in, h[0].Time, tc.want)
		}
	}
}

func TestMarkSentBatch(t *testing.T) {
	ctx := t.Context()
	s := newStoreWith(t, me)
	var ids []string
	for i := 0; i < 5; i++ {
		o := out(me, you, fmt.Sprintf("m%d", i))
		if err := s.AddOutgoing(ctx, o); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, o.OriginID)
	}
	if err := s.MarkSentBatch(ctx, me, ids[:3]); err != nil {
		t.Fatal(err)
	}
	p, err := s.Pending(ctx, me)
	if err != nil || len(p) != 2 || p[0].OriginID != ids[3] || p[1].OriginID != ids[4] {
		t.Fatalf("pending after batch: %v %v", bodies(p), err)
	}
	// All or nothing: one unknown id leaves the rest queued.
	if err := s.MarkSentBatch(ctx, me, []string{ids[3], "nope"}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("batch with unknown id: %v", err)
	}
	if p, _ := s.Pending(ctx, me); len(p) != 2 {
		t.Fatalf("a failed batch changed the outbox: %v", bodies(p))
	}
	if err := s.MarkSentBatch(ctx, me, []string{""}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("empty id: %v", err)
	}
	h, _ := s.History(ctx, me, you, 0, 10)
	sent := 0
	for _, m := range h {
		if m.State == Sent {
			sent++
		}
	}
	if sent != 3 {
		t.Fatalf("%d messages marked sent, want 3", sent)
	}
}
