package explain

import (
	"slices"
	"strings"
	"sync"

	"github.com/acr-doctor/acr-doctor/diagnose/loginserver"
)

// perLine bounds how many repeats of one statement a line is read for:
// pasted logs can hold a 64 KiB line of the same URL.
const perLine = 8

// maxRegistries bounds the registries a text is read for, and so the
// questions put to Options.Machine.
const maxRegistries = 32

// maxNames bounds the distinct host names checked in one text: each costs
// a parse, and a text that names thousands is not a log of logins.
const maxNames = 1024

// hostKind is where on a line a host was read, which decides what a fault
// in it means: a privatelink host in a lookup is the DNS answer, in a
// request it is the wrong name.
type hostKind uint8

const (
	hostURL  hostKind = iota // the host of a request URL
	hostRef                  // the registry of an image reference or a login
	hostDNS                  // a name being resolved
	hostBare                 // named in passing
)

// refContexts are where the tools print an image reference, and whether
// the operation is a push.
var refContexts = []struct {
	key  string
	push bool
	nth  int // the reference is the nth argument (docker tag SOURCE TARGET)
	// colon: the reference is followed by a colon and its error, as in
	// BuildKit's; without one the words are prose ("failed to push to …").
	colon bool
}{
	{key: "push refers to repository [", push: true},
	{key: "push refers to a repository [", push: true},
	{key: "docker push ", push: true},
	{key: "docker image push ", push: true},
	{key: "podman push ", push: true},
	{key: "nerdctl push ", push: true},
	{key: "oras push ", push: true},
	{key: "oci push ", push: true},
	{key: "push access denied for ", push: true},
	{key: "error pushing image to ", push: true},
	{key: "unable to push '", push: true},             // fabric8's docker-maven-plugin
	{key: "failed to push ", push: true, colon: true}, // BuildKit: "failed to push app:1: …"
	{key: "docker pull "},
	{key: "docker image pull "},
	{key: "podman pull "},
	{key: "nerdctl pull "},
	{key: "images pull "},
	{key: "docker tag ", nth: 1},
	{key: "successfully tagged "},
	{key: `pull image "`},
	{key: `pulling image "`},
	{key: "pulling image "},
	{key: "could not pull image "},
	{key: `resolve reference "`},
	{key: `resolve ref "`}, // the ECS agent's containerd
	{key: "pull access denied for "},
	// BuildKit's step lines: "#4 [internal] load metadata for REF",
	// "#5 [1/3] FROM REF".
	{key: "load metadata for "},
	{key: "resolve source metadata for "}, // BuildKit's last line: "failed to solve: REF: failed to resolve source metadata for REF: …"
	{key: "] from "},
	// containers/image (podman, skopeo, buildah): "reading manifest TAG
	// in REPO".
	{key: "reading manifest ", nth: 2},
	{key: "unable to pull '"},
	{key: "imagename: "},
	{key: ": from "},
	{key: "the image '"},
	// containers/image transports: "docker://app:latest".
	{key: "docker://"},
}

// dnsContexts are where the tools print a name being resolved.
var dnsContexts = []string{"lookup ", "dns lookup to ", "resolve host: ", "enotfound ", "fqdn ", "host name resolution (", "unknownhostexception: ", "unknown host "}

// hostIDs are the keyword indexes of the contexts readHosts looks for.
var hostIDs = sync.OnceValue(func() (ids struct {
	url, host, pulling, logging, uploads, auth int
	dns, refs                                  []int
}) {
	ids.url, ids.host, ids.pulling = keyID("://"), keyID("host='"), keyID("pulling from host ")
	ids.auth = keyID("token for")
	ids.logging, ids.uploads = keyID(`logging into "`), keyID("/blobs/uploads/ in ")
	for _, k := range dnsContexts {
		ids.dns = append(ids.dns, keyID(strings.TrimRight(k, " :(")))
	}
	for _, rc := range refContexts {
		ids.refs = append(ids.refs, keyID(strings.TrimSpace(rc.key)))
	}
	return ids
})

