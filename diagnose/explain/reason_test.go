package explain

import (
	"slices"
	"strings"
	"testing"

	"github.com/acr-doctor/acr-doctor/diagnose/cause"
)

// TestByTarget: the same failure read by the registry that gave it.
func TestByTarget(t *testing.T) {
	auth := signal{Cause: badCreds, Weight: wPossible + 3, Class: authFail}
	denial := signal{Cause: noPerm, Weight: wLikely, Class: denied}
	badPw := signal{Cause: badCreds, Weight: wCertain - 5, Class: badPassword}
	with := func(g signal, t target) signal { g.Target = t; return g }
	for _, tc := range []struct {
		name string
		in   signal
		f    facts
		want cause.ID // "" dropped
		band Confidence
	}{
		{"401 from ACR", with(auth, acrTarget), facts{}, badCreds, Possible},
		{"401 from nowhere named", with(auth, noTarget), facts{}, badCreds, Possible},
		{"401 from MCR, which never asks", with(auth, mcrTarget), facts{}, regError, Likely},
		{"401 from Docker Hub in an ACR push's log", func() signal { g := with(auth, hubTarget); g.push = true; return g }(), facts{acr: true}, "", ""},
		{"401 from Docker Hub for a base image, in an ACR log", with(auth, hubTarget), facts{acr: true}, badCreds, Likely},
		{"401 from Docker Hub, nothing of ACR's", with(auth, hubTarget), facts{}, badCreds, Likely},
		{"no credential for Docker Hub", func() signal { g := with(auth, hubTarget); g.noCred = true; return g }(), facts{}, "", ""},
		{"401 from Docker Hub after a push there", with(auth, hubTarget), facts{hubPush: true}, regName, Likely},
		{"denied by Docker Hub", with(denial, hubTarget), facts{}, regName, Likely},
		{"denied by ACR", with(denial, acrTarget), facts{}, noPerm, Likely},
		{"denied by another registry", with(denial, otherTarget), facts{}, noPerm, Likely},
		{"401 with anonymous pull on", with(auth, acrTarget), facts{anonymousPull: true}, anonBlock, Likely},
		{"wrong password on a Docker Hub pull", func() signal { g := with(badPw, hubTarget); g.pull = true; return g }(), facts{}, anonBlock, Likely},
		{"wrong password at ACR", with(badPw, acrTarget), facts{}, badCreds, Certain},
	} {
		got, keep := byTarget(tc.in, tc.f)
		switch {
		case tc.want == "" && keep:
			t.Errorf("%s: kept as %s", tc.name, got.Cause)
		case tc.want != "" && (!keep || got.Cause != tc.want || confidence(got.Weight) != tc.band):
			t.Errorf("%s: %s %s (kept %v), want %s %s", tc.name, got.Cause, confidence(got.Weight), keep, tc.want, tc.band)
		}
	}
}

func TestCertClock(t *testing.T) {
	g := signal{Cause: tlsFail, Weight: wLikely, Class: certTime}
	for _, tc := range []struct {
		target target
		req    string
		want   cause.ID
	}{
		{acrTarget, "myreg.azurecr.io", clock},
		{hubTarget, "index.docker.io", clock},
		{otherTarget, "gcr.io", clock},
		{otherTarget, "harbor.corp.local", tlsFail},
	} {
		g.Target, g.req = tc.target, tc.req
		if got := certClock(g); got.Cause != tc.want {
			t.Errorf("%s %s: %s, want %s", tc.target, tc.req, got.Cause, tc.want)
		}
	}
}

// TestRankExplains: a specific cause outranks, and explains away, a
// generic failure wherever it is in the text; on the same line the
// generic reading goes, on another it stays a possibility.
func TestRankExplains(t *testing.T) {
	sigs := []signal{
		{Cause: badCreds, Weight: wPossible + 3, Class: authFail, Line: 0},
		{Cause: expired, Weight: wCertain, Line: 5},
		{Cause: badCreds, Weight: wPossible + 3, Class: authFail, Line: 5},
	}
	gs := rank(slices.Clone(sigs))
	if len(gs) != 2 || gs[0].id != expired || gs[1].id != badCreds || confidence(gs[1].weight) != Possible || gs[1].best.Line != 0 {
		t.Fatalf("rank = %+v", gs)
	}
	// Equally specific causes keep the order of the text.
	gs = rank([]signal{{Cause: tlsFail, Weight: wCertain, Line: 3}, {Cause: dockerEnv, Weight: wCertain, Line: 1}})
	if gs[0].id != dockerEnv {
		t.Errorf("tie not broken by line: %v first", gs[0].id)
	}
	// A generic failure does not explain away another of equal weight.
	gs = rank([]signal{{Cause: noPerm, Weight: wLikely, Class: denied, Line: 0}, {Cause: regError, Weight: wLikely, Class: challenge, Line: 1}})
	if len(gs) != 2 || gs[1].weight != wLikely {
		t.Errorf("generic explained generic: %+v", gs)
	}
}

// TestReason runs whole texts through: the first cause, its confidence, and
// causes that must or must not be among the findings. Each row is a class
// of output, not a sample.
// TestForeignDocs: a finding about another registry links that
// registry's documentation, not ACR's, and names no check-health code.
func TestForeignDocs(t *testing.T) {
	for in, want := range map[string]string{
		`Error response from daemon: Head "https://ghcr.io/v2/o/a/manifests/1": denied`:                        "docs.github.com",
		"Error: reading manifest 1 in quay.io/acme/app: StatusCode: 502":                                       "docs.quay.io",
		"toomanyrequests: You have reached your pull rate limit. You may increase the limit by authenticating": "docs.docker.com/docker-hub/usage",
		"Error response from daemon: Get https://myreg.azurecr.io/v2/: unauthorized: authentication required":  "learn.microsoft.com",
	} {
		fs := ExplainString(in)
		if len(fs) == 0 || len(fs[0].Cause.Docs) == 0 || !strings.Contains(fs[0].Cause.Docs[0], want) {
			t.Errorf("%s: docs %v, want %s", in, fs, want)
			continue
		}
		if !strings.Contains(want, "microsoft") && fs[0].Cause.CheckHealth != "" {
			t.Errorf("%s: check-health %s for another registry", in, fs[0].Cause.CheckHealth)
		}
	}
}

