package xmppclient

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestScannerCountsTopLevel(t *testing.T) {
	cases := []struct {
		name   string
		stream string
		want   []string // local names seen at the top level, in order
		ids    []string // id attribute of each
	}{
		{"simple",
			`<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'><message id='a'><body>hi</body></message><iq id="b" type='get'/>`,
			[]string{"message", "iq"}, []string{"a", "b"}},
		{"gt in attribute and nested message",
			`<stream:stream><message id='x>y' to="a@b"><forwarded><message id='inner'/></forwarded></message><presence/>`,
			[]string{"message", "presence"}, []string{"x>y", ""}},
		{"restart resets depth",
			`<stream:stream><stream:features><starttls/></stream:features><?xml version='1.0'?><stream:stream><r xmlns='urn:xmpp:sm:3'/><message id='m'/>`,
			[]string{"features", "r", "message"}, []string{"", "", "m"}},
		{"cdata and comment",
			`<stream:stream><message id='c'><body><![CDATA[<message id='no'/> ]] >]]></body><!-- <iq/> --></message><a h='3'/>`,
			[]string{"message", "a"}, []string{"c", ""}},
		{"prefixed", `<stream:stream><x:message xmlns:x='jabber:client' id='p'></x:message>`, []string{"message"}, []string{"p"}},
		{"attr name suffix not matched", `<stream:stream><message xid='no' id='yes'/>`, []string{"message"}, []string{"yes"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			// Feed byte by byte and all at once: the result must not depend on
			// how reads split the stream.
			for _, chunk := range []int{1, 3, len(tc.stream)} {
				var got, ids []string
				s := streamScanner{onTop: func(local string, tag []byte) {
					got = append(got, local)
					ids = append(ids, tagAttr(tag, "id"))
				}}
				for i := 0; i < len(tc.stream); i += chunk {
					s.feed([]byte(tc.stream[i:min(i+chunk, len(tc.stream))]))
				}
				if strings.Join(got, ",") != strings.Join(tc.want, ",") || strings.Join(ids, ",") != strings.Join(tc.ids, ",") {
					t.Fatalf("chunk %d: got %v %v, want %v %v", chunk, got, ids, tc.want, tc.ids)
				}
			}
		})
	}
}

func TestSMAckMapping(t *testing.T) {
	var sm smState
	feed := func(s string) {
		sc := streamScanner{onTop: sm.onOut}
		sc.feed([]byte(s))
	}
	sm.enabled = true
	feed(`<stream:stream><enable xmlns='urn:xmpp:sm:3' resume='true'/><presence/><message id='m1'/><iq id='q' type='get'/><message id='m2'/><message id='m3'/>`)
	ids, more := sm.ack(2)
	if strings.Join(ids, ",") != "m1" || !more {
		t.Fatalf("ack 2: %v %v", ids, more)
	}
	ids, more = sm.ack(4)
	if strings.Join(ids, ",") != "m2" || !more {
		t.Fatalf("ack 4: %v %v", ids, more)
	}
	ids, more = sm.ack(5)
	if strings.Join(ids, ",") != "m3" || more {
		t.Fatalf("ack 5: %v %v", ids, more)
	}
	// Inbound: h answered for each <r/> is the count before it.
	in := streamScanner{onTop: sm.onIn}
	in.feed([]byte(`<stream:stream><enabled xmlns='urn:xmpp:sm:3' id='s' resume='true'/><message/><presence/><r xmlns='urn:xmpp:sm:3'/><iq type='result'/><r xmlns='urn:xmpp:sm:3'/>`))
	if h := sm.answer(); h != 2 {
		t.Fatalf("first r: h=%d, want 2", h)
	}
	if h := sm.answer(); h != 3 {
		t.Fatalf("second r: h=%d, want 3", h)
	}
}

func FuzzScanner(f *testing.F) {
	f.Add(uint16(0), []byte(`<stream:stream><message id='a'><body>x</body></message>`))
	f.Add(uint16(20), []byte(`<![CDATA[<<>>]]><!-- -- --><a b='>'/></stream:stream>`))
	f.Add(uint16(30), []byte(`<stream:stream><message id='a'><body>xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx</body></message>`))
	f.Fuzz(func(t *testing.T, limit uint16, b []byte) {
		// The same stream fed whole and byte by byte, with the size limit
		// (0: none): the same stanzas, the same refusal at the same byte.
		var whole, single []string
		record := func(into *[]string) func(string, []byte) {
			return func(local string, tag []byte) {
				*into = append(*into, local+" "+tagAttr(tag, "id"))
				if len(tag) > maxTag {
					t.Fatalf("tag buffer grew past %d", maxTag)
				}
			}
		}
		s := streamScanner{onTop: record(&whole), limit: int64(limit)}
		errWhole := s.feed(b)
		if s.depth < 0 {
			t.Fatal("negative depth")
		}
		if errWhole == nil && limit > 0 && s.size > int64(limit) {
			t.Fatalf("item of %d bytes passed a limit of %d", s.size, limit)
		}
		one := streamScanner{onTop: record(&single), limit: int64(limit)}
		refusedAt := -1
		for i := range b {
			if err := one.feed(b[i : i+1]); err != nil {
				refusedAt = i
				break
			}
		}
		if (errWhole != nil) != (refusedAt >= 0) || strings.Join(whole, ",") != strings.Join(single, ",") {
			t.Fatalf("whole: %v %q; byte by byte: refused at %d, %q", errWhole, whole, refusedAt, single)
		}
		if errWhole != nil {
			if limit == 0 {
				t.Fatal("refused with no limit")
			}
			if again := s.feed([]byte("<a/>")); again != errWhole {
				t.Fatalf("after a refusal: %v", again)
			}
		}
	})
}

