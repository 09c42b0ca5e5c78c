package loadgen

import (
	"encoding/binary"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
)

// portRangeFile is where Linux says which ephemeral ports connect() picks from.
const portRangeFile = "/proc/sys/net/ipv4/ip_local_port_range"

// defaultEphemeralPorts is the size of Linux's default range, 32768-60999,
// used when the file cannot be read.
const defaultEphemeralPorts = 60999 - 32768 + 1

// portHeadroom is the share of one source/destination pair's ports the
// automatic choice fills before it adds a source address: the rest is left
// for reconnects, TIME_WAIT and whatever else this machine connects.
const portHeadroom = 0.9

// parsePortRange reads "LOW HIGH" (ip_local_port_range) and returns how many
// ports it spans.
func parsePortRange(text string) (int, error) {
	f := strings.Fields(text)
	if len(f) != 2 {
		return 0, fmt.Errorf("port range %q: want two numbers", strings.TrimSpace(text))
	}
	lo, err1 := strconv.Atoi(f[0])
	hi, err2 := strconv.Atoi(f[1])
	if err1 != nil || err2 != nil || lo < 1 || hi > 65535 || hi < lo {
		return 0, fmt.Errorf("port range %q: want LOW HIGH with 1 <= LOW <= HIGH <= 65535", strings.TrimSpace(text))
	}
	return hi - lo + 1, nil
}

// ephemeralPorts is how many ports one source/destination pair offers on
// this machine, and where that figure comes from.
func ephemeralPorts() (int, string) {
	b, err := os.ReadFile(portRangeFile)
	if err == nil {
		if n, err := parsePortRange(string(b)); err == nil {
			return n, portRangeFile
		}
	}
	return defaultEphemeralPorts, "the default range 32768-60999 (" + portRangeFile + " unreadable)"
}

// targetLoad is one target URL's destination (host:port) and how many
// connections the run makes to it.
type targetLoad struct {
	dest  string
	conns int
}

// sourceChoice is the automatic choice of source addresses: for each target
// URL the local addresses its connections take in turn (nil: unbound), and
// why, for the log.
type sourceChoice struct {
	perURL [][]string
	// spread says, per destination spread, how many connections it gets
	// and over which addresses.
	spread []string
	// unspreadable names loopback destinations that would run out of ports
	// but have no further source address (IPv6 has one loopback address).
	unspreadable []string
}

// chooseSourceAddrs decides which source addresses the connections to each
// target leave from, so no source/destination pair needs more than
// portHeadroom of portsPerPair ports: a loopback IPv4 destination (or
// localhost) that would get more connections is spread over 127.0.0.1,
// 127.0.0.2, ... as many as needed; other destinations are left unbound (a
// remote server is reached from this machine's own address, which the
// caller may give as Config.SourceAddrs). Targets sharing one destination
// count together and share its addresses. It is pure, so its arithmetic is
// tested apart from any socket.
func chooseSourceAddrs(loads []targetLoad, portsPerPair int) sourceChoice {
	capacity := max(int(float64(portsPerPair)*portHeadroom), 1)
	total := map[string]int{}
	var order []string
	for _, l := range loads {
		if _, seen := total[l.dest]; !seen {
			order = append(order, l.dest)
		}
		total[l.dest] += l.conns
	}
	addrs := map[string][]string{}
	var choice sourceChoice
	for _, dest := range order {
		n := total[dest]
		if n <= capacity {
			continue
		}
		switch loopbackFamily(dest) {
		case 4:
			need := (n + capacity - 1) / capacity
			for i := range need {
				addrs[dest] = append(addrs[dest], nthLoopback(i))
			}
			choice.spread = append(choice.spread, fmt.Sprintf("%s: %d connections, more than %d (%.0f%% of %d ephemeral ports per source address): spread over %d source addresses %s-%s",
				dest, n, capacity, portHeadroom*100, portsPerPair, need, addrs[dest][0], addrs[dest][need-1]))
		case 6:
			choice.unspreadable = append(choice.unspreadable, fmt.Sprintf("%s: %d connections, more than %d (%.0f%% of %d ephemeral ports), but IPv6 has one loopback address: connect to 127.0.0.1 instead to spread them",
				dest, n, capacity, portHeadroom*100, portsPerPair))
		}
	}
	choice.perURL = make([][]string, len(loads))
	for i, l := range loads {
		choice.perURL[i] = addrs[l.dest]
	}
	return choice
}

// loopbackFamily is 4 for an IPv4 loopback destination (localhost
// included: a dialer bound to an IPv4 address resolves it to 127.0.0.1), 6
// for IPv6's, 0 for any other.
func loopbackFamily(dest string) int {
	host, _, err := net.SplitHostPort(dest)
	if err != nil {
		host = dest
	}
	if strings.EqualFold(host, "localhost") {
		return 4
	}
	ip := net.ParseIP(host)
	switch {
	case ip == nil || !ip.IsLoopback():
		return 0
	case ip.To4() != nil:
		return 4
	}
	return 6
}

// nthLoopback is 127.0.0.1 + i: 127.0.0.1, 127.0.0.2, ..., 127.0.1.0, ...
// (Linux routes all of 127.0.0.0/8 to the loopback interface).
func nthLoopback(i int) string {
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], 127<<24+1+uint32(i))
	return net.IP(b[:]).String()
}
