// Package callkey holds the keys that tie a recording session to a CTI event:
// the Avaya-style UCID in its canonical form, the Genesys conversation id and
// the SIP Call-ID.
//
// A session carries a Set of keys gathered from every source (SIPREC metadata,
// SIP headers, the dialog itself). A CTI event matches a session when the two
// sets share any key. Keys are canonical, so every spelling of the same UCID
// (hex, 20-digit decimal, ASAI UUI) compares equal.
package callkey
