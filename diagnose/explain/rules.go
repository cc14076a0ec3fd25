package explain

import (
	"regexp"
	"strings"

	"github.com/acr-doctor/acr-doctor/diagnose/cause"
)

// A rule names a cause from one line of output.
//
// The table below is the whole classifier. For each line the rules are
// tried in order and the first that holds wins, so a more specific message
// must come before a more general one that also matches it: "Application
// not registered with AAD" before the 401s, an upper-case host before
// "authentication required", "TLS handshake timeout" before the TLS
// failures. A cause is reported once, at its first line.
//
// To add a rule: give the lower-case keys that any matching line must
// contain (they keep a million-line log fast), a pattern over the
// lower-case line (or over the line as printed, with cased), optionally a
// condition on the whole text, and the fix. Then add a real sample of the
// output to testdata/corpus.
type rule struct {
	id    cause.ID
	keys  []string       // the line holds at least one of these (lower case)
	re    *regexp.Regexp // and matches this; nil: the key is enough
	cased bool           // re runs on the line as printed, not lower-cased
	when  func(*text) bool
	fix   func(host, name string) []string
}

func (r *rule) hasKey(lo string) bool {
	for _, k := range r.keys {
		if strings.Contains(lo, k) {
			return true
		}
	}
	return len(r.keys) == 0
}

func re(s string) *regexp.Regexp { return regexp.MustCompile(s) }

// codeLine is az's "An error occurred: CODE" line, whose message follows
// on the next line.
var codeLine = re(`An error occurred: [A-Z_]+\s*$`)

// anonymousPull is how a text says the registry allows anonymous pull: az
// acr's flag and the portal's wording. "failed to fetch anonymous token"
// says the opposite, that anonymous pull is off, and does not match.
var anonymousPull = re("anonymous\\W{0,3}pull|anonymouspullenabled")

func anonymous(t *text) bool { return t.anonymous }

// upperHost and hostPort are registry names that miss Docker's credential
// key: an upper-case host, or a host with a port in an image reference.
var (
	upperHost = re(`\b[A-Za-z0-9-]*[A-Z][A-Za-z0-9-]*\.azurecr\.(?:io|cn|us)\b`)
	hostPort  = re(`\.azurecr\.(?:io|cn|us):\d+/`)
)

