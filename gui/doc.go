// Package gui runs Clove's window: it puts package ui's views on package
// chat's sessions. A Backend answers what an account's pane asks (contacts,
// history, send, rooms) from the profile and the account's session, and
// forward shows each event a session tells, once it is saved. The wizard's
// backend turns its forms into accounts (and the bundled node) through the
// same core calls as the command line.
package gui
