package xmppclient

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"

	"mellium.im/xmlstream"
)

// A vCard (XEP-0054) kept as a small element tree, so that changing a few
// text fields writes back everything else as it was: the PHOTO the avatar
// code wrote, fields Clove does not edit, other clients' extensions.

// Bounds on a vCard's tree. The stanza holding it is already at most
// Config.MaxStanzaSize (1 MiB); these stop a hostile one from costing
// more than its size in nodes or stack.
const (
	maxVCardDepth = 8
	maxVCardNodes = 4096
)

// errVCardMalformed: a vCard too deep or with too many elements.
var errVCardMalformed = errors.New("malformed vCard")

// vnode is one element: its name, attributes (namespace declarations
// left out: the name's space says it), text and children.
type vnode struct {
	name xml.Name
	attr []xml.Attr
	text string
	kids []*vnode
}

// child returns n's first child named local, or nil.
func (n *vnode) child(local string) *vnode {
	for _, k := range n.kids {
		if k.name.Local == local {
			return k
		}
	}
	return nil
}

// childText is the text of n's first child named local ("" for none).
func (n *vnode) childText(local string) string {
	if k := n.child(local); k != nil {
		return k.text
	}
	return ""
}

// without removes every child named one of locals.
func (n *vnode) without(locals ...string) {
	kept := n.kids[:0]
	for _, k := range n.kids {
		drop := false
		for _, l := range locals {
			drop = drop || k.name.Local == l
		}
		if !drop {
			kept = append(kept, k)
		}
	}
	n.kids = kept
}

// add appends a child named local (in n's namespace) and returns it.
func (n *vnode) add(local, text string) *vnode {
	k := &vnode{name: xml.Name{Space: n.name.Space, Local: local}, text: text}
	n.kids = append(n.kids, k)
	return k
}

// decodeVNode reads the element started by start from d.
func decodeVNode(d xml.TokenReader, start xml.StartElement) (*vnode, error) {
	count := 0
	return decodeVNodeAt(d, start, 1, &count)
}

func decodeVNodeAt(d xml.TokenReader, start xml.StartElement, depth int, count *int) (*vnode, error) {
	*count++
	if depth > maxVCardDepth || *count > maxVCardNodes {
		return nil, fmt.Errorf("%w: more than %d levels or %d elements", errVCardMalformed, maxVCardDepth, maxVCardNodes)
	}
	n := &vnode{name: start.Name}
	for _, a := range start.Attr {
		if a.Name.Local == "xmlns" || a.Name.Space == "xmlns" {
			continue
		}
		n.attr = append(n.attr, a)
	}
	var text []byte
	for {
		t, err := d.Token()
		if err == io.EOF {
			return nil, fmt.Errorf("%w: unexpected end", errVCardMalformed)
		}
		if err != nil {
			return nil, err
		}
		switch t := t.(type) {
		case xml.StartElement:
			k, err := decodeVNodeAt(d, t, depth+1, count)
			if err != nil {
				return nil, err
			}
			n.kids = append(n.kids, k)
		case xml.CharData:
			text = append(text, t...)
		case xml.EndElement:
			n.text = string(text)
			if len(n.kids) > 0 && strings.TrimSpace(n.text) == "" {
				n.text = "" // the indentation between children
			}
			return n, nil
		}
	}
}

// tokens writes n back as XML tokens.
func (n *vnode) tokens() xml.TokenReader {
	inner := make([]xml.TokenReader, 0, len(n.kids)+1)
	if n.text != "" {
		inner = append(inner, xmlstream.Token(xml.CharData(n.text)))
	}
	for _, k := range n.kids {
		inner = append(inner, k.tokens())
	}
	return xmlstream.Wrap(xmlstream.MultiReader(inner...), xml.StartElement{Name: n.name, Attr: n.attr})
}
