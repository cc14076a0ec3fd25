package explain

import (
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/acr-doctor/acr-doctor/diagnose/credkind"
	"github.com/acr-doctor/acr-doctor/diagnose/loginserver"
	"github.com/acr-doctor/acr-doctor/diagnose/shell"
)

// An extractor reads one kind of statement that needs more than a fixed
// phrase: a number after a prefix, a host and what was wrong with it, the
// times a message states. It runs at most once per line, on the first of
// its keys the line holds.
type extractor struct {
	name string
	keys []string
	fn   func(*lineCtx)
}

var extractors = []extractor{
	// Lines that name a registry but hold no error word must still be
	// read, so that later lines know where their request went.
	{"hosts", hostKeys(), func(*lineCtx) {}},
	{"aadsts", []string{"aadsts"}, readAADSTS},
	{"timerange", []string{"within its valid time range"}, readTimeRange},
	{"epoch", []string{"current epoch"}, readEpoch},
	{"certtime", []string{"current time "}, readCertTime},
	{"tokenwindow", []string{"token not to be used before"}, readTokenWindow},
	{"syserr", []string{"winerror", "[errno", "errno "}, readSysErrno},
	{"status", statusKeys, readStatuses},
	{"helper", []string{"docker-credential-"}, readHelper},
	{"passfolder", []string{"no usernames for "}, readEmptyPassFolder},
	{"passkey", []string{"decryption failed: no secret key"}, readLockedPassKey},
	{"hostname", []string{"certificate is valid for"}, readCertName},
	{"ipsans", []string{"doesn't contain any ip sans"}, readIPSANs},
	{"realm", []string{"/service/token", "/token?"}, readRealm},
	{"apiapp", []string{"(http code 4", "(http code 5"}, readAPIApp},
	{"anonymous", []string{"anonymous"}, readAnonymous},
	{"service", servicePullKeys, func(c *lineCtx) { c.s.facts.servicePull = true }},
	{"detail", []string{"library/", `"type":"repository"`, "metadata_read", "metadata_write"}, readDetail},
	{"login", []string{"docker login", "podman login", "registry login", "oras login", "nerdctl login", "'login'", `"login"`}, readLogin},
	{"resolved", []string{"dns lookup to", "dial tcp ", "dial tcp: lookup "}, readResolved},
	{"registrycode", []string{": unknown: "}, readRegistryCode},
	{"credfile", credFiles, readCredFile},
	{"noapi", []string{"/v2/ failed with status: 404"}, readNoAPI},
	{"azacr", []string{"az acr "}, func(c *lineCtx) {
		c.s.facts.acr = true
		if strings.Contains(c.lo, "az acr login") {
			c.s.adminLogin = "" // Docker's login is az's identity's now
		}
	}},
	{"podman", []string{"podman login", "podman push", "podman pull", "buildah login", "buildah push", "buildah pull", `logging into "`}, func(c *lineCtx) { c.s.facts.podman = true }},
	{"htmlbody", []string{"response body: invalid character '<'"}, readHTMLBody},
	{"plainhttp", []string{"server gave http response to https client"}, readPlainHTTP},
	{"notfound", []string{"failed to resolve reference", "manifest unknown", " not found", "oci://"}, readNotFound},
	{"done", []string{"status: downloaded newer image for", "status: image is up to date for", "successfully built", "successfully tagged", " done ", " cached"}, readDone},
	// An image with no variant for the daemon's platform. Sources: moby
	// distribution/pull_v2.go and image/image.go, containerd platforms.
	{"platform", []string{"no matching manifest for", "no matching manifest found in image", "no image satisfies requested platform",
		"does not provide the specified platform", "does not match the specified platform", "no image found in image index for architecture", "no match for platform in manifest", "cannot be used on this platform"}, readPlatform},
	{"geo", []string{"denied: "}, readGeo},
	{"ghcr", []string{"denied", "unauthorized"}, readGHCR},
	{"loggedin", []string{"login succeeded"}, func(c *lineCtx) { c.s.loggedIn = c.s.loginHost }},
	{"quay", []string{"access to the requested resource is not authorized"}, readQuayUnauthorized},
	{"which", whichKeys, readWhich},
	{"tlsrecord", []string{`malformed http response "\x15\x03`}, readTLSRecord},
	{"kubeapi", kubeAPIWords, readKubeAPI},
	{"notty", []string{"interactive login from a non tty", "interactive login from a non-tty"}, readNoTTY},
}

// readPlatform reads an image that has no variant for the platform that
// pulls it. What to change follows from the platform the message names:
//
//   - A Windows host names its build ("windows/amd64 10.0.17763"): its
//     Windows images must match that build, so the tag is the one to
//     change (nanoserver:1903 on a 1809 host, a .NET tag that is Linux
//     only).
//   - An ARM machine (linux/arm64, linux/arm/v7: a Raspberry Pi, a Mac's
//     Linux VM) pulls an image published for amd64 only: another image or
//     tag, or an emulated --platform linux/amd64.
//   - "unknown", "windows/amd64" with no build, or a Linux platform for an
//     image that is Windows' own: Docker Desktop is in the other container
//     mode (Windows or Linux containers).
//   - Any other Linux platform, and containerd's words, which name none
//     (a node of the other OS, an image published without this CPU's
//     variant): the image or tag is the one to change.
//
// A cluster node's pull is fixed where the pod is scheduled, not with a
// flag of docker's.
func readPlatform(c *lineCtx) {
	platform := statedPlatform(c.lo)
	inspect := "docker buildx imagetools inspect <image>   # the platforms the image holds"
	var s signal
	switch {
	case strings.HasPrefix(platform, "windows/") && strings.Contains(c.lo, " 10.0."):
		s = sig(regName, wStrong, "the image has no variant for this Windows version", dockerEnv)
		s.fix = []string{"pull a tag built for this Windows version (its build is the number after 10.0.: 17763 is 1809 and Server 2019, 20348 is Server 2022, 14393 is Server 2016), or switch Docker Desktop to Linux containers for a Linux image"}
	case strings.HasPrefix(platform, "linux/arm") && windowsImage(c):
		s = sig(regName, wStrong, "a Windows image, pulled on a Linux machine ("+platform+")", dockerEnv)
		s.fix = []string{"a Windows image runs only on a Windows host in Windows containers mode: use a Linux image of the tool here"}
	case strings.HasPrefix(platform, "linux/arm"):
		s = sig(regName, wStrong, "the image has no variant for this machine's CPU ("+platform+")", dockerEnv)
		s.fix = []string{"use an image or tag published for " + platform + " (or build it for this platform), or pull the amd64 variant under emulation with --platform linux/amd64"}
	case platform == "" && strings.Contains(c.lo, "cannot be used on this platform"),
		platform == "unknown", platform == "windows/amd64",
		strings.HasPrefix(platform, "linux/") && windowsImage(c):
		s = sig(dockerEnv, wStrong, "the image has no variant for this platform", regName)
		s.fix = []string{"the image holds no variant for this platform: switch Docker Desktop to the image's container mode (Linux or Windows containers), pull with --platform, or build the image for this platform"}
	default:
		s = sig(regName, wStrong, "the image has no variant for this platform", dockerEnv)
		s.fix = []string{"use an image or tag published for the platform that pulls it (a node or machine of the image's OS and CPU), or build the image for this platform"}
	}
	if nodePull(c.line) {
		s.fix = []string{"schedule the pod on nodes of the image's OS and CPU (nodeSelector kubernetes.io/os and kubernetes.io/arch), or use an image built for these nodes"}
	}
	s.fix = append(s.fix, inspect)
	c.emit(s)
}

// statedPlatform is the platform a message says it had no variant for,
// lower case: "linux/arm64/v8", "windows/amd64", or "" where it names
// none.
func statedPlatform(lo string) string {
	for _, k := range []string{"no matching manifest for ", "requested platform: ", "specified platform (", "wanted "} {
		if i := strings.Index(lo, k); i >= 0 {
			p, _, _ := strings.Cut(lo[i+len(k):], " ")
			return strings.TrimRight(p, "),.")
		}
	}
	// Podman's: for architecture "arm64", variant "v8", OS "linux".
	if i := strings.Index(lo, `for architecture "`); i >= 0 {
		arch, _, _ := strings.Cut(lo[i+len(`for architecture "`):], `"`)
		return "linux/" + arch
	}
	return ""
}

