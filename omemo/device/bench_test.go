package device

import (
	"context"
	"fmt"
	"testing"

	"github.com/clove-xmpp/clove/omemo"
)

// benchPeers sets up alice with a session to bob's two devices, both
// acknowledged (bob answered), so that what is measured is the steady
// state: normal messages.
func benchPeers(b *testing.B) (a1, b1, b2 *device) {
	a1, b1, b2 = newDevice(b, alice), newDevice(b, bob), newDevice(b, bob)
	learn(b, a1, b1)
	learn(b, a1, b2)
	first := encrypt(b, a1, "hello", b1, b2)
	for _, d := range []*device{b1, b2} {
		decrypt(b, d, a1, first)
		decrypt(b, a1, d, encrypt(b, d, "hi", a1))
	}
	return a1, b1, b2
}

const benchText = "a chat message of ordinary length, about a hundred bytes long, in plain ASCII, like most are."

// BenchmarkEncrypt: one message to two devices of the contact, each
// session step committed to SQLite (synchronous=FULL) before it returns.
func BenchmarkEncrypt(b *testing.B) {
	ctx := context.Background()
	a1, b1, b2 := benchPeers(b)
	to := []omemo.Address{b1.addr(), b2.addr()}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := a1.acc.Encrypt(ctx, []byte(benchText), to); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecrypt: one message decrypted by one of the devices, its
// session step committed.
func BenchmarkDecrypt(b *testing.B) {
	ctx := context.Background()
	a1, b1, b2 := benchPeers(b)
	to := []omemo.Address{b1.addr(), b2.addr()}
	msgs := make([]*omemo.Encrypted, b.N)
	for i := range msgs {
		e, err := a1.acc.Encrypt(ctx, []byte(benchText), to)
		if err != nil {
			b.Fatal(err)
		}
		msgs[i] = e
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := b1.acc.Decrypt(ctx, alice, msgs[i]); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEncryptMany: a chunk of 100 messages to two devices in one
// transaction (what SendMany and a flush after login do), per message.
func BenchmarkEncryptMany(b *testing.B) {
	ctx := context.Background()
	a1, b1, b2 := benchPeers(b)
	to := []omemo.Address{b1.addr(), b2.addr()}
	const chunk = 100
	pts := make([][]byte, chunk)
	for i := range pts {
		pts[i] = []byte(benchText)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i += chunk {
		if _, err := a1.acc.EncryptMany(ctx, pts, to); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEncryptRoom: one message to a private room (OMEMO in rooms,
// xmppclient/muc_omemo.go): encrypted for every member's device in one
// element, so its cost grows with the devices. Steady state (sessions
// acknowledged); the devices are members' (two each) plus none of ours.
func BenchmarkEncryptRoom(b *testing.B) {
	ctx := context.Background()
	for _, members := range []int{1, 5, 25, 100} {
		b.Run(fmt.Sprintf("members=%d", members), func(b *testing.B) {
			a1 := newDevice(b, alice)
			var devs []*device
			for m := range members {
				for range 2 {
					devs = append(devs, newDevice(b, fmt.Sprintf("m%d@example.org", m)))
				}
			}
			to := make([]omemo.Address, len(devs))
			for i, d := range devs {
				learn(b, a1, d)
				to[i] = d.addr()
			}
			first := encrypt(b, a1, "hello", devs...)
			for _, d := range devs {
				decrypt(b, d, a1, first)
				decrypt(b, a1, d, encrypt(b, d, "hi", a1))
			}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if _, err := a1.acc.Encrypt(ctx, []byte(benchText), to); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/float64(len(devs)), "µs/device")
		})
	}
}