var rules = []rule{
	// check-health and az acr codes come first: they are the most specific
	// words in the text, and the message joined to them refines the code.
	{id: cause.RegistryName, keys: []string{"login_server_error", "connectivity_dns_error"}, re: re(`LOGIN_SERVER_ERROR|CONNECTIVITY_DNS_ERROR`), cased: true, fix: fixName},
	{id: cause.TLS, keys: []string{"connectivity_ssl_error"}, re: re(`CONNECTIVITY_SSL_ERROR`), cased: true, fix: fixTLS},
	{id: cause.NetworkFirewall, keys: []string{"connectivity_forbidden_error"}, re: re(`CONNECTIVITY_FORBIDDEN_ERROR`), cased: true, fix: fixFirewall},
	{id: cause.Throttled, keys: []string{"connectivity_toomanyrequests_error"}, re: re(`CONNECTIVITY_TOOMANYREQUESTS_ERROR`), cased: true, fix: fixThrottled},
	{id: cause.RegistryError, keys: []string{"connectivity_www_authenticate_error", "did not issue a challenge", "did not ask properly", "does not support aad login"}, re: re(`CONNECTIVITY_WWW_AUTHENTICATE_ERROR|(?i)did not issue a challenge|did not ask properly|does not support aad login`), cased: true, fix: fixServer},
	{id: cause.NetworkUnreachable, keys: []string{"connectivity_challenge_error"}, re: re(`CONNECTIVITY_CHALLENGE_ERROR`), cased: true, fix: fixNetwork},
	// az acr login: the exchange of the AAD token was refused. 403 is the
	// firewall or disabled public access (the CLI then also says the admin
	// user is disabled, which misleads); 401 means the identity has no
	// role on the registry, or a token from another tenant; 5xx is the
	// service.
	{id: cause.NetworkFirewall, keys: []string{"response code: 403"}, fix: fixFirewall},
	{id: cause.InsufficientPermission, keys: []string{"response code: 401", "connectivity_access_token_error"}, re: re(`(?i)response code: 401|CONNECTIVITY_ACCESS_TOKEN_ERROR`), cased: true, fix: fixRole},
	{id: cause.RegistryError, keys: []string{"response code: 5"}, re: re(`response code: 5\d\d`), fix: fixServer},
	{id: cause.ExpiredCredentials, keys: []string{"connectivity_refresh_token_error"}, re: re(`CONNECTIVITY_REFRESH_TOKEN_ERROR`), cased: true, fix: fixExpired},
	{id: cause.DockerEnvironment, keys: []string{"docker_command_error", "docker_daemon_error", "docker_version_error"}, re: re(`DOCKER_(?:COMMAND|DAEMON|VERSION)_ERROR`), cased: true, fix: fixDocker},

	// The name. An upper-case host or one with a port is a different key
	// in Docker's credential store, so the registry sees no credential and
	// answers "authentication required": the name, not the password, is
	// the fault, so these come before the 401s.
	{id: cause.RegistryName, keys: []string{"repository name must be lowercase", "uppercase characters are detected", "invalid reference format"}, fix: fixName},
	{id: cause.RegistryName, keys: []string{".azurecr."}, re: upperHost, cased: true, fix: fixName},
	// A tag without the registry prefix is pushed to Docker Hub.
	{id: cause.RegistryName, keys: []string{"docker.io/library/"}, re: re(`docker\.io/library/[a-z0-9.-]+\.azurecr\.`), fix: fixName},
	{id: cause.RegistryName, keys: []string{".azurecr."}, re: hostPort, fix: fixName},
	{id: cause.RegistryName, keys: []string{"microsoft.containerregistry/registries' could not be found", "resourcenotfound"}, re: re(`could not be found|resourcenotfound.*containerregistry`), fix: fixName},
	// NXDOMAIN for an ACR host is a registry that does not exist; for any
	// other host it is the resolver.
	{id: cause.RegistryName, keys: []string{"no such host"}, re: re(`lookup [a-z0-9.-]*azurecr[a-z0-9.-]*.*no such host`), fix: fixName},

	// The network below TLS.
	{id: cause.NetworkUnreachable, keys: []string{"tls handshake timeout"}, fix: fixNetwork},
	{id: cause.NetworkUnreachable, keys: []string{"i/o timeout", "connection refused", "context deadline exceeded", "client.timeout exceeded", "proxyconnect", "no route to host", "network is unreachable", "connection reset by peer", "server misbehaving", "no such host", "timed out"}, fix: fixNetwork},

	// TLS. "has expired or is not yet valid" against ACR, whose
	// certificates are valid, is the local clock; against anything else it
	// may be an intercepting proxy's certificate.
	{id: cause.ClockSkew, keys: []string{"certificate has expired or is not yet valid"}, re: re(`azurecr|clock|time`), fix: fixClock},
	{id: cause.TLS, keys: []string{"x509:", "tls: ", "certificate verify failed", "sslerror", "ssl routines", "unable to establish a secure connection"}, fix: fixTLS},

	// The firewall: ACR's DENIED body, Docker's login wording, and a bare
	// 403 on the registry (kubelet, containerd, az). ACR answers a wrong
	// identity with 401, never 403.
	{id: cause.NetworkFirewall, keys: []string{"is not allowed access", "aka.ms/acr/firewall"}, fix: fixFirewall},
	{id: cause.NetworkFirewall, keys: []string{"403"}, re: re(`\b403 forbidden|status: 403|status code 403|http 403|\b403\b.*forbidden`), fix: fixFirewall},

	{id: cause.Throttled, keys: []string{"toomanyrequests", "too many requests", " 429"}, re: re(`toomanyrequests|too many requests|\b429\b`), fix: fixThrottled},
	{id: cause.RegistryError, keys: []string{"http status: 5", "50"}, re: re(`unexpected http status: 5\d\d|\b50[0-4] (?:internal server error|bad gateway|service unavailable|gateway timeout)|status code 50[0-4]`), fix: fixServer},

	// The clock, before expiry: a token "not yet valid" or "used before
	// issued" was not expired but dated by a clock that is ahead or behind.
	{id: cause.ClockSkew, keys: []string{"aadsts700024", "not within its valid time range", "used before issued", "token is not valid yet", "clock skew"}, fix: fixClock},

	// Identity. The unknown-username answer is more specific than every 401.
	{id: cause.AADNotRegistered, keys: []string{"application not registered with aad", "client id must be guid"}, fix: fixAAD},
	{id: cause.ExpiredCredentials, keys: []string{"aadsts7000222", "aadsts700082", "token is expired", "token has expired", "tokenexpired", "credentials have expired", "secret keys are expired", "keys are expired"}, fix: fixExpired},
	{id: cause.ExpiredCredentials, keys: []string{"unauthorized"}, re: re(`unauthorized:.*expired`), fix: fixExpired},

	// The credential store, before the 401s it leads to.
	{id: cause.CredentialStore, keys: []string{"docker-credential-"}, re: re(`docker-credential-\S*.*(?:not found|not installed|no such file|command not found|not recognized)`), fix: fixStore},
	{id: cause.CredentialStore, keys: []string{"error getting credentials", "error storing credentials", "error listing credentials", "error erasing credentials", "pass store is uninitialized", "pass not initialized", "cannot autolaunch d-bus", "the stub received bad data", "user interaction is not allowed", "user interaction not allowed", "org.freedesktop.secrets"}, fix: fixStore},

	{id: cause.DockerEnvironment, keys: []string{"cannot connect to the docker daemon", "is the docker daemon running", "docker: command not found", "docker: not found", "'docker' is not recognized", "non tty device", "requires running the docker daemon", "failed to connect to the docker api", "error during connect", "docker daemon is not running", "docker client is installed"}, fix: fixDocker},

	// Authenticated but not allowed.
	{id: cause.InsufficientPermission, keys: []string{"requested access to the resource is denied", "insufficient_scope", "unauthorized to access repository", "does not have authorization to perform action", "authorizationfailed", "not authorized to perform"}, fix: fixRole},
	{id: cause.InsufficientPermission, keys: []string{"pull access denied"}, when: func(t *text) bool { return !t.anonymous }, fix: fixRole},

	// Anonymous pull allowed, yet a 401: the stored credential was sent and
	// failed where sending none would have worked.
	{id: cause.AnonymousPullBlocked, keys: []string{"authentication required", "401", "pull access denied", "unauthorized"}, re: re(`authentication required|401|pull access denied|unauthorized`), when: anonymous, fix: fixAnonymous},

	// Bad credentials, unless the name already explains the 401. "failed to fetch anonymous token … 401" means no
	// credential was sent at all and anonymous pull is off: the client
	// needs one, so it is reported here too, not as anonymous_pull_blocked.
	// "Invalid clientid or client secret" is ACR's answer to a service
	// principal whose secret is wrong or expired; the text cannot tell
	// which, and the fix (a new secret) is the same, so it stays here.
	{id: cause.InvalidCredentials, when: func(t *text) bool { return !t.badKey }, keys: []string{"authentication required", "incorrect username or password", "invalid username/password", "invalid clientid or client secret", "aadsts7000215", "aadsts50126", "unauthorized", "401"}, re: re(`authentication required|incorrect username or password|invalid username/password|invalid clientid or client secret|aadsts7000215|aadsts50126|\b401\b.*unauthorized|unauthorized:|status code 401|response status code 401`), fix: fixCredentials},
}

