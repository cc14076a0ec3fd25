package explain

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/distribution/reference"

	"github.com/acr-doctor/acr-doctor/diagnose/cause"
)

// signalsOf reads text into signals and facts, before any reasoning.
func signalsOf(text string) *state {
	lines, _ := splitLines(text)
	return read(lines)
}

// signalCase is one row of an extractor's table: the line, and the cause
// a signal of it must point to with a confidence band; want "" means no
// signal may point to not.
type signalCase struct {
	in   string
	want cause.ID
	band Confidence
	not  cause.ID
}

func checkSignals(t *testing.T, cases []signalCase) {
	t.Helper()
	for _, tc := range cases {
		sigs := signalsOf(tc.in).sigs
		if tc.want == "" {
			for _, g := range sigs {
				if g.Cause == tc.not && g.Weight > 0 {
					t.Errorf("%q: unexpected %s signal %q", tc.in, g.Cause, g.What)
				}
			}
			continue
		}
		ok := slices.ContainsFunc(sigs, func(g signal) bool {
			return g.Cause == tc.want && (tc.band == "" || confidence(g.Weight) == tc.band)
		})
		if !ok {
			var got []string
			for _, g := range sigs {
				got = append(got, string(g.Cause)+"/"+string(confidence(g.Weight))+" "+g.What)
			}
			t.Errorf("%q: no %s signal (%s); got %q", tc.in, tc.want, tc.band, got)
		}
	}
}

func TestMatcher(t *testing.T) {
	m := newMatcher([]string{"abc", "abcd", "bcd", "xyz", "://"})
	var got []string
	m.scan([]byte("zabcde https://x xy"), func(k, at int) { got = append(got, m.keys[k]+"@"+strconv.Itoa(at)) })
	want := []string{"abc@1", "abcd@1", "bcd@2", "://@12"}
	if !slices.Equal(got, want) {
		t.Errorf("scan = %q, want %q", got, want)
	}
	defer func() {
		if recover() == nil {
			t.Error("a two-byte keyword did not panic")
		}
	}()
	newMatcher([]string{"ab"})
}

// TestSplitDomainMatchesDocker holds splitDomain to distribution/reference,
// which the Docker CLI normalises references with.
func TestSplitDomainMatchesDocker(t *testing.T) {
	for _, ref := range []string{
		"nginx", "nginx:1.25", "library/nginx", "team/app:1", "myreg.azurecr.io/team/app:1",
		"myreg.azurecr.io:1.0", "myreg.azurecr.io:443/app", "localhost/app", "localhost:5000/app",
		"index.docker.io/team/app", "docker.io/team/app", "MyReg.azurecr.io/app", "mcr.microsoft.com/dotnet/sdk:8.0",
	} {
		domain, remote := splitDomain(ref)
		named, err := reference.ParseNormalizedNamed(ref)
		if err != nil {
			t.Fatalf("%q: %v", ref, err)
		}
		wantRemote := reference.Path(named)
		if tagged, ok := named.(reference.Tagged); ok {
			wantRemote += ":" + tagged.Tag()
		}
		if domain != reference.Domain(named) || remote != wantRemote {
			t.Errorf("splitDomain(%q) = %q, %q; Docker: %q, %q", ref, domain, remote, reference.Domain(named), wantRemote)
		}
	}
}

func TestClassify(t *testing.T) {
	for _, tc := range []struct {
		host string
		want target
	}{
		{"myreg.azurecr.io", acrTarget}, {"myreg.eastus.data.azurecr.io", acrTarget}, {"<acrname>.azurecr.io", acrTarget},
		{"***", acrTarget}, {"mcr.microsoft.com", mcrTarget}, {"mcrprod.azurecr.io", mcrTarget},
		{"eastus.data.mcr.microsoft.com", mcrTarget}, {"registry-1.docker.io", hubTarget}, {"auth.docker.io", hubTarget},
		{"docker.io", hubTarget}, {"gcr.io", otherTarget}, {"aka.ms", noTarget}, {"login.microsoftonline.com", noTarget}, {"", noTarget},
	} {
		if got := classify(tc.host); got != tc.want {
			t.Errorf("classify(%q) = %s, want %s", tc.host, got, tc.want)
		}
	}
}