// TestScannerLimit: the limit bounds each top-level item (a stanza with
// all it holds, a text run, a comment), counted from its '<'.
func TestScannerLimit(t *testing.T) {
	head := `<stream:stream xmlns='jabber:client'>`
	msg := func(body int) string {
		return `<message id='m'><body>` + strings.Repeat("a", body) + `</body></message>`
	}
	size := len(msg(0)) // 39 bytes with an empty body
	cases := []struct {
		name    string
		stream  string
		limit   int64
		refused bool
	}{
		{"stanza at the limit", head + msg(10) + msg(10), int64(size + 10), false},
		{"stanza one over", head + msg(10) + msg(11), int64(size + 10), true},
		{"nested elements count", head + `<message><a><b><c>` + strings.Repeat("x", 100) + `</c></b></a></message>`, 100, true},
		{"huge attribute in the top tag", head + `<message id='` + strings.Repeat("x", 200) + `'/>`, 100, true},
		{"text between stanzas", head + msg(0) + strings.Repeat(" ", 200) + msg(0), 100, true},
		{"whitespace keep-alives", head + strings.Repeat(msg(0)+" ", 50), int64(size + 1), false},
		{"comment at the top", head + `<!--` + strings.Repeat("-x", 100) + `-->`, 100, true},
		{"stream header itself", `<stream:stream xmlns='jabber:client' id='` + strings.Repeat("x", 200) + `'>`, 100, true},
		{"many small under a small limit", head + strings.Repeat(`<presence from='a@b/c'/>`, 1000), 64, false},
		{"no limit", head + msg(1<<20), 0, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, chunk := range []int{1, 7, len(tc.stream)} {
				s := streamScanner{limit: tc.limit}
				var err error
				for i := 0; i < len(tc.stream) && err == nil; i += chunk {
					err = s.feed([]byte(tc.stream[i:min(i+chunk, len(tc.stream))]))
				}
				var tl *StanzaTooLargeError
				if tc.refused != errors.As(err, &tl) {
					t.Fatalf("chunk %d: err %v, want refused %v", chunk, err, tc.refused)
				}
			}
		})
	}
}

func TestSizeText(t *testing.T) {
	for n, want := range map[int64]string{1 << 20: "1 MiB", 256 << 10: "256 KiB", 3 << 20: "3 MiB", 1000: "1000 bytes", 1536 << 10: "1536 KiB"} {
		if got := sizeText(n); got != want {
			t.Errorf("sizeText(%d) = %q, want %q", n, got, want)
		}
	}
}

// TestSMSendWindow: the window fills at sendWindow unacked messages; an
// ack that frees room wakes the waiter, and so does a new connection.
func TestSMSendWindow(t *testing.T) {
	var sm smState
	sc := streamScanner{onTop: sm.onOut}
	sm.enabled = true
	sc.feed([]byte(`<stream:stream><enable xmlns='urn:xmpp:sm:3'/>`))
	for i := 0; i < sendWindow-1; i++ {
		sc.feed(fmt.Appendf(nil, "<message id='m%d'/>", i))
	}
	if full, _ := sm.window(); full {
		t.Fatalf("window full at %d unacked", sendWindow-1)
	}
	sc.feed([]byte("<message id='last'/>"))
	full, acked := sm.window()
	if !full {
		t.Fatalf("window not full at %d unacked", sendWindow)
	}
	if _, more := sm.ack(0); !more {
		t.Fatal("ack 0: want more unacked")
	}
	select {
	case <-acked:
		t.Fatal("an ack that acknowledged nothing woke the sender")
	default:
	}
	sm.ack(10)
	select {
	case <-acked:
	default:
		t.Fatal("an ack of 10 messages did not wake the sender")
	}
	if full, _ := sm.window(); full {
		t.Fatal("window still full after an ack")
	}
	for i := 0; i < 10; i++ {
		sc.feed(fmt.Appendf(nil, "<message id='n%d'/>", i))
	}
	_, acked = sm.window()
	sm.newConnection()
	select {
	case <-acked:
	default:
		t.Fatal("a new connection did not wake the sender")
	}
	if full, _ := sm.window(); full {
		t.Fatal("window full with stream management not (yet) enabled on the new connection")
	}
}
