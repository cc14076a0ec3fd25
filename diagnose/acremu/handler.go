package acremu

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Error texts of the real service (acr-protocol.md §1.1, §1.2, §3).
const (
	msgAuthRequired  = "authentication required, visit https://aka.ms/acr/authorization for more information."
	msgNotRegistered = "Application not registered with AAD."
	msgInvalidClient = "Invalid clientid or client secret."
)

// acrError is one entry of ACR's error body. ACR capitalises the detail
// keys (Type, Name, Action), unlike Docker Distribution.
type acrError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Detail  any    `json:"detail,omitempty"`
}

type scopeDetail struct {
	Type   string
	Name   string
	Action string
}

func errorBody(code, message string, detail any) []byte {
	b, _ := json.Marshal(map[string][]acrError{"errors": {{Code: code, Message: message, Detail: detail}}})
	return b
}

// secretKeys are query and form keys whose values are never recorded.
var secretKeys = map[string]bool{
	"password": true, "refresh_token": true, "access_token": true,
	"client_secret": true, "token": true, "code": true, "assertion": true,
}

// exchange is one request being answered.
type exchange struct {
	s   *Server
	w   http.ResponseWriter
	r   *http.Request
	reg *registry // nil on OtherRealmHost and AuthorityHost
	// host is the host the request was sent to.
	host string
	// bodyFaults is set where DripBody, EndlessBody and HugeBody apply:
	// /v2/ and the token endpoints.
	bodyFaults bool
	status     int
	start      time.Time
	// login is the login event the answer completes, for a token endpoint
	// of a registry whose logs a workspace collects.
	login *LoginEvent
}

// serveHTTP answers everything the HTTPS server receives, direct or
// through the proxy: it records the request, then answers as the host it
// was sent to.
func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	if !s.enter() {
		abort()
	}
	defer s.active.Done()

	host := strings.ToLower(r.Host)
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	// Read the form before recording it; a token request is small.
	r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
	r.ParseForm() // a bad form is judged by the handler, as missing fields
	x := &exchange{s: s, w: w, r: r, host: host, start: time.Now()}
	setStatus := s.record(x.request())
	defer func() { setStatus(x.status) }()

	switch host {
	case OtherRealmHost:
		x.serveOtherRealm()
		return
	case AuthorityHost:
		x.serveAAD()
		return
	case ARMHost:
		x.serveARM()
		return
	case LogAnalyticsHost:
		x.serveLogAnalytics()
		return
	}
	x.reg = s.registry(host)
	if x.reg == nil {
		x.text(http.StatusMisdirectedRequest, "acremu: no registry "+host+"\n")
		return
	}
	x.serveRegistry()
}

// request is what is recorded of x's request.
func (x *exchange) request() Request {
	r := x.r
	req := Request{Host: x.host, Method: r.Method, Path: r.URL.Path, UserAgent: r.UserAgent()}
	if q := r.URL.Query(); len(q) > 0 {
		for k := range q {
			if secretKeys[strings.ToLower(k)] {
				q[k] = []string{"<redacted>"}
			}
		}
		req.Query = q
	}
	for k := range r.PostForm {
		req.Form = append(req.Form, k)
	}
	slices.Sort(req.Form)
	if a := r.Header.Get("Authorization"); a != "" {
		req.Auth, _, _ = strings.Cut(a, " ")
		if u, _, ok := r.BasicAuth(); ok {
			req.Username = u
		}
	}
	return req
}