// TestReadHosts: where a line's request went, and what is wrong with the
// names it holds.
func TestReadHosts(t *testing.T) {
	for _, tc := range []struct {
		in     string
		target target
		host   string
		name   bool // a registry_name signal
	}{
		{`Error response from daemon: Get "https://myreg.azurecr.io/v2/": unauthorized`, acrTarget, "myreg.azurecr.io", false},
		{"The push refers to repository [docker.io/library/myreg.azurecr.io]", hubTarget, "myreg.azurecr.io", true},
		{"The push refers to repository [docker.io/team/app]", hubTarget, "", false},
		{"The push refers to repository [docker.io/library/<my container>.azurecr.io]", hubTarget, "", true},
		{"$ docker push myreg.azurecr.io:1.0", hubTarget, "myreg.azurecr.io", true},
		{"Successfully tagged myreg.azurecr.io:0.0.1-amd64", hubTarget, "myreg.azurecr.io", true},
		{"$ docker push /app:1", noTarget, "", true},
		{"docker push [myacrname].azureacr.io/azure-vote-front:v1", acrTarget, "", true},
		{"Get https://myreg.azurecr.com/v2/: dial tcp", acrTarget, "", true},
		{"Get https://acr.privatelink.azurecr.io/v2/: x509", acrTarget, "", true},
		{"Name: acr.privatelink.azurecr.io", acrTarget, "", false}, // nslookup's alias: the DNS answer
		{"HTTPSConnectionPool(host='myreg.azurecr.io%20%20', port=443)", acrTarget, "myreg.azurecr.io", true},
		{"Get https://index.docker.io/v2/library/wasiclippy.azurecr.io/blobs/uploads/: 401", hubTarget, "wasiclippy.azurecr.io", true},
		{`Failed to pull image "mcr.microsoft.com/dotnet/sdk:8.0": 401 Unauthorized`, mcrTarget, "", false},
		{`Failed to pull image "gcr.io/team/app:1"`, otherTarget, "", false},
		{"docker pull nginx", hubTarget, "", false},
		{"See https://aka.ms/acr/authorization for more", noTarget, "", false},
		{"lookup myreg.azurecr.io on 10.0.0.1:53: no such host", acrTarget, "myreg.azurecr.io", true},
		{"FailedPullingImage: imageName: Run docker command failed", noTarget, "", false},
	} {
		s := signalsOf(tc.in)
		c := &lineCtx{s: s, line: tc.in, lo: strings.ToLower(tc.in)}
		lang().m.scan([]byte(c.lo), func(k, _ int) { c.keys = append(c.keys, k) })
		readHosts(c)
		name := slices.ContainsFunc(s.sigs, func(g signal) bool { return g.Cause == regName })
		if c.target != tc.target || c.host != tc.host || name != tc.name {
			t.Errorf("%q: target %s, host %q, registry_name %v; want %s, %q, %v", tc.in, c.target, c.host, name, tc.target, tc.host, tc.name)
		}
	}
}

func TestReadHostsFacts(t *testing.T) {
	if f := signalsOf("[command]/usr/bin/docker push team/app").facts; !f.hubPush {
		t.Error("a push without a host did not go to Docker Hub")
	}
	if f := signalsOf("docker pull team/app").facts; f.hubPush {
		t.Error("a pull counted as a push")
	}
	if f := signalsOf("DNS lookup to myreg.azurecr.io at IP 10.1.2.3 : OK").facts; !f.privateDNS {
		t.Error("a private address was not noticed")
	}
	if f := signalsOf("DNS lookup to myreg.azurecr.io at IP 20.62.128.0 : OK").facts; f.privateDNS {
		t.Error("a public address counted as private")
	}
	for in, want := range map[string]bool{
		"az acr update -n reg --anonymous-pull-enabled":        true,
		"The registry has anonymous `pull` enabled.":           true,
		`"anonymousPullEnabled": true`:                         true,
		"failed to fetch anonymous token: unexpected status":   false,
		"No matching credentials, falling back on anonymous":   false,
		"When using an anonymous pull enabled ACR with buildx": true,
	} {
		if got := signalsOf(in).facts.anonymousPull; got != want {
			t.Errorf("%q: anonymous pull %v, want %v", in, got, want)
		}
	}
}

func TestReadStatuses(t *testing.T) {
	checkSignals(t, []signalCase{
		{in: `failed to fetch anonymous token: unexpected status: 401 Unauthorized`, want: badCreds, band: Possible},
		{in: "unsupported status code 401", want: badCreds},
		{in: "Response status code does not indicate success: 401 (Unauthorized).", want: badCreds},
		{in: "Access to registry 'r.azurecr.io' was denied. Response code: 401.", want: noPerm, band: Likely},
		{in: "Access to registry 'r.azurecr.io' was denied. Response code: 403.", want: firewall, band: Certain},
		{in: "Access to registry 'r.azurecr.io' was denied. Response code: 429.", want: throttled, band: Certain},
		{in: "error parsing HTTP 403 response body: unexpected end of JSON input", want: firewall, band: Likely},
		{in: "httpReadSeeker: failed open: unexpected status code https://mcr.microsoft.com/v2/x: 429 Too Many Requests", want: throttled},
		{in: "received unexpected HTTP status: 503 Service Unavailable", want: regError, band: Likely},
		{in: `Get https://r.azurecr.io/v2/: Service Unavailable`, want: regError},
		{in: "Received HTTP code 407 from proxy after CONNECT", want: netDown, band: Certain},
		{in: "the image push fails with a 401.", want: badCreds},
		// A proxy in front of the registry refuses a layer over its limit.
		{in: "<head><title>413 Request Entity Too Large</title></head>", want: regError, band: Likely},
		{in: "error parsing HTTP 413 response body: invalid character '<' looking for beginning of value", want: regError, band: Likely},
		// A daemon's own 500 around the registry's answer, digests, versions, line numbers.
		{in: `"POST /v1.40/images/create?tag=1.9&fromImage=x HTTP/1.1" 500 172`, not: regError},
		{in: "sha256:4f4fb700ef5450ab0cd1c5", not: regError},
		{in: "image:v1.500.2 pulled", not: regError},
		{in: `File "x.py", line 401, in wrap_socket`, not: badCreds},
	})
}

func TestReadAADSTS(t *testing.T) {
	checkSignals(t, []signalCase{
		{in: "AADSTS700082: The refresh token has expired due to inactivity.", want: expired, band: Certain},
		{in: "AADSTS7000222: The provided client secret keys for app '***' are expired.", want: expired, band: Certain},
		{in: "AADSTS7000215: Invalid client secret provided.", want: badCreds, band: Certain},
		{in: "AADSTS700016: Application with identifier 'x' was not found in the directory", want: notInAAD, band: Certain},
		{in: "AADSTS53003: Access has been blocked by Conditional Access policies.", want: noPerm, band: Certain},
		{in: "AADSTS90055: TenantThrottlingError", want: throttled},
		{in: "AADSTS700213: No matching federated identity record found for presented assertion subject", want: badCreds, band: Certain},
		{in: "AADSTS99999: something new", want: badCreds, band: Possible},
		// Nested: the first code wraps the specific one and only hints.
		{in: "AADSTS70002: Error validating credentials. AADSTS50126: Invalid username or password", want: badCreds, band: Certain},
		{in: "AADSTS70002: Error validating credentials. AADSTS50012: Client assertion is not within its valid time range.", want: clock, band: Likely},
	})
	s := signalsOf("AADSTS70002: Error validating credentials. AADSTS50012: Client assertion is not within its valid time range.")
	for _, g := range s.sigs {
		if g.Cause == badCreds && g.Weight >= likelyAt {
			t.Errorf("the wrapping code stayed %s: %q", confidence(g.Weight), g.What)
		}
	}
}

