// Package loginserver reads what a registry name in Docker's config.json
// says about Azure Container Registry (ACR): which registry, cloud and
// endpoint it names, and what is wrong with it as a credential key.
//
// Docker looks credentials up by the bare host of an image reference.
// A key that differs from that host, by a scheme, a path, a port or upper
// case, is missed by credHelpers and docker logout, and often by the pull
// itself, which then goes out anonymously. ACR answers that with
// "unauthorized: authentication required", which says nothing about the
// key, so [Check] names the difference before any request is made.
//
// The package is pure: it does no I/O and allocates only to describe a
// problem, so it can run over config files with thousands of entries.
package loginserver

import (
	"strconv"
	"strings"
)

// Cloud is an Azure cloud, by the name `az cloud list` gives it.
type Cloud string

// The clouds with a fixed login-server suffix. Custom and air-gapped clouds
// take theirs from ARM metadata and are not recognised here.
const (
	AzureCloud        Cloud = "AzureCloud"        // .azurecr.io
	AzureChinaCloud   Cloud = "AzureChinaCloud"   // .azurecr.cn
	AzureUSGovernment Cloud = "AzureUSGovernment" // .azurecr.us
)

// clouds pairs each suffix with its cloud; the first is the guess when a
// suffix is missing or misspelt past telling which cloud was meant.
var clouds = [...]struct {
	suffix string
	cloud  Cloud
}{
	{".azurecr.io", AzureCloud},
	{".azurecr.cn", AzureChinaCloud},
	{".azurecr.us", AzureUSGovernment},
}

// Endpoint is the kind of host a registry answers on.
type Endpoint string

const (
	Login    Endpoint = "login"    // <name>.azurecr.io
	Regional Endpoint = "regional" // <name>.<region>.geo.azurecr.io, with --regional-endpoints
	Data     Endpoint = "data"     // <name>.<region>.data.azurecr.io, serves blobs only
)

// Server is a parsed ACR host name.
type Server struct {
	// Host is lower case, with no scheme, port, path or trailing dot: the
	// key Docker looks credentials up by.
	Host string
	// Name is the registry resource name, what `az acr login -n` takes: the
	// first label of Host without a domain-name-label hash suffix
	// ("-dad4auhga8feekaq"), which the login server has but the resource
	// name does not.
	Name     string
	Region   string // regional and data endpoints only
	Endpoint Endpoint
	Cloud    Cloud
	Suffix   string // ".azurecr.io" etc.
}

// Parse reports whether host, a bare host name in any case, is an ACR login
// server, regional endpoint or data endpoint. The suffix is anchored at the
// end, so "x.azurecr.io.evil.com" is not ACR. One trailing dot, the DNS
// root, is accepted and dropped; a port is not accepted.
func Parse(host string) (Server, bool) {
	h := strings.TrimSuffix(lower(host), ".")
	c := cloudOf(h)
	if c < 0 {
		return Server{}, false
	}
	suffix := clouds[c].suffix
	sh, f := shape(h[:len(h)-len(suffix)])
	if f != 0 {
		return Server{}, false
	}
	sh.Host, sh.Cloud, sh.Suffix = h, clouds[c].cloud, suffix
	return sh, true
}

// IsACR reports whether Parse accepts host.
func IsACR(host string) bool {
	_, ok := Parse(host)
	return ok
}

// LoginServer is the login server a regional or data endpoint belongs to,
// "myreg.azurecr.io" for "myreg.eastus.data.azurecr.io". The first label is
// kept whole, so a domain-name-label hash stays part of it.
func (s Server) LoginServer() string {
	if s.Endpoint == Login || s.Host == "" {
		return s.Host
	}
	label, _, _ := strings.Cut(s.Host, ".")
	return label + s.Suffix
}

// cloudOf returns the index in clouds of the suffix h ends with, or -1.
// shape turns away a suffix with no name in front.
func cloudOf(h string) int {
	for i, c := range clouds {
		if strings.HasSuffix(h, c.suffix) {
			return i
		}
	}
	return -1
}

// shape parses the labels in front of the suffix (lower case) into the
// Name, Region and Endpoint of a Server, or says why it cannot.
func shape(prefix string) (s Server, f fault) {
	label, rest, _ := strings.Cut(prefix, ".")
	s.Endpoint = Login
	if rest != "" {
		region, kind, _ := strings.Cut(rest, ".")
		switch {
		case kind == "geo" && isRegion(region):
			s.Endpoint = Regional
		case kind == "data" && isRegion(region):
			s.Endpoint = Data
		default:
			return Server{}, badShape
		}
		s.Region = region
	}
	if f := nameFault(label); f != 0 {
		return Server{}, f
	}
	s.Name, _, _ = strings.Cut(label, "-")
	return s, 0
}

