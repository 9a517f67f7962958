// Package pcap writes and reads classic libpcap files of Ethernet/IPv4/UDP
// frames, and renders RTP tone streams into them.
//
// The files feed SIPp's play_pcap_audio. SIPp rewrites each packet's ports as
// port_diff = dport - base (base = the lowest destination port in the file)
// and sends from its media port + port_diff to the remote media port +
// port_diff, so one file with two streams two ports apart plays both legs of
// a SIPREC call. SIPp ignores the addresses in the file and recomputes the
// UDP checksum, but tshark and tcpreplay do not, so every frame is written
// with correct lengths and checksums.
package pcap
