package acremu

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"strings"
	"time"
)

// wrongHostName is the name on the certificate the WrongHostCert fault
// presents: trusted, but for another Azure service, as a misrouted CDN or
// a wrong private DNS record would give.
const wrongHostName = "*.blob.core.windows.net"

// interceptor is the subject and issuer of the certificate UntrustedCert
// presents, shaped like a FortiGate doing deep inspection with its default
// CA, the commonest source of "x509: certificate signed by unknown
// authority" behind corporate networks.
var interceptor = pkix.Name{
	Country:            []string{"US"},
	Organization:       []string{"Fortinet"},
	OrganizationalUnit: []string{"Certificate Authority"},
	CommonName:         "Fortinet FortiGate SSL Proxy",
}

// authority is the emulator's CA.
type authority struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pem  []byte
}

func newAuthority() (*authority, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("acremu: CA key: %w", err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{Organization: []string{"acr-doctor"}, CommonName: "acremu test CA"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.AddDate(1, 0, 0),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, fmt.Errorf("acremu: CA certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("acremu: CA certificate: %w", err)
	}
	return &authority{cert: cert, key: key, pem: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}, nil
}

// leaf mints a server certificate for name, signed by ca, or self-signed
// by the interceptor when ca is nil. An empty name, a client that sent no
// SNI, gets a certificate for 127.0.0.1.
func leaf(ca *authority, name string) (*tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: serial(),
		Subject:      pkix.Name{CommonName: name},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.AddDate(0, 3, 0),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	if name == "" {
		tmpl.Subject.CommonName = "127.0.0.1"
		tmpl.IPAddresses = []net.IP{net.IPv4(127, 0, 0, 1)}
	} else {
		tmpl.DNSNames = []string{name}
	}
	parent, signer := tmpl, any(key)
	if ca != nil {
		parent, signer = ca.cert, ca.key
	} else {
		tmpl.Subject = interceptor
		tmpl.Issuer = interceptor
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, signer)
	if err != nil {
		return nil, err
	}
	return &tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, nil
}

// certificate is the HTTPS server's GetCertificate: the certificate for the
// name the client asked for, or the wrong one its registry's faults call
// for. Certificates are minted once per name and kind.
func (s *Server) certificate(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
	host := strings.ToLower(strings.TrimSuffix(hello.ServerName, "."))
	name, ca, key := host, s.ca, host
	if reg := s.registry(name); reg != nil {
		switch {
		case reg.has(UntrustedCert):
			ca, key = nil, "untrusted "+name
		case reg.has(WrongHostCert):
			name, key = wrongHostName, wrongHostName
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.handshakes[host]++ // a resumption asks for no certificate
	if c, ok := s.certs[key]; ok {
		return c, nil
	}
	c, err := leaf(ca, name)
	if err != nil {
		return nil, fmt.Errorf("acremu: certificate for %q: %w", name, err)
	}
	s.certs[key] = c
	return c, nil
}

func serial() *big.Int {
	n, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 126)) // crypto/rand does not fail
	return n
}