// readHosts finds the registry a line's request went to, the ACR login
// server it names, and what is wrong with the names it holds.
func readHosts(c *lineCtx) {
	var url, ref, dns target
	// Request URLs: the host of the first registry request wins. A line
	// with more than a few URLs says nothing more about names after them.
	ids := hostIDs()
	for off, n := 0, 0; n < perLine && c.saw(ids.url); n++ {
		i := strings.Index(c.lo[off:], "://")
		if i < 0 {
			break
		}
		off += i + 3
		raw, path := urlHost(c.line[off:])
		h, _ := hostPort(raw)
		lo := strings.ToLower(h)
		t := classify(lo)
		if t == noTarget || t == otherTarget && !registryPath(path) {
			continue
		}
		if url == noTarget {
			url = t
			c.reqHost = raw
			c.pull = strings.Contains(path, "/manifests/") || strings.Contains(path, "/blobs/") || pullScope(path)
			c.library = c.pull && strings.HasPrefix(path, "/v2/library/")
		}
		if strings.HasPrefix(lo, ".") && c.answered() {
			continue // a redacted name the registry answered for
		}
		checkName(c, raw, hostURL)
		if t == hubTarget && strings.Contains(strings.ToLower(path), ".azurecr.") {
			c.emit(sig(regName, wCertain, "an ACR host inside a Docker Hub path: the reference has no registry in front"))
		}
		if t == hubTarget {
			switch first := hubNamespace(path); {
			case hubOneComponent(path):
				// Docker Hub's API has no repository of one component:
				// an official image is library/NAME, which Docker adds
				// and other clients (oras, crane, curl) do not.
				s := sig(regName, wLikely+5, "a Docker Hub repository with no namespace in the request: an official image is library/NAME")
				s.fix = []string{"name an official image with its namespace: docker.io/library/NAME (the API path /v2/library/NAME/…)"}
				c.emit(s)
			case first != "" && isDigits(first):
				c.emit(sig(regName, wStrong, "a port where Docker Hub's namespace is: a registry's host:port was read as a Docker Hub repository"))
			case strings.Contains(first, "."):
				// Docker Hub's namespaces have no dots: this one is a host.
				c.emit(sig(regName, wStrong, "a host ("+first+") where Docker Hub's namespace is: a registry's name was read as a Docker Hub repository"))
			}
		}
	}
	// Python's urllib3: HTTPSConnectionPool(host='…', port=443).
	if i := strings.Index(c.lo, "host='"); i >= 0 && c.saw(ids.host) {
		raw, _, _ := strings.Cut(c.line[i+len("host='"):], "'")
		if url == noTarget {
			url = classify(strings.ToLower(strings.TrimSpace(raw)))
			c.reqHost = raw
		}
		checkName(c, raw, hostURL)
	}
	// containers/image's login, `logging into "HOST": …`, and its push,
	// "initiating layer upload to /v2/…/blobs/uploads/ in HOST: …".
	for _, k := range [...]string{`logging into "`, "/blobs/uploads/ in "} {
		i := strings.Index(c.lo, k)
		if i < 0 || !c.saw(ids.logging) && !c.saw(ids.uploads) {
			continue
		}
		if h := hostToken(c.line[i+len(k):]); h != "" && url == noTarget {
			url = classify(strings.ToLower(h))
			c.reqHost = h
			c.s.pushing = k != `logging into "`
			checkName(c, h, hostRef)
		}
	}
	// containerd's fetcher (BuildKit 0.13+, nerdctl): "pulling from host H
	// failed with status code [manifests 1.0]: 403 Forbidden".
	if i := strings.Index(c.lo, "pulling from host "); i >= 0 && c.saw(ids.pulling) {
		if h := hostToken(c.line[i+len("pulling from host "):]); h != "" {
			if url == noTarget {
				url = classify(strings.ToLower(h))
				c.reqHost = h
				c.pull = strings.Contains(c.lo[i:], "[manifests ") || strings.Contains(c.lo[i:], "[blobs ")
			}
			checkName(c, h, hostURL)
		}
	}
	// BuildKit's authorizer, before the push it authorizes: "#5 [auth]
	// org/app:pull,push token for ghcr.io". A pull's (a base image's) says
	// nothing of where the build pushes.
	if i := strings.Index(c.lo, " token for "); i >= 0 && c.saw(ids.auth) && strings.HasSuffix(c.lo[:i], "push") && strings.Contains(c.lo[:i], "[auth] ") {
		if h := hostToken(c.line[i+len(" token for "):]); h != "" && url == noTarget {
			url = classify(strings.ToLower(h))
			c.reqHost = h
			c.s.pushing, c.s.authPush = true, true
			checkName(c, h, hostRef)
		}
	}
	// Names being resolved.
	for j, k := range dnsContexts {
		if !c.saw(ids.dns[j]) {
			continue
		}
		if i := strings.Index(c.lo, k); i >= 0 {
			if h := hostToken(c.line[i+len(k):]); h != "" {
				dns = classify(strings.ToLower(h))
				checkName(c, h, hostDNS)
				if bareLabel(h) && strings.EqualFold(c.reqHost, h) {
					// A registry request to a name with no domain: a
					// region, a project or a service name where the
					// registry's host belongs. It explains the lookup.
					c.emit(sig(regName, wStrong+5, "the registry host "+h+" has no domain", netDown))
				}
				c.s.lookup, c.s.lookupAt = h, c.i
				// A name that runs to the end of a long line may go on
				// at the start of the next, where a terminal cut it.
				c.s.lookupCut = len(c.line) >= wrapAt && strings.HasSuffix(c.line, h)
			}
		}
	}
	for j, rc := range refContexts {
		if !c.saw(ids.refs[j]) {
			continue
		}
		i := strings.Index(c.lo, rc.key)
		if i < 0 {
			continue
		}
		if rc.key == "docker://" && (strings.Contains(c.lo[:i], " login ") || strings.HasSuffix(c.lo[:i], " login to ")) {
			continue // a login to a registry (Apptainer's docker://HOST), not an image
		}
		var r string
		switch {
		case strings.HasSuffix(rc.key, "["):
			r, _, _ = strings.Cut(c.line[i+len(rc.key):], "]")
		case rc.colon:
			// The first with its colon: goreleaser says "failed to push
			// REF after 1 tries: failed to push REF: …".
			for off, n := i, 0; n < perLine && r == ""; n++ {
				tok, _, _ := strings.Cut(c.line[off+len(rc.key):], " ")
				if r = strings.TrimSuffix(tok, ":"); r == tok {
					r = ""
				}
				j := strings.Index(c.lo[off+len(rc.key):], rc.key)
				if j < 0 {
					break
				}
				off += len(rc.key) + j
			}
		default:
			r = refArg(c.line[i+len(rc.key):], rc.nth)
		}
		if r == "" {
			continue
		}
		if t := readRef(c, r, rc.push); t != noTarget {
			ref = t
		}
	}
	switch {
	case url != noTarget:
		c.target, c.own = url, true
	case ref != noTarget:
		c.target, c.own = ref, true
	case dns != noTarget:
		c.target, c.own = dns, true
	}
	for _, h := range acrHosts(c.line, c.lo, 4) {
		if !c.own {
			c.target, c.own = classify(strings.ToLower(h)), true
		}
		if ls := loginServer(h); ls != "" {
			if c.host == "" {
				c.host = ls
			}
			c.s.facts.acr = true
			if len(c.s.registries) < maxRegistries && !slices.Contains(c.s.registries, ls) {
				c.s.registries = append(c.s.registries, ls)
			}
		}
		checkName(c, h, hostBare)
	}
	if strings.Contains(c.lo, "pulling from ") || strings.Contains(c.lo, "pull access denied for ") {
		c.s.pushing = false // a pull's own words: what was pushed before is done
	}
	if !c.own && hubNamed(c.lo) {
		// containers/image (podman, skopeo, buildah) names the repository
		// after the operation: "reading manifest latest in
		// docker.io/library/app", "… in registry-1.docker.io".
		c.target, c.own = hubTarget, true
	}
	if !c.own {
		readMisspelt(c)
	}
}

