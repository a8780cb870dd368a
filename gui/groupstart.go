package gui

import "context"

// StartGroupChat turns a chat into a new private room with the addresses
// in with invited (XEP-0045 §7.9) and returns its address.
func (b *Backend) StartGroupChat(ctx context.Context, with []string) (string, error) {
	s, err := b.session()
	if err != nil {
		return "", err
	}
	return s.StartGroupChat(ctx, with)
}
