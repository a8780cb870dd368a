// Package chat is Clove's app core: one profile (its store and accounts)
// and each account's running session. Both front ends — the window
// (package gui, on package ui) and the command line (cmd/clove) — use it;
// it imports no toolkit.
//
// A Session saves every client event to the profile before anyone sees it
// ("save before show", written once, in Session.Run), backs the client's
// outbox, certificate pins and archive cursor with the store, and offers
// the account's actions (send, rooms, roster) as methods. Data flows one
// way: transport → xmppclient → chat → store, and chat → the front ends.
// For OMEMO, chat opens the account's store-backed device (package
// omemo/device) and gives it to xmppclient, which knows it only through its
// OMEMOAccount interface: xmppclient depends on package omemo (the
// protocol), never on omemo/device or store.
package chat