// hubOneComponent reports whether a Docker Hub API path names a
// repository of one component (/v2/nginx/manifests/latest).
func hubOneComponent(path string) bool {
	rest, ok := strings.CutPrefix(path, "/v2/")
	name, api, more := strings.Cut(rest, "/")
	return ok && more && name != "" && (strings.HasPrefix(api, "manifests/") || strings.HasPrefix(api, "blobs/") || strings.HasPrefix(api, "tags/list"))
}

// hubNamespace is the first repository component of a Docker Hub API
// path (/v2/NAMESPACE/app/…), or "" where there is none.
func hubNamespace(path string) string {
	rest, ok := strings.CutPrefix(path, "/v2/")
	first, _, more := strings.Cut(rest, "/")
	if !ok || !more {
		return ""
	}
	return first
}

// hubNamed reports whether the lower-case line names Docker Hub as a
// registry (its host, or "docker.io/" at the start of a reference), not
// in a link to its site or documentation.
func hubNamed(lo string) bool {
	for _, h := range []string{"registry-1.docker.io", "index.docker.io", "docker.io/"} {
		for off := 0; ; {
			i := strings.Index(lo[off:], h)
			if i < 0 {
				break
			}
			at := off + i
			off = at + len(h)
			if at == 0 || !isHostByte(lo[at-1]) && lo[at-1] != '/' {
				return true
			}
		}
	}
	return false
}