func TestReadSysErrno(t *testing.T) {
	checkSignals(t, []signalCase{
		{in: "Failed to establish a new connection: [WinError 10060] A connection attempt failed", want: netDown, band: Certain},
		{in: "[WinError 10061] No connection could be made because the target machine actively refused it", want: netDown, band: Certain},
		{in: "[WinError 10054] An existing connection was forcibly closed by the remote host", want: netDown, band: Certain},
		{in: "HTTPSConnectionPool(host='r.azurecr.io', port=443): [Errno 11001] getaddrinfo failed", want: regName},
		{in: "HTTPSConnectionPool(host='proxy.corp', port=443): [Errno 11001] getaddrinfo failed", want: netDown},
		{in: "[Errno -3] Temporary failure in name resolution", want: netDown, band: Certain},
		{in: "[Errno 111] Connection refused", want: netDown, band: Certain},
		{in: "Error: connect ECONNREFUSED 10.0.0.4:443", want: netDown, band: Certain},
		{in: "Error: getaddrinfo ENOTFOUND myreg.azurecr.io", want: regName},
		{in: "read ECONNRESET", want: netDown},
		{in: "wsarecv: An existing connection was forcibly closed by the remote host.", want: netDown, band: Certain},
		{in: "dial tcp: lookup proxy.corp: no such host", want: netDown, band: Likely},
		{in: "Build to Docker daemon failed, perhaps you should make sure that the registry you configured exists/is spelled properly: Unknown host gcr.io", want: netDown},
		{in: "Build image failed: Unknown host myreg.azurcr.io", want: regName},
		// A lookup whose reason was cut off the line failed all the same.
		{in: "Post https://index.docker.io/v1/users/: dial tcp: lookup index.docker.io on ...", want: netDown},
		{in: "Get https://r.azurecr.io/v2/: dial tcp: lookup r.azurecr.io", want: netDown},
		{in: "Get https://r.azurecr.io/v2/: dial tcp: lookup r.azurecr.io on 127.0.0.53", want: netDown},
		{in: "Get https://r.azurecr.io/v2/: dial tcp: lookup r.azurecr.io on 127.0.0.53:53: no", want: netDown},
		{in: "Get https://r.azurecr.io/v2/: dial tcp: lookup r.azurecr.io on 1", want: netDown},
		{in: "Get https://r.azurecr.io/v2/: dial tcp: lookup r.azurecr.io: connection refused", want: netDown, band: Certain},
		{in: "[WinError 2] The system cannot find the file specified", not: netDown},
	})
}

func TestReadHelper(t *testing.T) {
	checkSignals(t, []signalCase{
		{in: `error getting credentials - err: exec: "docker-credential-desktop": executable file not found in $PATH, out: ` + "``", want: credStore, band: Certain},
		{in: "docker-credential-secretservice: error while loading shared libraries: libsecret-1.so.0", want: credStore, band: Certain},
		{in: `error="docker-credential-ecr-login can only be used with Amazon Elastic Container Registry."`, want: credStore, band: Certain},
		{in: "credsStore is docker-credential-desktop", not: credStore},
		{in: "Error saving credentials: error storing credentials - err: exit status 1, out: `pass store is uninitialized`", want: credStore, band: Certain},
		{in: "error storing credentials - err: exit status 1, out: `The specified item already exists in the keychain. (-25299)`", want: credStore, band: Certain},
		{in: "error getting credentials - err: exit status 1, out: `CredentialHelperPKG: connect: no such file or directory`", want: credStore, band: Certain},
		{in: "dial unix /Users/me/Library/Containers/com.docker.docker/Data/backend.sock: connect: connection refused", want: credStore},
		{in: "Error: get credentials: illegal base64 data at input byte 127", want: credStore, band: Certain},
		{in: "error getting credentials from ACR for x.azurecr.io error reaching registry endpoint", want: credStore, band: Likely},
	})
}

