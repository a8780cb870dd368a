package xmppclient

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"net/url"
	"path"
	"strconv"
	"strings"
	"sync"

	"mellium.im/xmlstream"
	"mellium.im/xmpp"
	"mellium.im/xmpp/jid"
	"mellium.im/xmpp/stanza"

	"github.com/clove-xmpp/clove/files"
)

// Files (issue 19): a file is uploaded with XEP-0363 HTTP upload and sent
// as a message whose body is its URL — with XEP-0066 out-of-band data in a
// plaintext message (how Conversations, Dino and Gajim tell a shared file
// from a link), or as an aesgcm:// URL carrying the key (XEP-0454) inside
// an OMEMO message only.

const (
	nsHTTPUpload = "urn:xmpp:http:upload:0"
	nsOOB        = "jabber:x:oob"
	nsDiscoItems = "http://jabber.org/protocol/disco#items"
)

// FileRef is a file a message shares.
type FileRef struct {
	URL       string // what the body says: http(s):// or aesgcm://
	Name      string
	Size      int64 // of the file; 0: unknown
	MIME      string
	Encrypted bool // URL is aesgcm://: the upload is encrypted, the key in the URL
}

// ErrKeyInPlaintext refuses to send an encrypted file's URL (it holds the
// key) in a message that would go out unencrypted.
var ErrKeyInPlaintext = fmt.Errorf("%w: the file was uploaded encrypted, and its key is never sent unencrypted (the contact has no OMEMO device now; send the file again to upload it unencrypted)", ErrOMEMOFailed)

// ErrNoUploadService: the account's server offers no HTTP upload.
var ErrNoUploadService = errors.New("your server offers no file upload (XEP-0363 HTTP upload)")

// UploadService is the server's HTTP upload component.
type UploadService struct {
	JID     jid.JID
	MaxSize int64 // bytes; 0: the server states no limit
}

// UploadSlot is where to PUT a file and the URL it is then fetched from.
type UploadSlot struct {
	PutURL  string
	Headers map[string]string
	GetURL  string
}

// UploadRefusedError: the server refused a slot (too large, over quota…).
type UploadRefusedError struct {
	Condition string // e.g. not-acceptable, resource-constraint
	Text      string
	MaxSize   int64 // from <file-too-large>, when given
}

func (e *UploadRefusedError) Error() string {
	var b strings.Builder
	b.WriteString("the server refused the upload")
	switch {
	case e.MaxSize > 0:
		fmt.Fprintf(&b, ": the file is too large (the server takes at most %s)", files.HumanSize(e.MaxSize))
	case e.Condition == string(stanza.ResourceConstraint):
		b.WriteString(": your upload quota is used up for now")
	case e.Condition != "":
		b.WriteString(" (" + e.Condition + ")")
	}
	if e.Text != "" {
		b.WriteString(": " + e.Text)
	}
	return b.String()
}

// uploadCache remembers the upload service for the login it was found in.
type uploadCache struct {
	mu   sync.Mutex
	sess *xmpp.Session
	svc  UploadService
	err  error
}

// FindUploadService asks the server (disco#items, then disco#info of each
// item and of the server itself) for its HTTP upload service; the answer
// is kept until the next login.
func (c *Client) FindUploadService(ctx context.Context) (UploadService, error) {
	sess, err := c.session()
	if err != nil {
		return UploadService{}, fmt.Errorf("file upload: %w", err)
	}
	c.upload.mu.Lock()
	defer c.upload.mu.Unlock()
	if c.upload.sess == sess && (c.upload.err == nil || errors.Is(c.upload.err, ErrNoUploadService)) {
		return c.upload.svc, c.upload.err
	}
	svc, err := c.findUpload(ctx, sess)
	if err == nil || errors.Is(err, ErrNoUploadService) {
		c.upload.sess, c.upload.svc, c.upload.err = sess, svc, err
	}
	return svc, err
}

type discoInfo struct {
	Features []struct {
		Var string `xml:"var,attr"`
	} `xml:"feature"`
	Forms []struct {
		Fields []struct {
			Var    string   `xml:"var,attr"`
			Values []string `xml:"value"`
		} `xml:"field"`
	} `xml:"jabber:x:data x"`
}

// upload reports whether info offers HTTP upload, and its max file size.
func (d *discoInfo) upload() (bool, int64) {
	found := false
	for _, f := range d.Features {
		found = found || f.Var == nsHTTPUpload
	}
	if !found {
		return false, 0
	}
	for _, form := range d.Forms {
		isUpload := false
		var max int64
		for _, f := range form.Fields {
			if f.Var == "FORM_TYPE" && len(f.Values) > 0 && f.Values[0] == nsHTTPUpload {
				isUpload = true
			}
			if f.Var == "max-file-size" && len(f.Values) > 0 {
				max, _ = strconv.ParseInt(strings.TrimSpace(f.Values[0]), 10, 64)
			}
		}
		if isUpload && max > 0 {
			return true, max
		}
	}
	return true, 0
}