func TestReason(t *testing.T) {
	for _, tc := range []struct {
		name  string
		in    string
		first cause.ID
		band  Confidence
		also  []cause.ID
		not   []cause.ID
		alt   cause.ID // among the first finding's alternatives
		fix   string   // in a line of the first finding's remediation
		nofix string   // in no line of it
	}{
		{name: "a token service's 403 with OAuth's reason",
			in:    `com.docker.backend[2558]: refreshing tokens: status code not OK but 403: {"error":"invalid_grant","error_description":"Unknown or invalid refresh token."}`,
			first: expired, not: []cause.ID{firewall}},
		{name: "BuildKit's authorizer names the registry of the push that follows its end",
			in:    "#33 [auth] org/app:pull,push token for ghcr.io\n#33 DONE 0.0s\n#31 DONE 0.2s\n#32 pushing layers\n#32 ERROR: unexpected status: 403 Forbidden",
			first: noPerm, not: []cause.ID{firewall}},
		{name: "a base image's pull token says nothing of where the build pushes",
			in:    "docker buildx build --push -t myreg.azurecr.io/team/app:1 .\n#2 [auth] library/node:pull token for registry-1.docker.io\n#2 DONE 0.0s\n#12 pushing layers 0.3s done\n#12 ERROR: unexpected status: 403 Forbidden",
			first: firewall, fix: "az acr network-rule"},
		{name: "Docker Desktop's own sign-in expired",
			in:    "docker push myreg.azurecr.io/team/app:1\nThe push refers to repository [myreg.azurecr.io/team/app]\nunauthorized: authentication required, visit https://aka.ms/acr/authorization for more information.\n" + `com.docker.backend[2558]: refreshing tokens: status code not OK but 403: {"error":"invalid_grant","error_description":"Unknown or invalid refresh token."}`,
			first: expired, fix: "sign out of Docker Desktop", nofix: "myreg"},
		{name: "Front Door's block page is the service's edge, not a rule of the user's",
			in:    `Error response from daemon: pull access denied for mcr.microsoft.com/azure-storage/azurite, repository does not exist or may require 'docker login': denied: <html><body><div id='message'><h2>The request is blocked.</h2></div></body></html>`,
			first: firewall, fix: "Ref A, B and C", nofix: "network-rule"},
		{name: "a host after docker.io/ is named once in the fix",
			in:    `Failed to pull image "docker.io/harbor.example.net/docker.io/grafana/loki:3.1.1": not found`,
			first: regName, fix: "harbor.example.net/docker.io/grafana/loki:3.1.1"},
		{name: "kubectl that did not reach its cluster says nothing of a registry",
			in:    "E1201 10:00:00.000000   123 memcache.go:265] couldn't get current server API group list: Get \"http://localhost:8080/api?timeout=32s\": dial tcp 127.0.0.1:8080: connect: connection refused\nThe connection to the server localhost:8080 was refused - did you specify the right host or port?",
			first: dockerEnv, fix: "kubectl config current-context"},
		{name: "kubectl without a cluster beside a node's refused pull: the pull first",
			in:    "  Warning  Failed  1m (x4 over 2m)  kubelet  Failed to pull image \"myreg.azurecr.io/app:1\": failed to fetch anonymous token: unexpected status from GET request to https://myreg.azurecr.io/oauth2/token?scope=repository%3Aapp%3Apull: 401 Unauthorized\n$ kubectl get pods\nThe connection to the server localhost:8080 was refused - did you specify the right host or port?",
			first: badCreds, also: []cause.ID{dockerEnv}},
		{name: "a proxy that speaks TLS on a port written http://",
			in:    `Error response from daemon: Get "https://myreg.azurecr.io/v2/": proxyconnect tcp: malformed HTTP response "\x15\x03\x01\x00\x02\x02"`,
			first: netDown, fix: "write its address as https://"},
		{name: "an official image asked for without library/",
			in:    `Error: failed to resolve latest: GET "https://registry-1.docker.io/v2/nginx/manifests/latest": response status code 401: unauthorized: authentication required`,
			first: regName, fix: "docker.io/library/NAME", nofix: "az acr"},
		{name: "a fix that quotes the text is redacted as the evidence is",
			in:    `Failed to pull image "docker.io/u:ghp_abcdefghijklmnopqrstuvwxyz0123456789ABCD@harbor.example.net/app:1"`,
			first: regName, fix: "name the registry once", nofix: "ghp_abcdefghijklmnopqrstuvwxyz0123456789ABCD"},
		{name: "a fix's own words are not redacted, whatever password the text gave",
			in:    "docker login myreg.azurecr.io -u alice -p secret\nError response from daemon: Get \"https://myreg.azurecr.io/v2/\": unauthorized: Invalid clientid or client secret.",
			first: badCreds, fix: "a current secret: az ad app credential list", nofix: "<redacted>"},
		{name: "an ACR host after docker.io/ is named once, with its digest",
			in:    `Failed to pull image "docker.io/myreg.azurecr.io/team/app:1@sha256:` + strings.Repeat("a", 64) + `": not found`,
			first: regName, fix: "myreg.azurecr.io/team/app:1@sha256:"},
		{name: "the admin user's fixes follow the last login to the registry",
			in:    "docker login myreg.azurecr.io -u myreg -p x\nError response from daemon: Get \"https://myreg.azurecr.io/v2/\": unauthorized: authentication required\ndocker login myreg.azurecr.io -u 5b1d6f0e-7c3a-4e8b-9d2f-1a6c4e8b0f37 -p y\nError response from daemon: Get \"https://myreg.azurecr.io/v2/\": unauthorized: authentication required",
			first: badCreds, nofix: "az acr credential show"},
		{name: "a login as ACR's admin user (its username is the registry's name)",
			in:    "docker login adminoff.azurecr.io -u \"adminoff\" -p xyz\nError response from daemon: Get \"https://adminoff.azurecr.io/v2/\": unauthorized: authentication required, visit https://aka.ms/acr/authorization for more information.",
			first: badCreds, fix: "az acr credential show -n adminoff", nofix: "az ad app credential"},
		{name: "a vendor's retired version",
			in:    "Error response from daemon: unknown: This container version is no longer available from the Crunchy Data Developer Program.",
			first: regName, fix: "the vendor no longer serves", nofix: "az acr"},
		{name: "a login to http:// that a registry on plain HTTP answered",
			in:    "docker login http://registry.example.internal:80\nError response from daemon: Get https://registry.example.internal:80/v2/: http: server gave HTTP response to HTTPS client",
			first: tlsFail, also: []cause.ID{regName}},
		{name: "docker-modem's 500 for a pull that Docker Hub refused the app's sign-in on",
			in:    `(HTTP code 500) server error - {"message":"Get https://registry-1.docker.io/v2/library/mysql/manifests/latest: unauthorized: incorrect username or password"}`,
			first: badCreds, alt: anonBlock, fix: "sign out of the app", nofix: "docker logout &&"},
		{name: "x509 of the daemon's own connection",
			in:    "docker: error during connect: Post https://192.168.99.100:2376/v1.27/containers/create: x509: cannot validate certificate for 192.168.99.100 because it doesn't contain any IP SANs.",
			first: tlsFail, also: []cause.ID{dockerEnv, netDown}, not: []cause.ID{regName}},
		{name: "a host where Docker Hub's namespace is",
			in:    "[ERROR] URL https://registry-1.docker.io/v2/my-registry.com/foo/bar/manifests/v1.0 returned error code: 401",
			first: regName, band: Certain},
		{name: "a Docker Hub path whose namespace has no dot",
			in:  "[ERROR] URL https://registry-1.docker.io/v2/myorg/bar/manifests/v1.0 returned error code: 401",
			not: []cause.ID{regName}},
		{name: "a login to docker://HOST is no image reference",
			in:    "FATAL:   while login to docker://myreg.azurecr.io: GET https://myreg.azurecr.io/oauth2/token?service=myreg.azurecr.io: UNAUTHORIZED: authentication required, visit https://aka.ms/acr/authorization for more information.",
			first: badCreds, not: []cause.ID{regName}},
		{name: "goreleaser's push of a reference with no registry",
			in:    "docker images: failed to publish artifacts: failed to push nuclei:v3.4.0 after 1 tries: failed to push nuclei:v3.4.0: exit status 1: denied: requested access to the resource is denied",
			first: regName},
		{name: "ECR Public refuses a stale token on a pull",
			in:    "ERROR: failed to solve: public.ecr.aws/lambda/python:3.9: pulling from host public.ecr.aws failed with status code [manifests 3.9]: 403 Forbidden",
			first: anonBlock, alt: expired, fix: "docker logout public.ecr.aws"},
		{name: "ECR Public's expired token on a pull: the login or none",
			in:    "Error response from daemon: pull access denied for public.ecr.aws/eks-anywhere/cli-tools, repository does not exist or may require 'docker login': denied: Your authorization token has expired. Reauthenticate and try again.",
			first: expired, also: []cause.ID{anonBlock}},
		{name: "ECR Public's expired token on a push: the login",
			in:    "denied: Your authorization token has expired. Reauthenticate and try again.\nThe push refers to repository [public.ecr.aws/myalias/app]",
			first: expired, not: []cause.ID{anonBlock}},
		{name: "another registry's bare 403 through containerd's fetcher",
			in:    "ERROR: failed to solve: registry.example.com/app:1: pulling from host registry.example.com failed with status code [manifests 1]: 403 Forbidden",
			first: noPerm, not: []cause.ID{firewall}},
		{name: "an ARM machine and an amd64-only image",
			in:    "docker: no matching manifest for linux/arm/v7 in the manifest list entries.",
			first: regName, alt: dockerEnv, fix: "--platform linux/amd64"},
		{name: "a Windows image in Linux containers mode",
			in:    "4.8: Pulling from dotnet/framework/sdk\nno matching manifest for linux/amd64 in the manifest list entries",
			first: dockerEnv, alt: regName},
		{name: "an old client and an OCI index",
			in:    "While performing build: conveyor failed to get: Error reading manifest 20.04 in docker.io/library/ubuntu: manifest unknown: OCI index found, but accept header does not support OCI indexes",
			first: dockerEnv, band: Certain, fix: "upgrade the client"},
		{name: "a tag that ends the line before the event's words",
			in:    "    may be because there are no credentials on this request.  details: (Tag v2.0.0-bob\n    not found in repository quay.io/ukhomeofficedigital/s3registry)'",
			first: regName},
		{name: "a dial whose error was cut off",
			in:    `failed to do request: Head "https://registry-1.docker.io/v2/library/nginx/manifests/latest": dial tcp:`,
			first: netDown},
		{name: "GHCR's bare denied on a pull",
			in:    `docker: Error response from daemon: Head "https://ghcr.io/v2/github/github-mcp-server/manifests/latest": denied: denied`,
			first: anonBlock, alt: regName, fix: "docker logout ghcr.io"},
		{name: "GHCR's bare denied after the pull that named it",
			in:    "docker pull ghcr.io/someone/app:1\nError response from daemon: error from registry: denied",
			first: anonBlock},
		{name: "GHCR's unauthorized on a pull: a private package",
			in:    `docker: Error response from daemon: Head "https://ghcr.io/v2/collabora/whisperfusion/manifests/latest": unauthorized.`,
			first: noPerm, alt: regName, fix: "read:packages"},
		{name: "Quay's not authorized on a pull: most often no such repository",
			in:    "Unable to find image 'quay.io/biocontainers/tool:1.2--0' locally\ndocker: Error response from daemon: unauthorized: access to the requested resource is not authorized.",
			first: regName, alt: noPerm},
		{name: "Quay's not authorized on a push: the account's",
			in:  "The push refers to repository [quay.io/example/app]\nunauthorized: access to the requested resource is not authorized",
			not: []cause.ID{regName}, first: badCreds},
		{name: "GHCR's bare denied on a login is the login's",
			in:    `Error response from daemon: Get "https://ghcr.io/v2/": denied: denied`,
			first: badCreds, fix: "read:packages", not: []cause.ID{anonBlock}},
		{name: "GHCR's bare denied on a push is the push's",
			in:    `failed to push ghcr.io/someone/app:1: unexpected status from POST request to https://ghcr.io/v2/someone/app/blobs/uploads/: denied`,
			first: noPerm, fix: "write:packages"},
		{name: "a mirror's allowlist",
			in:    `Failed to pull image "wjiec/alidns-webhook:v1.0.0": unexpected status code https://docker.m.daocloud.io/v2/wjiec/alidns-webhook/blobs/sha256:9d71?ns=docker.io: 403 Forbidden - Server message: denied: this image is not in the allowlist.`,
			first: regName, fix: "allowlist"},
		{name: "GHCR's bare denied on a push named before it",
			in:    "$ docker push ghcr.io/owner/app:1\nThe push refers to repository [ghcr.io/owner/app]\ndenied: denied",
			first: noPerm, not: []cause.ID{anonBlock}},
		{name: "GHCR's unauthorized on a push's blob",
			in:    "$ docker push ghcr.io/o/a:1\nError response from daemon: Head \"https://ghcr.io/v2/o/a/blobs/sha256:abc\": unauthorized",
			first: noPerm, fix: "write:packages"},
		{name: "GHCR refuses an anonymous token: no stored token to drop",
			in:    "ERROR: failed to solve: failed to authorize: failed to fetch anonymous token: unexpected status from GET request to https://ghcr.io/token?scope=repository%3Ao%2Fa%3Apull&service=ghcr.io: 403 Forbidden: denied",
			first: noPerm, not: []cause.ID{anonBlock}},
		{name: "GHCR's denied right after a login that succeeded",
			in:    "$ echo $T | docker login ghcr.io -u me --password-stdin\nLogin Succeeded\n$ docker pull ghcr.io/o/a:1\nError response from daemon: Head \"https://ghcr.io/v2/o/a/manifests/1\": denied",
			first: noPerm, not: []cause.ID{anonBlock}},
		{name: "a node's GHCR denied: no logout reaches its secret",
			in:    `Warning  Failed  5s  kubelet  Failed to pull image "ghcr.io/o/a:1": rpc error: code = Unknown desc = failed to pull and unpack image "ghcr.io/o/a:1": failed to resolve reference "ghcr.io/o/a:1": unexpected status from HEAD request to https://ghcr.io/v2/o/a/manifests/1: denied: denied`,
			first: noPerm, not: []cause.ID{anonBlock}},
		{name: "ECR Public's 403 on a push is the push's credential",
			in:    "failed to push public.ecr.aws/abc/app:1: unexpected status from HEAD request to https://public.ecr.aws/v2/abc/app/blobs/sha256:aa: 403 Forbidden",
			first: noPerm, not: []cause.ID{anonBlock}},
		{name: "a node's pull from ECR Public",
			in:    `Warning  Failed  5s  kubelet  Failed to pull image "public.ecr.aws/o/a:1": rpc error: code = Unknown desc = pulling from host public.ecr.aws failed with status code [manifests 1]: 403 Forbidden`,
			first: noPerm, not: []cause.ID{anonBlock}},
		{name: "a tag that is a status's number",
			in:    "Error response from daemon: manifest for nginx:429 not found: manifest unknown: manifest unknown",
			first: regName, not: []cause.ID{throttled}},
		{name: "a reference's tag in containerd's brackets",
			in:    "ERROR: pulling from host ghcr.io failed with status code [manifests 429]: 403 Forbidden",
			first: noPerm, not: []cause.ID{throttled}},
		{name: "an IP allowlist is no mirror's",
			in:    "denied: client IP 203.0.113.7 is not in the allowlist",
			first: noPerm, not: []cause.ID{regName}},
		{name: "Apptainer's login takes docker://",
			in:  "$ apptainer registry login --username me docker://ghcr.io\nINFO:    Token stored in /home/me/.apptainer/remote.yaml",
			not: []cause.ID{regName}},
		{name: "a Windows image on an ARM machine",
			in:    "$ docker pull mcr.microsoft.com/windows/nanoserver:ltsc2022\nno matching manifest for linux/arm64/v8 in the manifest list entries",
			first: regName, fix: "runs only on a Windows host"},
		{name: "a node of the other OS",
			in:    `Warning  Failed  5s  kubelet  Failed to pull image "x/y:1": rpc error: code = NotFound desc = failed to pull and unpack image "docker.io/x/y:1": no match for platform in manifest: not found`,
			first: regName, fix: "nodeSelector"},
		{name: "podman's words for an image without this CPU",
			in:    `Error: choosing an image from manifest list docker://ghcr.io/o/a:1: no image found in image index for architecture "arm64", variant "v8", OS "linux"`,
			first: regName, fix: "linux/arm64"},
		{name: "a push to GHCR after one to ACR is GHCR's",
			in:    "$ docker push myreg.azurecr.io/team/app:1\nThe push refers to repository [myreg.azurecr.io/team/app]\n1: digest: sha256:4c0e size: 1570\n$ docker push ghcr.io/myorg/app:1\nThe push refers to repository [ghcr.io/myorg/app]\ndenied: permission_denied: write_package",
			first: noPerm, fix: "write:packages"},
		{name: "a login to another registry leaves GHCR's stored token stale",
			in:    "$ docker login myreg.azurecr.io -u x --password-stdin\nLogin Succeeded\n$ docker pull ghcr.io/o/a:1\nError response from daemon: Head \"https://ghcr.io/v2/o/a/manifests/1\": denied",
			first: anonBlock},
		{name: "push in an image's name is no push",
			in:    `Error response from daemon: Head "https://ghcr.io/v2/prom/pushgateway/manifests/1": denied`,
			first: anonBlock},
		{name: "a PUT of a manifest is a push",
			in:    "Error: PUT https://ghcr.io/v2/acme/app/manifests/1: DENIED: denied",
			first: noPerm, not: []cause.ID{anonBlock}},
		{name: "a push to Docker Hub refused for its password is no logout",
			in:    `Error: failed to push docker.io/acme/app:1: Head "https://registry-1.docker.io/v2/acme/app/blobs/sha256:abc": unauthorized: incorrect username or password`,
			first: badCreds, not: []cause.ID{anonBlock}},
		{name: "a build's pull of its base image, in a build that pushes",
			in:    "$ docker buildx build --push -t ghcr.io/acme/app:1 .\n#3 [internal] load metadata for ghcr.io/acme/base:1\n#3 ERROR: unexpected status from HEAD request to https://ghcr.io/v2/acme/base/manifests/1: denied: denied",
			first: anonBlock},
		{name: "ECR in China",
			in:    "$ docker push 123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/app:1\ndenied: Your authorization token has expired. Reauthenticate and try again.",
			first: expired, fix: "--region cn-north-1"},
		{name: "an ECR host with a hostile region gets no AWS command",
			in:    "$ docker push 123456789012.dkr.ecr.a$(id).amazonaws.com/app:1\ndenied: Your authorization token has expired. Reauthenticate and try again.",
			first: expired, nofix: "aws ecr"},
		{name: "BuildKit's step names the registry its error is about",
			in:    "#21 [internal] load metadata for quay.io/acme/base:1\n#21 ERROR: unauthorized: authentication required\n#22 [internal] load metadata for myreg.azurecr.io/tools:1\n#22 DONE 0.3s",
			first: badCreds, fix: "docker login quay.io", nofix: "az acr"},
		{name: "Podman's login names its registry in quotes",
			in:    `Error: logging into "ghcr.io": invalid username/password`,
			first: badCreds, fix: "podman login ghcr.io", nofix: "az acr"},
		{name: "Podman's push names its registry after the upload",
			in:    "Error: writing blob: initiating layer upload to /v2/a1b2c3d4/app/blobs/uploads/ in public.ecr.aws: denied: Not Authorized",
			first: noPerm, nofix: "az "},
		{name: "Podman's pull names its repository after the tag",
			in:    "Error: reading manifest 1 in quay.io/acme/app: StatusCode: 502",
			first: regError, nofix: "Azure"},
		{name: "AWS IAM without the ECR action",
			in:    "An error occurred (AccessDeniedException) when calling the GetAuthorizationToken operation: User: arn:aws:iam::123456789012:user/ci is not authorized to perform: ecr:GetAuthorizationToken on resource: *",
			first: noPerm, fix: "IAM policy", nofix: "az "},
		{name: "the AWS CLI with no credentials",
			in:    "$ aws ecr get-login-password --region us-east-1 | docker login --username AWS --password-stdin 123456789012.dkr.ecr.us-east-1.amazonaws.com\nUnable to locate credentials. You can configure credentials by running \"aws configure\".",
			first: badCreds, fix: "aws configure", nofix: "az "},
		{name: "ECR with no credential stored",
			in:    "Error response from daemon: Get https://123456789012.dkr.ecr.us-west-2.amazonaws.com/v2/agent/manifests/latest: no basic auth credentials",
			first: badCreds, fix: "aws ecr get-login-password --region us-west-2"},
		{name: "Docker Hub's limit on a push is no pull's",
			in:    "#14 ERROR: failed to push docker.io/acme/app:1: unexpected status from PUT request to https://registry-1.docker.io/v2/acme/app/manifests/1: 429 Too Many Requests",
			first: throttled, fix: "parallel pushes", nofix: "az acr import"},
		{name: "a certificate for other names",
			in:    "Error response from daemon: Get \"https://reg.example.com/v2/\": x509: certificate is valid for a.example.com, b.example.com, not reg.example.com",
			first: tlsFail, fix: "reissue the certificate", nofix: "root certificate"},
		{name: "a build's Docker Hub pull fails after a login to ACR",
			in:    "docker login myreg.azurecr.io\nLogin Succeeded\n#2 [internal] load metadata for docker.io/library/alpine:3\n#2 ERROR: unexpected status: 401 Unauthorized",
			first: badCreds, fix: "docker login", nofix: "az acr"},
		{name: "a certificate for other names, in Go 1.20's words",
			in:    "Error response from daemon: Get \"https://harbor.corp.com:5000/v2/\": tls: failed to verify certificate: x509: certificate is valid for core.harbor.domain, not harbor.corp.com",
			first: tlsFail, fix: "reissue the certificate"},
		{name: "BuildKit's last line names the registry",
			in:    "ERROR: failed to solve: ghcr.io/octo/app:latest: failed to resolve source metadata for ghcr.io/octo/app:latest: failed to authorize: failed to fetch oauth token: unexpected status: 401 Unauthorized",
			first: badCreds, fix: "ghcr.io", nofix: "az acr"},
		{name: "a registry's IP where its name belongs",
			in:    `Error response from daemon: Get "https://10.1.2.3/v2/": x509: cannot validate certificate for 10.1.2.3 because it doesn't contain any IP SANs`,
			first: regName},
		{name: "a registry host with no domain",
			in:    `Error response from daemon: Get "https://us-central1/v2/": dial tcp: lookup us-central1: Temporary failure in name resolution`,
			first: regName, alt: netDown},
		{name: "the daemon's service name does not resolve",
			in:    `error during connect: Get "http://docker:2375/v1.24/version": dial tcp: lookup docker on 127.0.0.11:53: no such host`,
			first: dockerEnv, not: []cause.ID{regName}},
		{name: "a registry in a search domain",
			in:    `Get "https://registry:5000/v2/": dial tcp: lookup registry on 10.0.0.2:53: no such host`,
			first: netDown},
		{name: "no registry API at the address",
			in:    "Error response from daemon: login attempt to https://nexus/v2/ failed with status: 404 Not Found",
			first: regName, alt: regError},
		{name: "ACR's /v2/ not found",
			in:    "Error response from daemon: login attempt to https://myreg.azurecr.io/v2/ failed with status: 404 Not Found",
			first: regError},
		{name: "ARM finds no such registry in the subscription",
			in: "Access to registry 'xxx.azurecr.io' was denied. Response code: 401. Please try running 'az login' again to refresh permissions.\n" +
				"Unable to get admin user credentials with message: The resource with name 'xxx' and type 'Microsoft.ContainerRegistry/registries' could not be found in subscription 'xxx'.",
			first: regName},
		{name: "a forward proxy's own page",
			in:    "An error occurred trying to connect: Get https://192.168.99.100:2376/v1.20/info: Proxy Error ( The specified Secure Sockets Layer (SSL) port is not allowed. Forefront TMG is not configured to allow SSL requests from this port. )",
			first: netDown, band: Certain},
		{name: "Front Door's outage page",
			in:    `Error response from daemon: error parsing HTTP 400 response body: invalid character '<' looking for beginning of value: "<h2>Our services aren't available right now</h2>"`,
			first: regError},
		{name: "a credential file that cannot be written",
			in:    `FATA[0002] error creating directory "/run/containers/501": mkdir /run: read-only file system`,
			first: credStore},
		{name: "config.json unreadable",
			in:    "WARNING: Error loading config file: /home/me/.docker/config.json: open /home/me/.docker/config.json: permission denied",
			first: credStore},
		{name: "a push of a name with no registry, through BuildKit",
			in:    "ERROR: failed to solve: failed to push konstraint:latest: failed to authorize: failed to fetch oauth token: unexpected status from GET request to https://auth.docker.io/token?scope=repository%3Alibrary%2Fkonstraint%3Apull%2Cpush&service=registry.docker.io: 401 Unauthorized",
			first: regName},
		{name: "an official image that needs no login",
			in:    `Get https://registry-1.docker.io/v2/library/trivy/manifests/latest: http: non-successful response (status=401 body="{\"errors\":[{\"code\":\"UNAUTHORIZED\",\"message\":\"authentication required\"}]}")`,
			first: regName},
		{name: "a stored credential refused on a public Docker Hub pull",
			in:    "Error response from daemon: Get https://registry-1.docker.io/v2/library/mysql/manifests/latest: unauthorized: incorrect username or password",
			first: anonBlock, alt: badCreds},
		{name: "the same refused in an app of the Engine API, which signs in itself",
			in:    `(HTTP code 401) unexpected - {"message":"Get https://registry-1.docker.io/v2/library/mysql/manifests/latest: unauthorized: incorrect username or password"}`,
			first: badCreds, alt: anonBlock, fix: "sign out of the app", nofix: "docker logout &&"},
		{name: "a login whose registry a command substitution left empty",
			in:    "$ docker login -u developer -p $(oc whoami -t) $(minishift openshift registry)\nError response from daemon: Get https://registry-1.docker.io/v2/: unauthorized: incorrect username or password",
			first: regName, alt: badCreds},
		{name: "a registry of one's own on a port, its certificate without the address",
			in:    `Get "https://10.0.0.5:5000/v2/": x509: cannot validate certificate for 10.0.0.5 because it doesn't contain any IP SANs`,
			first: tlsFail, fix: "openssl s_client -connect 10.0.0.5:5000"},
		{name: "a login to one's own registry by address and port, its certificate without the address",
			in:    "$ docker login 10.0.0.5:5000\n" + `Error response from daemon: Get "https://10.0.0.5:5000/v2/": tls: failed to verify certificate: x509: cannot validate certificate for 10.0.0.5 because it doesn't contain any IP SANs`,
			first: tlsFail, band: Certain, not: []cause.ID{regName}, fix: "subject alternative names"},
		{name: "a CI step with no docker",
			in:    "Error: Unable to locate executable file: docker. Please verify either the file path exists or the file can be found within a directory specified by the PATH environment variable.",
			first: dockerEnv, band: Certain, fix: "where Docker is installed"},
		{name: "a login to Docker Hub refused, then its push",
			in:    "Error response from daemon: Get https://registry-1.docker.io/v2/: unauthorized: incorrect username or password\nThe push refers to a repository [docker.io/openstorage/osd]\ndenied: requested access to the resource is denied",
			first: badCreds},
		{name: "a registry of one's own in plain HTTP",
			in:    `Get "https://10.1.2.3:5000/v2/app/manifests/latest": http: server gave HTTP response to HTTPS client`,
			first: tlsFail, alt: netDown},
		{name: "plain HTTP for ACR: a proxy",
			in:    `Get "https://myreg.azurecr.io/v2/": http: server gave HTTP response to HTTPS client`,
			first: netDown},
		{name: "a well-known registry misspelt",
			in:    "docker push ghrc.io/user/package:latest\n\"<html><body><h1>403 Forbidden</h1>Request forbidden by administrative rules.</body></html>\"",
			first: regName},
		{name: "a registry's port read as Docker Hub's namespace",
			in:    "GET https://index.docker.io/v2/5000/backend/manifests/latest: UNAUTHORIZED: authentication required",
			first: regName},
		{name: "another registry's bare 403",
			in:    `failed to push: PUT "https://registry.example.com/v2/team/app/manifests/1": unexpected status: 403 Forbidden`,
			first: noPerm, alt: firewall},
		{name: "OAuth's invalid_grant",
			in:    "com.google.api.client.http.HttpResponseException: 400 Bad Request\n{\n  \"error\" : \"invalid_grant\"\n}",
			first: expired},
		{name: "Docker Hub's token without the push scope",
			in:    `[ERROR] {"details":"access token has insufficient scopes"}`,
			first: noPerm},
		{name: "Jib and a plain-HTTP registry",
			in:    "[ERROR] Build image failed, perhaps you should use a registry that supports HTTPS or set the configuration parameter 'allowInsecureRegistries'",
			first: tlsFail},
		{name: "Docker Hub wants a token, not the password",
			in:    "Error response from daemon: Get \"https://registry-1.docker.io/v2/\": unauthorized: your account must log in with a Personal Access Token (PAT)",
			first: badCreds},
		{name: "a 5xx after Server error",
			in:    "Error pushing to registry: Server error: 502 trying head request for numenta/nupic - sha256:b5fe",
			first: regError},
		{name: "the registry's UNKNOWN after its request",
			in:    "GET https://org.azurecr.io/oauth2/token?scope=repository%3Aapp%3Apull&service=org.azurecr.io: UNKNOWN: aad get access token sp timeout",
			first: regError},
		{name: "unknown: of a local error",
			in:  `ERROR: failed to solve: failed to calculate checksum of ref abc: "/app": not found: unknown: file does not exist`,
			not: []cause.ID{regError}},
		{name: "unknown: of a CLI",
			in:  "Error: unknown: unknown shorthand flag: 'x' in -x",
			not: []cause.ID{regError}},
		{name: "generic 401 early, specific line later",
			in:    "unauthorized: authentication required\n...\nError: AADSTS7000222: The provided client secret keys for app 'x' are expired.",
			first: expired, band: Certain, also: []cause.ID{badCreds}},
		{name: "push to Docker Hub, denied",
			in:    "docker push team/app:1\nThe push refers to repository [docker.io/team/app]\n5f70bf18a086: Preparing\ndenied: requested access to the resource is denied",
			first: regName, band: Likely, also: []cause.ID{noPerm}},
		{name: "nerdctl push without a registry",
			in:    "nerdctl push app:1\nFATA[0000] push access denied, repository does not exist or may require authorization: server message: insufficient_scope: authorization failed",
			first: regName},
		{name: "tag on the host",
			in:    "docker push myreg.azurecr.io:1.0\nThe push refers to repository [docker.io/library/myreg.azurecr.io]\ndenied: requested access to the resource is denied",
			first: regName, band: Certain},
		{name: "private address then no challenge",
			in:    "DNS lookup to myreg.azurecr.io at IP 10.20.1.5 : OK\nAn error occurred: CONNECTIVITY_CHALLENGE_ERROR\nRegistry 'myreg.azurecr.io' did not issue a challenge.",
			first: netDown, band: Likely, also: []cause.ID{regError}},
		{name: "public address then no challenge",
			in:    "DNS lookup to myreg.azurecr.io at IP 20.62.128.0 : OK\nAn error occurred: CONNECTIVITY_CHALLENGE_ERROR\nRegistry 'myreg.azurecr.io' did not issue a challenge.",
			first: regError, band: Likely, alt: netDown},
		{name: "az throttled, not expired",
			in:    "WARNING: Unable to get AAD authorization tokens with message: An error occurred: CONNECTIVITY_REFRESH_TOKEN_ERROR\nAccess to registry 'r.azurecr.io' was denied. Response code: 429.",
			first: throttled, band: Certain, not: []cause.ID{expired}},
		{name: "upper-case host and a 401",
			in:    "docker tag nginx MyReg.azurecr.io/nginx\ndocker push MyReg.azurecr.io/nginx\nunauthorized: authentication required",
			first: regName, band: Likely},
		{name: "upper-case host, no failure",
			in: "docker push MyReg.azurecr.io/nginx\nlatest: digest: sha256:788fa27763db size: 948", not: []cause.ID{regName}},
		{name: "MCR asks for credentials", in: `Head "https://mcr.microsoft.com/v2/dotnet/sdk/manifests/8.0": unauthorized: authentication required`,
			first: regError},
		// Docker Hub's token service gives any anonymous caller a token:
		// its 401 refuses the credential sent.
		{name: "a remote daemon's certificate, not the clock", in: "Warning: failed to get default registry endpoint from daemon (An error occurred trying to connect: Get https://build.example.com:2376/v1.24/info: x509: certificate has expired or is not yet valid). Using system default: https://index.docker.io/v1/\n" +
			"An error occurred trying to connect: Post https://build.example.com:2376/v1.24/images/create?fromImage=app: x509: certificate has expired or is not yet valid",
			first: tlsFail},
		{name: "a token realm at an address not reached", in: `docker login -u admin http://120.11.22.33` + "\n" +
			`Error response from daemon: Get "http://120.11.22.33/v2/": Get "http://172.11.22.33/service/token?account=admin&service=harbor-registry": dial tcp 172.11.22.33:80: connect: no route to host`,
			first: regError},
		{name: "Docker Hub's token service not reached", in: `Error response from daemon: Get "https://registry-1.docker.io/v2/": Get "https://auth.docker.io/token?service=registry.docker.io": dial tcp 52.1.2.3:443: i/o timeout`,
			first: netDown},
		{name: "prose after BuildKit's words", in: `Failed to push to app registry: unauthorized: authentication required`,
			first: badCreds, not: []cause.ID{regName}},
		{name: "a 404 for the manifest curl asked", in: "==> Downloading https://ghcr.io/v2/homebrew/core/app/manifests/1.0\ncurl: (22) The requested URL returned error: 404",
			first: regName},
		{name: "Google's role refusal, no credential sent", in: "No matching credentials were found, falling back on anonymous\n" +
			`UNAUTHORIZED: You don't have the needed permissions to perform this operation, and you may have invalid credentials.`, first: badCreds},
		{name: "Google's role refusal", in: `UNAUTHORIZED: You don't have the needed permissions to perform this operation, and you may have invalid credentials.`, first: noPerm},
		{name: "Docker Hub's own 401", in: `failed to fetch oauth token: unexpected status from GET request to https://auth.docker.io/token?scope=x&service=registry.docker.io: 401 Unauthorized`,
			first: badCreds},
		{name: "Docker Hub's 401 in an ACR log", in: "docker push myregistry.azurecr.io/app:1\n" +
			"failed to fetch oauth token: unexpected status from GET request to https://auth.docker.io/token?scope=x&service=registry.docker.io: 401 Unauthorized",
			not: []cause.ID{badCreds}},
		{name: "debug trace of the first challenge", in: "DEBU[0000] < Response Status: \"401 Unauthorized\"\nDEBU[0000]    \"Www-Authenticate\": \"Bearer realm=x\""},
		{name: "socket permission", in: "Got permission denied while trying to connect to the Docker daemon socket at unix:///var/run/docker.sock: Post \"http://%2Fvar%2Frun%2Fdocker.sock/v1.24/auth\": dial unix /var/run/docker.sock: connect: permission denied",
			first: dockerEnv, band: Certain},
		{name: "firewall cut short", in: "Error response from daemon: denied: client with", first: firewall, band: Certain},
		{name: "firewall beats its 403", in: "failed to fetch anonymous token: unexpected status: 403 Forbidden\ndenied: client with IP '1.2.3.4' is not allowed access", first: firewall, band: Certain, not: []cause.ID{badCreds}},
		{name: "Docker Desktop helper IPC", in: "error getting credentials - err: exit status 1, out: `error getting credentials: Get \"http://ipc/registry/credstore-updates\": dial unix backend.sock: connect: no such file or directory`",
			first: credStore, band: Certain},
		{name: "anonymous pull on, 401", in: "The registry has anonymous pull enabled.\ndocker pull r.azurecr.io/a:1\nunauthorized: authentication required", first: anonBlock, band: Likely},
		{name: "ID token ahead", in: "The ID token is not yet valid. Make sure your computer's time and time zone are both correct.", first: clock, band: Certain},
		{name: "a 5xx wrapped around the registry's answer", in: `500 Server Error: Internal Server Error ("Get https://r.azurecr.io/v2/a/manifests/1: unauthorized: authentication required")`,
			first: badCreds, not: []cause.ID{regError}},
		{name: "a login to Docker Hub refused", in: "Logging into Docker Hub...\nError: Error response from daemon: Get https://registry-1.docker.io/v2/: unauthorized: incorrect username or password",
			first: badCreds, band: Likely},
		{name: "Docker Hub refuses a stored credential on a pull", in: "docker pull team/app\nError response from daemon: Get https://registry-1.docker.io/v2/team/app/manifests/latest: unauthorized: incorrect username or password",
			first: anonBlock, band: Likely, alt: badCreds},
		{name: "the pull's URL on the line before", in: "Error response from daemon: Get\nhttps://registry-1.docker.io/v2/team/app/manifests/latest:\nunauthorized: incorrect username or password.",
			first: anonBlock},
		{name: "App Service sends the app's credentials to Docker Hub", in: `DockerApiException: Docker API responded with status code=InternalServerError, response={"message":"Get https://registry-1.docker.io/v2/team/app/manifests/latest: unauthorized: incorrect username or password"}`,
			first: regName, band: Likely, alt: badCreds},
		{name: "a registry named by an unset variable", in: "Error response from daemon: Get https://undefined/v2/: dial tcp: lookup undefined on 10.0.0.2:53: no such host",
			first: regName, band: Certain, not: []cause.ID{netDown}},
		{name: "a single-label name that is a host", in: "Error response from daemon: Get https://docker:2376/v2/: dial tcp: lookup docker on 10.0.0.2:53: no such host",
			first: netDown},
		{name: "no password reached skopeo", in: "Password: time=\"2025-07-08T16:09:18Z\" level=fatal msg=\"getting username and password: reading password: inappropriate ioctl for device\"",
			first: badCreds, band: Likely},
		{name: "listing the catalog needs its own permission", in: `ERRO[0000] error getting search results from v2 endpoint "r.azurecr.io": unauthorized: unauthorized to list catalog`,
			first: noPerm, band: Certain},
		{name: "the daemon's TCP port refused", in: "I/O exception (java.io.IOException) caught when processing request to {}->docker://localhost:2376: com.sun.jna.LastErrorException: [61] Connection refused",
			first: dockerEnv, not: []cause.ID{netDown}},
		{name: "a Java client without a daemon", in: `Connection to the Docker daemon at 'localhost' failed with error "[2] No such file or directory"; ensure the Docker daemon is running and accessible`,
			first: dockerEnv, band: Certain},
		{name: "an empty registry variable before the repository", in: `checking push permission for "/team/app:latest": GET https://auth.docker.io/token?scope=repository%3A%2Fteam%2Fapp%3Apush&service=registry.docker.io: unexpected status code 400 Bad Request: {"details":"invalid repository name"}`,
			first: regName},
		{name: "Container Apps refuses the registry server", in: "Property 'registries.server' has an invalid value 'MyReg.azurecr.io'. (Code: ContainerAppInvalidRegistryServerValue)",
			first: regName, band: Certain},
		{name: "a robot account's $ eaten by the shell", in: "echo $TOKEN | docker login --password-stdin -u robot$ci harbor.example.com\nError response from daemon: Get https://harbor.example.com/v2/: unauthorized: authentication required",
			first: badCreds},
		{name: "a $ that starts a variable", in: "docker login -u $USER myreg.azurecr.io --password-stdin\nLogin Succeeded"},
		{name: "a pull token refused by Docker Hub", in: `GET https://auth.docker.io/token?scope=repository%3Alibrary%2Fhello-world%3Apull&service=registry.docker.io: unexpected status code 401 Unauthorized: {"details":"incorrect username or password"}`,
			first: anonBlock},
		{name: "containers/image names its transport docker://", in: `Error: initializing source docker://quay.io/podman/hello:latest: pinging container registry quay.io: Get "https://quay.io/v2/": dial tcp: lookup quay.io: Temporary failure in name resolution`,
			first: netDown, not: []cause.ID{dockerEnv}},
		{name: "az acr import without rights on the source", in: "The client 'x' with object id 'x' has permission to perform action 'Microsoft.ContainerRegistry/registries/importImage/action' on scope 'a'; however, it does not have permission to perform action 'Microsoft.ContainerRegistry/registries/pull/read' on the linked scope(s) 'b'",
			first: noPerm, band: Certain},
		{name: "docker login without a registry, after az acr",
			in:    "$ az acr show -n myreg --query loginServer\n$ docker login -u myreg -p xxxx\nError response from daemon: Get \"https://registry-1.docker.io/v2/\": unauthorized: incorrect username or password",
			first: regName, alt: badCreds},
		{name: "docker login without a registry, nothing of ACR's",
			in:    "$ docker login -u myuser -p xxxx\nError response from daemon: Get \"https://registry-1.docker.io/v2/\": unauthorized: incorrect username or password",
			first: badCreds, also: []cause.ID{regName}},
		{name: "an unexpanded pipeline variable", in: "dial tcp: lookup $(ACR_NAME).azurecr.io: no such host", first: regName},
		{name: "nothing wrong", in: "Login Succeeded\nThe push refers to repository [myreg.azurecr.io/app]\nlatest: digest: sha256:abc size: 948"},
		{name: "manifest unknown: the registry has no such tag", in: "Error response from daemon: manifest for r.azurecr.io/a:latest not found: manifest unknown: manifest unknown", first: regName, band: Likely},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fs := ExplainString(tc.in)
			got := ids(fs)
			if tc.first == "" {
				if len(fs) != 0 {
					t.Fatalf("causes %v, want none", got)
				}
				return
			}
			if len(fs) == 0 || fs[0].Cause.ID != tc.first || tc.band != "" && fs[0].Confidence != tc.band {
				for _, f := range fs {
					t.Logf("%s %s at %d: %v", f.Cause.ID, f.Confidence, f.LineNo, f.Evidence)
				}
				t.Fatalf("causes %v, want %s (%s) first", got, tc.first, tc.band)
			}
			for _, id := range tc.also {
				if !slices.Contains(got, id) {
					t.Errorf("causes %v lack %s", got, id)
				}
			}
			for _, id := range tc.not {
				if slices.Contains(got, id) {
					t.Errorf("causes %v hold %s", got, id)
				}
			}
			if tc.alt != "" && !slices.Contains(fs[0].Alternatives, tc.alt) {
				t.Errorf("alternatives %v lack %s", fs[0].Alternatives, tc.alt)
			}
			if tc.fix != "" && !slices.ContainsFunc(fs[0].Cause.Remediation, func(r string) bool { return strings.Contains(r, tc.fix) }) {
				t.Errorf("remediation %q lacks %q", fs[0].Cause.Remediation, tc.fix)
			}
			if tc.nofix != "" && slices.ContainsFunc(fs[0].Cause.Remediation, func(r string) bool { return strings.Contains(r, tc.nofix) }) {
				t.Errorf("remediation %q holds %q", fs[0].Cause.Remediation, tc.nofix)
			}
			for _, f := range fs {
				if len(f.Evidence) == 0 || f.Evidence[0].Source != FromText || f.Evidence[0].Text != f.Line || f.Evidence[0].LineNo != f.LineNo {
					t.Errorf("%s: evidence %+v does not start with its line %d %q", f.Cause.ID, f.Evidence, f.LineNo, f.Line)
				}
				if slices.Contains(f.Alternatives, f.Cause.ID) {
					t.Errorf("%s is its own alternative", f.Cause.ID)
				}
			}
		})
	}
}