func TestReadCertName(t *testing.T) {
	checkSignals(t, []signalCase{
		{in: "x509: certificate is valid for *.azurecr.io, not acr.privatelink.azurecr.io", want: regName, band: Certain},
		{in: "x509: certificate is valid for *.azurecr.io, *.azurecr.io, not myreg.azurecr.io.corp.local", want: regName},
		{in: "x509: certificate is valid for *.azureedge.net, not mcr.microsoft.com", want: tlsFail, band: Certain},
		{in: "x509: cannot validate certificate for 10.1.2.3 because it doesn't contain any IP SANs", want: regName, band: Certain},
		// A registry on a port of its own is one's own: its certificate
		// lacks the address. ACR serves on 443 only.
		{in: `Get "https://10.1.2.3:30003/v2/": x509: cannot validate certificate for 10.1.2.3 because it doesn't contain any IP SANs`, want: tlsFail, band: Certain},
		{in: `Get "https://10.1.2.3:443/v2/": x509: cannot validate certificate for 10.1.2.3 because it doesn't contain any IP SANs`, want: regName, band: Certain},
		// Asked by name, sent on to an address by the registry (Harbor's
		// token realm).
		{in: `Get https://harbor.example.com/v2/: Get https://192.168.8.121/service/token?service=harbor-registry: x509: cannot validate certificate for 192.168.8.121 because it doesn't contain any IP SANs`, want: tlsFail, band: Certain},
		{in: "error: WWW-Authenticate missing key: service", want: regError},
		{in: "denied: The system is in read only mode. Any modification is prohibited.", want: regError, band: Certain},
		{in: "│ Error: could not download chart: oci://registry.k8s.io/ingress-nginx/charts/ingress-nginx:4.14.1: not found", want: regName},
		{in: "Error: open oci://x/values.yaml: permission denied: not found in cache", not: regName},
		{in: `Error: looks like "https://ghcr.io/acme/charts/app" is not a valid chart repository or cannot be reached: failed to fetch https://ghcr.io/acme/charts/app/index.yaml : 404 Not Found`, want: regName},
		{in: "Error response from daemon: unsupported: This repo requires terms acceptance and is only available on registry.redhat.io", want: regName, band: Certain},
		{in: `ERROR: (gcloud.auth.docker-helper) There was a problem refreshing your current auth tokens: ('invalid_grant: Bad Request')`, want: expired, band: Certain},
		{in: `Error: failed to parse "X-Registry-Auth" header for /v3.3.1/libpod/images/pull: error storing credentials in temporary auth file (server: "https://index.docker.io/v1/", user: ""): key http`, want: credStore},
		{in: `Error retrieving credentials: Post "http://localhost:12049/docker-credentials": dial tcp [::1]:12049: connect: connection refused`, want: credStore, band: Certain},
		{in: `curl: (22) The requested URL returned error: 404`, not: regName},
		{in: "An error occurred trying to connect: Post https://build.example.com:2376/v1.24/images/create?fromImage=app&tag=latest: x509: certificate has expired or is not yet valid", want: tlsFail},
		{in: "Error response from daemon: Wrong login/password, please try again", want: badCreds, band: Certain},
		{in: `Head "https://gcr.io/v2/kfserving/storage-initializer/manifests/v0.6.0": denied: Permission denied: Consumer 'project:kfserving' has been suspended.`, want: regError},
		{in: "docker.errors.DockerException: Error while fetching server API version: ('Connection aborted.', FileNotFoundError(2, 'No such file or directory'))", want: dockerEnv, band: Certain},
		{in: "toomanyrequests: too many failed login attempts for username or IP address.", want: badCreds, band: Certain},
		{in: `Error: Error response from daemon: Get "https://registry-1.docker.io/v2/": unauthorized: please use personal access token to login`, want: badCreds, band: Certain},
		{in: "docker: Error response from daemon: repository legion not found: does not exist or no pull access.", want: regName},
		{in: "ERROR: Error response from daemon: authorization denied by plugin pipelines: --privileged=true is not allowed", want: dockerEnv, band: Certain},
		{in: "Error response from daemon: Get https://***/v2/: http: server gave HTTP response to HTTPS client", want: tlsFail},
		{in: `podman push $EXPECTED_REF: pinging container registry localhost:5001: Get "https://localhost:5001/v2/": http: server gave HTTP response to HTTPS client`, want: tlsFail},
		{in: `Get "https://myregistry.azurecr.io/v2/": http: server gave HTTP response to HTTPS client`, want: netDown},
		{in: `Get "https://myreg.azurecr.io:5000/v2/": x509: cannot validate certificate for myreg.azurecr.io because it doesn't contain any IP SANs`, want: regName},
		{in: "Error response from daemon: unknown: This container version is no longer available from the Crunchy Data Developer Program.", want: regName, band: Certain},
		{in: `pull access denied for mcr.microsoft.com/azure-storage/azurite, repository does not exist or may require 'docker login': denied: <html><body><div id='message'><h2>The request is blocked.</h2></div></body></html>`, want: firewall, band: Certain},
		{in: "unauthorized: Your token has not been granted the required scopes to execute this query. The 'createRegistryPackageVersion' field requires one of the following scopes: ['write:packages']", want: noPerm, band: Certain},
		{in: `   bei Docker.WPF.ClientConfig.DockerLogin.SetCredentialInStore(DockerLoginCredential cred) in C:\src\DockerLogin.cs:Zeile 158.`, want: credStore, band: Certain},
		{in: "  ERROR (Errno::ENOENT): No such file or directory - docker", want: dockerEnv, band: Certain},
		{in: "/usr/sbin/docker-credential-desktop.exe: Invalid argument", want: credStore, band: Certain},
		{in: `level=fatal msg="pulling image: rpc error: code = Unimplemented desc = unknown service runtime.v1alpha2.ImageService"`, want: dockerEnv, band: Certain},
		{in: `Head http://localhost:5000/v2/app/blobs/sha256:a9: net/http: HTTP/1.x transport connection broken: malformed HTTP response "\x15\x03\x01\x00\x02\x02"`, want: tlsFail, band: Certain},
		{in: `Failed to pull image "docker.io/harbor.example.net/docker.io/grafana/loki:3.1.1"`, want: regName, band: Certain},
		{in: `Failed to pull image "docker.io/grafana/loki.server:3.1.1"`, not: regName},
		{in: `helm dependency update: WARNING: chart version is no longer available in repo "bitnami", using 12.1.3`, not: regName},
		{in: "GraphQL: Your token has not been granted the required scopes to execute this query. The 'login' field requires one of the following scopes: ['read:org'], but your token has only been granted the: ['repo'] scopes.", not: noPerm},
		{in: "ERROR: failed to read dockerfile: open /tmp/x/Dockerfile: no such file or directory - docker build context", not: dockerEnv},
		{in: "No such file or directory - /usr/local/bin/docker", want: dockerEnv, band: Certain},
		{in: `Error: docker-credential-acr-env: invalid argument "--foo" for "get"`, want: credStore, band: Likely},
		{in: `Get "https://myreg.azurecr.io/v2/": proxyconnect tcp: malformed HTTP response "\x15\x03\x01\x00\x02\x02"`, want: netDown, band: Certain},
		{in: `Get "https://myreg.azurecr.io/v2/": proxyconnect tcp: net/http: HTTP/1.x transport connection broken: malformed HTTP response "\x15\x03\x01\x00\x02\x02"`, not: tlsFail},
		{in: "   1 |     # The upstream image is gone (this image is no longer available on Docker Hub): we mirror it", not: regName},
		{in: "WARNING: This image is no longer available on Docker Hub, use ghcr.io/acme/app", not: regName},
		{in: "# token scopes: ['write:packages'] are set in the workflow", not: noPerm},
		{in: "Errno::ENOENT: No such file or directory - /app/config/docker", not: dockerEnv},
		{in: "Errno::ENOENT: No such file or directory - /usr/local/bin/docker", want: dockerEnv, band: Certain},
		{in: "com.docker.backend[2558]: refreshing tokens: status code not OK but 503: Service Unavailable", not: expired},
		{in: `Get "https://myreg.azurecr.io/oauth2/token": 403 Forbidden: {"error":"invalid_client","error_description":"client authentication failed"}`, want: firewall},
		{in: "Error saving credentials: error storing credentials - err: fork/exec /usr/bin/docker-credential-desktop.exe: exec format error, out: ``", want: credStore, band: Certain},
		{in: `GET "https://registry-1.docker.io/v2/nginx/manifests/latest": response status code 401: unauthorized: authentication required`, want: regName, band: Likely},
		{in: `GET "https://registry-1.docker.io/v2/library/nginx/manifests/latest": response status code 401: unauthorized: authentication required`, not: regName},
		{in: `Get "https://registry-1.docker.io/v2/": unauthorized: incorrect username or password`, not: regName},
	})
}

