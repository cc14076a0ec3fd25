package acremu

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// LogAnalyticsHost is the emulator's Log Analytics query API, as azlogs
// calls it (the Log Analytics endpoint of [Server.Cloud]):
//
//   - POST /v1/workspaces/{customerID}/query, a workspace's rows;
//   - POST /v1{resourceID}/query, resource-centric: with a registry's ID,
//     that registry's rows; with a workspace's, the workspace's;
//
// with the JSON body {"query": "…", "timespan": "<ISO 8601 interval>"}
// (GET with ?query=&timespan= too). The one table is
// ContainerRegistryLoginEvents, fed by the registries whose
// [Resource.Workspace] is set, queried in the subset of KQL kql.go
// describes. Tokens are Azure AD tokens for the Log Analytics API's
// audience; the caller must be one of the workspace's Readers or, for a
// registry's rows, hold a role that reads the registry (Owner,
// Contributor, Reader, Log Analytics Reader). The ARM faults apply.
const LogAnalyticsHost = "api.loganalytics.acremu.test"

// logAnalyticsAudiences are the Log Analytics API's audiences, the public
// cloud's first.
var logAnalyticsAudiences = []string{"https://api.loganalytics.io", "https://api.loganalytics.azure.com"}

// LoginEvent is one row of ContainerRegistryLoginEvents: one answer of a
// registry's token endpoints. It holds no secret.
type LoginEvent struct {
	TimeGenerated time.Time // the registry's clock, UTC
	LoginServer   string
	// Identity is who the request claimed to be: the Basic username, the
	// subject of a refresh token presented, the upn (or appid) of an AAD
	// token exchanged; "" when anonymous.
	Identity        string
	CallerIPAddress string // CallerIpAddress
	// JwtID is the jti of the refresh token presented, or else of the one
	// issued, or "".
	JwtID             string // JwtId
	ResultType        string // the status answered, "200", "401", …
	ResultDescription string // "200", or the error message answered
	OperationName     string // "Login"
	UserAgent         string
	CorrelationID     string // CorrelationId, as in X-Ms-Correlation-Request-Id
	DurationMs        float64
	ResourceID        string // _ResourceId: the registry's ARM ID, lower case
	TenantID          string // TenantId: the workspace's CustomerID
}

// loginColumns are the columns of ContainerRegistryLoginEvents, in the
// order the table has them, with their values in a LoginEvent.
var loginColumns = []struct {
	kqlColumn
	value func(*LoginEvent) any
}{
	{kqlColumn{"TenantId", kqlString}, func(e *LoginEvent) any { return e.TenantID }},
	{kqlColumn{"TimeGenerated", kqlDatetime}, func(e *LoginEvent) any { return e.TimeGenerated }},
	{kqlColumn{"OperationName", kqlString}, func(e *LoginEvent) any { return e.OperationName }},
	{kqlColumn{"CorrelationId", kqlString}, func(e *LoginEvent) any { return e.CorrelationID }},
	{kqlColumn{"LoginServer", kqlString}, func(e *LoginEvent) any { return e.LoginServer }},
	{kqlColumn{"Identity", kqlString}, func(e *LoginEvent) any { return e.Identity }},
	{kqlColumn{"CallerIpAddress", kqlString}, func(e *LoginEvent) any { return e.CallerIPAddress }},
	{kqlColumn{"DurationMs", kqlReal}, func(e *LoginEvent) any { return e.DurationMs }},
	{kqlColumn{"ResultType", kqlString}, func(e *LoginEvent) any { return e.ResultType }},
	{kqlColumn{"ResultDescription", kqlString}, func(e *LoginEvent) any { return e.ResultDescription }},
	{kqlColumn{"UserAgent", kqlString}, func(e *LoginEvent) any { return e.UserAgent }},
	{kqlColumn{"JwtId", kqlString}, func(e *LoginEvent) any { return e.JwtID }},
	{kqlColumn{"Category", kqlString}, func(*LoginEvent) any { return loginTable }},
	{kqlColumn{"Type", kqlString}, func(*LoginEvent) any { return loginTable }},
	{kqlColumn{"_ResourceId", kqlString}, func(e *LoginEvent) any { return e.ResourceID }},
}

const loginTable = "ContainerRegistryLoginEvents"

// loginTableOf is events as the query language sees them.
func loginTableOf(events []LoginEvent) kqlTable {
	t := kqlTable{name: loginTable}
	for _, c := range loginColumns {
		t.cols = append(t.cols, c.kqlColumn)
	}
	for i := range events {
		row := make([]any, len(loginColumns))
		for j, c := range loginColumns {
			row[j] = c.value(&events[i])
		}
		t.rows = append(t.rows, row)
	}
	return t
}