// windowsImage reports whether the line, or one of the few before it
// (the pull's "Pulling from", a build's FROM), names an image only
// Windows runs.
func windowsImage(c *lineCtx) bool {
	for i := max(0, c.i-8); i <= c.i; i++ {
		lo := strings.ToLower(c.s.lines[i])
		for _, w := range []string{"nanoserver", "servercore", "/windows", "dotnet/framework", "microsoft/aspnet", "microsoft/iis"} {
			if strings.Contains(lo, w) {
				return true
			}
		}
	}
	return false
}

// geoWords say where a request came from: a registry that refuses a
// request for where it came from refuses the network, not the identity
// (a mirror for one country, a service not offered in a region).
var geoWords = []string{"mainland china", "your region", "your country", "your location", "this region", "this country", "geographic", "geo-block"}

// pushLine reports whether the line, or the reference named before it,
// is a push's: a refusal there is of the credential's rights, never of a
// stored token a pull would not need.
func (c *lineCtx) pushLine() bool {
	for _, w := range pullWords {
		if strings.Contains(c.lo, w) {
			return false // a build's pull of its base image, whatever it then pushes
		}
	}
	if c.s.pushing {
		return true
	}
	for _, w := range pushWords {
		for off, n := 0, 0; n < perLine; n++ {
			i := strings.Index(c.lo[off:], w)
			if i < 0 {
				break
			}
			at := off + i
			off = at + len(w)
			// A word of its own: not a name's part (pushgateway,
			// git-push, acme/push, app:push).
			start := w[0] == '/' || at == 0 || strings.IndexByte(" \t\"'`([", c.lo[at-1]) >= 0
			end := w[len(w)-1] == ' ' || w[0] == '/' || off == len(c.lo) || !isAlnum(c.lo[off]) && c.lo[off] != '-' && c.lo[off] != '/'
			if start && end {
				return true
			}
		}
	}
	return false
}

// pullWords say the line's request is a pull, whatever command ran it.
var pullWords = []string{"source metadata for", "load metadata for", "pulling from", "pull access denied", "failed to pull", "pulling image", "error pulling"}

// pushWords say a push, as a command or as the request a push makes.
var pushWords = []string{"push", "pushing", "--push", "publishing", "put ", "post ", "patch ", "put request", "post request", "patch request", "/blobs/uploads"}

// readGHCR reads GitHub's registry refusing with a bare "denied" (its
// DENIED code with no message) or "unauthorized". On a pull, "denied" is
// its answer alike to a stored token that lapsed or lost its scope, to a
// package name that does not exist (a typo, an owner renamed) and to a
// private package; the corpus' threads fixed it most often by logging
// out, as an anonymous pull of a public package needs no token.
// "unauthorized" on a pull is for no token at all, where the package is
// private. On a push the token lacks write:packages, or the package is
// another's.
func readGHCR(c *lineCtx) {
	lo := strings.TrimRight(c.lo, " .'\"`")
	rest, denied := strings.CutSuffix(lo, ": denied")
	if !denied {
		var ok bool
		if rest, ok = strings.CutSuffix(lo, ": unauthorized"); !ok {
			return
		}
	}
	req := c.reqHost
	if req == "" && !c.own {
		req = c.s.req // the pull the line before named
	}
	if h, _ := hostPort(strings.ToLower(req)); h != "ghcr.io" && !strings.Contains(rest, " ghcr.io/") {
		return
	}
	const owner = "check the package's owner and name on GitHub (https://github.com/OWNER?tab=packages)"
	var s signal
	switch {
	case strings.Contains(rest, "login") || strings.Contains(rest, "ghcr.io/v2/\"") || strings.HasSuffix(rest, "ghcr.io/v2/"):
		// A login's check (GET /v2/): no package is asked for yet, so
		// the token itself is refused.
		s = sig(badCreds, wLikely+5, "GHCR refused the login: the token is not one it takes", expired, noPerm)
		s.fix = []string{
			"log in with a personal access token (classic) that has read:packages (write:packages to push) as the password, and your GitHub user name: " + ghcrLogin,
			"a token of an organisation with SAML single sign-on must be authorised for it (the token's Configure SSO); a token past its expiry date is refused alike",
		}
	case c.pushLine():
		s = sig(noPerm, wLikely+5, "GHCR refused the push: the token cannot write this package", badCreds, regName)
		s.fix = ghcrWrite
	case strings.Contains(rest, "/token") && !strings.Contains(rest, "%3apull"):
		return // a token for no pull: a login's
	case !denied || strings.Contains(rest, "anonymous token") || c.s.loggedIn == "ghcr.io" || nodePull(c.line):
		// No stored token was sent (an anonymous token's request), or
		// the one sent was just given (a login that succeeded), or the
		// pull is a node's, whose secret no logout reaches.
		s = sig(noPerm, wLikely+5, "GHCR refused the pull: the package is private (or has no such name), and no token that may read it was sent", regName, badCreds)
		s.fix = []string{"a private package: " + ghcrLogin + ", with a token that has read:packages, or make the package public in its settings", owner}
	default:
		s = sig(anonBlock, wLikely+5, "GHCR refused the pull with a bare denied: what it says to a stale stored token, to a package name that does not exist and to a private package alike", regName, noPerm, expired)
		s.fix = []string{
			"a public package: docker logout ghcr.io, and pull again (a token that expired or lost read:packages is refused where no token is not)",
			owner + ": GHCR says denied for one that does not exist",
			"a private package: " + ghcrLogin + ", with a token that has read:packages",
		}
	}
	c.emit(s)
}

// readQuayUnauthorized reads Quay's "access to the requested resource is
// not authorized" on a pull: it says so for a repository that does not
// exist (a typo, a tag not yet published) as for a private one, and the
// corpus' threads were the name far more often. A push it refuses so is
// the account's.
func readQuayUnauthorized(c *lineCtx) {
	if c.pushLine() || strings.Contains(c.lo, "login") {
		return
	}
	prev := strings.ToLower(c.prev())
	if !c.pull && !c.s.pull && !strings.Contains(c.lo, "pull") && !strings.Contains(c.lo, "reading manifest") &&
		!strings.Contains(prev, "pull") && !strings.Contains(prev, "unable to find image") {
		return
	}
	s := sig(regName, wLikely+5, "the registry refused the pull as not authorized: Quay says so for a repository that does not exist as for a private one", noPerm, badCreds)
	s.fix = []string{
		"check the organisation, repository and tag on the registry's site (quay.io/repository/ORG/REPO?tab=tags): a tag not yet published, or a name with a typo, is refused this way",
		"a private repository: docker login quay.io with an account or robot account that may read it",
	}
	c.emit(s)
}

// readGeo reads a registry's DENIED that names a place.
func readGeo(c *lineCtx) {
	for _, w := range geoWords {
		if strings.Contains(c.lo, w) {
			c.emit(sig(firewall, wStrong, "the registry refuses requests from where this one came from ("+w+")", noPerm))
			return
		}
	}
}

// readTLSRecord reads a TLS record (0x15 0x03: an alert) where an HTTP
// answer was expected: the server speaks TLS, and the client spoke plain
// HTTP to it. After proxyconnect, the server is the proxy.
func readTLSRecord(c *lineCtx) {
	if strings.Contains(c.lo, "proxyconnect") {
		s := sig(netDown, wCertain, "the proxy answered in TLS: its address says http://", tlsFail)
		s.fix = []string{"the proxy's port speaks TLS: write its address as https://… in HTTPS_PROXY (the daemon's too), or use the proxy's plain-HTTP port"}
		c.emit(s)
		return
	}
	s := sig(tlsFail, wStrong, "the server answered in TLS to plain HTTP", netDown)
	s.fix = []string{"the registry speaks TLS: drop the client's plain-HTTP option (--plain-http, --insecure with http://, an http:// endpoint) and trust its certificate instead"}
	c.emit(s)
}

// readKubeAPI reads kubectl that did not reach its cluster: nothing it
// printed is about a registry yet (kubectl describe pod with no cluster
// to ask). A hint only, which the line's other signals yield to (emit):
// a pull's failure in the same paste is what that paste is about.
func readKubeAPI(c *lineCtx) {
	s := sig(dockerEnv, wHint, "kubectl did not reach its cluster")
	if strings.Contains(c.lo, "unable to connect to the server: ") {
		s.Weight -= 5 // its reason follows, which may be this machine's (a clock)
	}
	s.fix = []string{
		"kubectl did not reach its cluster's API server, so this output says nothing about a registry yet: kubectl config current-context (the cluster it asks), kubectl cluster-info",
		"once it answers, the pod's events name the pull's failure: kubectl describe pod POD",
	}
	c.emit(s)
}