// serveRegistry answers a request to a registry: latency first, then the
// faults that answer every path, then the path itself.
func (x *exchange) serveRegistry() {
	reg, r, ctx := x.reg, x.r, x.r.Context()
	if !x.s.wait(ctx, reg.Latency) {
		abort()
	}
	x.headers()
	path := r.URL.Path
	x.bodyFaults = path == "/v2/" || path == "/v2" || strings.HasPrefix(path, "/oauth2/")
	if path == "/oauth2/token" || path == "/oauth2/exchange" {
		x.startLogin()
	}

	switch {
	case reg.has(HungSocket):
		select {
		case <-ctx.Done():
		case <-x.s.closing:
		}
		abort()
	case reg.has(Firewall), reg.has(PublicAccessDisabled):
		msg := fmt.Sprintf("client with IP '%s' is not allowed access. Refer https://aka.ms/acr/firewall to grant access.", reg.ClientIP)
		x.json(http.StatusForbidden, errorBody("DENIED", msg, nil))
		return
	case reg.has(Throttle):
		x.w.Header().Set("Retry-After", "30")
		x.json(http.StatusTooManyRequests, errorBody("TOOMANYREQUESTS", "too many requests", nil))
		return
	case reg.has(ServerError):
		x.json(http.StatusServiceUnavailable, errorBody("UNAVAILABLE", "service unavailable", nil))
		return
	}

	switch {
	case path == "/v2/" || path == "/v2":
		x.servePing()
	case path == "/oauth2/token":
		x.serveToken(reg)
	case path == "/oauth2/exchange":
		x.serveExchange()
	case path == "/v2/_catalog":
		x.serveCatalog()
	case strings.HasPrefix(path, "/v2/"):
		x.serveRepository(strings.TrimPrefix(path, "/v2/"))
	default:
		x.json(http.StatusNotFound, errorBody("NOT_FOUND", "not found", nil))
	}
}