func TestReadTLS(t *testing.T) {
	checkSignals(t, []signalCase{
		{in: "tls: failed to verify certificate: x509: certificate signed by unknown authority", want: tlsFail, band: Certain},
		{in: "SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: unable to get local issuer certificate", want: tlsFail, band: Certain},
		{in: "PKIX path building failed: unable to find valid certification path", want: tlsFail, band: Certain},
		{in: "x509: certificate has expired or is not yet valid: current time 2024-01-01T10:00:00Z is before 2024-03-01T00:00:00Z", want: clock, band: Certain},
		{in: "net/http: TLS handshake timeout", want: netDown, band: Certain},
		{in: "http: server gave HTTP response to HTTPS client; tls: first record does not look like a TLS handshake", want: netDown},
	})
}

func TestReadDetail(t *testing.T) {
	checkSignals(t, []signalCase{
		{in: "UNAUTHORIZED: authentication required; [map[Action:pull Class: Name:library/myreg.azurecr.io Type:repository]]", want: regName, band: Certain},
		{in: `{"errors":[{"code":"UNAUTHORIZED","detail":[{"Type":"repository","Class":"","Name":"mcr.microsoft.com/windows/servercore","Action":"pull"}]}]}`, want: regName, band: Certain},
		{in: `{"errors":[{"code":"UNAUTHORIZED","detail":[{"Type":"repository","Name":"team/app","Action":"pull"}]}]}`, not: regName},
		{in: "docker.io/library/nginx:latest", not: regName},
		{in: `"Action": "metadata_read"`, want: noPerm, band: Likely},
	})
}

func TestReadLogin(t *testing.T) {
	checkSignals(t, []signalCase{
		{in: "azureuser@vm:~$ docker login http://test01.azsacr.ourdomain/v2/", want: regName, band: Certain},
		{in: "[root@onprem user]# docker login 192.168.1.10", want: regName, band: Likely},
		{in: "docker login acr.privatelink.azurecr.io", want: regName, band: Certain},
		{in: `Process 'docker login "https://myreg.azurecr.io"...' exited with code 1`, not: regName},
		{in: "docker login -u 00000000-0000-0000-0000-000000000000 -p x myreg.azurecr.io", not: regName},
		{in: "helm registry login myreg.azurecr.io --username u", not: regName},
	})
}

func TestReadNames(t *testing.T) {
	checkSignals(t, []signalCase{
		{in: "docker run navdocker.az-azurecr.io/nav: lookup navdocker.az-azurecr.io on 192.168.65.1:53: no such host", want: regName, band: Likely},
		{in: "Get https://myreg.azurecr.io/v2/: dial tcp: lookup myreg.azurecr.io: no such host", want: regName, band: Likely},
		{in: "Get https://[myacrname].azureacr.io/v2/: Service Unavailable", want: regName, band: Certain},
		{in: "docker push myreg.azurecr.com/app", want: regName, band: Certain},
		{in: `Get "https://.azurecr.io/v2/": dial tcp: lookup .azurecr.io: no such host`, want: regName},
		{in: "Error response from daemon: invalid reference format", want: regName, band: Certain},
		{in: "Uppercase characters are detected in the registry name.", want: regName, band: Likely},
		{in: "ERROR: the following arguments are required: --name/-n", want: regName, band: Certain},
		{in: "podman login REDACTED.azurecr.io -u x", not: regName},
	})
}