// readAPIApp reads docker-modem's form of an Engine API error, "(HTTP
// code 500) server error - …", whose reason is the one its call names
// for the status (a pull's 500: "server error"), or "unexpected".
func readAPIApp(c *lineCtx) {
	c.s.facts.apiApp = c.s.facts.apiApp || strings.Contains(c.lo, ") unexpected") ||
		strings.Contains(c.lo, "(http code 500) server error") && strings.Contains(c.lo, "unauthorized")
}

// whichKeys are the words before a program that could not be started:
// GitHub Actions' toolkit (@actions/io which), and Ruby's Errno::ENOENT
// (Kamal: "No such file or directory - docker").
var whichKeys = []string{"unable to locate executable file: ", rubyENOENT}

const rubyENOENT = "no such file or directory - "

// readWhich reads a program a step runs not found: docker itself, or a
// credential helper.
func readWhich(c *lineCtx) {
	var tool string
	for _, key := range whichKeys {
		if i := strings.Index(c.lo, key); i >= 0 {
			var rest string
			tool, rest, _ = strings.Cut(c.lo[i+len(key):]+" ", " ")
			if key == rubyENOENT && strings.TrimSpace(rest) != "" && !strings.HasPrefix(rest, "(errno::enoent)") {
				return // Ruby's message ends with the program: words after it are another's
			}
			break
		}
	}
	tool = strings.TrimSuffix(strings.TrimSuffix(strings.Trim(tool, "'\""), "."), ".exe")
	if dir, base := path.Split(strings.ReplaceAll(tool, "\\", "/")); dir != "" {
		if !strings.HasSuffix(dir, "/bin/") && !strings.HasSuffix(dir, "/docker/") {
			return // a path that is no program's place (/app/config/docker)
		}
		tool = base
	}
	switch {
	case tool == "docker":
		s := sig(dockerEnv, wCertain, "docker is not installed where the step runs")
		s.fix = []string{"run the step where Docker is installed (a runner or agent image with Docker), or install it in an earlier step", "docker version   # in the step: the client and its daemon"}
		c.emit(s)
	case strings.HasPrefix(tool, "docker-credential-"):
		c.emit(sig(credStore, wCertain, "the credential helper "+tool+" is not installed"))
	}
}

// readPlainHTTP reads HTTP answered where Docker spoke TLS. ACR speaks
// only TLS, so there a proxy answered; a registry of one's own speaks plain
// HTTP until it is given a certificate (or listed as insecure).
// The host that answered decides, where the line names it; a hidden
// name (***, xxx) is not known to be ACR's: a registry that speaks plain
// HTTP is nearly always one of one's own.
func readPlainHTTP(c *lineCtx) {
	acr := c.target == acrTarget
	req := c.reqHost
	if i := strings.Index(c.lo, "://"); req == "" && i >= 0 {
		req, _ = urlHost(c.lo[i+3:]) // a host that is no registry's (localhost) sets no reqHost
	}
	if h, _ := hostPort(strings.ToLower(req)); h != "" {
		acr = classify(h) == acrTarget && !isPlaceholder(h)
	}
	if acr {
		c.emit(sig(netDown, wLikely, "plain HTTP answered for ACR: a proxy", tlsFail, regName))
		return
	}
	s := sig(tlsFail, wLikely, "the registry speaks plain HTTP, not TLS", netDown, regName)
	s.fix = fixPlainHTTP(req)
	c.emit(s)
}

// readHTMLBody reads an error answer that was a web page, not the
// registry's JSON (distribution's "error parsing HTTP 404 response body:
// invalid character '<'"): a 404 page says no registry is at that
// address or path. Other statuses are read by readStatuses.
func readHTMLBody(c *lineCtx) {
	if strings.Contains(c.lo, "http 404 response body") {
		c.emit(sig(regName, wLikely, "a web page, not a registry, answered 404", regError))
	}
}

// readNoAPI reads a login whose /v2/ is not found. An ACR login server
// always serves it, so there the registry's front end failed; anywhere
// else the address answers but is no registry: a Nexus with no Docker
// connector, a web site's name.
func readNoAPI(c *lineCtx) {
	if c.target == acrTarget {
		c.emit(sig(regError, wLikely, "ACR's /v2/ not found", netDown))
		return
	}
	c.emit(sig(regName, wLikely, "no registry API at this address (/v2/ not found)", regError))
}

// credFiles are the paths of the files a client keeps registry
// credentials in: Docker's config.json and containers/image's auth.json,
// with its directory under /run.
var credFiles = []string{"config.json", "auth.json", "/run/containers/"}

// readCredFile reads a credential file the client may not read or write:
// the store, not the registry, failed the login.
func readCredFile(c *lineCtx) {
	for _, w := range []string{"permission denied", "read-only file system", "operation not permitted", "access is denied"} {
		if c.has(w) {
			c.emit(sig(credStore, wStrong, "the credential file: "+w, dockerEnv))
			return
		}
	}
	// A file no client can parse: Docker ignores all of it, Podman fails.
	for _, w := range []string{"invalid character", "unexpected end of json", "cannot unmarshal", "unmarshaling json", "error parsing config file", "failed to decode config file"} {
		if c.has(w) {
			c.emit(sig(credStore, wStrong, "the credential file is not valid JSON"))
			return
		}
	}
}

// hostKeys are the words around which registry hosts and image references
// are printed: every reference context, and the words of URLs, lookups and
// registry names.
func hostKeys() []string {
	keys := []string{
		"://", "azur", "cr.io", "docker.io", "mcr.microsoft", "host='", "pulling from host ", `logging into "`, "/blobs/uploads/ in ", "token for", "lookup", "dns lookup to", "resolve host",
		"enotfound", "fqdn", "host name resolution", "unknownhostexception", "unknown host",
	}
	for _, rc := range refContexts {
		keys = append(keys, strings.TrimSpace(rc.key))
	}
	return keys
}

// readAADSTS reads "AADSTS<digits>" codes.
//
// Entra nests its errors: "AADSTS70002: Error validating credentials.
// AADSTS50012: Client assertion is not within its valid time range." The
// last code of a line is the specific one; those before it are its
// wrappers and only hint.
func readAADSTS(c *lineCtx) {
	x := codes()
	var found []signal
	seen := map[string]bool{}
	for off := 0; len(seen) < perLine; {
		i := strings.Index(c.lo[off:], "aadsts")
		if i < 0 {
			break
		}
		off += i + len("aadsts")
		end := off
		for end < len(c.lo) && '0' <= c.lo[end] && c.lo[end] <= '9' {
			end++
		}
		num := c.lo[off:end]
		if num == "" || seen[num] {
			continue
		}
		seen[num] = true
		msg := c.lo[end:]
		last := true
		if j := strings.Index(msg, "aadsts"); j >= 0 {
			msg, last = msg[:j], false
		}
		code, ok := x.aadsts[num]
		switch {
		case strings.Contains(msg, "within its valid time range"):
			// readTimeRange weighs the times the message states.
			found = append(found, signal{Weight: -1, What: "AADSTS" + num})
		case last && timeRangeCodes[num] && ranOn(c.continued(4), "within its valid time range"):
			// The message wraps: its times are on the lines that follow.
			found = append(found, assertionVerdict("AADSTS"+num, c.continued(4)))
		case !ok:
			found = append(found, sig(badCreds, wPossible, "AADSTS"+num, expired, notInAAD))
		default:
			found = append(found, signal{Cause: code.cause, Weight: code.weight, Class: code.class, Alt: code.alt, What: "AADSTS" + num + ": " + code.what})
		}
	}
	for i, s := range found {
		if s.Weight < 0 {
			continue
		}
		if i < len(found)-1 {
			s.Weight = min(s.Weight, wPossible)
		}
		c.emit(s)
	}
}

// timeRangeCodes are the codes whose message says the assertion is "not
// within its valid time range" (times.go reads the times it states).
var timeRangeCodes = map[string]bool{"700024": true, "500133": true, "50012": true}

