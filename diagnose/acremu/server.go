package acremu

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/acr-doctor/acr-doctor/diagnose/token/tokentest"
)

// Server is a running emulator. Its methods are safe for concurrent use.
type Server struct {
	signer *tokentest.Signer
	ca     *authority
	dir    string // holds ca.pem; removed by Close

	tlsLn   net.Listener  // the TCP listener behind the HTTPS server
	tunnels *chanListener // connections the proxy hands to the HTTPS server
	proxyLn net.Listener
	https   *http.Server
	proxy   *http.Server
	serving sync.WaitGroup // the Serve goroutines

	closing   chan struct{} // closed by Close: every waiting handler returns
	closeOnce sync.Once

	mu         sync.Mutex
	closed     bool
	regs       map[string]*registry // by lower-case host
	requests   map[string][]Request // by lower-case host
	handshakes map[string]int       // full TLS handshakes, by lower-case host
	certs      map[string]*tls.Certificate
	apps       map[string][]application // AddApplication's, by lower-case client ID
	events     map[string][]LoginEvent  // ContainerRegistryLoginEvents, by lower-case registry host
	armFaults  map[ARMFault]bool
	armDelay   time.Duration
	active     sync.WaitGroup // handlers in flight; Add only under mu while !closed
}

// registry is a Registry with its runtime state.
type registry struct {
	Registry
	host   string // lower case
	admin  string // the admin user's name
	faults map[Fault]bool
}

func (r *registry) has(f Fault) bool { return r.faults[f] }

// setFaults sets r's faults: those given, and those its ARM side implies.
func (r *registry) setFaults(faults []Fault) {
	r.faults = make(map[Fault]bool, len(faults))
	for _, f := range faults {
		r.faults[f] = true
	}
	r.imply()
}

// reserved are the hosts the emulator serves besides the registries.
var reserved = []string{OtherRealmHost, AuthorityHost, ARMHost, LogAnalyticsHost}

// now is the registry's clock.
func (r *registry) now() time.Time { return time.Now().Add(r.ClockOffset) }

// Start starts an emulator serving regs. Close it when done.
func Start(regs ...Registry) (*Server, error) {
	s := &Server{
		signer:     tokentest.Default(),
		closing:    make(chan struct{}),
		regs:       make(map[string]*registry),
		requests:   make(map[string][]Request),
		handshakes: make(map[string]int),
		certs:      make(map[string]*tls.Certificate),
	}
	for _, r := range regs {
		host := strings.ToLower(r.Host)
		if host == "" || strings.ContainsAny(host, ":/ ") {
			return nil, fmt.Errorf("acremu: bad registry host %q", r.Host)
		}
		if _, dup := s.regs[host]; dup {
			return nil, fmt.Errorf("acremu: registry %s given twice", host)
		}
		if slices.Contains(reserved, host) {
			return nil, fmt.Errorf("acremu: %s is the emulator's own host, not a registry", host)
		}
		if r.ClientIP == "" {
			r.ClientIP = DefaultClientIP
		}
		if r.PrivateIP == "" {
			r.PrivateIP = DefaultPrivateIP
		}
		admin := strings.SplitN(host, ".", 2)[0]
		if err := prepareARM(&r, admin); err != nil {
			return nil, err
		}
		reg := &registry{Registry: r, host: host, admin: admin}
		reg.setFaults(r.Faults)
		s.regs[host] = reg
	}

	var err error
	if s.ca, err = newAuthority(); err != nil {
		return nil, err
	}
	if s.dir, err = os.MkdirTemp("", "acremu-"); err != nil {
		return nil, fmt.Errorf("acremu: %w", err)
	}
	if err := os.WriteFile(s.CAFile(), s.ca.pem, 0o644); err != nil {
		os.RemoveAll(s.dir)
		return nil, fmt.Errorf("acremu: writing the CA: %w", err)
	}
	if s.tlsLn, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
		os.RemoveAll(s.dir)
		return nil, fmt.Errorf("acremu: %w", err)
	}
	if s.proxyLn, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
		s.tlsLn.Close()
		os.RemoveAll(s.dir)
		return nil, fmt.Errorf("acremu: %w", err)
	}
	s.tunnels = newChanListener(s.tlsLn.Addr())

	quiet := log.New(io.Discard, "", 0) // clients hanging up mid-handshake are expected
	s.https = &http.Server{
		Handler:  http.HandlerFunc(s.serveHTTP),
		ErrorLog: quiet,
		// An empty, non-nil map keeps HTTP/2 off: Docker's transport speaks
		// HTTP/1.1 to registries anyway, and one protocol keeps the
		// connection-level faults simple.
		TLSNextProto: map[string]func(*http.Server, *tls.Conn, http.Handler){},
	}
	s.proxy = &http.Server{Handler: http.HandlerFunc(s.serveProxy), ErrorLog: quiet}
	tlsConf := &tls.Config{GetCertificate: s.certificate, MinVersion: tls.VersionTLS12}
	s.serve(s.https, tls.NewListener(s.tlsLn, tlsConf))
	s.serve(s.https, tls.NewListener(s.tunnels, tlsConf))
	s.serve(s.proxy, s.proxyLn)
	return s, nil
}