// answered reports whether a registry's answer is on the line: then its
// host resolved, and a host that looks empty was redacted, not unset.
func (c *lineCtx) answered() bool {
	for _, w := range []string{"denied", "unauthorized", "forbidden", "toomanyrequests", "not allowed access"} {
		if c.has(w) {
			return true
		}
	}
	return false
}

// urlHost reads the host of a URL (what follows "://") and its path.
func urlHost(s string) (host, path string) {
	end := 0
	for end < len(s) && (isHostByte(s[end]) || isPlaceholderByte(s[end]) || s[end] == ':' || s[end] == '@') {
		end++
	}
	host = s[:end]
	if i := strings.LastIndexByte(host, '@'); i >= 0 {
		host = host[i+1:]
	}
	rest := s[end:]
	if j := strings.IndexAny(rest, " \t\"'`),"); j >= 0 {
		rest = rest[:j]
	}
	return host, rest
}

// pullScope reports whether a token request asks for pull alone
// ("?scope=repository%3Ateam%2Fapp%3Apull"): the token a pull needs.
func pullScope(path string) bool {
	lo := strings.ToLower(path)
	_, scope, ok := strings.Cut(lo, "scope=")
	if !ok {
		return false
	}
	scope, _, _ = strings.Cut(scope, "&")
	return (strings.HasSuffix(scope, "%3apull") || strings.HasSuffix(scope, ":pull")) && !strings.Contains(scope, "push")
}

// registryPath reports whether a URL path is a registry's API, so that a
// link to documentation does not count as the request.
func registryPath(p string) bool {
	for _, pre := range []string{"/v2", "/v1/", "/oauth2/", "/token", "/helm/", "/acr/"} {
		if strings.HasPrefix(p, pre) {
			return true
		}
	}
	return false
}

// refArg is the nth argument (0-based) after a reference context, options
// skipped.
func refArg(s string, nth int) string {
	s = strings.TrimLeft(s, " \"'(")
	for {
		end := strings.IndexAny(s, " \t\"'`,()")
		tok := s
		if end >= 0 {
			tok = s[:end]
		}
		if tok == "" {
			return ""
		}
		if !strings.HasPrefix(tok, "-") {
			if nth == 0 {
				return strings.TrimRight(tok, ".:")
			}
			nth--
		}
		if end < 0 {
			return ""
		}
		s = strings.TrimLeft(s[end:], " \t\"'`,()")
	}
}

