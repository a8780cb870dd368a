package gui

import (
	"context"

	"github.com/clove-xmpp/clove/ui"
	"github.com/clove-xmpp/clove/xmppclient"
)

var _ ui.RoomConfigurer = (*Backend)(nil)

// RoomConfig reads room's settings form (XEP-0045 §10.2; its owner only).
func (b *Backend) RoomConfig(ctx context.Context, room string) (ui.Form, error) {
	s, err := b.session()
	if err != nil {
		return ui.Form{}, err
	}
	f, err := s.RoomConfig(ctx, room)
	if err != nil {
		return ui.Form{}, err
	}
	out := ui.Form{Title: f.Title, Instructions: f.Instructions}
	for _, x := range f.Fields {
		fd := ui.FormField{Var: x.Var, Type: x.Type, Label: x.Label, Desc: x.Desc, Values: x.Values, Required: x.Required}
		for _, o := range x.Options {
			fd.Options = append(fd.Options, ui.FormOption{Label: o.Label, Value: o.Value})
		}
		out.Fields = append(out.Fields, fd)
	}
	return out, nil
}

// SetRoomConfig sends room's settings form back, changed.
func (b *Backend) SetRoomConfig(ctx context.Context, room string, f ui.Form) error {
	s, err := b.session()
	if err != nil {
		return err
	}
	out := xmppclient.DataForm{Title: f.Title, Instructions: f.Instructions}
	for _, x := range f.Fields {
		fd := xmppclient.DataField{Var: x.Var, Type: x.Type, Label: x.Label, Desc: x.Desc, Values: x.Values, Required: x.Required}
		for _, o := range x.Options {
			fd.Options = append(fd.Options, xmppclient.DataOption{Label: o.Label, Value: o.Value})
		}
		out.Fields = append(out.Fields, fd)
	}
	return s.SetRoomConfig(ctx, room, out)
}