func (s *Server) serve(srv *http.Server, ln net.Listener) {
	s.serving.Add(1)
	go func() {
		defer s.serving.Done()
		srv.Serve(ln) // returns ErrServerClosed after Close
	}()
}

// Close stops the emulator: it closes every connection, returns every
// handler still waiting (hung sockets, endless and dripping bodies), and
// removes the CA file. It waits until all of that is done.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		s.mu.Lock()
		s.closed = true
		s.mu.Unlock()
		close(s.closing)
		s.proxy.Close()
		s.https.Close() // closes the listeners, tunnels included, and every connection
		s.tunnels.Close()
		s.active.Wait()
		s.serving.Wait()
		os.RemoveAll(s.dir)
	})
	return nil
}

// CAFile is a PEM file holding the CA certificate every host's certificate
// chains to, for SSL_CERT_FILE.
func (s *Server) CAFile() string { return filepath.Join(s.dir, "ca.pem") }

// CertPool is a pool holding the emulator's CA alone.
func (s *Server) CertPool() *x509.CertPool {
	pool := x509.NewCertPool()
	pool.AddCert(s.ca.cert)
	return pool
}

// Client is an HTTP client that reaches the emulated hosts through
// DialContext and trusts the CA. It follows no redirects past ten, as
// http.Client does, and has no timeout.
func (s *Server) Client() *http.Client {
	return &http.Client{Transport: &http.Transport{
		DialContext:     s.DialContext,
		TLSClientConfig: &tls.Config{RootCAs: s.CertPool()},
	}}
}

// SetFaults replaces the faults of the registry host, to which are added
// those its ARM side implies (see [Resource]). Requests already in flight
// keep the faults they started with. An unknown host is ignored.
func (s *Server) SetFaults(host string, faults ...Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	reg, ok := s.regs[strings.ToLower(host)]
	if !ok {
		return
	}
	// Copy on write: handlers hold the old *registry without a lock.
	next := *reg
	next.setFaults(faults)
	s.regs[next.host] = &next
}

// Requests returns what host received so far, oldest first.
func (s *Server) Requests(host string) []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests[strings.ToLower(host)])
}

// Hosts are the names the emulator answers for: its registries, sorted,
// then Azure AD, ARM, Log Analytics and the foreign token realm.
func (s *Server) Hosts() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	hosts := make([]string, 0, len(s.regs)+4)
	for h := range s.regs {
		hosts = append(hosts, h)
	}
	slices.Sort(hosts)
	return append(hosts, AuthorityHost, ARMHost, LogAnalyticsHost, OtherRealmHost)
}

// Handshakes is how many full TLS handshakes (not resumptions) host has
// served since it was started or reset: each costs the client and the
// server what a request does not.
func (s *Server) Handshakes(host string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.handshakes[strings.ToLower(host)]
}

// ResetRequests forgets what host received, and its handshakes.
func (s *Server) ResetRequests(host string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.requests, strings.ToLower(host))
	delete(s.handshakes, strings.ToLower(host))
}

// registry returns the current state of host, nil when it is not a
// registry or is switched to NotFound.
func (s *Server) registry(host string) *registry {
	s.mu.Lock()
	defer s.mu.Unlock()
	reg := s.regs[strings.ToLower(host)]
	if reg == nil || reg.has(NotFound) {
		return nil
	}
	return reg
}

// enter counts a handler in, unless the server is closing.
func (s *Server) enter() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.active.Add(1)
	return true
}

// record appends req to host's log and returns a function that sets the
// status answered.
func (s *Server) record(req Request) func(status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := len(s.requests[req.Host])
	s.requests[req.Host] = append(s.requests[req.Host], req)
	return func(status int) {
		s.mu.Lock()
		defer s.mu.Unlock()
		if log := s.requests[req.Host]; i < len(log) { // ResetRequests may have emptied it
			log[i].Status = status
		}
	}
}

// wait waits for d, or until the request or the server ends; it reports
// whether d passed.
func (s *Server) wait(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
	case <-s.closing:
	}
	return false
}

// chanListener is a net.Listener whose connections are handed to it, by the
// CONNECT proxy, rather than accepted from the network.
type chanListener struct {
	addr  net.Addr
	conns chan net.Conn
	done  chan struct{}
	once  sync.Once
}

func newChanListener(addr net.Addr) *chanListener {
	return &chanListener{addr: addr, conns: make(chan net.Conn), done: make(chan struct{})}
}

// hand passes c to Accept; it closes c if the listener is closed first.
func (l *chanListener) hand(c net.Conn) {
	select {
	case l.conns <- c:
	case <-l.done:
		c.Close()
	}
}

func (l *chanListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *chanListener) Close() error {
	l.once.Do(func() { close(l.done) })
	return nil
}

func (l *chanListener) Addr() net.Addr { return l.addr }