// fault is what keeps the labels in front of an ACR suffix from naming a
// registry. It is a number, not a message, so that Parse stays free of
// allocations on bad input; describe words it for Check.
type fault uint8

const (
	_           fault = iota // 0: no fault
	badShape                 // extra labels, not <region>.geo or <region>.data
	noName                   // nothing in front of the suffix
	longLabel                // more than DNS allows
	nonASCII                 // often a homoglyph pasted from a web page
	space                    // usually pasted with the name
	underscore               // allowed in many other resource names, not here
	otherChar                // anything else but letters, digits and '-'
	strayHyphen              // a "-" not followed by one DNL hash
	nameLength               // not 5 to 50
)

// nameFault says what keeps label, the first label of a host in lower case,
// from naming a registry. Registry names are 5 to 50 letters and digits; a
// login server may add one "-" and a domain-name-label hash. The hash's
// length is not checked: Azure documents none, and az's own tests use
// several.
func nameFault(label string) fault {
	var f fault
	for i := 0; i < len(label); i++ {
		if g := charFault(label[i]); g != 0 {
			f = rank(f, g)
		}
	}
	name, hash, dnl := strings.Cut(label, "-")
	switch {
	case label == "":
		return noName
	case len(label) > 63:
		return longLabel
	case f != 0:
		return f
	case dnl && (hash == "" || strings.IndexByte(hash, '-') >= 0):
		return strayHyphen
	case len(name) < 5 || len(name) > 50:
		return nameLength
	}
	return 0
}

// charFault says what is wrong with c in a registry name in lower case,
// or 0 for a letter, a digit or the "-" before a domain-name-label hash.
func charFault(c byte) fault {
	if 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' {
		return 0
	}
	if c >= 0x80 {
		return nonASCII
	}
	switch c {
	case ' ', '\t':
		return space
	case '_':
		return underscore
	}
	return otherChar
}

// rank keeps whichever of two character faults is listed first.
func rank(f, g fault) fault {
	if f == 0 {
		return g
	}
	return min(f, g)
}

// describe words f as a clause to follow the quoted key in a Detail.
func (f fault) describe(label string) string {
	const rule = "; registry names are 5 to 50 letters and digits"
	name, _, _ := strings.Cut(label, "-")
	switch f {
	case badShape:
		return "it is neither a login server (<name>.azurecr.io) nor a regional or data endpoint (<name>.<region>.geo.azurecr.io, <name>.<region>.data.azurecr.io)"
	case noName:
		return "there is no registry name in front of the domain"
	case longLabel:
		return "its first label is " + chars(len(label)) + ", more than the 63 DNS allows" + rule
	case nonASCII:
		return "registry name " + quote(label) + " has non-ASCII characters, perhaps look-alikes of Latin letters" + rule
	case space:
		return "registry name " + quote(label) + " has spaces" + rule
	case underscore:
		return "registry name " + quote(label) + " has an underscore" + rule
	case otherChar:
		return "registry name " + quote(label) + " has characters other than letters and digits" + rule
	case strayHyphen:
		return "registry name " + quote(label) + ` has a "-" that does not start a domain-name-label hash (<name>-<hash>)` + rule
	case nameLength:
		if len(name) < len(label) {
			return "registry name " + quote(name) + " (in front of the domain-name-label hash " + quote(label[len(name):]) + ") is " + chars(len(name)) + rule
		}
		return "registry name " + quote(name) + " is " + chars(len(name)) + rule
	}
	return ""
}

func chars(n int) string {
	if n == 1 {
		return "1 character long"
	}
	return strconv.Itoa(n) + " characters long"
}

// isRegion reports whether s can be an Azure region name such as "eastus".
func isRegion(s string) bool {
	if s == "" || len(s) > 63 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('a' <= c && c <= 'z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

// lower is strings.ToLower for ASCII only: DNS names compare case-blind in
// ASCII alone, and other bytes must survive as they are to be reported.
// It allocates only when s has an upper-case letter.
func lower(s string) string {
	i := 0
	for i < len(s) && !('A' <= s[i] && s[i] <= 'Z') {
		i++
	}
	if i == len(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	b.WriteString(s[:i])
	for ; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		b.WriteByte(c)
	}
	return b.String()
}