// ranOn reports whether text holds phrase, in any case.
func ranOn(text, phrase string) bool { return indexFold(text, phrase) >= 0 }

// readSysErrno reads "[WinError N]", "[Errno N]" and "errno N".
func readSysErrno(c *lineCtx) {
	x := codes()
	for _, prefix := range []string{"winerror", "[errno", "errno "} {
		for off, n := 0, 0; n < perLine; n++ {
			i := strings.Index(c.lo[off:], prefix)
			if i < 0 {
				break
			}
			off += i + len(prefix)
			n, ok := numberAfter(c.lo[off:])
			if !ok {
				continue
			}
			e := x.winsock[n]
			if e == nil {
				e = x.errno[n]
			}
			if e == nil {
				continue
			}
			s := signal{Cause: e.cause, Weight: e.weight, Class: e.class, What: strings.ToUpper(e.name)}
			if e.class == dnsMissing {
				dnsSignal(c, s)
				continue
			}
			c.emit(s)
		}
	}
}

// dnsSignal emits a name-resolution failure: for a registry host that is
// or was meant to be ACR, the name does not exist; for any other, the
// resolver or the network is at fault.
func dnsSignal(c *lineCtx, s signal) {
	h := strings.ToLower(c.dnsHost())
	if unsetLiteral(h) {
		// A script's empty variable, printed by the language it lives in.
		s.Cause, s.Weight, s.Alt = regName, wStrong, alts(netDown)
		s.What += ": the registry name is " + h + ", from a variable that was never set"
		c.emit(s)
		return
	}
	if label, _, _ := strings.Cut(h, "."); strings.Trim(label, "*") == "" && len(label) >= 3 {
		// What a CI masks is a secret's value: the secret holds a name
		// that does not resolve.
		s.Cause, s.Alt = regName, alts(netDown)
		s.What += ": the registry name comes from a masked secret, and it does not resolve: check the secret's value"
		c.emit(s)
		return
	}
	if h != "" && !isPlaceholder(h) && acrish(h) && !strings.Contains(h, ".data.azurecr.") {
		s.Cause, s.Alt = regName, alts(netDown)
		s.What += ": " + h + " does not resolve"
	} else if strings.Contains(h, ".data.azurecr.") {
		// A data endpoint is ACR's to name, never the user's: it does not
		// resolve where DNS misses its private endpoint's record.
		s.Alt = alts(firewall, regName)
		s.What += ": the data endpoint " + h + " does not resolve"
	} else {
		s.Alt = alts(regName)
	}
	c.emit(s)
}

// bareLabel reports whether h is a single DNS label other than localhost:
// no registry on the internet has such a name.
func bareLabel(h string) bool {
	return h != "" && h != "localhost" && !strings.ContainsAny(h, ".:[<$%{") && hostBytes(h)
}

// acrish reports whether h is, or was evidently meant to be, an ACR host.
func acrish(h string) bool {
	if strings.Contains(h, "azurecr") {
		return true
	}
	h, _ = hostPort(h)
	_, ok := misspelt(h)
	return ok
}

// dnsHost is the host a line failed to resolve: the one after "lookup",
// or else the host of its request.
func (c *lineCtx) dnsHost() string {
	for _, k := range dnsContexts {
		if i := strings.Index(c.lo, k); i >= 0 {
			if h := hostToken(c.line[i+len(k):]); h != "" {
				return h
			}
		}
	}
	if c.s.lookup != "" && c.s.lookupAt == c.i-1 {
		// "lookup HOST on …" wrapped onto this line, maybe in mid-name.
		if whole := c.s.lookup + hostToken(c.line); c.s.lookupCut && acrish(strings.ToLower(whole)) {
			return whole
		}
		return c.s.lookup
	}
	if c.reqHost == "" {
		// .NET and Java name the host beside the message:
		// "No such host is known. (myreg.azurecr.io:443)".
		if hs := acrHosts(c.line, c.lo, 1); len(hs) > 0 {
			return hs[0]
		}
	}
	return c.reqHost
}

// hostToken is the host name that starts s, with placeholder characters,
// without a trailing dot or colon.
func hostToken(s string) string {
	s = strings.TrimLeft(s, " \"'[(")
	end := 0
	for end < len(s) && (isHostByte(s[end]) || isPlaceholderByte(s[end]) && s[end] != ']' && s[end] != '[') {
		end++
	}
	return strings.TrimRight(s[:end], ".:")
}

// statusKeys are the words HTTP statuses are printed with.
var statusKeys = []string{
	"401", "403", "404", "407", "413", "429", "500", "502", "503", "504",
	"internal server error", "bad gateway", "service unavailable", "gateway timeout",
}

// readStatuses reads the HTTP statuses of a line: a 4xx or 5xx number
// where a status is printed ("status: 401", "code 403", "HTTP 429",
// "401 Unauthorized", az's "Response code: 403"), or a 5xx reason alone.
func readStatuses(c *lineCtx) {
	lo := c.lo
	if gitLine(lo) {
		return // a clone's or a fetch's answer, not a registry's
	}
	seen := map[int]bool{}
	for i := 0; i+3 <= len(lo); i++ {
		if !isStatus(lo, i) {
			continue
		}
		n := int(lo[i]-'0')*100 + int(lo[i+1]-'0')*10 + int(lo[i+2]-'0')
		if seen[n] {
			continue
		}
		seen[n] = true
		az := strings.HasSuffix(strings.TrimRight(lo[max(0, i-16):i], " "), "response code:")
		statusSignal(c, n, az)
	}
	if !seen[500] && !seen[502] && !seen[503] && !seen[504] {
		for _, r := range []string{"internal server error", "bad gateway", "service unavailable", "gateway timeout"} {
			if strings.Contains(lo, r) && !daemonAPI(lo) {
				c.emit(signal{Cause: regError, Weight: wHint, Class: serverFail, What: r, Alt: alts(netDown)})
				break
			}
		}
	}
}

// readRegistryCode reads the registry's UNKNOWN error code as
// go-containerregistry prints a registry's answer, after the request it
// failed: "GET https://…/oauth2/token?…: UNKNOWN: …". The code is upper
// case and follows a request: "unknown:" in lower case ends local errors
// too ("not found: unknown: file does not exist").
func readRegistryCode(c *lineCtx) {
	i := strings.Index(c.line, ": UNKNOWN: ")
	if i < 0 || c.reqHost == "" || !strings.Contains(c.line[:i], "https://") {
		return
	}
	c.emit(signal{Cause: regError, Weight: wWeak, Class: serverFail, What: "the registry answered UNKNOWN", Alt: alts(netDown)})
}

// isStatus reports whether lo[i:i+3] is an HTTP error status as printed.
func isStatus(lo string, i int) bool {
	d := lo[i : i+3]
	if d[0] != '4' && d[0] != '5' || !isDigit(d[1]) || !isDigit(d[2]) {
		return false
	}
	if i > 0 && (isAlnum(lo[i-1]) || lo[i-1] == '.' || lo[i-1] == '-' || lo[i-1] == '/') {
		return false
	}
	if i+3 < len(lo) && (isAlnum(lo[i+3]) || lo[i+3] == '-' || lo[i+3] == '/' || lo[i+3] == '.' && i+4 < len(lo) && isDigit(lo[i+4])) {
		return false
	}
	if i > 1 && lo[i-1] == ':' && isAlnum(lo[i-2]) && !strings.HasSuffix(lo[:i-1], "status") && !strings.HasSuffix(lo[:i-1], "code") {
		return false // a tag (nginx:429), not a status
	}
	if strings.HasSuffix(lo[:i], "[manifests ") || strings.HasSuffix(lo[:i], "[blobs ") {
		return false // containerd's reference ("[manifests 429]")
	}
	after := strings.TrimLeft(lo[i+3:], " \"'(")
	for _, r := range statusReasons {
		if strings.HasPrefix(after, r.words) {
			// The reason is the code's own, or another code's words
			// follow a number that is no status ("app:429 not found").
			return r.code == d
		}
	}
	before := lo[max(0, i-24):i]
	for _, w := range []string{"status", "code", "http", "response", "returned", "received", "fail", "error ", "error:"} {
		if strings.Contains(before, w) {
			return true
		}
	}
	return false
}

