// Package ui is Clove's desktop window, built with Fyne: the roster on the
// left, the open chat on the right, a status bar below.
//
// It knows nothing of XMPP or SQLite. The wiring (package gui) hands it a
// Backend for what the user asks for (contacts, history, sending) and pushes
// what happens on the network through Pane's On… methods, from any
// goroutine: they hop onto the UI goroutine with fyne.Do. Backend calls are
// made off the UI goroutine, so a slow disk or network never freezes the
// window.
package ui