// Remediation, filled in with the login server (host) and the resource
// name az takes (name). Most likely fix first.

func fixName(host, name string) []string {
	return []string{
		"use the login server in lower case, without scheme, port or path, e.g. docker login " + host,
		"az acr show -n " + name + " --query loginServer -o tsv   # the exact login server",
		`az acr list --query "[].loginServer" -o tsv   # the registries you can see`,
	}
}

func fixNetwork(host, name string) []string {
	return []string{
		"check DNS and outbound TCP 443 to " + host + " and its data endpoints: az acr show-endpoints -n " + name,
		"behind a proxy, set HTTPS_PROXY for the Docker daemon as well as the shell",
		"az acr check-health -n " + name + " --yes --ignore-errors",
	}
}

func fixFirewall(host, name string) []string {
	return []string{
		`az acr show -n ` + name + ` --query "{publicNetworkAccess:publicNetworkAccess, defaultAction:networkRuleSet.defaultAction}"`,
		"az acr network-rule add -n " + name + " --ip-address <your public IP>",
		"if public access is disabled, reach " + host + " through its private endpoint, from inside the linked virtual network",
	}
}

func fixTLS(host, name string) []string {
	return []string{
		"a proxy may be intercepting TLS: add its root certificate to the system store (and /etc/docker/certs.d/" + host + "/ca.crt for Docker)",
		"openssl s_client -connect " + host + ":443 -servername " + host + "   # see who signs the certificate",
	}
}