// statusReasons are the reason phrases a status is printed with, each
// with its code.
var statusReasons = []struct{ words, code string }{
	{"unauthorized", "401"}, {"forbidden", "403"}, {"not found", "404"}, {"proxy authentication", "407"},
	{"request entity too large", "413"}, {"payload too large", "413"}, {"content too large", "413"},
	{"too many requests", "429"}, {"internal server error", "500"}, {"bad gateway", "502"},
	{"service unavailable", "503"}, {"gateway timeout", "504"},
}

func statusSignal(c *lineCtx, n int, az bool) {
	what := "HTTP " + strconv.Itoa(n)
	if az {
		what = "Response code: " + strconv.Itoa(n)
	}
	switch {
	case n == 401 && az:
		// az's AAD token exchange refused: the identity has no role on the
		// registry, or its token is for another tenant.
		c.emit(sig(noPerm, wLikely+2, what, badCreds, expired))
	case n == 401:
		c.emit(signal{Cause: badCreds, Weight: wPossible + 3, Class: authFail, What: what, Alt: authAlt})
	case n == 403 && az:
		c.emit(sig(firewall, wCertain, what, noPerm))
	case n == 403 && (strings.Contains(c.lo, "denied: ") || strings.Contains(c.lo, `"code":"denied"`)):
		// The registry's own DENIED code says why: a role, not a network rule.
	case n == 403 && oauthError(c.lo):
		// A token service's refusal, with OAuth's reason ("invalid_grant"):
		// the reason says why.
	case n == 403 && c.target == otherTarget:
		// Other registries answer a missing permission with a bare 403;
		// ACR its network rules.
		c.emit(sig(noPerm, wLikely+2, what, firewall))
	case n == 403:
		c.emit(sig(firewall, wLikely+2, what, noPerm))
	case n == 404 && az:
		c.emit(sig(regError, wPossible, what, regName))
	case n == 404 && c.manifestAsked():
		s := sig(regName, wLikely, what+" for a manifest: no such repository or tag", noPerm)
		s.Class = noImage
		c.emit(s)
	case n == 407:
		c.emit(sig(netDown, wStrong+5, what+": proxy authentication required"))
	case n == 413:
		// A body over the server's limit: a reverse proxy in front of the
		// registry (nginx's client_max_body_size) refuses a layer.
		c.emit(sig(regError, wLikely, what+": the server's limit on a request's size (a proxy in front of the registry)", netDown))
	case n == 429:
		c.emit(sig(throttled, wCertain, what))
	case n >= 500 && tokenRequest(c.lo):
		// The token service failed: the credential was never judged.
		c.emit(sig(regError, wLikely+5, what+" from the token service", netDown))
	case n >= 500 && !daemonAPI(c.lo):
		c.emit(signal{Cause: regError, Weight: wHint + 5, Class: serverFail, What: what, Alt: alts(netDown)})
	}
}

// oauthError reports whether the line carries OAuth's refusal of a
// refresh token ({"error":"invalid_grant", …}), which a phrase reads.
func oauthError(lo string) bool {
	return strings.Contains(lo, `"error":"invalid_grant"`) || strings.Contains(lo, `"error": "invalid_grant"`)
}

// manifestAsked reports whether the line, or the one before it (curl's
// "Downloading URL", then its error), asked for a manifest.
func (c *lineCtx) manifestAsked() bool {
	return strings.Contains(c.lo, "/manifests/") || strings.Contains(c.prev(), "/manifests/")
}

// tokenRequest reports whether the line's failed request asked the
// registry's token service for a token.
func tokenRequest(lo string) bool {
	for _, w := range []string{"fetch oauth token", "fetch anonymous token", "/oauth2/token", "/oauth2/exchange", "/token?", "/token:"} {
		if strings.Contains(lo, w) {
			return true
		}
	}
	return false
}

// daemonAPI: the status is the Docker daemon's own, around a registry
// error it passes on, not the registry's.
func daemonAPI(lo string) bool {
	for off := 0; ; {
		i := strings.Index(lo[off:], "/v1.")
		if i < 0 {
			break
		}
		off += i + len("/v1.")
		j := off
		for j < len(lo) && isDigit(lo[j]) {
			j++
		}
		if j > off && j+1 < len(lo) && lo[j] == '/' && 'a' <= lo[j+1] && lo[j+1] <= 'z' {
			return true // /v1.40/images/create: the Engine API
		}
	}
	return strings.Contains(lo, "docker api responded") || strings.Contains(lo, "statuscode:5") || strings.Contains(lo, "server error: internal server error (")
}

// readHelper reads a credential helper's failure: "docker-credential-X"
// missing, failing or refusing the registry.
func readHelper(c *lineCtx) {
	if helper, err, ok := helperNotRun(c.lo); ok {
		s := sig(credStore, wCertain, "credential helper "+helper+" cannot run here: "+err)
		if strings.HasSuffix(helper, ".exe") {
			s.fix = []string{"a Windows helper named in WSL's ~/.docker/config.json: turn on WSL integration in Docker Desktop, or take credsStore (" + strings.TrimPrefix(strings.TrimSuffix(helper, ".exe"), "docker-credential-") + ".exe) out of that file"}
		}
		c.emit(s)
		return
	}
	for _, w := range []string{
		"executable file not found", "not found in", "no such file", "command not found", "not installed",
		"not recognized", "error while loading shared libraries", "cannot open shared object",
		"can only be used with", "exit status", "exited with", "resolves to executable", "unknown action", "does not have",
	} {
		if c.has(w) {
			c.emit(sig(credStore, wCertain, "credential helper: "+w))
			return
		}
	}
	if c.has("error") || c.has("fail") {
		c.emit(sig(credStore, wHint+5, "credential helper error"))
	}
}

// readEmptyPassFolder reads docker-credential-pass failing on a
// registry whose folder in the password store holds no credential: pass
// is set up, and pass init would mend nothing.
func readEmptyPassFolder(c *lineCtx) {
	server, ok := shell.EmptyPassFolder(c.line)
	if !ok {
		return
	}
	s := sig(credStore, wCertain+5, "docker-credential-pass: the registry's folder in the password store holds no credential")
	s.fix = shell.EmptyPassFolderFix(server).Lines()
	c.emit(s)
}

// readLockedPassKey reads gpg failing under docker-credential-pass with
// "decryption failed: No secret key", which it says both of a missing key
// and of one locked by a passphrase with no terminal to ask for it on.
func readLockedPassKey(c *lineCtx) {
	s := sig(credStore, wCertain+5, "gpg cannot decrypt the credential: its key is missing, or locked with no terminal to ask for the passphrase")
	s.fix = shell.LockedPassKeyFix(c.host, "", shell.HostPort(c.host).Or("<registry>")).Lines()
	c.emit(s)
}

// helperNotRun reads the system's refusal to run a helper, which it
// prints after the program's path and nothing after the reason but the
// helper client's ", out: …": "/usr/sbin/docker-credential-desktop.exe:
// Invalid argument", "fork/exec …desktop.exe: exec format error, out: …".
func helperNotRun(lo string) (helper, reason string, ok bool) {
	i := strings.Index(lo, "docker-credential-")
	name, rest, found := strings.Cut(lo[i:], ": ")
	if !found || strings.ContainsAny(name, " \t\"'") {
		return "", "", false
	}
	rest, _, _ = strings.Cut(rest, ", out:")
	rest = strings.TrimRight(rest, " \t`'\".")
	for _, w := range []string{"invalid argument", "exec format error", "permission denied"} {
		if rest == w {
			return name, w, true
		}
	}
	return "", "", false
}