// readRef reads an image reference as Docker does and returns the kind of
// registry it goes to.
func readRef(c *lineCtx, r string, push bool) target {
	c.s.pushing = push
	if strings.HasPrefix(r, "/") || strings.HasPrefix(r, ":") {
		c.emit(sig(regName, wLikely+5, "the image reference "+r+" starts with an empty part: an unset variable"))
		return noTarget
	}
	whole := r
	if i := strings.Index(r, "@sha256:"); i >= 0 {
		r = r[:i]
	}
	domain, remote := splitDomain(r)
	explicit := strings.HasPrefix(r, domain)
	if !explicit && hostOnly(r) {
		c.emit(sig(regName, wCertain, "the image reference "+r+" is a registry's host with no repository: Docker sends it to Docker Hub as an image's name"))
		return hubTarget
	}
	switch {
	case !explicit && strings.ContainsAny(r, "<>{}[]$*"):
		return acrTarget // redacted whole: someone's registry
	case !explicit && !plausibleRef(remote):
		return noTarget // a word where a reference was expected
	}
	h, _ := hostPort(domain)
	t := classify(strings.ToLower(h))
	if t == hubTarget {
		if push {
			c.s.facts.hubPush = true
		}
		repo := strings.ToLower(remote)
		switch first, _, more := strings.Cut(repo, "/"); {
		case explicit && more && strings.Contains(first, "."):
			// Docker Hub's namespaces have no dots: this one is a host,
			// behind a registry named twice (a mirror's prefix).
			s := sig(regName, wStrong, "a host ("+first+") where Docker Hub's namespace is, in "+r+": the registry is named twice")
			if strings.Contains(first, ".azurecr.") {
				s.Weight = wCertain
			}
			s.fix = []string{"name the registry once: " + Redact(whole[len(domain)+1:])} // the text's words, redacted as evidence is
			c.emit(s)
		case strings.Contains(repo, ".azurecr.") || acrish(firstPart(strings.TrimPrefix(repo, "library/"))):
			c.emit(sig(regName, wCertain, "the image reference "+r+" goes to Docker Hub: the ACR host is where Docker reads a repository name"))
		}
		return t
	}
	if t == otherTarget && c.reqHost == "" {
		c.reqHost = h // the registry the fixes name, where no URL does
	}
	checkName(c, domain, hostRef)
	return t
}

// hostOnly reports whether a reference with no "/" is a registry's host
// rather than an image's name: Docker Hub has no official image named
// with two dots, or after a domain (gcr.io, quay.io). The host may be
// redacted in part ("***.dkr.ecr.eu-west-1.amazonaws.com").
func hostOnly(ref string) bool {
	name, _, _ := strings.Cut(ref, ":")
	if strings.Contains(name, "/") || !strings.Contains(name, ".") {
		return false
	}
	tld := name[strings.LastIndexByte(name, '.')+1:]
	if len(tld) < 2 || strings.Trim(strings.ToLower(tld), "abcdefghijklmnopqrstuvwxyz") != "" {
		return false
	}
	return strings.Count(name, ".") >= 2 || strings.EqualFold(tld, "io")
}

// cutAt reports whether the line ends in raw, long enough to have been
// cut there by a terminal, and a line follows that may hold the rest.
func (c *lineCtx) cutAt(raw string) bool {
	return len(c.line) >= wrapAt && strings.HasSuffix(c.line, raw) && c.next() != "" && c.next()[0] != ' '
}

// firstPart is s up to its first "/" or ":".
func firstPart(s string) string {
	if i := strings.IndexAny(s, "/:"); i >= 0 {
		return s[:i]
	}
	return s
}

// checkName emits what is wrong with a registry host as written. A log
// names the same host on thousands of lines: the answer is kept per text.
func checkName(c *lineCtx, raw string, kind hostKind) {
	if c.cutAt(raw) {
		return // the rest of the name may be on the next line
	}
	key := string(rune('0'+kind)) + raw
	faults, ok := c.s.names[key]
	if !ok && len(c.s.names) >= maxNames {
		return // no log names this many hosts: the rest are not read
	}
	if !ok {
		faults = nameFaults(raw, kind)
		c.s.names[key] = faults
	}
	for _, f := range faults {
		c.emit(f)
	}
}