func fixCredentials(host, name string) []string {
	return []string{
		"az acr login -n " + name,
		"a service principal logs in with its application (client) ID and a current secret: az ad app credential list --id <app-id>",
		"docker logout " + host + " && docker login " + host,
	}
}

func fixAAD(host, name string) []string {
	return []string{
		"the username must be the admin user (" + name + "), a service principal's application ID, a token name, or 00000000-0000-0000-0000-000000000000 with an ACR token",
		"az acr login -n " + name + "   # for your own Azure identity, not your e-mail address",
	}
}

func fixExpired(host, name string) []string {
	return []string{
		"az login && az acr login -n " + name,
		"an expired service principal secret: az ad sp credential reset --id <app-id>, then docker login " + host,
		"an expired repository-scoped token: az acr token credential generate -n <token> -r " + name + " --password1",
	}
}

func fixRole(host, name string) []string {
	return []string{
		"az role assignment create --assignee <identity> --role AcrPull --scope $(az acr show -n " + name + " --query id -o tsv)   # AcrPush to push",
		"for AKS: az aks update -n <cluster> -g <group> --attach-acr " + name,
		"check the image name: a push without the " + host + "/ prefix goes to Docker Hub",
	}
}

func fixAnonymous(host, name string) []string {
	return []string{
		"docker logout " + host + "   # not a bare docker logout, which logs out of Docker Hub",
		"or log in with a valid credential: az acr login -n " + name,
	}
}

func fixDocker(host, name string) []string {
	return []string{
		"start the Docker daemon (Docker Desktop, or sudo systemctl start docker) and check docker version",
		"without Docker: az acr login -n " + name + " --expose-token",
	}
}

func fixStore(host, name string) []string {
	return []string{
		`check "credsStore" and "credHelpers" in ~/.docker/config.json: each docker-credential-<name> must be on PATH and working`,
		"on a headless Linux host, initialise pass (gpg --generate-key; pass init <key-id>) or remove credsStore",
		"then log in again: az acr login -n " + name,
	}
}

func fixClock(host, name string) []string {
	return []string{
		"synchronise the clock: timedatectl set-ntp true (Linux), w32tm /resync (Windows); in WSL2 or a VM, restart it",
		"then log in again: az acr login -n " + name,
	}
}

func fixThrottled(host, name string) []string {
	return []string{
		"retry with backoff and fewer parallel pulls",
		"az acr show -n " + name + " --query sku.name   # Premium has the highest request limits",
	}
}

func fixServer(host, name string) []string {
	return []string{
		"retry later; check Azure status for Container Registry in the registry's region",
		"az acr check-health -n " + name + " --yes --ignore-errors",
	}
}