func (c *Client) findUpload(ctx context.Context, sess *xmpp.Session) (UploadService, error) {
	server, err := jid.New("", c.cfg.JID.Domainpart(), "")
	if err != nil {
		return UploadService{}, err
	}
	info := func(to jid.JID) (discoInfo, error) {
		var d discoInfo
		err := sess.UnmarshalIQElement(ctx, xmlstream.Wrap(nil, xml.StartElement{Name: xml.Name{Space: nsDiscoInfo, Local: "query"}}),
			stanza.IQ{To: to, Type: stanza.GetIQ}, &d)
		return d, err
	}
	var items struct {
		Items []struct {
			JID string `xml:"jid,attr"`
		} `xml:"item"`
	}
	err = sess.UnmarshalIQElement(ctx, xmlstream.Wrap(nil, xml.StartElement{Name: xml.Name{Space: nsDiscoItems, Local: "query"}}),
		stanza.IQ{To: server, Type: stanza.GetIQ}, &items)
	if err != nil && ctx.Err() != nil {
		return UploadService{}, fmt.Errorf("looking for your server's file upload: %w", err)
	}
	cands := []jid.JID{}
	for _, it := range items.Items {
		if j, err := jid.Parse(it.JID); err == nil && j.Localpart() == "" && j.Resourcepart() == "" {
			cands = append(cands, j)
		}
		if len(cands) == 32 { // a server lists a handful; bound a hostile one
			break
		}
	}
	cands = append(cands, server)
	for _, j := range cands {
		d, err := info(j)
		if err != nil {
			if ctx.Err() != nil {
				return UploadService{}, fmt.Errorf("looking for your server's file upload: %w", ctx.Err())
			}
			continue
		}
		if ok, max := d.upload(); ok {
			return UploadService{JID: j, MaxSize: max}, nil
		}
	}
	return UploadService{}, ErrNoUploadService
}

// RequestUploadSlot asks the upload service for a slot for a file of size
// bytes (XEP-0363). name should be random (it is in the URL); the server
// may refuse (*UploadRefusedError).
func (c *Client) RequestUploadSlot(ctx context.Context, name string, size int64, contentType string) (UploadSlot, error) {
	svc, err := c.FindUploadService(ctx)
	if err != nil {
		return UploadSlot{}, err
	}
	if svc.MaxSize > 0 && size > svc.MaxSize {
		return UploadSlot{}, &UploadRefusedError{Condition: string(stanza.NotAcceptable), MaxSize: svc.MaxSize}
	}
	sess, err := c.session()
	if err != nil {
		return UploadSlot{}, fmt.Errorf("file upload: %w", err)
	}
	attrs := []xml.Attr{
		{Name: xml.Name{Local: "filename"}, Value: name},
		{Name: xml.Name{Local: "size"}, Value: strconv.FormatInt(size, 10)},
	}
	if contentType != "" {
		attrs = append(attrs, xml.Attr{Name: xml.Name{Local: "content-type"}, Value: contentType})
	}
	var slot struct {
		Put struct {
			URL     string `xml:"url,attr"`
			Headers []struct {
				Name  string `xml:"name,attr"`
				Value string `xml:",chardata"`
			} `xml:"header"`
		} `xml:"put"`
		Get struct {
			URL string `xml:"url,attr"`
		} `xml:"get"`
	}
	err = sess.UnmarshalIQElement(ctx, xmlstream.Wrap(nil, xml.StartElement{Name: xml.Name{Space: nsHTTPUpload, Local: "request"}, Attr: attrs}),
		stanza.IQ{To: svc.JID, Type: stanza.GetIQ}, &slot)
	var se stanza.Error
	if errors.As(err, &se) {
		re := &UploadRefusedError{Condition: string(se.Condition)}
		re.Text = errorText(se)
		if se.Condition == stanza.NotAcceptable && svc.MaxSize > 0 {
			re.MaxSize = svc.MaxSize
		}
		return UploadSlot{}, re
	}
	if err != nil {
		return UploadSlot{}, fmt.Errorf("asking %s for an upload slot: %w", svc.JID, err)
	}
	if !httpURL(slot.Put.URL) || !httpURL(slot.Get.URL) {
		return UploadSlot{}, fmt.Errorf("the upload service %s gave no usable slot (put %q, get %q)", svc.JID, slot.Put.URL, slot.Get.URL)
	}
	out := UploadSlot{PutURL: slot.Put.URL, GetURL: slot.Get.URL, Headers: map[string]string{}}
	for _, h := range slot.Put.Headers {
		// XEP-0363 allows these three; anything else is dropped.
		switch strings.ToLower(h.Name) {
		case "authorization", "cookie", "expires":
			out.Headers[h.Name] = strings.Map(dropNewline, h.Value)
		}
	}
	return out, nil
}

func dropNewline(r rune) rune {
	if r == '\r' || r == '\n' {
		return -1
	}
	return r
}

func httpURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// oobEl is XEP-0066 out-of-band data in a message.
type oobEl struct {
	URL  string `xml:"url"`
	Desc string `xml:"desc"`
}

// fileOf tells what file, if any, an incoming message shares: a body that
// is exactly the out-of-band URL (as Conversations, Dino and Gajim send a
// file), or, in an encrypted message, a body that is one aesgcm:// URL.
func fileOf(body string, oob *oobEl, encrypted bool) *FileRef {
	body = strings.TrimSpace(body)
	if body == "" || strings.ContainsAny(body, " \n\t") {
		return nil
	}
	u, err := url.Parse(body)
	if err != nil || u.Host == "" {
		return nil
	}
	name := path.Base(u.Path)
	if name == "/" || name == "." {
		name = ""
	}
	switch {
	case encrypted && u.Scheme == "aesgcm":
		return &FileRef{URL: body, Name: name, Encrypted: true}
	case oob != nil && strings.TrimSpace(oob.URL) == body && (u.Scheme == "http" || u.Scheme == "https"):
		return &FileRef{URL: body, Name: name}
	}
	return nil
}

// oobTokens is the XEP-0066 element for a plaintext file message.
func oobTokens(u string) []xml.Token {
	x := xml.StartElement{Name: xml.Name{Space: nsOOB, Local: "x"}}
	ue := xml.StartElement{Name: xml.Name{Local: "url"}}
	return []xml.Token{x, ue, xml.CharData(u), ue.End(), x.End()}
}
