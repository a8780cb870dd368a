package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// placeHolders are an entry's placeholders, longest first: the entry
// shows the longest that fits on one line of its width, so a narrow
// window shows "Filter" and "Message" whole rather than "Filter c" or a
// hint wrapped over three lines (seen at 420×320).
type placeHolders []string

// fit gives e the longest of p that fits width, the shortest when none
// does; at width 0 (not laid out yet) the longest.
func (p placeHolders) fit(e *widget.Entry, width float32) {
	if len(p) == 0 {
		return
	}
	pick := p[0]
	if width > 0 {
		room := entryTextWidth(width)
		pick = p[len(p)-1]
		for _, t := range p {
			if fyne.MeasureText(t, theme.TextSize(), fyne.TextStyle{}).Width <= room {
				pick = t
				break
			}
		}
	}
	if e.PlaceHolder != pick {
		e.SetPlaceHolder(pick)
	}
}

// entryTextWidth is the room an entry width wide gives its text: less its
// border and the text's padding on both sides.
func entryTextWidth(width float32) float32 {
	return width - 2*(theme.InputBorderSize()+theme.InnerPadding())
}