// headers sets what every ACR answer carries (acr-protocol.md §1.1).
func (x *exchange) headers() {
	h := x.w.Header()
	h.Set("Server", "AzureContainerRegistry")
	h.Set("Docker-Distribution-Api-Version", "registry/2.0")
	h.Set("X-Ms-Correlation-Request-Id", guid())
	h.Set("Access-Control-Expose-Headers", "Docker-Content-Digest, WWW-Authenticate, Link, X-Ms-Correlation-Request-Id")
	h.Add("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
	h.Add("Strict-Transport-Security", "max-age=31536000; includeSubDomains") // sent twice, as ACR does
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Date", x.reg.now().UTC().Format(http.TimeFormat))
}

// servePing answers GET /v2/.
func (x *exchange) servePing() {
	reg, r := x.reg, x.r
	if reg.has(RedirectLoop) {
		n, _ := strconv.Atoi(r.URL.Query().Get("redirect"))
		x.w.Header().Set("Location", "/v2/?redirect="+strconv.Itoa(n+1))
		x.status = http.StatusTemporaryRedirect
		x.w.WriteHeader(x.status)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		x.json(http.StatusMethodNotAllowed, errorBody("UNSUPPORTED", "The operation is unsupported.", nil))
		return
	}
	if _, ok := x.authorize(scope{}); ok {
		x.json(http.StatusOK, []byte("{}"))
	}
}

// authorize checks the request's credential for sc (no scope: any valid
// credential). When it fails it answers the request: 401 with a Basic
// challenge for bad Basic credentials (acr-protocol.md §1.1, Azure/acr#651),
// a Bearer challenge otherwise.
func (x *exchange) authorize(sc scope) (identity, bool) {
	reg, r := x.reg, x.r
	now := reg.now()
	auth := r.Header.Get("Authorization")
	scheme, cred, _ := strings.Cut(auth, " ")
	var detail any
	if sc.typ != "" {
		detail = []scopeDetail{{Type: sc.typ, Name: sc.name, Action: sc.actions[0]}}
	}
	switch {
	case strings.EqualFold(scheme, "Basic"):
		user, pass, ok := r.BasicAuth()
		if ok {
			if id, err := x.s.authenticate(reg, user, pass, now); err == nil {
				if sc.typ == "" || sc.permits(id.allowed(reg, sc.name)) {
					return id, true
				}
			}
		}
		x.w.Header().Set("WWW-Authenticate", `Basic realm="Azure Container Registry"`)
		x.json(http.StatusUnauthorized, errorBody("UNAUTHORIZED", msgAuthRequired, detail))
		return identity{}, false
	case strings.EqualFold(scheme, "Bearer"):
		access, err := x.s.verifyAccess(reg, strings.TrimSpace(cred), now)
		if err == nil && (sc.typ == "" || sc.permits(access.actions(sc))) {
			return identity{kind: kindBearer, access: access}, true
		}
		x.challenge(sc, err != nil)
		x.json(http.StatusUnauthorized, errorBody("UNAUTHORIZED", msgAuthRequired, detail))
		return identity{}, false
	}
	x.challenge(sc, false)
	x.json(http.StatusUnauthorized, errorBody("UNAUTHORIZED", msgAuthRequired, detail))
	return identity{}, false
}

// challenge sets the Bearer challenge for sc, bent by the registry's faults.
func (x *exchange) challenge(sc scope, invalidToken bool) {
	reg := x.reg
	realm := "https://" + reg.host + "/oauth2/token"
	switch {
	case reg.has(NoChallenge):
		return
	case reg.has(MalformedChallenge):
		x.w.Header().Set("WWW-Authenticate", "Bearer realm=https://"+reg.host+"/oauth2/token,service")
		return
	case reg.has(RealmOtherHost):
		realm = "https://" + OtherRealmHost + "/oauth2/token"
	}
	c := fmt.Sprintf(`Bearer realm=%q,service=%q`, realm, reg.host)
	if sc.typ != "" {
		c += fmt.Sprintf(`,scope=%q`, sc.String())
	}
	if invalidToken {
		// The variant the Go SDK documents (acr-protocol.md §1.1).
		c += `,error="invalid_token"`
	}
	x.w.Header().Set("WWW-Authenticate", c)
}

// serveRepository answers the manifest, config-blob and tag-list paths.
func (x *exchange) serveRepository(rest string) {
	r := x.r
	var repo, ref, kind string
	if i := strings.LastIndex(rest, "/manifests/"); i > 0 {
		repo, ref, kind = rest[:i], rest[i+len("/manifests/"):], "manifest"
	} else if i := strings.LastIndex(rest, "/blobs/"); i > 0 {
		repo, ref, kind = rest[:i], rest[i+len("/blobs/"):], "blob"
	} else if strings.HasSuffix(rest, "/tags/list") {
		repo, kind = strings.TrimSuffix(rest, "/tags/list"), "tags"
	} else {
		x.json(http.StatusNotFound, errorBody("NOT_FOUND", "not found", nil))
		return
	}
	if (kind != "tags" && r.Method != http.MethodGet && r.Method != http.MethodHead) ||
		(kind == "tags" && r.Method != http.MethodGet) {
		x.json(http.StatusMethodNotAllowed, errorBody("UNSUPPORTED", "The operation is unsupported.", nil))
		return
	}
	if _, ok := x.authorize(scope{typ: "repository", name: repo, actions: []string{"pull"}}); !ok {
		return
	}
	tags, ok := x.reg.Repositories[repo]
	if !ok {
		x.json(http.StatusNotFound, errorBody("NAME_UNKNOWN", "repository name not known to registry", map[string]string{"name": repo}))
		return
	}
	if kind == "tags" {
		b, _ := json.Marshal(map[string]any{"name": repo, "tags": nonNil(tags)})
		x.json(http.StatusOK, b)
		return
	}
	for _, tag := range tags {
		m := manifestFor(repo, tag)
		switch {
		case kind == "manifest" && (ref == tag || ref == m.digest):
			x.content(m.mediaType, m.digest, m.body)
			return
		case kind == "blob" && ref == m.configDigest:
			// ACR redirects blob downloads to storage (acr-protocol.md
			// §1.5); the emulator serves the one blob it has in place.
			x.content("application/octet-stream", m.configDigest, m.config)
			return
		}
	}
	if kind == "blob" {
		x.json(http.StatusNotFound, errorBody("BLOB_UNKNOWN", "blob unknown to registry", ref))
		return
	}
	x.json(http.StatusNotFound, errorBody("MANIFEST_UNKNOWN", "manifest tagged by \""+ref+"\" is not found", map[string]string{"Tag": ref}))
}

// content answers 200 with a manifest or blob.
func (x *exchange) content(mediaType, digest string, body []byte) {
	h := x.w.Header()
	h.Set("Content-Type", mediaType)
	h.Set("Docker-Content-Digest", digest)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	x.status = http.StatusOK
	x.w.WriteHeader(x.status)
	if x.r.Method == http.MethodGet {
		x.w.Write(body)
	}
}

// serveCatalog answers GET /v2/_catalog, for the admin user only.
func (x *exchange) serveCatalog() {
	if _, ok := x.authorize(scope{typ: "registry", name: "catalog", actions: []string{"*"}}); !ok {
		return
	}
	repos := make([]string, 0, len(x.reg.Repositories))
	for r := range x.reg.Repositories {
		repos = append(repos, r)
	}
	slices.Sort(repos)
	b, _ := json.Marshal(map[string][]string{"repositories": repos})
	x.json(http.StatusOK, b)
}

// serveOtherRealm is OtherRealmHost: a token service for whichever
// registry `service` names, and nothing else.
func (x *exchange) serveOtherRealm() {
	if x.r.URL.Path != "/oauth2/token" {
		x.text(http.StatusNotFound, "404 page not found\n")
		return
	}
	service := x.r.Form.Get("service")
	reg := x.s.registry(service)
	if reg == nil {
		x.text(http.StatusBadRequest, "unknown service\n")
		return
	}
	x.reg = reg
	x.serveToken(reg)
}

// json answers status with a JSON body.
func (x *exchange) json(status int, body []byte) {
	x.body(status, "application/json; charset=utf-8", body)
}

func (x *exchange) text(status int, body string) {
	x.body(status, "text/plain; charset=utf-8", []byte(body))
}

// body writes the answer, as the registry's body faults have it.
func (x *exchange) body(status int, contentType string, body []byte) {
	h := x.w.Header()
	h.Set("Content-Type", contentType)
	x.status = status
	if x.login != nil {
		x.finishLogin(status, body)
	}
	reg := x.reg
	switch {
	case !x.bodyFaults || reg == nil:
	case reg.has(DripBody):
		x.w.WriteHeader(status)
		x.drip(body)
		return
	case reg.has(EndlessBody):
		x.w.WriteHeader(status)
		x.endless()
		return
	case reg.has(HugeBody):
		x.huge(status, body)
		return
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	x.w.WriteHeader(status)
	if x.r.Method != http.MethodHead {
		x.w.Write(body)
	}
}

// dripInterval is the pause between two bytes of a DripBody body.
const dripInterval = 200 * time.Millisecond

func (x *exchange) drip(body []byte) {
	rc := http.NewResponseController(x.w)
	for i := range body {
		if _, err := x.w.Write(body[i : i+1]); err != nil {
			return
		}
		if rc.Flush() != nil || !x.s.wait(x.r.Context(), dripInterval) {
			abort()
		}
	}
}

// padding is the filler the long bodies are made of, written from one
// buffer so that neither EndlessBody nor HugeBody allocates its size.
var padding = bytes.Repeat([]byte("a"), 32<<10)

// endless writes `{"padding":"aaaa…` until the client goes away or the
// server closes: valid JSON so far, so only a size limit stops a reader.
func (x *exchange) endless() {
	ctx := x.r.Context()
	if _, err := x.w.Write([]byte(`{"padding":"`)); err != nil {
		abort()
	}
	rc := http.NewResponseController(x.w)
	for alive(ctx, x.s.closing) {
		if _, err := x.w.Write(padding); err != nil {
			abort()
		}
		if rc.Flush() != nil {
			abort()
		}
	}
	abort()
}

// hugeSize is the length of a HugeBody body.
const hugeSize = 64 << 20

// huge writes a hugeSize body, {"padding":"aaa…a",<the real fields>}, so a
// client that reads it all still finds the answer, after 64 MiB.
func (x *exchange) huge(status int, body []byte) {
	head := []byte(`{"padding":"`)
	tail := []byte(`"}`)
	if len(body) > 2 && body[0] == '{' && body[len(body)-1] == '}' {
		tail = append([]byte(`",`), body[1:]...)
	}
	n := hugeSize - len(head) - len(tail)
	x.w.Header().Set("Content-Length", strconv.Itoa(hugeSize))
	x.w.WriteHeader(status)
	if x.r.Method == http.MethodHead {
		return
	}
	if _, err := x.w.Write(head); err != nil {
		abort()
	}
	ctx := x.r.Context()
	for n > 0 {
		if !alive(ctx, x.s.closing) {
			abort()
		}
		chunk := padding[:min(n, len(padding))]
		if _, err := x.w.Write(chunk); err != nil {
			abort()
		}
		n -= len(chunk)
	}
	x.w.Write(tail)
}

// abort ends the handler and drops the connection mid-answer, so the
// client sees a cut-off response rather than a complete one: returning
// would let net/http finish it (an empty 200, or a terminated chunked
// body).
func abort() { panic(http.ErrAbortHandler) }

func alive(ctx context.Context, closing <-chan struct{}) bool {
	select {
	case <-ctx.Done():
		return false
	case <-closing:
		return false
	default:
		return true
	}
}

// ok answers 200 with v as JSON.
func (x *exchange) ok(v any) {
	b, _ := json.Marshal(v)
	x.json(http.StatusOK, b)
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// guid is a random (version 4) GUID, as ACR's correlation ids are.
func guid() string {
	b := make([]byte, 16)
	rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}
