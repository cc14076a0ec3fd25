package acremu

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
)

// resolver is the name server the emulated lookups claim to have asked:
// systemd-resolved's stub, what most Linux hosts (and Go-based proxies on
// them) report in "no such host" errors.
const resolver = "127.0.0.53:53"

// ProxyURL is the URL of an HTTP proxy that tunnels CONNECT requests for the
// emulated hosts to the emulator, for HTTPS_PROXY. Like a real Go-based
// proxy, it answers 502 for a name that does not resolve and 504 for a host
// that does not answer.
func (s *Server) ProxyURL() string { return "http://" + s.proxyLn.Addr().String() }

// Lookup resolves host as the emulated DNS does: 127.0.0.1 for a
// registry and for the emulator's own hosts (OtherRealmHost, AuthorityHost,
// ARMHost, LogAnalyticsHost); the registry's PrivateIP under the
// PrivateEndpoint fault or with ARM private endpoints, unless
// PrivateDNSNotLinked makes it DefaultPublicIP; and otherwise a
// *net.DNSError with IsNotFound set. Whatever it answers, DialContext and
// the proxy connect to the emulator.
func (s *Server) Lookup(host string) ([]net.IP, error) {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	if slices.Contains(reserved, host) {
		return []net.IP{net.IPv4(127, 0, 0, 1)}, nil
	}
	reg := s.registry(host)
	if reg == nil {
		return nil, notFound(host)
	}
	if reg.has(PrivateEndpoint) && reg.has(PrivateDNSNotLinked) {
		return []net.IP{net.ParseIP(DefaultPublicIP)}, nil
	}
	if reg.has(PrivateEndpoint) {
		ip := net.ParseIP(reg.PrivateIP)
		if ip == nil {
			return nil, fmt.Errorf("acremu: %s: bad PrivateIP %q", host, reg.PrivateIP)
		}
		return []net.IP{ip}, nil
	}
	return []net.IP{net.IPv4(127, 0, 0, 1)}, nil
}

func notFound(host string) *net.DNSError {
	return &net.DNSError{Err: "no such host", Name: host, Server: resolver, IsNotFound: true}
}

// DialContext connects to addr, on any port, as if the emulated names were
// real, for an http.Transport's DialContext. An unknown host fails as a
// lookup does (a *net.DNSError with IsNotFound, inside a *net.OpError). An
// Unreachable one fails with an i/o timeout, after ctx's deadline if it has
// one, at once if not.
func (s *Server) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, &net.OpError{Op: "dial", Net: network, Err: err}
	}
	ips, err := s.Lookup(host)
	if err != nil {
		return nil, &net.OpError{Op: "dial", Net: network, Err: err}
	}
	if reg := s.registry(host); reg != nil && reg.has(Unreachable) {
		if _, ok := ctx.Deadline(); ok {
			select {
			case <-ctx.Done():
			case <-s.closing:
			}
		}
		p, _ := strconv.Atoi(port)
		return nil, &net.OpError{Op: "dial", Net: network, Addr: &net.TCPAddr{IP: ips[0], Port: p}, Err: os.ErrDeadlineExceeded}
	}
	var d net.Dialer
	return d.DialContext(ctx, "tcp", s.tlsLn.Addr().String())
}

// serveProxy is the CONNECT proxy. Tunnels go to the HTTPS server in
// process: the emulator never dials out.
func (s *Server) serveProxy(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodConnect {
		http.Error(w, "acremu: this proxy only tunnels (CONNECT)", http.StatusMethodNotAllowed)
		return
	}
	host, port, err := net.SplitHostPort(r.Host)
	if err != nil {
		host, port = r.Host, "443"
	}
	ips, err := s.Lookup(host)
	if err != nil {
		// The text Go-based proxies print when their dial fails.
		http.Error(w, (&net.OpError{Op: "dial", Net: "tcp", Err: err}).Error(), http.StatusBadGateway)
		return
	}
	if reg := s.registry(host); reg != nil && reg.has(Unreachable) {
		msg := fmt.Sprintf("dial tcp %s: i/o timeout", net.JoinHostPort(ips[0].String(), port))
		http.Error(w, msg, http.StatusGatewayTimeout)
		return
	}
	conn, rw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	if _, err := rw.WriteString("HTTP/1.1 200 Connection established\r\n\r\n"); err != nil {
		conn.Close()
		return
	}
	if err := rw.Flush(); err != nil {
		conn.Close()
		return
	}
	var c net.Conn = conn
	if rw.Reader.Buffered() > 0 { // a client that sent its ClientHello without waiting
		c = &bufferedConn{Conn: conn, r: rw.Reader}
	}
	s.tunnels.hand(c)
}

type bufferedConn struct {
	net.Conn
	r *bufio.Reader
}

func (c *bufferedConn) Read(p []byte) (int, error) { return c.r.Read(p) }
