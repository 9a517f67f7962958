// Package tone makes and checks the test audio of the lab: sine tones, G.711
// (PCMU/PCMA) per ITU-T G.711, a Goertzel detector, a RIFF/WAVE PCM16 reader
// and writer, and an analysis that proves which tone is on which channel of a
// recording and for how long.
//
// Every leg of a lab call carries its own tone, so a recording can be checked
// without listening to it: "channel 0 holds the caller's 440 Hz for 10 s,
// channel 1 the agent's 1000 Hz" is a test assertion, not an opinion.
package tone
