package slixtest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"testing"
)

// UploadSlot is an HTTP upload slot (XEP-0363) as slixmpp's xep_0363
// plugin got it.
type UploadSlot struct {
	// Service is the upload service's JID, found through disco#items on
	// the account's domain.
	Service string `json:"service"`
	// MaxFileSize is the max-file-size the service advertises in its
	// disco#info (0: none).
	MaxFileSize int64 `json:"max_file_size"`
	// PutURL and Headers are where and how to upload (the Authorization
	// header the service wants); GetURL is what others download.
	PutURL  string            `json:"put"`
	GetURL  string            `json:"get"`
	Headers map[string]string `json:"headers"`
}

// UploadRefused is the service's error answer to a slot request, e.g.
// modify/not-acceptable "File too large".
type UploadRefused struct {
	Type      string `json:"type"`
	Condition string `json:"condition"`
	Text      string `json:"text"`
}

func (e *UploadRefused) Error() string {
	return fmt.Sprintf("slixtest: upload slot refused: %s/%s %q", e.Type, e.Condition, e.Text)
}

// RequestUploadSlot has the client find its server's upload service and
// ask it for a slot for a file of size bytes. A refusal is an
// *UploadRefused (the slot fields it returns with it are empty, the
// service's found).
func (c *Client) RequestUploadSlot(ctx context.Context, filename string, size int64, contentType string) (UploadSlot, error) {
	var res struct {
		UploadSlot
		Refused *UploadRefused `json:"refused"`
	}
	err := c.command(ctx, "upload_slot", map[string]any{"filename": filename, "size": size, "content_type": contentType}, &res)
	if err != nil {
		return UploadSlot{}, err
	}
	if res.Refused != nil {
		return res.UploadSlot, res.Refused
	}
	return res.UploadSlot, nil
}

// UploadFile is slixmpp's own upload of the file at path (xep_0363's
// upload_file: disco, slot, PUT with aiohttp); it returns the GET URL.
// slixmpp refuses a file over the advertised max-file-size itself,
// without asking the service.
func (c *Client) UploadFile(ctx context.Context, path, contentType string) (string, error) {
	var res struct {
		Get string `json:"get"`
	}
	if err := c.command(ctx, "upload_file", map[string]string{"path": path, "content_type": contentType}, &res); err != nil {
		return "", err
	}
	return res.Get, nil
}

// RequireUpload is Require for the upload commands: slixmpp's xep_0363
// imports aiohttp (Debian's python3-aiohttp, which make deps installs).
func RequireUpload(tb testing.TB) {
	tb.Helper()
	Require(tb)
	ctx, cancel := context.WithTimeout(context.Background(), probeTimeout)
	defer cancel()
	python, err := findPython(ctx, "", false)
	if err == nil {
		var out []byte
		out, err = exec.CommandContext(ctx, python, "-c", "import aiohttp").CombinedOutput()
		if err != nil {
			err = fmt.Errorf("%s: import aiohttp: %w: %s", python, err, lastLine(out))
		}
	}
	if err == nil {
		return
	}
	if ci := os.Getenv("CI"); ci != "" && ci != "false" && ci != "0" {
		tb.Fatalf("aiohttp is missing: run make deps (CI is set, so this is not skipped): %v", err)
	}
	tb.Skipf("skipping: python3-aiohttp is not installed (make deps installs it): %v", err)
}

// IQ has the client send payload (XML with its namespace) in an IQ of type
// typ ("get" or "set") to `to` ("": its own account) and returns the
// answer's XML; an error answer is returned as XML too, with its
// condition in cond.
func (c *Client) IQ(ctx context.Context, typ, to, payload string) (answer, cond string, err error) {
	var res struct {
		XML   string `json:"xml"`
		Error string `json:"error"`
	}
	err = c.command(ctx, "iq", map[string]any{"type": typ, "to": to, "xml": payload}, &res)
	return res.XML, res.Error, err
}

// Presence has the client send available presence to its contacts with
// payload (XML with its namespace, "" for none) inside, e.g. a
// vcard-temp:x:update photo hash (XEP-0153).
func (c *Client) Presence(ctx context.Context, payload string) error {
	return c.command(ctx, "presence", map[string]any{"xml": payload}, nil)
}