// nameFaults are what is wrong with a registry host as written, read as
// the kind of place it was read from.
func nameFaults(raw string, kind hostKind) (out []signal) {
	h, port := hostPort(raw)
	lo := strings.ToLower(strings.TrimSpace(h))
	switch {
	case h == "":
		return out
	case strings.HasPrefix(lo, ".azurecr.") || strings.HasPrefix(lo, "-"):
		out = append(out, signal{Cause: regName, Weight: wPossible, Class: unsetName, What: "the registry host " + h + " has no name in front: an unset variable", Alt: alts(firewall)})
		return out
	case isPlaceholder(lo):
		// A hidden name can still sit on a misspelt suffix.
		if _, rest, ok := strings.Cut(lo, "."); ok && !strings.Contains(rest, "azurecr.") {
			if _, ok := misspelt("name." + rest); ok {
				out = append(out, sig(regName, wCertain, "the registry host "+h+" has a misspelt suffix: "+rest))
			}
		}
		return out
	case unsetLiteral(lo):
		out = append(out, sig(regName, wStrong, "the registry host "+h+" was put together from a variable that was never set", netDown))
		return out
	case strings.Contains(lo, "%20") || strings.TrimSpace(h) != h || strings.ContainsAny(h, " \t"):
		out = append(out, sig(regName, wCertain, "white space in the registry host "+strings.TrimSpace(strings.ReplaceAll(h, "%20", " "))))
		return out
	}
	if !hostBytes(h) {
		return out // not a host name as written: a fragment of something else
	}
	if kind != hostDNS && kind != hostBare && strings.Contains(lo, ".privatelink.") && strings.Contains(lo, "azurecr") {
		out = append(out, sig(regName, wCertain, "the privatelink host "+lo+" used as the registry name; it is the DNS zone behind "+strings.Replace(lo, ".privatelink.", ".", 1)))
		return out
	}
	probs, acr := loginserver.Check(h)
	if !acr {
		if lo == "ko.local" {
			s := sig(regName, wStrong, "ko.local is ko's name for the local Docker daemon, not a registry: the image was never pushed", netDown)
			s.fix = []string{"set KO_DOCKER_REPO to the registry and repository to push to (KO_DOCKER_REPO=myreg.azurecr.io/app), then publish again"}
			out = append(out, s)
		}
		if meant := nearKnown(lo); meant != "" {
			out = append(out, sig(regName, wStrong, "the registry host "+lo+" is one letter from "+meant+": a misspelling"))
		}
		return out
	}
	if d, ok := misspelt(h); ok {
		out = append(out, sig(regName, wCertain, d))
		return out
	}
	for _, p := range probs {
		if p.Code == loginserver.UpperCase && !allCaps(firstPart(strings.SplitN(h, ".", 2)[0])) {
			out = append(out, signal{Cause: regName, Weight: wLikely + 2, Class: keyMiss, What: p.Detail})
		}
	}
	// A name with no domain and a port is a registry of one's own
	// (nexus:5000), not an ACR name missing its suffix.
	if port != "" && kind == hostRef && isDigits(port) && strings.Contains(lo, ".") {
		out = append(out, signal{Cause: regName, Weight: wLikely + 2, Class: keyMiss, What: "the registry host " + raw + " has a port: Docker looks its credential up under " + lo})
	}
	return out
}

// readMisspelt finds a misspelt ACR host named in passing
// ("myreg.azureacr.io", "myreg.azurecr.com").
func readMisspelt(c *lineCtx) {
	for off, n := 0, 0; n < perLine; n++ {
		i := strings.Index(c.lo[off:], "azur")
		if j := strings.Index(c.lo[off:], "cr.io"); j >= 0 && (i < 0 || j < i) {
			i = j
		}
		if i < 0 {
			return
		}
		start, end := off+i, off+i
		for start > 0 && !separator(c.line[start-1]) {
			start--
		}
		for end < len(c.line) && !separator(c.line[end]) {
			end++
		}
		off = end
		h := strings.TrimRight(c.line[start:end], ".:;")
		if !hostBytes(h) {
			continue
		}
		key := "m" + h
		faults, seen := c.s.names[key]
		if !seen {
			if len(c.s.names) >= maxNames {
				return
			}
			if d, ok := misspelt(h); ok {
				// The finding names the login server meant, not one the
				// text names elsewhere.
				f := sig(regName, wCertain, d)
				name, _, _ := strings.Cut(strings.ToLower(h), ".")
				f.Host = loginServer(name + ".azurecr.io")
				faults = []signal{f}
			}
			c.s.names[key] = faults
		}
		if len(faults) > 0 {
			c.emit(faults[0])
			c.target, c.own = acrTarget, true
			return
		}
	}
}