// readIPSANs reads "x509: cannot validate certificate for ADDR because
// it doesn't contain any IP SANs": the registry was asked for by address.
// ACR's certificates, and every public registry's, name hosts only: the
// name is wrong. A registry on a port of its own (a NodePort, :5000) is
// one's own, whose certificate lacks the address it is served on; and the
// daemon's own (docker-machine's) connection is the daemon's certificate.
func readIPSANs(c *lineCtx) {
	const what = "the certificate names no IP address, and an address was asked for"
	switch {
	case daemonAPI(c.lo):
		c.emit(sig(tlsFail, wStrong, what+": the Docker daemon's certificate", dockerEnv, netDown))
		// docker-machine's certificates name the daemon's address: what
		// answered there is most likely a proxy.
		c.emit(sig(netDown, wPossible, "a proxy answering in the Docker daemon's place", tlsFail))
	case sentElsewhere(c):
		s := sig(tlsFail, wStrong, what+": the registry sent the client on to an address (its token realm, a redirect) that its certificate does not name", regError)
		s.fix = []string{"set the registry's external name (Harbor's hostname, the token realm of its auth configuration) to a name its certificate names, or add the address to the certificate's subject alternative names (IP SANs)"}
		c.emit(s)
	case ownPort(c.reqHost, c.s.req):
		req := c.reqHost
		if req == "" {
			req = c.s.req
		}
		s := sig(tlsFail, wCertain, what+": a registry on a port of its own, whose certificate lacks its address", regName)
		s.fix = []string{
			"connect by a name the registry's certificate names, or give it a certificate with this address among its subject alternative names (IP SANs)",
			shell.Sprintf("openssl s_client -connect %s </dev/null | openssl x509 -noout -ext subjectAltName   # the names it covers", connectTo(strings.ToLower(req))),
		}
		c.emit(s)
	default:
		c.emit(sig(regName, wStrong, what+": use the registry's name", tlsFail))
	}
}

// readRealm reads a token request that the registry sent to another
// address than the one asked, which was not reached: the token realm the
// registry gives out is its configured external name (Harbor's hostname),
// an address of its own network that this machine does not reach.
func readRealm(c *lineCtx) {
	i := strings.Index(c.lo, "://")
	if i < 0 {
		return
	}
	asked, _ := urlHost(c.lo[i+3:])
	j := strings.Index(c.lo[i+3:], "://")
	if j < 0 {
		return
	}
	realm, path := urlHost(c.lo[i+3+j+3:])
	ah, _ := hostPort(asked)
	rh, _ := hostPort(realm)
	if !strings.Contains(path, "token") || !isAddr(rh) || rh == ah || !strings.Contains(c.lo, "dial tcp "+rh) {
		return
	}
	s := sig(regError, wCertain, "the registry sent the token request to "+rh+", an address other than the one asked, and it was not reached: the registry's configured external name", netDown)
	s.fix = []string{"set the registry's external name (Harbor's hostname, the token realm of its auth configuration) to the name or address clients reach it by"}
	c.emit(s)
}

// sentElsewhere reports whether the address the certificate was asked
// for is not the registry asked by name: the registry itself sent the
// client there.
func sentElsewhere(c *lineCtx) bool {
	const key = "cannot validate certificate for "
	i := strings.Index(c.lo, key)
	req, _ := hostPort(c.reqHost)
	if i < 0 || req == "" || isAddr(req) {
		return false
	}
	addr, _, _ := strings.Cut(c.lo[i+len(key):], " ")
	return isAddr(addr)
}

// ownPort reports whether the request's registry, on this line or the
// last to name one, is served on a port other than 443 and is not ACR.
func ownPort(reqs ...string) bool {
	for _, r := range reqs {
		if r != "" {
			h, port := hostPort(r)
			return port != "" && port != "443" && !strings.Contains(strings.ToLower(h), ".azurecr.")
		}
	}
	return false
}

// readCertName reads "x509: certificate is valid for A, B, not C": the
// certificate names other hosts than the one asked.
func readCertName(c *lineCtx) {
	i := strings.Index(c.lo, "certificate is valid for")
	names := c.lo[i:]
	j := strings.Index(names, " not ")
	if j < 0 {
		return
	}
	asked := hostToken(c.line[i+j+len(" not "):])
	lo := strings.ToLower(asked)
	switch {
	case strings.Contains(lo, ".privatelink."):
		c.emit(sig(regName, wCertain, "a privatelink host used as the registry name", tlsFail))
	case strings.Contains(names[:j], ".azurecr.") && !loginserver.IsACR(lo):
		c.emit(sig(regName, wStrong+5, "ACR's certificate does not name "+asked, tlsFail))
	default:
		s := sig(tlsFail, wStrong+2, "certificate for other names than "+asked+": a proxy or another service answers", regName) // over the words it is wrapped in
		s.fix = []string{
			"use the name the certificate is for, or reissue the certificate with this name (its subject alternative names)",
			shell.Sprintf("if the names are a proxy's or another service's, that one answers in the registry's place: check DNS and the proxy for %s", shell.Host(asked).Or("<registry>")),
		}
		c.emit(s)
	}
}

// servicePullKeys are what an Azure service that pulls an app's image
// prints when the pull fails: App Service's Docker API wrapper. It pulls
// with the registry credentials configured for the app, whatever registry
// the image reference names.
var servicePullKeys = []string{"dockerapiexception", "docker api responded with status code"}

// readAnonymous notes that the text says the registry allows anonymous
// pull (az acr's flag, the portal's wording): an authentication failure is
// then stored credentials sent where none were needed. "failed to fetch
// anonymous token" says the opposite and does not count.
func readAnonymous(c *lineCtx) {
	lo := c.lo
	for off, n := 0, 0; n < perLine; n++ {
		i := strings.Index(lo[off:], "anonymous")
		if i < 0 {
			return
		}
		off += i + len("anonymous")
		rest := lo[off:]
		k := 0
		for k < len(rest) && k < 4 && !isAlnum(rest[k]) {
			k++
		}
		if strings.HasPrefix(rest[k:], "pull") && !strings.HasPrefix(rest, " token") {
			c.s.facts.anonymousPull = true
			return
		}
	}
}

// readDetail reads the repository a registry's error names: a registry
// host inside it ("library/myreg.azurecr.io", "mcr.microsoft.com/…" as a
// repository of another registry) means the reference was split where the
// user did not mean it. An action beyond pull and push that a token lacks
// (metadata_read) is a scope the identity was not given.
func readDetail(c *lineCtx) {
	for off, n := 0, 0; n < perLine; n++ {
		i := strings.Index(c.lo[off:], "library/")
		if i < 0 {
			break
		}
		off += i + len("library/")
		if h := hostToken(c.line[off:]); registryHost(h) {
			c.emit(sig(regName, wCertain, "the registry host "+h+" read as a Docker Hub repository: the reference has no registry in front"))
			return
		}
	}
	if i := strings.Index(c.lo, `"type":"repository"`); i >= 0 {
		if j := strings.Index(c.lo[i:], `"name":"`); j >= 0 {
			repo := c.line[i+j+len(`"name":"`):]
			if h := hostToken(repo); registryHost(h) && strings.HasPrefix(repo[len(h):], "/") {
				c.emit(sig(regName, wCertain, "the repository name starts with a registry host ("+h+"): the reference names two registries"))
				return
			}
		}
	}
	for _, a := range []string{"metadata_read", "metadata_write"} {
		if c.has(a) {
			c.emit(sig(noPerm, wLikely+2, "the registry asks for "+a+", which the credential's scope lacks", badCreds))
			return
		}
	}
}

// registryHost reports whether h is a registry host rather than a
// repository name with a dot in it.
func registryHost(h string) bool {
	lo := strings.ToLower(h)
	if !strings.Contains(lo, ".") {
		return false
	}
	switch classify(lo) {
	case acrTarget, mcrTarget, hubTarget:
		return !isPlaceholder(lo) || strings.Contains(lo, ".azurecr.")
	}
	return acrish(lo)
}

// readLogin reads the server a login command was given.
func readLogin(c *lineCtx) {
	for _, tool := range loginTools {
		k := tool + " login"
		if i := strings.Index(c.lo, k); i >= 0 {
			if rest := c.lo[i+len(k):]; rest != "" && rest[0] != ' ' && rest[0] != '\t' {
				continue // named in prose ("may require 'docker login'"), not run
			}
			if before := strings.TrimSpace(c.lo[:i]); tool == "registry" && (strings.HasSuffix(before, "apptainer") || strings.HasSuffix(before, "singularity")) {
				return // Apptainer's login, which takes docker://HOST by design
			}
			// As typed: a shell's quoting is what it did to the words.
			if u := shellAte(c.line[i+len(k):]); u != "" {
				c.emit(signal{Cause: badCreds, Weight: wLikely + 5, Class: keyMiss, Alt: alts(regName),
					What: "the username " + u + " holds a $ the shell took for a variable: quote it ('" + u + "')"})
			}
			readLoginArgs(c, tool, shellWords(c.line[i+len(k):]))
			return
		}
	}
	// An argument list, as Python's subprocess, JSON logs and Go's %q
	// print one: ['podman', 'login', '-u', 'me', 'https:'].
	words := listWords(c.line)
	for i := 0; i+1 < len(words); i++ {
		if tool := strings.ToLower(words[i]); slices.Contains(loginTools, tool) && strings.EqualFold(words[i+1], "login") {
			readLoginArgs(c, tool, words[i+2:])
			return
		}
	}
}