// AddLoginEvent appends e to the login events of the registry host, for
// seeding history. Fields left empty are filled as the registry would:
// LoginServer, OperationName, CallerIPAddress, CorrelationID, ResourceID,
// TenantID, and TimeGenerated (now).
func (s *Server) AddLoginEvent(host string, e LoginEvent) {
	host = strings.ToLower(host)
	s.mu.Lock()
	reg := s.regs[host]
	s.mu.Unlock()
	if e.LoginServer == "" {
		e.LoginServer = host
	}
	if e.OperationName == "" {
		e.OperationName = "Login"
	}
	if e.CorrelationID == "" {
		e.CorrelationID = guid()
	}
	if e.TimeGenerated.IsZero() {
		e.TimeGenerated = time.Now()
	}
	e.TimeGenerated = e.TimeGenerated.UTC()
	if reg != nil {
		if e.CallerIPAddress == "" {
			e.CallerIPAddress = reg.ClientIP
		}
		if reg.ARM != nil && e.ResourceID == "" {
			e.ResourceID = strings.ToLower(reg.id())
		}
		if reg.ARM != nil && reg.ARM.Workspace != nil && e.TenantID == "" {
			e.TenantID = reg.ARM.Workspace.CustomerID
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.events == nil {
		s.events = make(map[string][]LoginEvent)
	}
	s.events[host] = append(s.events[host], e)
}

// LoginEvents returns the login events of the registry host, oldest first.
func (s *Server) LoginEvents(host string) []LoginEvent {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.events[strings.ToLower(host)])
}

// startLogin begins the login event of a request to a registry's token
// endpoint, when a workspace collects them. It records who the request
// claims to be, never what proves it.
func (x *exchange) startLogin() {
	reg, r := x.reg, x.r
	if reg.ARM == nil || reg.ARM.Workspace == nil {
		return
	}
	e := &LoginEvent{
		TimeGenerated:   reg.now().UTC(),
		LoginServer:     reg.host,
		CallerIPAddress: reg.ClientIP,
		OperationName:   "Login",
		UserAgent:       r.UserAgent(),
		CorrelationID:   x.w.Header().Get("X-Ms-Correlation-Request-Id"),
		ResourceID:      strings.ToLower(reg.id()),
		TenantID:        reg.ARM.Workspace.CustomerID,
	}
	if e.CorrelationID == "" {
		e.CorrelationID = guid()
	}
	fromRefresh := func(raw string) {
		c := unverified(raw)
		e.Identity, _ = c["sub"].(string)
		e.JwtID, _ = c["jti"].(string)
	}
	f := r.PostForm
	switch {
	case r.URL.Path == "/oauth2/exchange":
		c := unverified(f.Get("access_token"))
		for _, k := range []string{"upn", "unique_name", "appid"} {
			if v, _ := c[k].(string); v != "" {
				e.Identity = v
				break
			}
		}
		if rt := f.Get("refresh_token"); rt != "" {
			e.JwtID, _ = unverified(rt)["jti"].(string)
		}
	case r.Method == http.MethodPost && f.Get("grant_type") == "refresh_token":
		fromRefresh(f.Get("refresh_token"))
	case r.Method == http.MethodPost && f.Get("username") == NullGUID:
		fromRefresh(f.Get("password"))
	case r.Method == http.MethodPost:
		e.Identity = f.Get("username")
	default:
		if user, pass, ok := r.BasicAuth(); ok && user == NullGUID {
			fromRefresh(pass)
		} else if ok {
			e.Identity = user
		}
	}
	x.login = e
}

// unverified is the claims of a JWT, not verified; empty for anything else.
func unverified(raw string) jwt.MapClaims {
	c := jwt.MapClaims{}
	if raw != "" {
		jwt.NewParser().ParseUnverified(raw, c)
	}
	return c
}

// finishLogin records the login event of x with the answer: status and body.
func (x *exchange) finishLogin(status int, body []byte) {
	e := *x.login
	x.login = nil
	e.ResultType = strconv.Itoa(status)
	e.DurationMs = float64(time.Since(x.start).Microseconds()) / 1000
	if status == http.StatusOK {
		e.ResultDescription = "200"
		if e.JwtID == "" {
			var issued struct {
				RefreshToken string `json:"refresh_token"`
			}
			if json.Unmarshal(body, &issued) == nil {
				e.JwtID, _ = unverified(issued.RefreshToken)["jti"].(string)
			}
		}
	} else {
		var acr struct {
			Errors []struct{ Message string }
		}
		if json.Unmarshal(body, &acr) == nil && len(acr.Errors) > 0 {
			e.ResultDescription = acr.Errors[0].Message
		} else {
			e.ResultDescription = strings.TrimSpace(string(body))
		}
	}
	x.s.mu.Lock()
	defer x.s.mu.Unlock()
	if x.s.events == nil {
		x.s.events = make(map[string][]LoginEvent)
	}
	x.s.events[x.reg.host] = append(x.s.events[x.reg.host], e)
}

// laError is the query API's error body.
func laError(code, message string, inner map[string]any) []byte {
	e := map[string]any{"code": code, "message": message}
	if inner != nil {
		e["innererror"] = inner
	}
	b, _ := json.Marshal(map[string]any{"error": e})
	return b
}

// badArgument is the query API's 400 with inner as its innererror.
func (x *exchange) badArgument(inner map[string]any) {
	x.json(http.StatusBadRequest, laError("BadArgumentError", "The request had some invalid properties", inner))
}

// serveLogAnalytics answers a request to LogAnalyticsHost.
func (x *exchange) serveLogAnalytics() {
	r := x.r
	x.armHeaders()
	if x.armFault("") {
		return
	}
	c, berr := x.s.bearer(r, logAnalyticsAudiences)
	if berr != nil {
		x.laUnauthorized(berr)
		return
	}
	target, ok := strings.CutPrefix(r.URL.Path, "/v1/")
	target, ok2 := strings.CutSuffix(target, "/query")
	if !ok || !ok2 || target == "" {
		x.json(http.StatusNotFound, laError("PathNotFoundError", "The requested path does not exist", nil))
		return
	}
	var query, timespan string
	switch r.Method {
	case http.MethodPost:
		var body struct {
			Query    *string `json:"query"`
			Timespan string  `json:"timespan"`
		}
		raw, err := io.ReadAll(r.Body)
		if err != nil || json.Unmarshal(raw, &body) != nil {
			x.badArgument(map[string]any{"code": "InvalidJsonBody", "message": "The request body is not valid JSON"})
			return
		}
		if body.Query == nil {
			x.badArgument(map[string]any{"code": "QueryValidationError", "message": "The request is missing the 'query' property"})
			return
		}
		query, timespan = *body.Query, body.Timespan
	case http.MethodGet:
		query, timespan = r.URL.Query().Get("query"), r.URL.Query().Get("timespan")
	default:
		x.json(http.StatusMethodNotAllowed, laError("MethodNotAllowed", "The requested method is not allowed", nil))
		return
	}

	events, ok := x.queryScope(c, target)
	if !ok {
		return
	}
	now := time.Now()
	if timespan != "" {
		from, to, err := parseInterval(timespan, now)
		if err != nil {
			x.badArgument(map[string]any{"code": "InvalidTimespanError", "message": "The timespan '" + timespan + "' is not a valid ISO 8601 interval"})
			return
		}
		events = slices.DeleteFunc(events, func(e LoginEvent) bool { return e.TimeGenerated.Before(from) || !e.TimeGenerated.Before(to) })
	}
	q, kerr := parseKQL(query)
	var out kqlTable
	if kerr == nil {
		out, kerr = q.run(map[string]kqlTable{loginTable: loginTableOf(events)}, now)
	}
	if kerr != nil {
		x.queryError(kerr)
		return
	}
	x.ok(map[string]any{"tables": []any{map[string]any{
		"name":    "PrimaryResult",
		"columns": out.cols,
		"rows":    out.wire(),
	}}})
}

// queryError answers a query the subset refuses, as Log Analytics does.
func (x *exchange) queryError(e *kqlError) {
	var inner map[string]any
	if e.semantic {
		inner = map[string]any{"code": "SemanticError", "message": "A semantic error occurred."}
		if e.code != "" {
			inner["innererror"] = map[string]any{"code": e.code, "message": e.message}
		} else {
			inner["innererror"] = map[string]any{"message": e.message}
		}
	} else {
		inner = map[string]any{"code": "SyntaxError", "message": "A recognition error occurred in the query.",
			"innererror": map[string]any{"code": e.code, "message": e.message, "line": e.line, "pos": e.pos, "token": e.token}}
	}
	x.badArgument(inner)
}

// queryScope is the events the query target names that c may read: a
// workspace by customer ID ("workspaces/<id>") or a resource ID. It
// answers the request when there are none to read.
func (x *exchange) queryScope(c caller, target string) ([]LoginEvent, bool) {
	s := x.s
	regs := s.armRegistries(false)
	var (
		events    []LoginEvent
		known     bool
		allowed   bool
		scope     string
		workspace *Workspace
	)
	collect := func(r *registry) {
		s.mu.Lock()
		events = append(events, s.events[r.host]...)
		s.mu.Unlock()
	}
	if id, ok := strings.CutPrefix(target, "workspaces/"); ok {
		for _, r := range regs {
			if w := r.ARM.Workspace; w != nil && strings.EqualFold(w.CustomerID, id) {
				known, workspace, scope = true, w, w.ResourceID
				allowed = allowed || readsWorkspace(r, c)
				collect(r)
			}
		}
		if !known {
			x.json(http.StatusNotFound, laError("WorkspaceNotFoundError", "The workspace could not be found", nil))
			return nil, false
		}
	} else {
		id := "/" + strings.TrimPrefix(target, "/")
		for _, r := range regs {
			switch w := r.ARM.Workspace; {
			case strings.EqualFold(r.id(), id):
				known, scope = true, r.id()
				allowed = allowed || readsWorkspace(r, c) || permits(r.roles(c), actionLogsRead)
				if w != nil { // without a diagnostic setting, its logs go nowhere
					collect(r)
				}
			case w != nil && strings.EqualFold(w.ResourceID, id):
				known, workspace, scope = true, w, w.ResourceID
				allowed = allowed || readsWorkspace(r, c)
				collect(r)
			}
		}
		if !known {
			x.json(http.StatusNotFound, laError("ResourceNotFoundError", "The resource '"+id+"' could not be found", nil))
			return nil, false
		}
	}
	if !allowed {
		action := "Microsoft.OperationalInsights/workspaces/query/read"
		if workspace == nil {
			action = actionLogsRead
		}
		x.json(http.StatusForbidden, laError("InsufficientAccessError", "The provided credentials have insufficient access to perform the requested operation", map[string]any{
			"code": "AuthorizationFailed",
			"message": fmt.Sprintf("The client '%s' with object id '%s' does not have authorization to perform action '%s' over scope '%s'.",
				c.principal, c.oid, action, scope),
		}))
		return nil, false
	}
	slices.SortStableFunc(events, func(a, b LoginEvent) int { return a.TimeGenerated.Compare(b.TimeGenerated) })
	return events, true
}

// laUnauthorized answers the query API's 401 for e.
func (x *exchange) laUnauthorized(e *bearerError) {
	x.w.Header().Set("WWW-Authenticate", fmt.Sprintf(`Bearer authorization_uri="https://%s/%s", error="invalid_token"`, AuthorityHost, e.tid))
	if e.kind == "missing" {
		x.json(http.StatusUnauthorized, laError("AuthorizationRequiredError", "Valid authentication was not provided", nil))
		return
	}
	inner := map[string]any{"code": "InvalidTokenError", "message": "The access token is invalid"}
	switch e.kind {
	case "expired":
		inner = map[string]any{"code": "TokenExpiredError", "message": "The access token has expired"}
	case "audience":
		inner = map[string]any{"code": "InvalidAudienceError", "message": "The access token was issued for audience '" + e.aud + "', not the Log Analytics API"}
	}
	x.json(http.StatusUnauthorized, laError("InvalidTokenError", "The provided authentication is not valid for this resource", inner))
}

// isoDuration is an ISO 8601 duration of days, hours, minutes and seconds.
var isoDuration = regexp.MustCompile(`^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$`)

func parseISODuration(s string) (time.Duration, bool) {
	m := isoDuration.FindStringSubmatch(s)
	if m == nil || s == "P" || s == "PT" {
		return 0, false
	}
	var d time.Duration
	for i, unit := range []time.Duration{24 * time.Hour, time.Hour, time.Minute, time.Second} {
		if m[i+1] == "" {
			continue
		}
		n, err := strconv.ParseFloat(m[i+1], 64)
		if err != nil || n*float64(unit) > maxSpan {
			return 0, false
		}
		d += time.Duration(n * float64(unit))
	}
	return d, true
}

// parseInterval reads the request's timespan: start/end, start/duration,
// duration/end, or a duration ending now. The interval is [from, to).
func parseInterval(s string, now time.Time) (from, to time.Time, err error) {
	bad := fmt.Errorf("bad timespan %q", s)
	a, b, two := strings.Cut(s, "/")
	if !two {
		d, ok := parseISODuration(a)
		if !ok {
			return from, to, bad
		}
		return now.Add(-d), now.Add(time.Nanosecond), nil
	}
	ta, errA := time.Parse(time.RFC3339Nano, a)
	tb, errB := time.Parse(time.RFC3339Nano, b)
	switch {
	case errA == nil && errB == nil:
		return ta, tb, nil
	case errA == nil:
		if d, ok := parseISODuration(b); ok {
			return ta, ta.Add(d), nil
		}
	case errB == nil:
		if d, ok := parseISODuration(a); ok {
			return tb.Add(-d), tb, nil
		}
	}
	return from, to, bad
}