// knownHosts are the registries whose misspellings reach no registry at
// all, or someone else's.
var knownHosts = []string{"ghcr.io", "docker.io", "quay.io", "gcr.io", "registry.gitlab.com", "public.ecr.aws", "mcr.microsoft.com", "registry-1.docker.io", "index.docker.io", "registry.k8s.io"}

// nearKnown is the well-known registry host h is one edit from (a letter
// changed, added, dropped, or two swapped), or "".
func nearKnown(h string) string {
	if slices.Contains(knownHosts, h) {
		return "" // ghcr.io is one letter from gcr.io, and both are real
	}
	for _, k := range knownHosts {
		if h != k && oneEdit(h, k) {
			return k
		}
	}
	return ""
}

// oneEdit reports whether a and b differ by one edit: a substitution, an
// insertion or deletion, or two neighbours swapped.
func oneEdit(a, b string) bool {
	if len(a) < len(b) {
		a, b = b, a
	}
	if len(a)-len(b) > 1 {
		return false
	}
	i := 0
	for i < len(b) && a[i] == b[i] {
		i++
	}
	if len(a) > len(b) {
		return a[i+1:] == b[i:]
	}
	if i == len(a) {
		return false // equal
	}
	if a[i+1:] == b[i+1:] {
		return true // one substitution
	}
	return i+1 < len(a) && a[i] == b[i+1] && a[i+1] == b[i] && a[i+2:] == b[i+2:]
}

// separator ends a word that might be a host name.
func separator(b byte) bool {
	switch b {
	case ' ', '\t', '"', '\'', '/', '(', ')', ',', '=', '`':
		return true
	}
	return false
}

func isDigits(s string) bool {
	for i := range len(s) {
		if !isDigit(s[i]) {
			return false
		}
	}
	return s != ""
}

// misspelt reports whether h ends in a misspelt ACR suffix, with
// loginserver's words for it.
func misspelt(h string) (detail string, ok bool) {
	probs, acr := loginserver.Check(h)
	if !acr {
		return "", false
	}
	for _, p := range probs {
		if p.Code == loginserver.MisspeltSuffix {
			return p.Detail, true
		}
	}
	return "", false
}

// plausibleRef reports whether remote (a repository path with an optional
// tag) is spelt as a reference can be: lower-case path components of
// letters, digits and separators, a tag of letters, digits, "_", "." and
// "-". References: the grammar of github.com/distribution/reference
// (reference.go, v0.6.0), without its length limits.
func plausibleRef(remote string) bool {
	name, tag := remote, ""
	if i := strings.LastIndexByte(remote, ':'); i > strings.LastIndexByte(remote, '/') {
		name, tag = remote[:i], remote[i+1:]
		if tag == "" {
			return false
		}
	}
	for _, part := range strings.Split(name, "/") {
		if part == "" {
			return false
		}
		for i := range len(part) {
			b := part[i]
			if !('a' <= b && b <= 'z' || isDigit(b) || b == '.' || b == '_' || b == '-') {
				return false
			}
		}
	}
	for i := range len(tag) {
		b := tag[i]
		if !(isAlnum(b) || b == '.' || b == '_' || b == '-') {
			return false
		}
	}
	return true
}

// hostBytes reports whether h is made of host-name bytes only.
func hostBytes(h string) bool {
	for i := range len(h) {
		if !isHostByte(h[i]) || h[i] == '_' {
			return false
		}
	}
	return h != ""
}