func TestReadTimes(t *testing.T) {
	checkSignals(t, []signalCase{
		{in: "0. The ID token is not yet valid. Make sure your computer's time and time zone are both correct. Current epoch = 1669977683.", want: clock, band: Certain},
		{in: "Current epoch = 1669977683.  The id_token was: {\n  \"iat\": 1669993320,\n  \"nbf\": 1669993320,", want: clock, band: Certain},
		{in: "AADSTS700024: Client assertion is not within its valid time range. Current time: 2024-05-28T06:01:42.5853621Z, assertion valid from 2024-05-28T02:19:01.0000000Z, expiry time of assertion 2024-05-28T02:29:01.0000000Z.", want: expired, band: Certain},
		{in: "AADSTS700024: Client assertion is not within its valid time range. Current time: 2024-05-28T06:01:42Z, assertion valid from 2024-05-28T09:19:01Z, expiry time of assertion 2024-05-28T09:29:01Z.", want: clock, band: Certain},
		{in: "AADSTS700024: Client assertion is not within its valid time range. Current time: 2024-12-07T12:09:18.3149355Z, assertion valid from\n1970-01-01T00:00:00.0000000Z, expiry time of assertion 2024-12-07T11:14:18.0000000Z.", want: clock, band: Certain},
		{in: "aadsts700024: client assertion is not within its valid time range. current time: 2024-05-28t06:01:42.5853621z, assertion valid from 2024-05-28t02:19:01.0000000z, expiry time of assertion 2024-05-28t02:29:01.0000000z.", want: expired, band: Certain}, // a log that lower-cases its lines
		{in: "AADSTS700024: Client assertion is not within its valid time range.", want: clock, band: Likely},
		{in: "error: token used before issued", want: clock, band: Certain},
		// distribution's log of a token it refused, its window in seconds.
		{in: `level=error msg="token not to be used before 1451418688 or after 1451419589 - currently 1451418655"`, want: clock, band: Certain},
		{in: `level=error msg="token not to be used before 1451418688 or after 1451419589 - currently 1451419700"`, want: expired, band: Certain},
		{in: `level=error msg="token not to be used before 1451418688 or after 1451419589 - currently 1451419000"`, not: clock},
		{in: `level=info msg="token not to be used before 2024-03-01 10:00:00 +0000 UTC - currently 2024-03-01 09:52:10.1 +0000 UTC m=+3.1"`, want: clock, band: Certain},
		{in: "Warning  Failed  <invalid> (x2 over 0s)  kubelet  Failed to pull image", want: clock, band: Possible},
	})
}

// TestWrappedLines reads messages a terminal or a quoting tool wrapped:
// a phrase cut in two, a name cut at the end of a line, times on the
// lines after their code.
func TestWrappedLines(t *testing.T) {
	checkSignals(t, []signalCase{
		{in: "Error response from daemon: Get https://myreg.azurecr.io/v2/: unauthorized: Application\n not registered with AAD.", want: notInAAD, band: Certain},
		{in: "Error response from daemon: Get https://myreg.azurecr.io/v2/: unauthorized: Applicati\non not registered with AAD.", want: notInAAD, band: Certain},
		{in: "short line: no such\nhost", not: netDown},
		{in: "ERROR: Get https://arssolvendi.azurecr.io/v2/: dial tcp: lookup arssolvendi.azur\necr.io: no such host", want: regName},
		{in: "ERROR: Get https://arssolvendi.azurecr.io/v2/: dial tcp: lookup arssolvendi.azurecr.io\n on 10.0.0.2:53: no such host", want: regName},
		{in: "     | exception: AADSTS700024: Client assertion is not within its\n     | valid time range. Current time: 2022-10-26T06:11:15.1049397Z,\n     | assertion valid from 2022-10-26T06:01:13.0000000Z, expiry time\n     | of assertion 2022-10-26T06:06:13.0000000Z. Review the", want: expired, band: Certain},
		{in: "2024-05-22T19:23:04.0799190Z AADSTS700024: Client assertion is not within its\n2024-05-22T19:23:04.0799191Z      | valid time range. Current time: 2022-10-26T06:11:15Z,\n2024-05-22T19:23:04.0799192Z      | assertion valid from 2022-10-26T06:01:13Z, expiry time of assertion 2022-10-26T06:06:13Z.", want: expired, band: Certain},
	})
}

func TestWholeHours(t *testing.T) {
	for _, tc := range []struct {
		mins int
		want bool
	}{{55, true}, {60, true}, {125, true}, {212, false}, {30, false}, {5, false}, {15 * 60, false}} {
		if _, got := wholeHours(time.Duration(tc.mins) * time.Minute); got != tc.want {
			t.Errorf("wholeHours(%dm) = %v, want %v", tc.mins, got, tc.want)
		}
	}
}

func TestReadDocker(t *testing.T) {
	checkSignals(t, []signalCase{
		{in: "Got permission denied while trying to connect to the Docker daemon socket at unix:///var/run/docker.sock", want: dockerEnv, band: Certain},
		{in: "dial unix /var/run/docker.sock: connect: permission denied", want: dockerEnv, band: Certain},
		{in: "Please verify if docker is installed.", want: dockerEnv, band: Certain},
		{in: "Please verify if docker daemon is running properly.", want: dockerEnv, band: Certain},
		{in: "The command 'docker' could not be found in this WSL 2 distro.", want: dockerEnv, band: Certain},
		{in: "cli.azure.cli.command_modules.acr.custom: Could not run 'docker' command. Exception: [WinError 2]", want: dockerEnv, band: Certain},
		{in: "open //./pipe/docker_engine: The system cannot find the file specified.", want: dockerEnv, band: Certain},
		{in: `hcsshim::ImportLayer failed in Win32: The system cannot find the file specified. (0x2)`, not: dockerEnv},
		// A unix socket that refuses is a local service down, not the network.
		{in: `Post "http://ipc/registry/credstore-updated": dial unix /Users/me/Library/Containers/com.docker.docker/Data/backend.sock: connect: connection refused`, want: dockerEnv, band: Likely},
		{in: `Post "http://ipc/registry/credstore-updated": dial unix /Users/me/Library/Containers/com.docker.docker/Data/backend.sock: connect: connection refused`, not: netDown},
		{in: `Get "https://myreg.azurecr.io/v2/": dial tcp 20.1.2.3:443: connect: connection refused`, want: netDown},
	})
}