// readLoginArgs reads the arguments of tool's login: the registry it was
// given, or that it was given none.
func readLoginArgs(c *lineCtx, tool string, args []string) {
	server := loginArg(args)
	if strings.HasPrefix(server, "$") && !strings.Contains(server, ".") {
		// The shell put the registry there: what the text then
		// shows of the login says whether it was empty.
		c.s.facts.loginVar = true
		return
	}
	if server == "" {
		if tool == "docker" && !slices.Contains(args, "--help") && slices.ContainsFunc(args, func(a string) bool { return strings.HasPrefix(a, "-") }) {
			// With options but no registry, Docker logs in to Docker Hub.
			c.emit(signal{Cause: regName, Weight: wLikely + 10, Class: hubLogin, Alt: alts(badCreds),
				What: "docker login without a registry logs in to Docker Hub: name the registry (docker login myreg.azurecr.io)"})
		}
		return
	}
	scheme, rest, hasScheme := strings.Cut(server, "://")
	if !hasScheme {
		rest = server
	}
	host, path, _ := strings.Cut(rest, "/")
	c.s.loginHost = strings.ToLower(host)
	if u, p := loginUser(args), loginPassword(args); u != p && credkind.SecretUsername(u, p, host) {
		// A secret as the username (given the wrong way round, or a
		// token): masked wherever the text shows it, as -p's value is.
		// One that is the password too is -p's, masked as that is.
		c.s.secretUsers = append(c.s.secretUsers, u)
	}
	if sv, ok := loginserver.Parse(c.s.loginHost); ok && strings.EqualFold(loginUser(args), sv.Name) {
		c.s.adminLogin = c.s.loginHost
	} else if c.s.adminLogin == c.s.loginHost {
		c.s.adminLogin = "" // the last login to it was another identity's
	}
	switch {
	case hasScheme && host == "" || strings.EqualFold(host, "https:") || strings.EqualFold(host, "http:"):
		c.emit(sig(regName, wCertain, "the registry name "+server+" is a scheme with no host: the variable that held the host was empty"))
		return
	case strings.Trim(path, "/") != "":
		c.emit(sig(regName, certainAt, "a path in the registry name "+server+": Docker keys credentials by host", netDown))
	case hasScheme && strings.EqualFold(scheme, "http"):
		// Docker drops the scheme and speaks TLS all the same: what the
		// login meant, a registry on plain HTTP, is what its answer shows.
		s := sig(regName, wWeak, "http:// in the registry name "+server, tlsFail, netDown)
		s.fix = []string{shell.Sprintf("docker login %s   # Docker drops the scheme and speaks TLS; a registry on plain HTTP is listed in the daemon's insecure-registries", shell.HostPort(host).Or("<registry>"))}
		c.emit(s)
	}
	// An address with a port of its own is one's own registry, where
	// an address may be what its certificate names.
	if h, port := hostPort(host); privateAddr(h) && port == "" {
		c.emit(sig(regName, wLikely+5, "an IP address ("+h+") where the registry's name belongs: its certificate names the host only", tlsFail))
	}
	checkName(c, host, hostRef)
}

// loginUser is the username a login command was given with -u or
// --username.
func loginUser(args []string) string { return loginFlag(args, "-u", "--username") }

// loginPassword is the password a login command was given (-p).
func loginPassword(args []string) string { return loginFlag(args, "-p", "--password") }

// loginFlag is the value of a login command's flag, short or long.
func loginFlag(args []string, short, long string) string {
	for i, a := range args {
		if v, ok := strings.CutPrefix(a, long+"="); ok {
			return strings.Trim(v, `"'`)
		}
		if (a == short || a == long) && i+1 < len(args) {
			return strings.Trim(args[i+1], `"'`)
		}
	}
	return ""
}

// shellAte is the username of a login command when it has a $ inside a
// word and is not in single quotes: Harbor's robot$name, which the shell
// turns into "robot". A $ at its start is a variable meant as one.
func shellAte(s string) string {
	f := strings.Fields(s)
	for i := 0; i+1 < len(f); i++ {
		if f[i] != "-u" && f[i] != "--username" {
			continue
		}
		u := f[i+1]
		if j := strings.IndexByte(u, '$'); j > 0 && isAlnum(u[j-1]) && !strings.HasPrefix(u, "'") {
			return u
		}
		return ""
	}
	return ""
}

// loginTools are the commands whose "login" readLogin reads: docker,
// podman, Helm's "registry login", oras, nerdctl.
var loginTools = []string{"docker", "podman", "registry", "oras", "nerdctl"}

// valued are the login options of those tools that take a value.
var valued = map[string]bool{"-u": true, "-p": true, "--username": true, "--password": true, "--authfile": true,
	"--cert-dir": true, "--registry-config": true, "--cert-file": true, "--key-file": true, "--ca-file": true,
	"--secret": true, "--config": true, "--creds": true, "--compat-auth-file": true, "--identity-token": true}

// loginArg is the first argument of a login command that is not an option
// or an option's value.
func loginArg(args []string) string {
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case valued[a]:
			i++
		case strings.HasPrefix(a, "-") || strings.HasPrefix(a, "<") && strings.HasSuffix(a, ">") && !strings.Contains(a, "."):
		default:
			a = strings.TrimLeft(a, `"'`)
			if j := strings.IndexAny(a, `"'`); j >= 0 {
				a = a[:j]
			}
			return strings.TrimRight(a, ".")
		}
	}
	return ""
}

// shellWords splits s at white space as a shell would around a command
// substitution ("$(oc whoami -t)" is one word), a quoted value with
// blanks in it ('pa ss', --password="pa ss") and an escaped blank
// (pa\ ss). Quotes stay: a log's own quotes close nothing the shell
// opened, and are left to the reader of the word.
func shellWords(s string) []string {
	var out []string
	var cur strings.Builder // the word being joined; built, not re-concatenated, so that a line of escaped blanks costs its length
	depth, open, joining := 0, byte(0), false
	for _, w := range strings.Fields(s) {
		if joining {
			cur.WriteByte(' ')
		} else if cur.Len() > 0 {
			out = append(out, cur.String())
			cur.Reset()
		}
		cur.WriteString(w)
		depth = max(depth+strings.Count(w, "$(")-strings.Count(w, ")"), 0)
		switch {
		case open != 0 && strings.HasSuffix(w, string(open)):
			open = 0
		case open == 0:
			open = opensQuote(w)
		}
		joining = depth > 0 || open != 0 || strings.HasSuffix(w, `\`)
	}
	if cur.Len() > 0 {
		out = append(out, cur.String())
	}
	return out
}

// opensQuote is the quote a word opens and does not close ('pa, or
// --password="pa), or 0.
func opensQuote(w string) byte {
	if _, v, ok := strings.Cut(w, "="); ok && strings.HasPrefix(w, "-") {
		w = v
	}
	if len(w) == 0 || w[0] != '\'' && w[0] != '"' {
		return 0
	}
	if q := w[0]; len(w) == 1 || w[len(w)-1] != q {
		return q
	}
	return 0
}

// listWords is the items of the first argument list on line that holds
// "login", as Python's repr, JSON and Go's %q write one: quoted strings
// in brackets, apart by commas or spaces, a backslash escaping the next
// byte. It tries the first perLine brackets only: a line of brackets and
// quotes must not cost their square.
func listWords(line string) []string {
	for off, n := 0, 0; off < len(line) && n < perLine; n++ {
		i := strings.IndexByte(line[off:], '[')
		if i < 0 {
			return nil
		}
		off += i + 1
		var items []string
		j := off
		for {
			for j < len(line) && (line[j] == ' ' || line[j] == ',') {
				j++
			}
			if j >= len(line) || line[j] != '\'' && line[j] != '"' {
				break
			}
			q := line[j]
			var w strings.Builder
			for j++; j < len(line) && line[j] != q; j++ {
				if line[j] == '\\' && j+1 < len(line) {
					j++
				}
				w.WriteByte(line[j])
			}
			items = append(items, w.String())
			j++
		}
		if slices.ContainsFunc(items, func(w string) bool { return strings.EqualFold(w, "login") }) {
			return items
		}
	}
	return nil
}

// readResolved notes a registry host that resolved to a private address:
// the client goes through a private endpoint or a local proxy, so a
// registry that does not answer is the network path to it.
func readResolved(c *lineCtx) {
	if i := strings.Index(c.lo, " at ip "); i >= 0 && strings.Contains(c.lo, "dns lookup to") {
		if ip := hostToken(c.line[i+len(" at ip "):]); privateAddr(ip) {
			c.s.facts.privateDNS = true
		}
		return
	}
	if i := strings.Index(c.lo, "dial tcp: lookup "); i >= 0 && reasonCut(c.lo[i+len("dial tcp: lookup "):]) {
		// Go prints "lookup" only for a lookup that failed.
		c.emit(sig(netDown, wPossible+10, "a name lookup failed (its reason is cut off)", regName))
	}
	if i := strings.Index(c.lo, "dial tcp "); i >= 0 && c.target == acrTarget {
		addr := c.line[i+len("dial tcp "):]
		if j := strings.LastIndexByte(strings.Fields(addr + " ")[0], ':'); j > 0 && privateAddr(addr[:j]) {
			c.s.facts.privateDNS = true
		}
	}
}

// reasonCut reports whether what follows "lookup " is a name, maybe "on"
// the resolver's address, and nothing after but the start of a reason:
// the reason was cut off.
func reasonCut(rest string) bool {
	f := strings.Fields(rest)
	if len(f) > 0 {
		f = f[1:] // the name
	}
	if len(f) > 0 && f[0] == "on" {
		f = f[1:]
		if len(f) > 0 && strings.Trim(f[0], "0123456789.:[]abcdef") == "" {
			f = f[1:] // the resolver's address, maybe cut too
		}
	}
	cut := strings.Trim(strings.Join(f, " "), ".…\"'`)]} ")
	if cut == "" {
		return true
	}
	for _, r := range lookupReasons {
		if len(cut) < len(r) && strings.HasPrefix(r, cut) {
			return true
		}
	}
	return false
}