// TestToolOutputs: one line each, as the clients print their failures.
// The rows are the clients the README names and the shapes of their
// errors, so that a client's wording, not a sample, is what is tested.
func TestToolOutputs(t *testing.T) {
	for _, tc := range []struct {
		in    string
		first cause.ID // "" for no finding
	}{
		// containerd, kubelet, nerdctl
		{`failed to pull and unpack image "myreg.azurecr.io/app:1": failed to resolve reference "myreg.azurecr.io/app:1": failed to do request: Head "https://myreg.azurecr.io/v2/app/manifests/1": dial tcp: lookup myreg.azurecr.io on 168.63.129.16:53: no such host`, regName},
		{`failed to resolve reference "myreg.azurecr.io/app:1": failed to do request: Head "https://myreg.azurecr.io/v2/app/manifests/1": dial tcp 10.1.0.4:443: i/o timeout`, netDown},
		{`Failed to pull image "myreg.azurecr.io/app:1": rpc error: code = NotFound desc = failed to pull and unpack image "myreg.azurecr.io/app:1": not found`, ""},
		// helm, oras, crane, podman, skopeo
		{`Error: failed to authorize: failed to fetch anonymous token: unexpected status from GET request to https://myreg.azurecr.io/oauth2/token?scope=repository%3Acharts%2Fapp%3Apull&service=myreg.azurecr.io: 401 Unauthorized`, badCreds},
		{`Error: failed to resolve latest: GET "https://myreg.azurecr.io/v2/app/manifests/latest": response status code 401: unauthorized: authentication required`, badCreds},
		{`Error: initializing source docker://myreg.azurecr.io/app:1: reading manifest 1 in myreg.azurecr.io/app: unauthorized: authentication required`, badCreds},
		{`Error: pull access denied for app, repository does not exist or may require 'docker login': denied: requested access to the resource is denied`, regName},
		// docker, buildx
		{`ERROR: failed to solve: failed to push myreg.azurecr.io/app:1: failed to authorize: failed to fetch oauth token: unexpected status from POST request to https://myreg.azurecr.io/oauth2/token: 401 Unauthorized`, badCreds},
		{`Error response from daemon: login attempt to https://myreg.azurecr.io/v2/ failed with status: 401 Unauthorized`, badCreds},
		{`Error response from daemon: Get "https://myreg.azurecr.io/v2/": unauthorized: Invalid clientid or client secret.`, badCreds},
		{`Error response from daemon: Get "https://myreg.azurecr.io/v2/": EOF`, netDown},
		{`Error response from daemon: Get "https://myreg.azurecr.io/v2/": x509: certificate has expired or is not yet valid: current time 2024-06-01T10:00:00Z is after 2024-05-30T23:59:59Z`, clock},
		{`error during connect: This error may indicate that the docker daemon is not running.: Get "http://%2F%2F.%2Fpipe%2Fdocker_engine/v1.24/version": open //./pipe/docker_engine: The system cannot find the file specified.`, dockerEnv},
		{"error getting credentials - err: fork/exec /usr/bin/docker-credential-desktop.exe: exec format error, out: ``", credStore},
		{`docker-credential-desktop resolves to executable in current directory (./docker-credential-desktop.exe)`, credStore},
		{`Error: invalid reference format: repository name must be lowercase`, regName},
		{`Error parsing reference: "/app:1" is not a valid repository/tag: invalid reference format`, regName},
		// az, azure/login, curl
		{`ERROR: (ResourceNotFound) The Resource 'Microsoft.ContainerRegistry/registries/myreg' under resource group 'rg' was not found.`, regName},
		{`Error: AADSTS70021: No matching federated identity record found for presented assertion.`, badCreds},
		{`ERROR: AADSTS50173: The provided grant has expired due to it being revoked.`, expired},
		{`Unable to get AAD authorization tokens with message: Please run 'az login' to setup account.`, expired},
		{`curl: (60) SSL certificate problem: unable to get local issuer certificate`, tlsFail},
		{`curl: (6) Could not resolve host: myreg.azurecr.io`, regName},
		{`curl: (7) Failed to connect to myreg.azurecr.io port 443 after 21 ms: Connection refused`, netDown},
		{`proxyconnect tcp: dial tcp 10.0.0.1:3128: i/o timeout`, netDown},
		{`Get "https://myreg.azurecr.io/v2/": Forbidden`, firewall},
		// Docker Hub named after the operation (containers/image)
		{`Error: initializing source docker://app:latest: reading manifest latest in docker.io/library/app: requested access to the resource is denied`, regName},
		{`Error: writing blob: initiating layer upload to /v2/library/app/blobs/uploads/ in registry-1.docker.io: requested access to the resource is denied`, regName},
		// Azure Storage behind ACR refuses by its network rules
		{`error pulling image configuration: error parsing HTTP 403 response body: "<?xml version=\"1.0\"?><Error><Code>AuthorizationFailure</Code><Message>This request is not authorized to perform this operation.</Message></Error>"`, firewall},
		// a local socket refused: the service is not running
		{"Error saving credentials: error storing credentials - err: exit status 1, out: `Post \"http://ipc/registry/credstore-updated\": dial unix /Users/me/Library/Containers/com.docker.docker/Data/backend.sock: connect: connection refused`", credStore},
		{`Post http:///var/run/docker.sock/v1.17/auth: dial unix /var/run/docker.sock: no such file or directory. Are you trying to connect to a TLS-enabled daemon without TLS?`, dockerEnv},
		// .NET and Java name the host apart from the lookup
		{`System.Net.Http.HttpRequestException: No such host is known. (myreg.azurecr.io:443)`, regName},
		{`java.net.UnknownHostException: myreg.azurecr.io: Name or service not known`, regName},
		{`requests.exceptions.ConnectionError: HTTPSConnectionPool(host='myreg.azurecr.io', port=443): Max retries exceeded with url: /v2/ (Caused by NewConnectionError('<urllib3.connection.HTTPSConnection object at 0x7f>: Failed to establish a new connection: [Errno -2] Name or service not known'))`, regName},
		// the engines, when their service is not there
		{`##[error]Unable to locate executable file: 'docker'. Please verify either the file path exists or the file can be found within a directory specified by the PATH environment variable.`, dockerEnv},
		{"Cannot connect to Podman. Please verify your connection to the Linux system using `podman system connection list`", dockerEnv},
		{`FATA[0000] cannot access containerd socket "/run/containerd/containerd.sock": no such file or directory`, dockerEnv},
		{`zsh: command not found: docker`, dockerEnv},
		// stores and names
		{`Error Message: The user name or passphrase you entered is not correct.`, credStore},
		{`argument error: Registry name must use only lowercase`, regName},
		{`"AADSTS70001: Application with identifier 'x' was not found in the directory 'contoso.onmicrosoft.de'`, notInAAD},
		{`(ExpiredAuthenticationToken) The access token expiry UTC time '1/1/2024 10:00:00 AM' is earlier than current UTC time '1/1/2024 11:00:00 AM'.`, expired},
		{`Error: Username and password required`, badCreds},
		{`Error: unable to verify the first certificate`, tlsFail},
		{`E: Release file for http://deb.debian.org/debian/dists/bookworm/InRelease is not valid yet (invalid for another 6h 12min 3s).`, clock},
	} {
		fs := ExplainString(tc.in)
		switch {
		case tc.first == "" && len(fs) != 0:
			t.Errorf("%q: causes %v, want none", tc.in, ids(fs))
		case tc.first != "" && (len(fs) == 0 || fs[0].Cause.ID != tc.first):
			t.Errorf("%q: causes %v, want %s first", tc.in, ids(fs), tc.first)
		}
	}
}