func TestReadRegistryAnswers(t *testing.T) {
	checkSignals(t, []signalCase{
		{in: "denied: client with IP '1.2.3.4' is not allowed access. Refer https://aka.ms/acr/firewall to grant access.", want: firewall, band: Certain},
		{in: "Error response from daemon: denied: client with", want: firewall, band: Certain},
		{in: "unauthorized: Application not registered with AAD.", want: notInAAD, band: Certain},
		{in: "toomanyrequests: Too many requests. Please visit https://aka.ms/acr/skus", want: throttled, band: Certain},
		{in: `{"errors":[{"code":"DENIED","message":"requested access to the resource is denied"}]}`, want: noPerm, band: Likely},
		{in: "manifest unknown: manifest unknown", not: regError},
		{in: "rpc error: code = Unknown desc = failed", not: regError},
		{in: "name unknown: repository name not known to registry", want: regName, band: Possible},
		{in: "error creating build container: short-name resolution enforced but cannot prompt without a TTY", want: regName, band: Certain},
		{in: `Unauthenticated requests do not have permission "artifactregistry.repositories.downloadArtifacts" on resource "projects/p/locations/us/repositories/gcr.io"`, want: noPerm, band: Certain},
		{in: "pull access denied for docker.example.cn/mlflow/mlflow, repository does not exist or may require 'docker login': denied: only support mainland China", want: firewall, band: Certain},
		{in: "Error: Process completed with exit code 1. denied: requested access to the resource is denied", not: firewall},
		{in: `Error response from daemon: Get "https://***/v2/": dial tcp: lookup *** on 127.0.0.53:53: no such host`, want: regName},
		{in: "http: error connecting to proxy http://%E2%80%9Dhttp://proxy:8080%E2%80%9D: dial tcp: lookup ”http: invalid domain name", want: netDown, band: Certain},
		{in: `Warning  Failed  5s  kubelet  Failed to pull image "quay.io/x/y:1": unable to parse auth field, must be formatted as base64(username:password)`, want: badCreds},
		{in: "Error: unable to decode auth field: must be formatted as base64(username:password)", want: credStore},
		{in: "Error: Unable to locate executable file: docker. Please verify either the file path exists", want: dockerEnv, band: Certain},
		{in: "Error: Unable to locate executable file: docker", want: dockerEnv, band: Certain},
		{in: "Error: Unable to locate executable file: docker-credential-ecr-login", want: credStore, band: Certain},
		{in: "Error: Unable to locate executable file: kubectl", not: dockerEnv},
		{in: "Error response from daemon: manifest for microsoft/azure-cli:0.10.17 not found: manifest unknown", want: regName},
		{in: "Error response from daemon: no matching manifest for windows/amd64 10.0.17763 in the manifest list entries", want: regName, band: Certain},
		{in: "no matching manifest for linux/arm64/v8 in the manifest list entries", want: regName, band: Certain},
		{in: "no matching manifest for linux/amd64 in the manifest list entries", want: regName, band: Certain},
		{in: "4.8: Pulling from dotnet/framework/sdk\nno matching manifest for linux/amd64 in the manifest list entries", want: dockerEnv, band: Certain},
		{in: "no matching manifest for unknown in the manifest list entries", want: dockerEnv, band: Certain},
		{in: `failed to pull and unpack image "mcr.microsoft.com/cbl-mariner/busybox:2.0": no match for platform in manifest: not found`, want: regName},
		{in: "Error response from daemon: image operating system \"linux\" cannot be used on this platform", want: dockerEnv, band: Certain},
		{in: "PermissionError: [Errno 13] Permission denied: '/home/me/.azure/msal_token_cache.json'", not: noPerm},
		{in: "ERROR: (ResourceNotFound) The Resource 'x' was not found.", not: netDown},
	})
}

func TestOneEdit(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want bool
	}{
		{"ghrc.io", "ghcr.io", true}, {"gchr.io", "ghcr.io", true}, {"ghcr.oi", "ghcr.io", true},
		{"docker.io", "dokcer.io", true}, {"quay.io", "qay.io", true}, {"gcr.io", "gcrr.io", true},
		{"ghcr.io", "ghcr.io", false}, {"gcr.io", "ghcr.xx", false}, {"docker.io", "podman.io", false}, {"ab", "ba", true}, {"abc", "cab", false},
	} {
		if got := oneEdit(tc.a, tc.b); got != tc.want {
			t.Errorf("oneEdit(%q, %q) = %v", tc.a, tc.b, got)
		}
	}
	if nearKnown("ghcr.io") != "" || nearKnown("gcr.io") != "" || nearKnown("ghrc.io") != "ghcr.io" || nearKnown("myreg.example.com") != "" {
		t.Error("nearKnown")
	}
}