// lookupReasons are what Go says after a failed lookup, in lower case.
var lookupReasons = []string{"no such host", "server misbehaving", "i/o timeout", "read udp", "dial udp", "connection refused", "temporary failure in name resolution"}

func isDigit(b byte) bool { return '0' <= b && b <= '9' }
func isAlnum(b byte) bool { return isDigit(b) || 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z' }

// readNotFound reads a registry's answer that it holds no manifest for
// the reference where no code table can: containerd's reference followed
// by ": not found", a registry's reference or Helm's oci:// one before it,
// and containers/image's "manifest unknown" that ends its line.
func readNotFound(c *lineCtx) {
	lo := strings.TrimRight(c.lo, "\"'`]}).,;\\ ")
	if !strings.HasSuffix(lo, "manifest unknown") && !refNotFound(lo) && !namedNotFound(lo) && !endNotFound(lo) {
		return
	}
	s := sig(regName, wLikely, "the registry has no manifest for this reference", noPerm)
	s.Class = noImage
	c.emit(s)
}

// endNotFound reports whether lo ends with "REF: not found" for a
// reference that names its registry, or Helm's and ORAS's "oci://REF: not
// found" (oras-go v2, Helm, notation): no such chart, artifact or tag. A
// quoted one is containerd's `image "REF": not found`, left unread
// (TestToolOutputs).
func endNotFound(lo string) bool {
	rest, ok := strings.CutSuffix(lo, ": not found")
	f := strings.Fields(rest)
	if !ok || len(f) == 0 {
		return false
	}
	ref := f[len(f)-1]
	if r, ok := strings.CutPrefix(ref, "oci://"); ok {
		return r != ""
	}
	domain, remote := splitDomain(ref)
	return !strings.ContainsAny(ref, "\"'") && strings.HasPrefix(ref, domain) && strings.Contains(domain, ".") &&
		strings.ContainsAny(remote, ":@")
}

// gitLine reports whether lo is git's own report of a remote it could not
// use: CI logs hold them beside pushes, and they are not about registries.
func gitLine(lo string) bool {
	lo = strings.TrimSpace(lo)
	return strings.HasPrefix(lo, "fatal: unable to access ") || strings.HasPrefix(lo, "fatal: repository '") ||
		strings.HasPrefix(lo, "fatal: could not read from remote repository") || strings.HasPrefix(lo, "remote: repository not found")
}

// namedNotFound reports whether lo holds a registry's or a daemon's
// "NOUN NAME not found": the daemon's "manifest for REF not found", a
// registry's "repository NAME not found" (Harbor, distribution), the old
// daemon's "Tag T not found in repository R" and "Error: image REF not
// found", Harbor's "project P not found".
func namedNotFound(lo string) bool {
	if strings.Contains(lo, " not found in repository ") || strings.HasPrefix(strings.TrimSpace(lo), "not found in repository ") {
		return true // the tag may have ended the line before (a wrapped event)
	}
	for _, noun := range []string{"manifest for ", "repository ", "tag ", "image ", "project "} {
		for off, n := 0, 0; n < perLine; n++ {
			i := strings.Index(lo[off:], noun)
			if i < 0 {
				break
			}
			off += i + len(noun)
			if i := off - len(noun); i > 0 && isAlnum(lo[i-1]) {
				continue // the end of another word
			}
			name, rest, _ := strings.Cut(lo[off:], " ")
			// Not containerd's `image "REF": not found`, whose bare
			// words are left unread (TestToolOutputs), nor git's quoted
			// "repository 'URL' not found".
			if name != "" && !strings.HasSuffix(name, ":") && !strings.ContainsAny(name[:1], `"'`) && strings.HasPrefix(rest, "not found") {
				return true
			}
		}
	}
	return false
}

// refNotFound reports whether lo holds containerd's
// `failed to resolve reference "REF": REF: not found`.
func refNotFound(lo string) bool {
	const key = `failed to resolve reference "`
	for off, n := 0, 0; n < perLine; n++ {
		i := strings.Index(lo[off:], key)
		if i < 0 {
			return false
		}
		off += i + len(key)
		ref, _, ok := strings.Cut(lo[off:], `"`)
		if ok && ref != "" && strings.HasPrefix(lo[off+len(ref):], `": `+ref+": not found") {
			return true
		}
	}
	return false
}

// readDone reads a pull or build that succeeded: the registry it named is
// done with, and a later line that names none is not about it (a base
// image pulled from Docker Hub before a push to ACR failed).
func readDone(c *lineCtx) {
	if strings.Contains(c.lo, " done ") || strings.Contains(c.lo, " cached") {
		// BuildKit's end of a step: "#4 DONE 1.2s", "#4 CACHED".
		step, rest, ok := strings.Cut(strings.TrimSpace(unstamped(c.lo)), " ")
		if !ok || len(step) < 2 || step[0] != '#' || strings.TrimLeft(step[1:], "0123456789") != "" ||
			!strings.HasPrefix(rest, "done ") && rest != "cached" || c.s.authPush && c.s.pushing {
			return // not a step's end, or one beside an authorized push, which goes on
		}
	}
	c.s.target, c.s.req, c.s.pull, c.s.pushing = noTarget, "", false, false
}

// nodeWords are the kubelet's words for a pull that failed.
var nodeWords = []string{"failed to pull image", "errimagepull", "imagepullbackoff", "back-off pulling image"}

// nodePull reports whether line is a cluster node's pull: the kubelet's
// event, which no login on this machine took part in.
func nodePull(line string) bool {
	lo := strings.ToLower(line)
	return slices.ContainsFunc(nodeWords, func(w string) bool { return strings.Contains(lo, w) })
}

// readNoTTY reads a login that had to prompt and could not: off a
// terminal, the username or password it was given was empty, or the
// terminal (mintty, a CI step) is not one Docker can prompt on.
func readNoTTY(c *lineCtx) {
	s := sig(dockerEnv, wLikely, "no terminal to ask for the password on", badCreds)
	s.fix = []string{
		shell.Sprintf(`give the password on stdin, and check that the variable holding it is set: echo "$PASSWORD" | docker login %s -u %s --password-stdin`,
			shell.HostPort(c.host).Or("<registry>"), shell.Placeholder("<username>")),
		"in Git Bash or mintty on Windows, run it through winpty, or from PowerShell",
	}
	c.emit(s)
}