// TestLoginArguments: a login's registry is read past options that take
// a value, quoted or escaped passwords with blanks, and argument lists in
// any spacing; a 401 after it stays the credential's. Found by an attack.
func TestLoginArguments(t *testing.T) {
	const denied = "\nError response from daemon: Get \"https://myreg.azurecr.io/v2/\": unauthorized: authentication required"
	for _, tc := range []struct {
		in   string
		want cause.ID
	}{
		{"docker login -u admin -p 'S3cret Spc41' myreg.azurecr.io" + denied, badCreds},
		{`docker login -u admin --password "S3cret Spc42" myreg.azurecr.io` + denied, badCreds},
		{"docker login -u admin -p S3cret\\ Spc45 myreg.azurecr.io" + denied, badCreds},
		{`docker login -u admin --password="S3cret Spc46" myreg.azurecr.io` + denied, badCreds},
		{"Command '['docker', 'login', '-p', 'S3cret Spc43', 'myreg.azurecr.io']' returned non-zero exit status 1." + denied, badCreds},
		{"podman login --authfile /run/user/1000/containers/auth.json myreg.azurecr.io" + denied, badCreds},
		{"oras login --registry-config /tmp/cfg.json myreg.azurecr.io" + denied, badCreds},
		{`["docker","login","-u","me","https:"]`, regName},
		{`["docker" "login" "-u" "me" "https:"]`, regName},
		{`["docker","login","-u","me","myreg.azurecr.io/app"]`, regName},
		{"pull access denied for app, repository does not exist or may require 'docker login': denied: requested access to the resource is denied", regName},
	} {
		fs := ExplainString(tc.in)
		if len(fs) == 0 || fs[0].Cause.ID != tc.want {
			t.Errorf("%q: causes %v, want %s first", tc.in, ids(fs), tc.want)
		}
		for _, f := range fs {
			if strings.Contains(f.Cause.Evidence, "S3cret") {
				t.Errorf("%q: a password in the evidence: %s", tc.in, f.Cause.Evidence)
			}
		}
	}
}

// TestMaskedHostUnresolved: a registry host a CI masked, whole or in part,
// that does not resolve is the secret's value (the registry name), and
// one masked on another registry's domain gets no ACR fix. Found by an
// attack.
func TestMaskedHostUnresolved(t *testing.T) {
	for _, h := range []string{"***", "***.azurecr.io", "***.dkr.ecr.eu-west-1.amazonaws.com"} {
		fs := ExplainString(`Error response from daemon: Get "https://` + h + `/v2/": dial tcp: lookup ` + h + ` on 127.0.0.53:53: no such host`)
		if len(fs) == 0 || fs[0].Cause.ID != regName {
			t.Errorf("%s: causes %v, want registry_name first", h, ids(fs))
			continue
		}
		if strings.Contains(h, ".dkr.ecr.") && strings.Contains(strings.Join(fs[0].Cause.Remediation, "\n"), "az acr") {
			t.Errorf("%s: an ACR fix for ECR: %q", h, fs[0].Cause.Remediation)
		}
	}
}

// TestGitIsNoRegistry: git's own failures in a CI log are not registry
// answers.
func TestGitIsNoRegistry(t *testing.T) {
	for _, in := range []string{
		"Cloning into 'y'...\nremote: Repository not found.\nfatal: repository 'https://github.com/x/y.git/' not found",
		"fatal: unable to access 'https://gitlab.com/x/y.git/': The requested URL returned error: 403",
	} {
		if fs := ExplainString(in); len(fs) != 0 {
			t.Errorf("%q: causes %v, want none", in, ids(fs))
		}
	}
}

// TestHubNameFix: an image named without a registry, refused by Docker
// Hub, gets the fix of naming the registry, not Docker Hub's host (found
// by a newcomer trial).
func TestHubNameFix(t *testing.T) {
	fs := ExplainString("Error response from daemon: pull access denied for team/app, repository does not exist or may require 'docker login': denied: requested access to the resource is denied")
	if len(fs) == 0 || fs[0].Cause.ID != regName || !strings.Contains(strings.Join(fs[0].Cause.Remediation, "\n"), "in front of it") {
		t.Errorf("findings %v", fs)
	}
}

// TestPaddedLinesNotJoined: a log padded to one wide width (a table, a
// progress bar) is no terminal's cut: the error after it keeps its own
// line number (found by a newcomer trial).
func TestPaddedLinesNotJoined(t *testing.T) {
	var b strings.Builder
	for i := 1; i <= 50; i++ {
		l := fmt.Sprintf("#%d step ", i)
		b.WriteString(l + strings.Repeat("=", 120-len(l)) + "\n")
	}
	for _, last := range []string{
		`Error response from daemon: Get "https://myreg.azurecr.io/v2/": unauthorized: authentication required`,
		`docker: Error response from daemon: Get "https://myreg.azurecr.io/v2/": unauthorized: authentication required.`,
		`  2024-05-01T10:11:12.123Z denied: requested access to the resource is denied`,
		`##[error]unauthorized: authentication required`,
	} {
		fs := ExplainString(b.String() + last + "\n")
		if len(fs) == 0 || fs[0].LineNo != 51 {
			t.Errorf("%q: findings %v, want the error at line 51", last, fs)
		}
	}
}

// TestPodmanFixes: a failure of Podman's login gets Podman's commands,
// and az's token handed to it, not Docker's (a newcomer trial's find).
func TestPodmanFixes(t *testing.T) {
	fs := ExplainString("$ podman login myreg.azurecr.io -u ci-bot -p \"my pass phrase 42\"\nError: logging into \"myreg.azurecr.io\": invalid username/password")
	if len(fs) == 0 {
		t.Fatal("no findings")
	}
	fix := strings.Join(fs[0].Cause.Remediation, "\n")
	if strings.Contains(fix, "docker log") || !strings.Contains(fix, "podman login myreg.azurecr.io") || !strings.Contains(fix, "--expose-token") {
		t.Errorf("fixes:\n%s", fix)
	}
}
